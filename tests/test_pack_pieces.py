"""A sheet's XML compressed from its pieces (safezip.pack_pieces, kam_xl.xlsx.writer.serialise_packed): the same
member as compressing the whole text, without holding it whole; such sheets are saved as they are."""

from __future__ import annotations

import zipfile
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from kam_xl.xlsx.safezip import pack, pack_pieces, unpack

texts = st.lists(st.text(max_size=40) | st.text('<c r="A1">中文→', min_size=1000, max_size=400_000), max_size=12)


@settings(max_examples=40, deadline=None)
@given(texts, st.sampled_from([1, 6]))
def test_pieces_pack_to_the_bytes_of_the_whole_text(pieces, level):
    whole = "".join(pieces).encode("utf-8")
    packed = pack_pieces(pieces, level)
    assert unpack(packed) == whole
    assert packed.size == len(whole) and packed.crc == zlib.crc32(whole)
    assert packed.method == zipfile.ZIP_DEFLATED
    if len(whole) < 100_000:  # one chunk: pack()'s very bytes
        assert packed.data == pack(whole, level).data


def test_a_big_sheet_is_packed_a_chunk_at_a_time_and_reads_back_whole():
    pieces = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>门店 {n} → {"x" * 900}</t></is></c></row>' for n in range(6000)
    ]
    whole = "".join(pieces).encode("utf-8")
    packed = pack_pieces(pieces, 1)
    assert len(whole) > 5_000_000
    assert unpack(packed) == whole and packed.crc == zlib.crc32(whole) and packed.size == len(whole)

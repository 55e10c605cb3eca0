"""A sheet's XML compressed from its pieces (safezip.pack_pieces, kam_xl.xlsx.writer.serialise_packed): the same
member as compressing the whole text, without holding it whole; such sheets are saved as they are."""

from __future__ import annotations

import zipfile
import zlib
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kam_xl.xlsx.safezip import pack, pack_pieces, unpack
from kam_xl.xlsx.sheetxml import StyleIndex, sheet_pieces, sheet_xml
from kam_xl.xlsx.spec import Formula, SheetSpec

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


def test_a_big_sheet_is_made_as_it_is_packed_and_gives_the_same_xml():
    """A sheet over 20,000 cells (a review's tables) is not held as a list of pieces: they are made while they are
    compressed, and the member is the sheet's XML as written whole."""
    styles = StyleIndex({"text": 0, "num": 3, "date": 5}, {})
    spec = SheetSpec("Problems")
    for row in range(1, 6001):
        spec.set(row, 1, f"门店 {row} & <note>", "text")
        spec.set(row, 2, row * 1.5, "num")
        spec.set(row, 3, date(2026, 1, 1 + row % 28), "date")
        spec.set(row, 4, Formula(f"=B{row}*2", row * 3.0), "num")
        spec.set(row, 5, None, "num")
    pieces = sheet_pieces(spec, styles, reuse=False)
    assert not isinstance(pieces, list | tuple)
    assert unpack(pack_pieces(pieces, 1)) == sheet_xml(spec, styles, reuse=False)
    assert unpack(pack_pieces(sheet_pieces(spec, styles), 1)) == sheet_xml(spec, styles)

"""A lazy package (Package.open(path, lazy=True), what FileBook opens): members are decompressed only when read,
with the same checks; members never read nor changed are written back as stored, without being decompressed."""

import io
import zipfile

import pytest

from kam_xl.errors import WorkbookError
from kam_xl.xlsx import safezip
from kam_xl.xlsx.package import Package
from tests.test_package import _crc_damaged, _with_entity, _zip_bomb, host_bytes


def _stored_bytes(data: bytes) -> dict[str, tuple[bytes, int]]:
    """Each member's compressed bytes and CRC as they are in the zip."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            head = data[info.header_offset : info.header_offset + 30]
            start = (
                info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
            )
            out[info.filename] = (data[start : start + info.compress_size], info.CRC)
    return out


@pytest.fixture
def inflated(monkeypatch):
    """The names of the members decompressed (safezip.inflate) while the test runs."""
    names = []
    real = safezip.inflate

    def counting(label, name, member):
        names.append(name)
        return real(label, name, member)

    monkeypatch.setattr(safezip, "inflate", counting)
    return names


def test_members_not_read_are_never_decompressed_and_are_copied_as_stored(tmp_path, inflated):
    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    before = _stored_bytes(path.read_bytes())
    package = Package.open(path, lazy=True)
    plan = package.sheet_part("Plan")
    package.set_cells("Plan", {"B2": 42})
    package.save(path)
    untouched = {"xl/worksheets/sheet1.xml", "xl/charts/chart1.xml", "xl/theme/theme1.xml", "docProps/core.xml"}
    assert not untouched & set(inflated)
    after = _stored_bytes(path.read_bytes())
    for name in untouched:
        assert after[name] == before[name]  # the same compressed bytes and CRC
    assert after[plan] != before[plan]
    assert zipfile.ZipFile(path).testzip() is None
    assert Package.open(path).cell_values("Plan", ["B2"]) == {"B2": 42.0}


def test_a_saved_lazy_package_reads_its_members_from_the_new_file(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    package = Package.open(path, lazy=True)
    package.set_cells("Plan", {"B2": 7})
    package.save(path, backup=False)
    assert package.cell_values("README", ["A1"]) == {"A1": "How to use this workbook"}  # never read before
    package.set_cells("README", {"A2": "more"})
    package.save(path, backup=False)
    reopened = Package.open(path)
    assert reopened.cell_values("README", ["A1", "A2"]) == {"A1": "How to use this workbook", "A2": "more"}
    assert reopened.cell_values("Plan", ["B2"]) == {"B2": 7.0}


def test_a_damaged_member_is_refused_when_it_is_read(tmp_path):
    path = tmp_path / "crc.xlsx"
    path.write_bytes(_crc_damaged())
    package = Package.open(path, lazy=True)  # only the central directory is checked at open
    with pytest.raises(WorkbookError, match="damaged"):
        package.cell_values("README", ["A1"])


@pytest.mark.parametrize(("make", "message"), [(_zip_bomb, "zip bomb"), (_with_entity, "DTD")])
def test_bombs_and_dtds_are_refused_by_a_lazy_package_too(tmp_path, make, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make())
    with pytest.raises(WorkbookError, match=message):
        Package.open(path, lazy=True)


def test_a_file_replaced_under_a_lazy_package_is_not_mixed_in(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    package = Package.open(path, lazy=True)
    other = tmp_path / "other.xlsx"
    other.write_bytes(host_bytes())
    other.replace(path)  # someone else saved a new file over it
    with pytest.raises(WorkbookError, match="replaced"):
        package.cell_values("README", ["A1"])


def test_sheets_changed_in_a_copy_are_handed_back_compressed_and_saved(tmp_path):
    """What collect's forked helper does (Package.sheet_changes, take_sheet_changes): two opens of one file, one
    writes into a sheet and hands the sheet back; the other saves it with its own changes, and reads it back."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    here, there = Package.open(path, lazy=True), Package.open(path, lazy=True)
    sheets = there.sheet_names()
    there.set_cells(sheets[0], {"C3": 7, "D4": "from the helper"})
    parts, dropped = there.sheet_changes([sheets[0]])
    assert list(parts) == [there.sheet_part(sheets[0])] and not dropped
    assert all(isinstance(member, safezip.Packed) for member in parts.values())
    here.set_cells(sheets[-1], {"E5": 1.5})
    here.take_sheet_changes(parts, dropped)
    assert here.is_modified()
    here.save(path)
    assert not here.is_modified()  # the file as saved is the new baseline
    again = Package.open(path)
    assert again.cell_values(sheets[0], ["C3", "D4"]) == {"C3": 7.0, "D4": "from the helper"}
    assert again.cell_values(sheets[-1], ["E5"]) == {"E5": 1.5}
    assert zipfile.ZipFile(path).testzip() is None


def test_a_helper_change_outside_its_sheets_is_refused_not_lost(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    there = Package.open(path, lazy=True)
    sheets = there.sheet_names()
    there.set_cells(sheets[-1], {"A1": 1})
    with pytest.raises(WorkbookError, match="cannot hand back"):
        there.sheet_changes([sheets[0]])


def test_parts_warmed_by_the_read_ahead_are_the_members_and_never_undo_a_change(tmp_path, inflated):
    """FileBook's read-ahead decompresses the parts of the sheets it reads (LazyParts.warm, another thread):
    the part is then read without decompressing it again; a part changed meanwhile keeps the change."""
    from kam_xl.xlsx.filebook import FileBook

    path = tmp_path / "book.xlsx"
    path.write_bytes(host_bytes())
    book = FileBook(path)
    package = book.package
    part = package.sheet_part("Plan")
    with package.reading():  # a run of reads held by this thread: the read-ahead opens the file itself
        book.prefetch(["Plan", "README"])
        assert book.grid("Plan")  # waits for the read-ahead (and its warming)
    assert inflated.count(part) == 1
    assert package.formula_cells("Plan") is not None and inflated.count(part) == 1  # not decompressed again
    package.set_cells("Plan", {"B2": 7})
    package._parts.warm(part)  # a late warming of a changed part changes nothing
    assert package.cell_values("Plan", ["B2"]) == {"B2": 7.0}


def test_a_damaged_part_warmed_ahead_is_refused_when_it_is_read_not_in_the_read_ahead(tmp_path):
    from kam_xl.xlsx.filebook import FileBook

    path = tmp_path / "crc.xlsx"
    path.write_bytes(_crc_damaged())
    book = FileBook(path)
    book.package  # noqa: B018 — open: the read-ahead warms parts
    book.prefetch(["README"])
    with pytest.raises(WorkbookError, match="damaged"):
        book.package.cell_values("README", ["A1"])

"""kam collect: SR entries merged into the same cells of the HQ tabs, checked, logged, never erased."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.datetime import from_excel

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.execution.log import read_log
from kam_xl.execution.sources import collect_sources
from kam_xl.lang.words import enum_labels
from kam_xl.model.entries import DATE_RANGE, NUMBER_LIMITS, WHOLE_NUMBERS, enum_kind, field_kind, normalise
from kam_xl.plan.load import load_plan, plan_of
from kam_xl.plan.meta import read_meta
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.layout import STORE_ID_CELL, soft_bounds
from kam_xl.xlsx.cellpatch import MAIN_NS, SheetCells, patch_cells, read_value
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.sr_files import first_tab, inputs, split_copy

TEXTS = (
    "checked shelf",
    "店长同意加大陈列",
    "promoter late; 'quoted' & <b>",
    '=HYPERLINK("http://x","y")',
    "竞品降价200元",
    "12",
    "line one\nline two",
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def split_300(demo_book_factory, tmp_path_factory):
    return split_copy(demo_book_factory("en", 300), tmp_path_factory.mktemp("collect300"))


@pytest.fixture
def small(demo_book_factory, tmp_path):
    """(HQ workbook, SR files) of a fresh 40-store demo (8 SRs, 5 stores each)."""
    return split_copy(demo_book_factory("en", 40), tmp_path)


def _random_value(key: tuple, lang: str, rng: random.Random) -> object:
    kind = field_kind(key)
    if kind == "number":
        whole = rng.randint(0, min(50_000, int(NUMBER_LIMITS[key[-1]]) - 1))
        return whole if rng.random() < 0.7 or key[-1] in WHOLE_NUMBERS else whole + rng.randint(1, 99) / 100
    if kind == "date":
        return dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    if kind in ("enum", "yes_no"):
        return rng.choice(enum_labels(enum_kind(key), lang))
    return rng.choice(TEXTS)


def _locked(cell, known: dict) -> bool:
    """Whether a cell is locked, worked out once per cell style (reading protection is slow)."""
    if cell.style_id not in known:
        known[cell.style_id] = cell.protection.locked is not False
    return known[cell.style_id]


def _fill_with_openpyxl(path: Path, lang: str, rng: random.Random) -> dict[tuple[str, tuple], object]:
    """Type a random valid value into every unlocked cell of every store tab; what was typed, by field."""
    typed, locked = {}, {}
    workbook = openpyxl.load_workbook(path)
    for record in read_meta(FileBook(path)).tabs:
        sheet = workbook[record.tab]
        by_cell = {cell: key for key, cell in field_cells(record.cells).items()}
        unlocked = [  # a merged area is one cell (its first): the rest of it takes no input
            c for row in sheet.iter_rows() for c in row if not isinstance(c, MergedCell) and not _locked(c, locked)
        ]
        assert {c.coordinate for c in unlocked} == set(by_cell), record.tab  # the cell map is every input
        for cell in unlocked:
            key = by_cell[cell.coordinate]
            value = _random_value(key, lang, rng)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed as text, even when it starts with '='
            typed[(record.store_id, key)] = value
    workbook.save(path)
    return typed


def test_round_trip_every_unlocked_cell_arrives_in_the_same_hq_cell(split_300):
    book, files = split_300
    rng = random.Random(4)
    typed = {}
    for path in files:
        typed.update(_fill_with_openpyxl(path, "en", rng))
    before = inputs(book)  # HQ already has the plan's promoter days: the same number typed is no change
    report = collect(book, files)
    assert report.saved and all(f.status == "merged" and f.rejected == 0 for f in report.files)
    same = sum(before[store_id].get(key) == normalise(key, value) for (store_id, key), value in typed.items())
    assert report.written == len(typed) - same and same < len(typed) / 100
    found = inputs(book)
    for (store_id, key), value in typed.items():
        expected = normalise(key, value)
        if isinstance(expected, float):
            expected = pytest.approx(expected, rel=1e-14)  # a spreadsheet keeps 15 significant digits
        assert found[store_id].get(key) == expected, (store_id, key, value)
    hq = FileBook(book)
    record = read_meta(hq).tabs[0]
    grid = hq.grid(record.tab)
    for key, cell in field_cells(record.cells).items():
        value = typed[(record.store_id, key)]
        if isinstance(value, str) and field_kind(key) == "text":
            row, col = openpyxl.utils.cell.coordinate_to_tuple(cell)
            assert grid[row - 1][col - 1] == value  # text exactly as typed
    before, backups = _digest(book), sorted(book.parent.glob("*.kam-backup-*"))
    again = collect(book, files)
    assert not again.saved and again.written == 0 and _digest(book) == before
    assert sorted(book.parent.glob("*.kam-backup-*")) == backups


def _type(path: Path, values: dict[str, object], sheet: str | None = None) -> str:
    """Type values into cells of the first store tab of an SR file (or `sheet`); the sheet's name."""
    name = sheet or first_tab(path)[0]
    package = Package.open(path)
    package.set_cells(name, values)
    package.save(path, backup=False)
    return name


def _cell(path: Path, key: tuple) -> str:
    return field_cells(first_tab(path)[1])[key]


def test_text_that_looks_like_a_formula_arrives_as_text(small):
    book, files = small
    comment = _cell(files[0], ("comment", "sr"))
    tab = _type(files[0], {comment: '=HYPERLINK("http://x","y")'})
    collect(book, files[:1])
    xml = Package.open(book).sheet_xml(tab)
    element = etree.fromstring(xml).find(f".//{{{MAIN_NS}}}c[@r='{comment}']")
    assert element.get("t") == "inlineStr" and element.find(f"{{{MAIN_NS}}}f") is None
    assert openpyxl.load_workbook(book)[tab][comment].value == '=HYPERLINK("http://x","y")'


def test_a_blank_cell_never_erases_and_every_change_is_logged_old_to_new(small):
    book, files = small
    week = load_plan(book).weeks[0].id
    units, comment = _cell(files[0], ("week", week, "units")), _cell(files[0], ("comment", "sr"))
    tab = _type(files[0], {units: 10, comment: "first"})
    first = collect(book, files[:1])
    assert first.saved and first.files[0].new == 2
    _type(files[0], {units: 12, comment: None})
    second = collect(book, files[:1])
    changed = [e for e in second.entries if e.what == "changed"]
    kept = [e for e in second.entries if e.what == "kept"]
    assert [(e.sheet, e.cell, e.old, e.new) for e in changed] == [(tab, units, "10", "12")]
    assert [(e.sheet, e.cell, e.old) for e in kept] == [(tab, comment, "first")]
    store = first_tab(files[0])[1]["store_id"]
    assert inputs(book)[store][("week", week, "units")] == 12 and inputs(book)[store][("comment", "sr")] == "first"
    log = read_log(FileBook(book), "en")
    assert [e.what for e in log] == ["merged", "changed", "kept", "merged"]
    assert log[1].file == files[0].name and log[1].store == store and log[1].field == f"week|{week}|units"


def test_collecting_the_same_files_again_changes_nothing_and_logs_nothing_twice(small):
    book, files = small
    fill_sr_files(files[0].parent, load_plan(book), weeks=4, seed=5)
    first = collect(book, [files[0].parent])
    assert first.saved and first.written > 0
    assert [e for e in first.entries if e.what == "rejected"]
    before, backups = _digest(book), sorted(book.parent.glob("*.kam-backup-*"))
    again = collect(book, [files[0].parent])
    assert not again.saved and again.written == 0 and again.exit_code == 0
    assert not [e for e in again.entries if e.what == "rejected"]
    merged = {f.path.name for f in first.files if f.status == "merged"}
    assert merged and all("already collected" in f.reason for f in again.files if f.path.name in merged)
    assert _digest(book) == before and sorted(book.parent.glob("*.kam-backup-*")) == backups


def test_a_renamed_tab_still_counts_in_the_sr_file_and_in_hq(small):
    book, files = small
    week = load_plan(book).weeks[0].id
    tab, cells = first_tab(files[0])
    units = field_cells(cells)[("week", week, "units")]
    package = Package.open(files[0])
    package.set_cells(tab, {units: 7})
    package.rename_sheet(tab, "my best store")
    package.save(files[0], backup=False)
    hq = Package.open(book)
    hq.rename_sheet(tab, "renamed at HQ")
    hq.save(book, backup=False)
    report = collect(book, files[:1])
    assert report.files[0].new == 1
    assert openpyxl.load_workbook(book)["renamed at HQ"][units].value == 7
    assert any(e.what == "note" and e.sheet == "my best store" and "renamed" in e.reason for e in report.entries)


def test_a_chinese_workbook_gets_its_own_list_words(demo_book_factory, tmp_path):
    book, files = split_copy(demo_book_factory("zh", 40), tmp_path)
    week = load_plan(book).weeks[0].id
    tab, cells = first_tab(files[0])
    cell = field_cells(cells)
    action = cell[("action", 1, "status")]
    _type(
        files[0],
        {
            cell[("week", week, "display")]: "Y",
            action: "done",
            cell[("week", week, "units")]: "１２",
        },
    )
    report = collect(book, files[:1])
    assert report.files[0].new == 3 and not [e for e in report.entries if e.what == "rejected"]
    sheet = openpyxl.load_workbook(book)[tab]
    assert (sheet[cell[("week", week, "display")]].value, sheet[action].value) == ("是", "完成")
    assert sheet[cell[("week", week, "units")]].value == 12
    hq = FileBook(book)
    visible = [name for name in hq.sheet_names() if not name.startswith("_") and name != "xlwings.conf"]
    assert visible[-1] == "回收日志"


def test_sources_list_every_file_and_leave_out_only_lock_files_backups_and_the_hq_workbook(tmp_path):
    for name in (
        "SR001.xlsx",
        "~$SR001.xlsx",
        ".~lock.SR001.xlsx#",
        "SR001.kam-backup-20260101-000000.xlsx",
        ".SR001.x1y2.kam-tmp",
        "notes.txt",
        "hq.xlsx",
        "SR002.XLSX",
        "SR003.ods",
        "SR004.xls",
        "SR005.csv",
        "SR006.xlsm",
        "index.csv",
    ):
        (tmp_path / name).write_bytes(b"x")
    found = collect_sources([tmp_path, tmp_path / "SR001.xlsx"], skip=tmp_path / "hq.xlsx")
    by_name = {s.path.name: s for s in found}
    wanted = ["SR001.xlsx", "SR002.XLSX", "SR003.ods", "SR004.xls", "SR005.csv", "SR006.xlsm", "notes.txt"]
    assert sorted(by_name) == sorted(wanted)
    assert [n for n, s in by_name.items() if not (s.refused or s.skipped)] == ["SR001.xlsx", "SR002.XLSX", "SR006.xlsm"]
    assert "save it as .xlsx" in by_name["SR003.ods"].refused and "OpenDocument" in by_name["SR003.ods"].refused
    assert "Excel 97-2003" in by_name["SR004.xls"].refused and "CSV" in by_name["SR005.csv"].refused
    assert by_name["notes.txt"].skipped.startswith("not a workbook")


def test_simulated_srs_fill_realistically_and_deterministically(demo_book_factory, tmp_path):
    book, files = split_copy(demo_book_factory("en", 40), tmp_path / "a")
    plan = load_plan(book)
    result = fill_sr_files(tmp_path / "a" / "sr", plan, weeks=9, seed=11)
    _, twins = split_copy(demo_book_factory("en", 40), tmp_path / "b")
    again = fill_sr_files(tmp_path / "b" / "sr", plan, weeks=9, seed=11)
    assert result.values == again.values and result.mistakes == again.mistakes
    assert [inputs(a) for a in files] == [inputs(b) for b in twins]
    typed = {store: entries for path in files for store, entries in inputs(path).items()}
    stores = {s.store_id: s for s in plan.stores}
    ratios = [
        entries[("week", w.id, "units")] / (stores[s].base_units * w.season_weight)
        for s, entries in typed.items()
        for w in plan.weeks[:9]
        if isinstance(entries.get(("week", w.id, "units")), float)
    ]
    assert 0.9 < sum(ratios) / len(ratios) < 1.5  # around baseline × season, lifted by the programs
    assert not any(("week", w.id, "units") in e for e in typed.values() for w in plan.weeks[9:])
    shares = [
        e[("week", w.id, "competitor")] / e[("week", w.id, "category")]
        for e in typed.values()
        for w in plan.weeks[:9]
        if isinstance(e.get(("week", w.id, "category")), float)
    ]
    assert 0.15 < sum(shares) / len(shares) < 0.35  # the main competitor's share in the plan is 28%
    report = collect(book, [tmp_path / "a" / "sr"])
    rejected = {(e.file, e.sheet, e.cell) for e in report.entries if e.what == "rejected"}
    expected = {(m.file, m.sheet, m.cell) for m in result.mistakes if m.expect == "rejected"}
    assert expected and rejected == expected
    assert {m.expect for m in result.mistakes} == {"rejected", "accepted", "blank"}
    assert all(f.status == "merged" for f in report.files)


# ----- the fast cell patch of Package.set_cells gives what the parsed tree gives ---------------

_CELLS = (
    '<c r="A1" s="1"/>',
    '<c r="B1"><v>5</v></c>',
    '<c r="C1" t="inlineStr"><is><t>x &amp; y</t></is></c>',
    '<c r="D1" t="s"><v>0</v></c>',
    '<c r="E1" t="b"><v>1</v></c>',
    '<c r="F1" s="2" t="n"><v>2.5</v></c>',
    '<c r="A2" t="str"><v>text</v></c>',
    '<c r="B2" s="1"></c>',
    '<c r="C2" t="e"><v>#N/A</v></c>',
)
_SHEET = (
    '<worksheet xmlns="'
    + MAIN_NS
    + '"><sheetData><row r="1">'
    + "".join(_CELLS[:6])
    + '</row><row r="2">'
    + "".join(_CELLS[6:])
    + "</row></sheetData></worksheet>"
).encode()
_VALUES = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=12),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["A1", "B1", "C1", "D1", "E1", "F1", "A2", "B2", "C2"]), _VALUES, min_size=1))
def test_patching_cells_in_place_matches_editing_the_parsed_sheet(values):
    epoch = False  # the 1900 date system
    patched = patch_cells(_SHEET, values, lambda: ["shared"], epoch, "test")
    assert patched is not None
    data, old = patched
    tree = etree.fromstring(_SHEET)
    assert old == SheetCells(tree, "test").write_many(values, ["shared"], epoch)
    for ref in values:
        fast = etree.fromstring(data).find(f".//{{{MAIN_NS}}}c[@r='{ref}']")
        slow = tree.find(f".//{{{MAIN_NS}}}c[@r='{ref}']")
        assert _meaning(fast) == _meaning(slow), ref


def _meaning(cell: etree._Element) -> tuple:
    """What a cell says: style, type (t="n" is the default), value, and its child elements."""
    return (
        cell.get("s"),
        cell.get("t", "n"),
        read_value(cell, ["shared"]),
        [child.tag for child in cell],
    )


def test_patching_falls_back_for_missing_cells_and_formulas():
    epoch = False  # the 1900 date system
    assert patch_cells(_SHEET, {"Z9": 1}, list, epoch, "test") is None
    formula = _SHEET.replace(b'<c r="B1"><v>5</v></c>', b'<c r="B1"><f>1+1</f><v>2</v></c>')
    assert patch_cells(formula, {"B1": 1}, list, epoch, "test") is None


def test_store_tabs_have_the_validation_bounds_collect_checks(small):
    book, _ = small
    record = read_meta(FileBook(book)).tabs[0]
    sheet = openpyxl.load_workbook(io.BytesIO(book.read_bytes()))[record.tab]
    by_cell = {cell: key for key, cell in field_cells(record.cells).items()}
    hard, soft, dates = {}, {}, set()
    for validation in sheet.data_validations.dataValidation:
        first = str(validation.sqref).split(":")[0]
        if validation.type in ("decimal", "whole"):
            bounds = soft if validation.errorStyle == "warning" else hard
            bounds[by_cell[first][-1]] = (float(validation.formula1), float(validation.formula2))
        if validation.type == "date":
            dates.add(tuple(from_excel(float(f)).date() for f in (validation.formula1, validation.formula2)))
    store = next(s for s in plan_of(FileBook(book)).stores if s.store_id == record.store_id)
    # a number far above the store's usual week asks to be confirmed; beyond what collect accepts, it is refused
    assert soft == {name: (0.0, high) for name, (_, high) in soft_bounds(store).items()} and soft
    assert all(high <= NUMBER_LIMITS[name] for name, (_, high) in soft.items())
    assert hard == {name: (0.0, hi) for name, hi in NUMBER_LIMITS.items() if name not in soft}
    assert dates == {DATE_RANGE}
    assert sheet[STORE_ID_CELL].value == record.store_id


def test_the_report_reads_and_serialises(small):
    book, files = small
    shutil.copy(files[0], files[0].with_name("copy.xlsx"))
    _type(files[0], {_cell(files[0], ("comment", "sr")): "newer"})
    report = collect(book, files[:1] + [files[0].with_name("copy.xlsx")])
    data = report.as_dict()
    assert data["saved"] and {f["status"] for f in data["files"]} == {"merged", "refused"}
    assert any("wins" in line for line in report.lines())


def test_an_hq_store_tab_damaged_in_its_zip_stops_collect_naming_file_and_sheet_and_changes_nothing(small, capsys):
    """A bit flipped inside one store tab's compressed bytes (a disk or a copy gone wrong): exit 2, the message
    names the workbook and the sheet and says what to do; the workbook is as it was, no backup is made."""
    import zipfile

    from kam_xl.cli import main

    book, files = small
    package = Package.open(book)
    sheet = next(name for name in package.sheet_names() if name.startswith("HX"))
    part = package.sheet_part(sheet)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo(part)
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40] ^= 0xFF
    book.write_bytes(bytes(data))
    before, backups = _digest(book), set(book.parent.glob("*.kam-backup-*"))
    assert main(["collect", str(book), *map(str, files), "--db", "none"]) == 2
    err = capsys.readouterr().err
    assert book.name in err and repr(sheet) in err and "damaged" in err and "save it again" in err
    assert "Traceback" not in err
    assert _digest(book) == before
    assert set(book.parent.glob("*.kam-backup-*")) == backups


def test_a_file_refused_for_a_deleted_hq_tab_merges_once_generate_has_made_the_tab_again(small, capsys):
    """The store's tab deleted by hand in HQ: its values are refused with what to do, and the file is not
    recorded as collected, so collecting it again after `kam generate` brings them in (it was once skipped as
    "already collected", and the values lost)."""
    book, files = small
    week = load_plan(book).weeks[0].id
    tab = _type(files[0], {_cell(files[0], ("week", week, "units")): 7})
    workbook = openpyxl.load_workbook(book)
    del workbook[tab]
    workbook.save(book)
    assert main(["collect", str(book), str(files[0]), "--db", "none"]) == 1
    assert "no tab for store" in capsys.readouterr().out
    assert tab not in openpyxl.load_workbook(book, read_only=True).sheetnames
    assert main(["--quiet", "generate", str(book)]) == 0
    assert main(["collect", str(book), str(files[0]), "--db", "none"]) == 0
    assert openpyxl.load_workbook(book)[tab][_cell(files[0], ("week", week, "units"))].value == 7
    capsys.readouterr()
    assert main(["collect", str(book), str(files[0]), "--db", "none"]) == 0  # now it is recorded: skipped
    assert "already collected" in capsys.readouterr().out

"""Collect by meaning, through the real CLI: rows and columns moved by hand, copied tabs, the wrong file,
hostile content — every value lands in its own week, program or action, or the tab is refused with the
reason and the rest still merges; nothing is lost without a word."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.execution.log import read_log
from kam_xl.model.entries import checked
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.find import existing_tabs
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support import edits
from tests.support.sr_files import inputs, meta_row_of, split_copy


@pytest.fixture
def filled(demo_book_factory, tmp_path):
    """(HQ workbook, SR files by id, plan) of a 40-store demo whose SR files hold 6 weeks of entries."""
    book, files = split_copy(demo_book_factory("en", 40), tmp_path)
    plan = load_plan(book)
    fill_sr_files(tmp_path / "sr", plan, weeks=6, seed=3)
    return book, {path.stem: path for path in files}, plan


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records(path: Path) -> list:
    """The store tabs' records of a workbook, each with the name the tab has now (an SR may rename one)."""
    book = FileBook(path)
    meta = read_meta(book)
    found = existing_tabs(book, meta)
    return [replace(record, tab=found[record.store_id][0]) for record in meta.tabs if record.store_id in found]


def _expected(path: Path) -> dict:
    """What collect must bring into HQ from an untouched SR file: every readable value, normalised."""
    out = {}
    for store_id, values in inputs(path).items():
        kept = {}
        for key, value in values.items():
            try:
                typed = checked(key, value)
            except ParseError:
                continue
            if not is_blank(typed):
                kept[key] = typed
        out[store_id] = kept
    return out


def _collect(book: Path, *sources: Path) -> int:
    """`kam collect` through main(); 0 when nothing was refused or rejected, 1 when something was (the
    simulated SRs make a few typing mistakes on purpose, so 1 alone does not mean a tab was refused)."""
    return main(["--quiet", "collect", str(book), *map(str, sources)])


def _refused(book: Path) -> list:
    return [e for e in _log(book) if e.what == "refused"]


def _log(book: Path):
    return read_log(FileBook(book), "en")


def _row_of(record, block: str, key) -> int:
    cells = record.cells[block]
    return cells["rows"][key] if block != "action" else cells["rows"][0] + key - 1


def _assert_hq_has(book: Path, expected: dict, stores=None) -> None:
    hq = inputs(book)
    for store_id, values in expected.items():
        if stores is not None and store_id not in stores:
            continue
        for key, value in values.items():
            assert hq[store_id].get(key) == value, (store_id, key, hq[store_id].get(key), value)


# ----- 1. rows and columns moved in an SR tab ------------------------------------------------------------


def test_a_row_inserted_in_the_weekly_log_keeps_every_later_week_in_its_week(filled):
    book, sr, plan = filled
    expected = _expected(sr["SR001"])
    record = _records(sr["SR001"])[0]
    row = _row_of(record, "week", plan.weeks[2].id)
    edits.insert_rows(sr["SR001"], record.tab, row, [None, "my extra row", None, None, None, None, None, 999])
    assert _collect(book, sr["SR001"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)
    notes = [e for e in _log(book) if e.what == "note" and e.sheet == record.tab]
    assert any("no week of its own" in e.reason and "999" in e.reason for e in notes)
    assert any("moved, inserted or sorted" in e.reason for e in notes)


def test_the_weekly_log_sorted_newest_first_keeps_every_value_in_its_week(filled):
    book, sr, plan = filled
    expected = _expected(sr["SR002"])
    record = _records(sr["SR002"])[1]
    edits.reverse_rows(sr["SR002"], record.tab, _row_of(record, "week", plan.weeks[0].id),
                       _row_of(record, "week", plan.weeks[-1].id))  # fmt: skip
    assert _collect(book, sr["SR002"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_a_row_inserted_above_everything_shifts_nothing_wrong(filled):
    book, sr, _ = filled
    expected = _expected(sr["SR003"])
    record = _records(sr["SR003"])[0]
    edits.insert_rows(sr["SR003"], record.tab, 2, count=3)
    assert _collect(book, sr["SR003"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_a_column_inserted_before_a_and_one_inside_the_log_are_followed(filled):
    book, sr, _ = filled
    expected = _expected(sr["SR004"])
    first, second = _records(sr["SR004"])[:2]
    edits.insert_column(sr["SR004"], first.tab, 1)
    edits.insert_column(sr["SR004"], second.tab, 4)  # between "units sold" and "value sold"
    assert _collect(book, sr["SR004"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_programs_and_actions_follow_their_ids_when_rows_are_moved(filled):
    book, sr, _ = filled
    path = sr["SR005"]
    record = next(r for r in _records(path) if len(r.cells["program"]["rows"]) >= 2)
    cells = field_cells(record.cells)
    programs = list(record.cells["program"]["rows"])
    edits.set_cells(path, record.tab, {cells[("program", programs[0], "note")]: "first program",
                                       cells[("action", 2, "text")]: "second action"})  # fmt: skip
    expected = _expected(path)
    rows = record.cells["program"]["rows"]
    edits.reverse_rows(path, record.tab, min(rows.values()), max(rows.values()))
    edits.insert_rows(path, record.tab, record.cells["action"]["rows"][0] + 1)
    assert _collect(book, path) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)
    hq = inputs(book)[record.store_id]
    assert hq[("program", programs[0], "note")] == "first program" and hq[("action", 2, "text")] == "second action"


def test_a_deleted_week_row_refuses_that_tab_and_the_rest_of_the_file_merges(filled):
    book, sr, plan = filled
    expected = _expected(sr["SR006"])
    broken, *others = _records(sr["SR006"])
    edits.delete_row(sr["SR006"], broken.tab, _row_of(broken, "week", plan.weeks[1].id))
    assert _collect(book, sr["SR006"]) == 1
    refused = [e for e in _log(book) if e.what == "refused" and e.sheet == broken.tab]
    assert refused and plan.weeks[1].id in refused[0].reason and "missing" in refused[0].reason
    assert "undo the change" in refused[0].reason
    assert not inputs(book)[broken.store_id]
    _assert_hq_has(book, expected, stores={r.store_id for r in others})


def test_a_week_row_copied_so_its_key_appears_twice_refuses_the_tab(filled):
    book, sr, plan = filled
    record = _records(sr["SR007"])[0]
    row = _row_of(record, "week", plan.weeks[3].id)
    edits.insert_rows(sr["SR007"], record.tab, row, [plan.weeks[3].id, None, None, None, None, None, None, 5])
    assert _collect(book, sr["SR007"]) == 1
    refused = next(e for e in _log(book) if e.what == "refused" and e.sheet == record.tab)
    assert f"{plan.weeks[3].id} appears in rows {row}, {row + 1}" in refused.reason and refused.cell == f"A{row + 1}"


def test_a_missing_column_header_refuses_the_tab_with_its_row(filled):
    book, sr, plan = filled
    record = _records(sr["SR008"])[0]
    header = _row_of(record, "week", plan.weeks[0].id) - 1
    letter = record.cells["week"]["cols"]["units"]
    edits.set_cells(sr["SR008"], record.tab, {f"{letter}{header}": "my numbers"})
    assert _collect(book, sr["SR008"]) == 1
    refused = next(e for e in _log(book) if e.what == "refused" and e.sheet == record.tab)
    assert "'Units sold' is missing in the header row" in refused.reason and refused.cell == f"A{header}"


def test_a_copied_tab_with_another_store_id_is_refused_and_the_real_tab_merges(filled):
    book, sr, _ = filled
    path = sr["SR001"]
    first, second = _records(path)[:2]
    expected = _expected(path)
    edits.copy_sheet(path, first.tab, "copy of my best store", {"C3": second.store_id})
    assert _collect(book, path) == 1
    refused = [e for e in _log(book) if e.what == "refused"]
    assert [e.sheet for e in refused] == ["copy of my best store"]
    assert "copy" in refused[0].reason and second.tab in refused[0].reason
    _assert_hq_has(book, expected)


def test_a_tab_given_another_srs_store_id_is_refused_alone(filled):
    book, sr, _ = filled
    stranger = _records(sr["SR001"])[0].store_id
    first, *others = _records(sr["SR002"])
    expected = _expected(sr["SR002"])
    edits.set_cells(sr["SR002"], first.tab, {"C3": stranger})
    before = inputs(book)[stranger]
    assert _collect(book, sr["SR002"]) == 1
    refused = next(e for e in _log(book) if e.what == "refused")
    assert "belongs to SR001, not to SR002" in refused.reason or "title says" in refused.reason
    assert inputs(book)[stranger] == before
    _assert_hq_has(book, expected, stores={r.store_id for r in others})


def test_a_tab_with_an_unknown_store_id_is_refused_alone(filled):
    book, sr, _ = filled
    first, *others = _records(sr["SR003"])
    expected = _expected(sr["SR003"])
    edits.set_cells(sr["SR003"], first.tab, {"C3": "ZZ9999", "A1": "ZZ9999 · a store of my own"})
    assert _collect(book, sr["SR003"]) == 1
    refused = next(e for e in _log(book) if e.what == "refused")
    assert "ZZ9999 is not in the HQ workbook" in refused.reason
    _assert_hq_has(book, expected, stores={r.store_id for r in others})


def test_two_identical_tabs_of_one_store_are_both_refused(filled):
    book, sr, _ = filled
    first, *others = _records(sr["SR004"])
    expected = _expected(sr["SR004"])
    edits.copy_sheet(sr["SR004"], first.tab, "same store again")
    assert _collect(book, sr["SR004"]) == 1
    refused = sorted(e.sheet for e in _log(book) if e.what == "refused")
    assert refused == sorted([first.tab, "same store again"])
    _assert_hq_has(book, expected, stores={r.store_id for r in others})


def test_a_tab_made_for_an_earlier_plan_is_refused_alone(filled):
    book, sr, _ = filled
    records = _records(sr["SR005"])
    expected = _expected(sr["SR005"])
    row = meta_row_of(sr["SR005"], records[1].store_id)
    edits.set_cells(sr["SR005"], "_meta", {f"E{row}": "0ld0ld0ld0ld"})  # a file split from an earlier plan
    edits.set_cells(sr["SR005"], records[1].tab, {"P4": "0ld0ld0ld0ld"})
    assert _collect(book, sr["SR005"]) == 1
    refused = next(e for e in _log(book) if e.what == "refused")
    assert refused.sheet == records[1].tab and "earlier plan" in refused.reason and "split again" in refused.reason
    _assert_hq_has(book, expected, stores={r.store_id for r in records if r is not records[1]})


def test_files_in_the_field_when_the_kam_changes_a_target_are_refused_then_taken_with_earlier_plan(filled):
    """The KAM raises the account's units target and regenerates while the SRs' files are out: every tab of
    those files is made for an earlier plan. Refused by default (the spec), but not recorded as collected, so
    `--earlier-plan` brings every value in (by its row's key), with a note per tab."""
    book, sr, _ = filled
    expected = _expected(sr["SR002"])
    grid = FileBook(book).grid("Objectives")
    row = next(r for r, line in enumerate(grid, start=1) if line and line[0] == "K1")
    edits.set_cells(book, "Objectives", {f"G{row}": grid[row - 1][6] * 1.1})
    assert main(["--quiet", "generate", str(book)]) == 0
    assert _collect(book, sr["SR002"]) == 1
    refused = _refused(book)
    assert {e.store for e in refused} == set(expected) and all("--earlier-plan" in e.reason for e in refused)
    assert main(["--quiet", "collect", str(book), str(sr["SR002"]), "--earlier-plan"]) in (0, 1)
    _assert_hq_has(book, expected)
    notes = [e for e in _log(book) if e.what == "note" and "merged with --earlier-plan" in e.reason]
    assert {e.store for e in notes} == set(expected)


def test_rows_inserted_in_the_hq_tab_by_the_kam_are_followed_too(filled):
    book, sr, plan = filled
    expected = _expected(sr["SR006"])
    record = next(r for r in read_meta(FileBook(book)).tabs if r.store_id == _records(sr["SR006"])[0].store_id)
    edits.insert_rows(book, record.tab, _row_of(record, "week", plan.weeks[0].id), count=2)
    assert _collect(book, sr["SR006"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


# ----- 4. files the user did not mean ------------------------------------------------------------------


def test_arguments_swapped_refuse_before_anything_is_written(filled, capsys):
    book, sr, _ = filled
    before = _digest(sr["SR002"]), _digest(sr["SR001"])
    assert main(["collect", str(sr["SR002"]), str(sr["SR001"])]) == 2
    assert "not the HQ workbook" in capsys.readouterr().err
    assert (_digest(sr["SR002"]), _digest(sr["SR001"])) == before


@pytest.mark.parametrize("command", ["generate", "review"])
def test_an_sr_file_given_as_the_hq_workbook_is_refused(filled, capsys, command):
    _, sr, _ = filled
    before = _digest(sr["SR003"])
    assert main([command, str(sr["SR003"])]) == 2
    assert "not the HQ workbook" in capsys.readouterr().err
    assert _digest(sr["SR003"]) == before


# ----- 5. hostile or odd content -----------------------------------------------------------------------


def _sheet_part(path: Path, sheet: str) -> str:
    return Package.open(path).sheet_part(sheet)


def test_a_cell_at_xfd1048576_refuses_that_file_and_the_others_merge(filled, capsys):
    book, sr, _ = filled
    record = _records(sr["SR001"])[0]
    expected = _expected(sr["SR002"])
    part = _sheet_part(sr["SR001"], record.tab)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    edits.patch_sheet_xml(sr["SR001"], part, lambda data: data.replace(b"</sheetData>", far, 1))
    assert main(["collect", str(book), str(sr["SR001"]), str(sr["SR002"])]) == 1
    refused = next(e for e in _log(book) if e.what == "refused")
    assert refused.file == "SR001.xlsx" and "XFD1048576" in refused.reason
    _assert_hq_has(book, expected)


def test_a_dimension_claiming_the_whole_sheet_refuses_the_file(filled):
    book, sr, _ = filled
    record = _records(sr["SR002"])[0]
    part = _sheet_part(sr["SR002"], record.tab)

    def claim(data: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data, count=1)

    edits.patch_sheet_xml(sr["SR002"], part, claim)
    assert _collect(book, sr["SR002"]) == 1
    assert "XFD1048576" in next(e for e in _log(book) if e.what == "refused").reason


def test_error_values_and_formulas_without_a_result_are_rejected_not_blank(filled):
    book, sr, plan = filled
    path = sr["SR003"]
    record = _records(path)[0]
    cells = field_cells(record.cells)
    week = plan.weeks[0].id
    units, value, stock = (cells[("week", week, name)] for name in ("units", "value", "stock"))
    part = _sheet_part(path, record.tab)

    def errors(data: bytes) -> bytes:
        text = data.decode()
        for ref, xml in (
            (units, f'<c r="{units}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
            (value, f'<c r="{value}" t="e"><v>#N/A</v></c>'),
            (stock, f'<c r="{stock}"><f>B999*2</f></c>'),
        ):
            text = re.sub(rf'<c r="{ref}"(?: [^>]*?)?(?:/>|>.*?</c>)', xml, text, count=1)
        return text.encode()

    edits.patch_sheet_xml(path, part, errors)
    assert _collect(book, path) == 1
    rejected = {e.cell: e for e in _log(book) if e.what == "rejected" and e.sheet == record.tab}
    assert "#DIV/0!" in rejected[units].reason and "#N/A" in rejected[value].reason
    assert "formula without a saved result" in rejected[stock].reason
    hq = inputs(book)[record.store_id]
    assert ("week", week, "units") not in hq and ("week", week, "stock") not in hq


def test_spreadsheets_kam_cannot_read_are_listed_and_refused_and_an_xlsm_is_read(filled):
    book, sr, _ = filled
    folder = sr["SR001"].parent
    expected = _expected(sr["SR004"])
    (folder / "SR009.ods").write_bytes(b"PK not really")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "numbers.csv").write_text("HX0001,12\n")
    shutil.move(sr["SR004"], folder / "SR004.xlsm")
    assert _collect(book, folder) == 1
    outcome = {f: e for e in _log(book) if e.what in ("refused", "skipped") for f in [e.file]}
    assert "OpenDocument" in outcome["SR009.ods"].reason and "save it as .xlsx" in outcome["SR009.ods"].reason
    assert "97-2003" in outcome["old.xls"].reason and "CSV" in outcome["numbers.csv"].reason
    _assert_hq_has(book, expected)


def test_a_kam_correction_in_hq_stands_when_the_same_file_is_collected_again(filled):
    book, sr, plan = filled
    record = _records(sr["SR005"])[0]
    assert _collect(book, sr["SR005"]) in (0, 1)
    hq_record = next(r for r in read_meta(FileBook(book)).tabs if r.store_id == record.store_id)
    units = field_cells(hq_record.cells)[("week", plan.weeks[0].id, "units")]
    package = Package.open(book)
    package.set_cells(hq_record.tab, {units: 4242})
    package.save(book, backup=False)
    before = _digest(book)
    assert _collect(book, sr["SR005"]) in (0, 1) and not _refused(book)
    assert inputs(book)[record.store_id][("week", plan.weeks[0].id, "units")] == 4242
    assert _digest(book) == before


def test_a_long_rejected_comment_is_logged_once_and_not_saved_again(filled):
    book, sr, _ = filled
    record = _records(sr["SR006"])[0]
    comment = field_cells(record.cells)[("comment", "sr")]
    edits.set_cells(sr["SR006"], record.tab, {comment: "x" * 32_767})
    package = Package.open(sr["SR006"])  # 40,000 characters: more than a cell holds, as a hostile file would
    xml = package.sheet_xml(record.tab).replace(b"x" * 32_767, b"y" * 40_000)
    edits.patch_sheet_xml(sr["SR006"], _sheet_part(sr["SR006"], record.tab), lambda data: xml)
    assert _collect(book, sr["SR006"]) == 1
    first = [e for e in _log(book) if e.what == "rejected"]
    assert len(first) == 1 and "32,767" in first[0].reason
    before = _digest(book)
    _collect(book, sr["SR006"])
    assert _digest(book) == before and len([e for e in _log(book) if e.what == "rejected"]) == 1


def test_an_emptied_cell_map_in_hq_meta_still_puts_values_in_their_cells(filled):
    book, sr, _ = filled
    expected = _expected(sr["SR007"])
    store = _records(sr["SR007"])[0].store_id
    edits.set_cells(book, "_meta", {f"F{meta_row_of(book, store)}": None})
    assert _collect(book, sr["SR007"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_a_damaged_cell_map_in_the_sr_file_still_merges(filled):
    book, sr, _ = filled
    expected = _expected(sr["SR008"])
    store = _records(sr["SR008"])[0].store_id
    edits.set_cells(sr["SR008"], "_meta", {f"F{meta_row_of(sr['SR008'], store)}": '{"week": {"cols": '})
    assert _collect(book, sr["SR008"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


# ----- 3. never destroy: lost _meta, reserved names ----------------------------------------------------


def test_generate_after_hq_meta_was_deleted_keeps_every_value(filled):
    book, sr, _ = filled
    assert _collect(book, sr["SR001"].parent) in (0, 1)
    before = inputs(book)
    edits.delete_sheet(book, "_meta")
    assert main(["--quiet", "generate", str(book)]) == 0
    after = inputs(book)
    assert {s: v for s, v in after.items() if v} == {s: v for s, v in before.items() if v}


def test_a_store_tab_renamed_to_collect_log_is_never_replaced_by_the_log(filled, capsys):
    book, sr, _ = filled
    assert _collect(book, sr["SR001"]) in (0, 1) and not _refused(book)
    store = _records(sr["SR001"])[0]
    before = inputs(book)[store.store_id]
    workbook = openpyxl.load_workbook(book)
    del workbook["Collect log"]
    workbook[store.tab].title = "Collect log"
    workbook.save(book)
    assert main(["collect", str(book), str(sr["SR002"])]) == 2
    assert "is the store tab of" in capsys.readouterr().err
    assert main(["--quiet", "generate", str(book)]) == 0
    assert inputs(book)[store.store_id] == before
    assert _collect(book, sr["SR002"]) in (0, 1)
    assert inputs(book)[store.store_id] == before


def test_generate_refuses_when_a_tab_holds_values_in_a_row_without_a_key(filled, capsys):
    book, sr, plan = filled
    assert _collect(book, sr["SR001"]) in (0, 1) and not _refused(book)
    record = next(r for r in read_meta(FileBook(book)).tabs if r.store_id == _records(sr["SR001"])[0].store_id)
    edits.insert_rows(book, record.tab, _row_of(record, "week", plan.weeks[2].id),
                      [None, None, None, None, None, None, None, 77])  # fmt: skip
    before = _digest(book)
    assert main(["generate", str(book)]) == 2
    assert "no week of its own" in capsys.readouterr().err
    assert _digest(book) == before


def test_review_follows_rows_the_kam_inserted_and_gives_the_same_scorecard(filled):
    book, sr, plan = filled
    assert _collect(book, sr["SR001"].parent) in (0, 1)
    twin = book.with_name("twin.xlsx")
    shutil.copy(book, twin)
    record = read_meta(FileBook(twin)).tabs[0]
    edits.insert_rows(twin, record.tab, _row_of(record, "week", plan.weeks[1].id), count=2)
    assert main(["--quiet", "review", str(book)]) == 0 and main(["--quiet", "review", str(twin)]) == 0
    sheets = [openpyxl.load_workbook(path, read_only=True)["Store scorecard"] for path in (book, twin)]
    rows = [[tuple(c.value for c in row) for row in sheet.iter_rows(min_row=6)] for sheet in sheets]
    assert rows[0] == rows[1]


def test_the_zip_of_an_sr_file_is_left_byte_for_byte_by_collect(filled):
    book, sr, _ = filled
    before = {p: _digest(p) for p in sr.values()}
    _collect(book, sr["SR001"].parent)
    assert {p: _digest(p) for p in sr.values()} == before
    assert zipfile.is_zipfile(book)


# ----- files saved by another application, or without what kam wrote ----------------------------------


@pytest.mark.libreoffice
def test_an_sr_file_saved_again_by_libreoffice_is_collected_in_full(filled):
    from tests.support.libreoffice import recalculate

    book, sr, _ = filled
    expected = _expected(sr["SR001"])
    saved = recalculate(sr["SR001"], sr["SR001"].parent / "libreoffice")
    assert _collect(book, saved) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_an_sr_file_saved_again_by_gnumeric_is_collected_in_full(filled, tmp_path):
    import os
    import subprocess

    if not shutil.which("ssconvert"):
        if os.environ.get("CI"):
            pytest.fail("Gnumeric's ssconvert is required in CI (.ci/run installs gnumeric)")
        pytest.skip("Gnumeric (ssconvert) is not installed")
    book, sr, _ = filled
    expected = _expected(sr["SR002"])
    saved = tmp_path / "gnumeric" / "SR002.xlsx"
    saved.parent.mkdir()
    subprocess.run(["ssconvert", str(sr["SR002"]), str(saved)], check=True, capture_output=True, timeout=300)
    assert _collect(book, saved) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)


def test_an_sr_file_that_lost_its_meta_sheet_is_recognised_by_its_tabs(filled):
    book, sr, _ = filled
    expected = _expected(sr["SR003"])
    edits.delete_sheet(sr["SR003"], "_meta")
    assert _collect(book, sr["SR003"]) in (0, 1) and not _refused(book)
    _assert_hq_has(book, expected)
    assert any("_meta sheet is missing" in e.reason for e in _log(book) if e.what == "note")


def test_a_folder_inside_the_folder_given_is_listed_not_silently_passed_over(filled):
    book, sr, _ = filled
    folder = sr["SR001"].parent
    (folder / "week 47").mkdir()
    shutil.copy(sr["SR004"], folder / "week 47" / "SR004.xlsx")
    report_code = _collect(book, folder)
    assert report_code in (0, 1)
    skipped = [e for e in _log(book) if e.what == "skipped" and e.file == "week 47"]
    assert skipped and "folder" in skipped[0].reason


def test_last_periods_files_are_refused_by_the_next_periods_workbook_even_with_earlier_plan(tmp_path):
    """SR files of period 1 given to period 2's HQ workbook: another period, not an earlier version of this plan —
    `--earlier-plan` must not take them (their programs and actions would land in the new period's)."""
    out = tmp_path / "demo"
    assert main(["--quiet", "demo", "--stores", "2", "--periods", "2", "--out", str(out)]) == 0
    pristine = (out / "account-period-2.xlsx").read_bytes()
    before = inputs(out / "account-period-2.xlsx")
    for n, extra in enumerate(([], ["--earlier-plan"])):
        book = tmp_path / f"period-2-{n}.xlsx"
        book.write_bytes(pristine)
        assert main(["--quiet", "collect", str(book), str(out / "sr-files"), *extra]) == 1
        refused = _refused(book)
        assert refused and all("another period" in e.reason and "--earlier-plan" not in e.reason for e in refused)
        assert inputs(book) == before


def test_a_store_id_changed_in_the_plan_is_said_by_generate_and_collect(filled, capsys):
    """The KAM 'corrects' a store's ID in the Stores sheet: its tab, with the SR's values, is kept inactive and a
    new empty tab made. generate says the new store has the old one's name; collect notes that the old store's
    values go to a tab the review leaves out."""
    book, sr, _ = filled
    store = _records(sr["SR001"])[0].store_id
    workbook = openpyxl.load_workbook(book)
    for row in workbook["Stores"].iter_rows(min_row=2):
        if row[0].value == store:
            row[0].value = f"{store}-N"
    workbook.save(book)
    capsys.readouterr()
    assert main(["generate", str(book)]) == 0
    out = capsys.readouterr().out
    assert f"{store}-N is a new store with the name of {store}" in out and f"change it back to {store}" in out
    assert main(["collect", str(book), str(sr["SR001"])]) in (0, 1)
    notes = [e for e in _log(book) if e.what == "note" and e.store == store]
    assert notes and "no longer in the plan" in notes[0].reason

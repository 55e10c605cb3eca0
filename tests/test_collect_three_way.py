"""A KAM's correction in HQ against a newer file that still holds the value it corrected (collect and import),
through the real command line, the files edited as Excel users edit them (openpyxl)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.execution.log import read_log
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.xlsx.filebook import FileBook
from tests.support.email_books import read_eml
from tests.support.sr_files import generated_copy, split_copy


@pytest.fixture
def loop(demo_book_factory, tmp_path):
    """(HQ workbook, SR001's file, its first tab's sheet name, field -> cell, the period's week ids)."""
    book, files = split_copy(demo_book_factory("en", 20), tmp_path)
    record = read_meta(FileBook(files[0])).tabs[0]
    weeks = [week.id for week in load_plan(book).weeks]
    return book, files[0], record.tab, field_cells(record.cells), weeks


def _type(path: Path, sheet: str, values: dict[str, object]) -> None:
    """Type values into a sheet and save, as a person in Excel would."""
    workbook = openpyxl.load_workbook(path)
    for cell, value in values.items():
        workbook[sheet][cell] = value
    workbook.save(path)


def _value(path: Path, sheet: str, cell: str) -> object:
    return openpyxl.load_workbook(path)[sheet][cell].value


def _collect(book: Path, *files: Path, db: str | None = None) -> int:
    return main(["--quiet", "collect", str(book), *map(str, files), *(["--db", db] if db else [])])


def _last_entries(book: Path, what: str) -> list:
    return [entry for entry in read_log(FileBook(book), "en") if entry.what == what]


def test_a_kams_correction_stands_against_a_newer_file_that_still_has_the_old_value(loop, capsys):
    book, sr, tab, cells, weeks = loop
    units, next_units = cells[("week", weeks[0], "units")], cells[("week", weeks[1], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr) == 0
    _type(book, tab, {units: 10})  # the KAM corrects the SR's typing in HQ
    _type(sr, tab, {next_units: 50})  # the SR goes on in the same file and sends it again
    capsys.readouterr()
    assert main(["collect", str(book), str(sr)]) == 0
    out = capsys.readouterr().out
    assert _value(book, tab, units) == 10 and _value(book, tab, next_units) == 50
    assert "1 HQ correction(s) kept" in out and "HQ's value (10) is kept (type 100 in HQ" in out
    held = [e for e in _last_entries(book, "held") if e.cell == units]
    assert [(e.old, e.new, e.sheet, e.file) for e in held] == [("10", "100", tab, sr.name)]
    # the SR's next file still has 100: HQ's 10 still stands; a new value of the SR's is taken
    _type(sr, tab, {units: 120})
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 120
    changed = [e for e in _last_entries(book, "changed") if e.cell == units]
    assert changed[-1].old == "10" and changed[-1].new == "120"
    assert "changed in HQ and in the SR's file" in changed[-1].reason


def test_a_value_cleared_in_hq_is_not_brought_back_by_the_same_file_value(loop, capsys):
    book, sr, tab, cells, weeks = loop
    comment, units = cells[("comment", "sr")], cells[("week", weeks[0], "units")]
    _type(sr, tab, {comment: "wrong store's note", units: 7})
    assert _collect(book, sr) == 0
    _type(book, tab, {comment: None})
    _type(sr, tab, {units: 8})
    capsys.readouterr()
    assert main(["collect", str(book), str(sr)]) == 0
    assert "HQ's value (blank) is kept" in capsys.readouterr().out
    assert _value(book, tab, comment) is None and _value(book, tab, units) == 8


def test_a_file_split_after_the_correction_says_the_srs_own_change(loop):
    book, sr, tab, cells, weeks = loop
    units = cells[("week", weeks[0], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr) == 0
    _type(book, tab, {units: 10})
    shutil.rmtree(sr.parent)
    assert main(["--quiet", "split", str(book), "--out", str(sr.parent)]) == 0
    assert _value(sr, tab, units) == 10  # the new file starts from HQ's corrected value
    _type(sr, tab, {units: 100})  # and the SR insists: that is the SR's change, taken
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 100


def test_an_enum_and_a_date_correction_stand_too_and_generate_keeps_the_memory(loop):
    book, sr, tab, cells, weeks = loop
    status, due = cells[("program", _first_program(book), "status")], cells[("action", 1, "due")]
    _type(sr, tab, {status: "Done", due: "2026-11-20"})
    assert _collect(book, sr) == 0
    assert _value(book, tab, status) == "Done"
    _type(book, tab, {status: "Agreed", due: datetime(2026, 12, 1)})
    assert main(["--quiet", "generate", str(book)]) == 0  # a regenerate in between keeps what collect knows
    _type(sr, tab, {cells[("week", weeks[2], "units")]: 3})
    assert _collect(book, sr) == 0
    assert _value(book, tab, status) == "Agreed" and _value(book, tab, due) == datetime(2026, 12, 1)
    assert len([e for e in _last_entries(book, "held") if e.cell in (status, due)]) == 2


def _first_program(book: Path) -> str:
    return load_plan(book).programs[0].id


def test_without_a_history_database_the_newer_file_wins_as_before(loop):
    book, sr, tab, cells, weeks = loop
    units = cells[("week", weeks[0], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr, db="none") == 0
    _type(book, tab, {units: 10})
    _type(sr, tab, {cells[("week", weeks[1], "units")]: 50})
    assert _collect(book, sr, db="none") == 0
    assert _value(book, tab, units) == 100  # documented: the three-way merge needs the history database


def test_a_workbook_put_back_from_a_backup_is_weighed_against_what_it_held(loop):
    book, sr, tab, cells, weeks = loop
    units = cells[("week", weeks[0], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr) == 0
    copy = book.with_name("after-first-collect.xlsx")
    shutil.copy(book, copy)
    _type(sr, tab, {units: 200})
    assert _collect(book, sr) == 0
    shutil.copy(copy, book)  # the KAM puts back the copy from before the second collect: 100 in HQ
    _type(sr, tab, {cells[("week", weeks[1], "units")]: 50})  # the SR's file still says 200
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 200  # this workbook never had 200: no correction of the KAM's to keep


def test_an_import_keeps_a_correction_against_a_later_report_with_the_old_figure(demo_book_factory, tmp_path, capsys):
    hq = generated_copy(demo_book_factory("en", 20), tmp_path)
    plan = load_plan(hq)
    store, week = plan.active_stores[0], plan.weeks[0]
    first = tmp_path / "week1.csv"
    first.write_text(f"Store ID,Week,Units\n{store.store_id},{week.id},500\n", encoding="utf-8")
    assert main(["--quiet", "import", str(hq), str(first)]) == 0
    record = read_meta(FileBook(hq)).tab_for(store.store_id)
    cell = field_cells(record.cells)[("week", week.id, "units")]
    _type(hq, record.tab, {cell: 450})  # the KAM corrects the retailer's figure
    later = tmp_path / "week2.csv"
    nxt = plan.weeks[1]
    later.write_text(
        f"Store ID,Week,Units\n{store.store_id},{week.id},500\n{store.store_id},{nxt.id},300\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["import", str(hq), str(later)]) == 0
    assert "HQ's value (450) is kept" in capsys.readouterr().out
    assert _value(hq, record.tab, cell) == 450
    assert _value(hq, record.tab, field_cells(record.cells)[("week", nxt.id, "units")]) == 300


def test_the_chinese_log_says_it_in_chinese(demo_book_factory, tmp_path, capsys):
    book, files = split_copy(demo_book_factory("zh", 20), tmp_path)
    record = read_meta(FileBook(files[0])).tabs[0]
    cells = field_cells(record.cells)
    weeks = [week.id for week in load_plan(book).weeks]
    units = cells[("week", weeks[0], "units")]
    _type(files[0], record.tab, {units: 100})
    assert _collect(book, files[0]) == 0
    _type(book, record.tab, {units: 10})
    _type(files[0], record.tab, {cells[("week", weeks[1], "units")]: 5})
    capsys.readouterr()
    assert main(["collect", str(book), str(files[0])]) == 0
    out = capsys.readouterr().out
    assert "保留总部修改1个" in out and "保留总部的数值（10）" in out
    assert _value(book, record.tab, units) == 10


def test_the_workbook_attached_to_the_srs_email_starts_from_hqs_corrected_value(loop, tmp_path):
    book, sr, tab, cells, weeks = loop
    units = cells[("week", weeks[0], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr) == 0
    _type(book, tab, {units: 10})
    assert main(["--quiet", "review", str(book)]) == 0
    assert main(["--quiet", "email", str(book), "--out", str(tmp_path / "mail"), "--to", "sr"]) == 0
    attached = None
    for eml in (tmp_path / "mail").rglob("*.eml"):
        message = read_eml(eml)
        for part in message.iter_attachments():
            if part.get_filename() == sr.name:
                attached = part.get_payload(decode=True)
    assert attached is not None
    sr.write_bytes(attached)  # the SR works on in the refreshed workbook the e-mail brought
    assert _value(sr, tab, units) == 10
    _type(sr, tab, {units: 100})  # and insists on 100: the SR's own change in a file made after the correction
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 100


def test_the_srs_email_lists_the_figures_hq_corrected_and_kept(loop, tmp_path):
    book, sr, tab, cells, weeks = loop
    units, later = cells[("week", weeks[0], "units")], cells[("week", weeks[1], "units")]
    _type(sr, tab, {units: 100})
    assert _collect(book, sr) == 0
    _type(book, tab, {units: 10})
    _type(sr, tab, {later: 50})
    assert _collect(book, sr) == 0  # HQ's 10 held
    assert main(["--quiet", "review", str(book)]) == 0
    assert main(["--quiet", "email", str(book), "--out", str(tmp_path / "mail"), "--to", "sr"]) == 0
    texts = {}  # attachment name -> {content type: text}
    for eml in (tmp_path / "mail").rglob("*.eml"):
        message = read_eml(eml)
        (attachment,) = message.iter_attachments()
        texts[attachment.get_filename()] = {
            part.get_content_type(): part.get_content()
            for part in message.walk()
            if part.get_filename() is None and part.get_content_maintype() == "text"
        }
    assert len(texts) > 1
    plain = texts[sr.name]["text/plain"]
    assert "== Figures HQ corrected ==" in plain
    assert f"* {tab}!{units} · Units sold, the week of 28 Sep 2026 · You sent: 100 · HQ keeps: 10" in plain
    assert "Figures HQ corrected" in texts[sr.name]["text/html"] and f"{units}</strong>" in texts[sr.name]["text/html"]
    assert [name for name, parts in texts.items() if "Figures HQ corrected" in parts["text/plain"]] == [sr.name]


def test_an_srs_figure_equal_to_an_imported_one_is_still_the_base_of_the_next_collect(loop, tmp_path):
    book, sr, tab, cells, weeks = loop
    units = cells[("week", weeks[0], "units")]
    store = read_meta(FileBook(sr)).tabs[0].store_id
    report = tmp_path / "report.csv"
    report.write_text(f"Store ID,Week,Units\n{store},{weeks[0]},500\n", encoding="utf-8")
    assert main(["--quiet", "import", str(book), str(report)]) == 0
    _type(book, tab, {units: 450})  # the KAM adjusts the retailer's figure
    _type(sr, tab, {units: 500})  # the SR types the retailer's figure: taken (nothing collected before)
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 500
    _type(book, tab, {units: 450})  # the KAM corrects it again
    _type(sr, tab, {cells[("week", weeks[1], "units")]: 7})  # the SR's next file still says 500
    assert _collect(book, sr) == 0
    assert _value(book, tab, units) == 450

"""A corpus of bad SR input (typed values and whole files): every problem reported, every good value merged.

Tabs refused on their own (copies, other SRs' stores, stale tabs, moved rows) are in test_collect_by_meaning.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kam_xl.execution.collect import collect
from kam_xl.execution.log import read_log
from kam_xl.model.entries import checked
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.find import existing_tabs
from kam_xl.xlsx.cellpatch import MAIN_NS
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import NewSheet, Package
from tests.support.sr_files import inputs, set_meta_value, split_copy

# (what, tab number, field key with W0..W3 for weeks and P for the tab's first program, typed, reason)
BAD_CELLS = [
    ("text in a number", 0, ("week", "W0", "units"), "about 12", "not a number"),
    ("negative number", 0, ("week", "W0", "value"), -3, "negative"),
    ("number above the validation bound", 0, ("week", "W0", "category"), 2e8, "at most"),
    ("number with a unit", 0, ("week", "W0", "competitor"), "12 pcs", "not a number"),
    ("malformed thousands", 0, ("week", "W0", "stock"), "1,23,4", "not a number"),
    ("spreadsheet error typed", 1, ("week", "W1", "units"), "#DIV/0!", "spreadsheet error"),
    ("TRUE in a number", 1, ("week", "W1", "value"), True, "TRUE/FALSE"),
    ("number beyond any float", 1, ("week", "W1", "category"), "1e400", "finite"),
    ("promoter days over the bound", 1, ("week", "W1", "promoter_present"), 5000, "at most"),
    ("yes/no that is neither", 1, ("week", "W1", "display"), "maybe", "Y or N"),
    (
        "unknown program status",
        2,
        ("program", "P", "status"),
        "Finished",
        "allowed: Planned, Agreed",
    ),
    ("negative cost in brackets", 2, ("program", "P", "cost"), "(50)", "negative"),
    ("impossible date", 2, ("program", "P", "done_on"), "2026-02-30", "not a real date"),
    ("unknown action owner", 2, ("action", 1, "owner"), "Boss", "allowed: SR, Store, HQ"),
    ("unknown action status", 2, ("action", 1, "status"), "Closed", "allowed: Open, Done"),
    ("day and month could be swapped", 3, ("action", 1, "due"), "03/04/2026", "swapped"),
    ("date before 2000", 3, ("agreed",), "1999-12-31", "between 2000-01-01"),
    ("words for a date", 3, ("action", 2, "due"), "next week", "not a date"),
    ("a time for a date", 3, ("action", 3, "due"), dt.time(10, 30), "not a date|between"),
    ("TRUE for a date", 4, ("action", 4, "due"), True, "TRUE/FALSE"),
    ("text in promoter days", 4, ("week", "W2", "promoter_planned"), "two", "not a number"),
]
# Messy but valid: must arrive normalised.
GOOD_CELLS = [
    ("thousands separator", 4, ("week", "W3", "units"), "1,234", 1234.0),
    ("full-width digits", 4, ("week", "W3", "category"), "１２３４５", 12345.0),
    ("stray spaces", 4, ("week", "W3", "stock"), "  45 ", 45.0),
    ("yes in Chinese", 4, ("week", "W3", "display"), "是", True),
    ("date with slashes", 4, ("action", 5, "due"), "2026/10/5", dt.date(2026, 10, 5)),
    ("Chinese date", 4, ("action", 6, "due"), "2026年10月6日", dt.date(2026, 10, 6)),
    ("lower-case status", 4, ("action", 6, "status"), "done", "done"),
    (
        "formula-like comment",
        4,
        ("comment", "sr"),
        '=HYPERLINK("http://x","y")',
        '=HYPERLINK("http://x","y")',
    ),
    ("zero", 4, ("week", "W2", "units"), 0, 0.0),
]
# file name -> (what is wrong, the reason the report must give)
BAD_FILES = {
    "not a workbook.xlsx": ("plain text", r"not an \.xlsx"),
    "encrypted.xlsx": ("password-protected (OLE container)", "encrypted"),
    "truncated.xlsx": ("half a file", r"not an \.xlsx|damaged"),
    "empty.xlsx": ("0 bytes", r"not an \.xlsx"),
    "zip bomb.xlsx": ("a member compressed 1000:1", "zip bomb"),
    "a document.xlsx": ("a Word document renamed", r"not an Excel workbook|no xl/workbook\.xml"),
    "no meta.xlsx": ("a workbook not made by split", "no _meta"),
    "hq copy.xlsx": ("the HQ workbook itself", "HQ workbook"),
    "other account.xlsx": ("_meta says another account", "made for account"),
    "dtd.xlsx": ("an XML part with a DTD (entity bomb)", "DTD"),
    "older SR008.xlsx": (
        "another file of SR008, saved earlier, different content",
        "SR008.xlsx.*saved later.*wins",
    ),
}


def _rewrite(path: Path, target: Path, change: dict) -> None:
    """Copy the zip `path` to `target`, replacing members (name -> bytes, or a function of the old bytes)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in change:
                update = change[info.filename]
                data = update(data) if callable(update) else update
            out.writestr(info.filename, data)
        for name, data in change.items():
            if name not in source.namelist():
                out.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    return Package.open(path).sheet_part(sheet)


def _tab_names(path: Path) -> list[str]:
    """The sheet names of an SR file's store tabs in _meta order (a tab renamed by the SR included)."""
    book = FileBook(path)
    meta = read_meta(book)
    found = existing_tabs(book, meta)
    return [found[record.store_id][0] for record in meta.tabs]


def _copy_with(source: Path, target: Path, edit) -> None:
    shutil.copy(source, target)
    package = Package.open(target)
    edit(package, read_meta(FileBook(target)).tabs)
    package.save(target, backup=False)


def _key(key: tuple, weeks: list[str], record) -> tuple:
    if key[0] == "week":
        return ("week", weeks[int(key[1][1])], key[2])
    if key[0] == "program":
        return ("program", next(iter(record.cells["program"]["rows"])), key[2])
    return key


def _type_cases(path: Path, weeks: list[str]) -> dict:
    """Type BAD_CELLS and GOOD_CELLS into the SR file; (sheet, cell) -> case."""
    records = read_meta(FileBook(path)).tabs
    package = Package.open(path)
    placed = {}
    for case in BAD_CELLS + GOOD_CELLS:
        record = records[case[1]]
        cell = field_cells(record.cells)[_key(case[2], weeks, record)]
        assert (record.tab, cell) not in placed, case
        placed[(record.tab, cell)] = case
        package.set_cells(record.tab, {cell: case[3]})
    package.save(path, backup=False)
    return placed


def _make_bad_files(folder: Path, sr: dict[str, Path], hq: Path) -> None:
    (folder / "not a workbook.xlsx").write_text("store,units\nHX0001,12\n")
    (folder / "encrypted.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    (folder / "truncated.xlsx").write_bytes(sr["SR002"].read_bytes()[:20000])
    (folder / "empty.xlsx").write_bytes(b"")
    _rewrite(sr["SR002"], folder / "zip bomb.xlsx", {"xl/media/bomb.bin": bytes(20_000_000)})
    with zipfile.ZipFile(folder / "a document.xlsx", "w") as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("word/document.xml", "<document/>")
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "my own numbers"
    workbook.save(folder / "no meta.xlsx")
    shutil.copy(hq, folder / "hq copy.xlsx")
    shutil.copy(sr["SR002"], folder / "other account.xlsx")
    set_meta_value(folder / "other account.xlsx", "account", "Another Retail Group")
    part = sheet_part(sr["SR002"], _tab_names(sr["SR002"])[0])
    bomb = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    _rewrite(sr["SR002"], folder / "dtd.xlsx", {part: lambda data: data.replace(b"?>", b"?>" + bomb, 1)})


def _duplicates(folder: Path, sr: dict[str, Path]) -> None:
    """An older, different copy of SR008 (the newer one wins) and an identical copy of SR005."""
    older = folder / "older SR008.xlsx"
    shutil.copy(sr["SR008"], older)
    tab, cells = read_meta(FileBook(older)).tabs[0].tab, read_meta(FileBook(older)).tabs[0].cells
    package = Package.open(sr["SR008"])
    package.set_cells(tab, {field_cells(cells)[("comment", "manager")]: "said later"})
    package.save(sr["SR008"], backup=False)

    def newer(data: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2099-01-01T00:00:00Z", data)

    _rewrite(sr["SR008"], folder / "newer.tmp", {"docProps/core.xml": newer})
    os.replace(folder / "newer.tmp", sr["SR008"])
    os.utime(sr["SR008"], (1, 1))  # the older file is newer on disk: the saved time must decide
    shutil.copy(sr["SR005"], folder / "SR005 again.xlsx")


def _odd_sheets(sr: dict[str, Path]) -> tuple[str, str]:
    """SR002 lost a tab, SR003 gained a sheet of its own; (store id of the lost tab, the added sheet)."""
    lost = read_meta(FileBook(sr["SR002"])).tabs[3]
    package = Package.open(sr["SR002"])
    package.remove_sheets([_tab_names(sr["SR002"])[3]])
    package.save(sr["SR002"], backup=False)
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>notes</t></is>'
        "</c></row></sheetData></worksheet>"
    ).encode()
    package = Package.open(sr["SR003"])
    package.add_sheets([NewSheet("My notes", xml)])
    package.save(sr["SR003"], backup=False)
    return lost.store_id, "My notes"


@pytest.fixture(scope="module")
def corpus(demo_book_factory, tmp_path_factory):
    """Collect the corpus once: (report, HQ book, SR files by id, typed cases, lost store, added sheet)."""
    folder = tmp_path_factory.mktemp("corpus")
    book, files = split_copy(demo_book_factory("en", 40), folder)
    sr = {path.stem: path for path in files}
    plan = load_plan(book)
    filled = fill_sr_files(folder / "sr", plan, weeks=4, seed=9)
    placed = _type_cases(sr["SR001"], [w.id for w in plan.weeks])
    for mistake in filled.mistakes:
        if mistake.file == "SR001.xlsx" and mistake.expect == "rejected":
            placed.setdefault((mistake.sheet, mistake.cell), ("simulated", 0, None, mistake.typed, "not a number"))
    _make_bad_files(folder / "sr", sr, book)
    _duplicates(folder / "sr", sr)
    lost, added = _odd_sheets(sr)
    (folder / "sr" / "~$SR001.xlsx").write_bytes(b"lock")
    typed = {path: inputs(path) if path.stem != "SR002" else None for path in files}
    report = collect(book, [folder / "sr"])
    return report, book, sr, placed, typed, lost, added


def test_the_corpus_has_thirty_kinds_of_bad_input(corpus):
    assert len(BAD_CELLS) + len(BAD_FILES) >= 30


def test_every_bad_file_is_refused_with_its_reason(corpus):
    report = corpus[0]
    outcome = {f.path.name: f for f in report.files}
    for name, (_, reason) in BAD_FILES.items():
        assert outcome[name].status == "refused", name
        assert re.search(reason, outcome[name].reason), (name, outcome[name].reason)
        assert any(e.what == "refused" and e.file == name and e.reason for e in report.entries), name
    assert outcome["SR005 again.xlsx"].status == "skipped" or outcome["SR005.xlsx"].status == "skipped"
    assert "~$SR001.xlsx" not in outcome
    merged = {f.path.name for f in report.files if f.status == "merged"}
    assert merged >= {f"SR00{n}.xlsx" for n in (1, 2, 3, 4, 6, 7, 8)}


def test_every_bad_cell_is_reported_with_file_sheet_cell_and_reason(corpus):
    report, _, sr, placed = corpus[:4]
    rejected = {(e.sheet, e.cell): e for e in report.entries if e.what == "rejected" and e.file == "SR001.xlsx"}
    bad = {where: case for where, case in placed.items() if case not in GOOD_CELLS}
    assert set(rejected) == set(bad)
    for where, (what, _, _, typed, reason) in bad.items():
        entry = rejected[where]
        assert re.search(reason, entry.reason), (what, entry.reason)
        assert entry.store and entry.field and (entry.new or typed is None), what


def test_every_good_value_of_the_same_files_is_merged(corpus):
    report, book, sr, placed, typed = corpus[:5]
    hq = inputs(book)
    for path, values in typed.items():
        if values is None:
            continue
        for store_id, entries in values.items():
            for key, value in entries.items():
                try:
                    expected = checked(key, value)
                except ParseError:  # rejected: HQ keeps what it had (nothing, or the plan's prefilled promoter days)
                    kept = hq[store_id].get(key)
                    assert kept is None or (key[-1] == "promoter_planned" and kept != value), (path.name, store_id, key)
                    continue
                if not is_blank(expected):
                    assert hq[store_id][key] == expected, (path.name, store_id, key)


def test_messy_but_valid_values_arrive_normalised(corpus):
    _, book, sr, placed = corpus[:4]
    hq = inputs(book)
    records = {r.tab: r for r in read_meta(FileBook(sr["SR001"])).tabs}
    weeks = [w.id for w in load_plan(book).weeks]
    for (tab, _), case in placed.items():
        if case in GOOD_CELLS:
            record = records[tab]
            assert hq[record.store_id][_key(case[2], weeks, record)] == case[4], case[0]


def test_the_newer_duplicate_wins_and_a_lost_tab_or_extra_sheet_is_noted(corpus):
    report, book, sr, _, _, lost, added = corpus
    first = read_meta(FileBook(sr["SR008"])).tabs[0]
    assert inputs(book)[first.store_id][("comment", "manager")] == "said later"
    notes = [e for e in report.entries if e.what == "note"]
    assert any(e.file == "SR002.xlsx" and e.store == lost and "missing" in e.reason for e in notes)
    assert any(e.file == "SR003.xlsx" and e.sheet == added and "not a store tab" in e.reason for e in notes)
    assert not inputs(book).get(lost)


def test_the_log_sheet_holds_every_refusal_and_rejection(corpus):
    report, book = corpus[:2]
    log = read_log(FileBook(book), "en")
    logged = {entry.signature() for entry in log}
    assert all(entry.signature() in logged for entry in report.entries)
    assert sum(e.what == "refused" for e in log) == len(BAD_FILES)

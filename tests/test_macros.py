"""The macros on the fake xlwings object model give the same workbook as the library on the file (parity)."""

from __future__ import annotations

import functools
import importlib.util
import pickle
import re
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import kam_xl.excel.udfs as K
from kam_xl.errors import KamError
from kam_xl.excel import macros, xlbook
from kam_xl.excel.xlbook import XlBook, arranged
from kam_xl.execution.collect import collect
from kam_xl.execution.split import split
from kam_xl.plan.load import plan_of
from kam_xl.plan.meta import read_meta
from kam_xl.reviewing.run import review
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.spec import Formula, SheetSpec
from tests.support import fake_xlwings
from tests.support.excel_content import ENGINE_GAPS, differences, workbook_content

CLOCKED = (
    "storetabs.generate",
    "execution.collect",
    "reviewing.run",
    "execution.split",
)  # the stages that stamp the time into the workbook
SR_FOLDER = "account - SR files"


class FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 12, 7, 9, 30)


def freeze_clock(patch) -> None:
    for stage in CLOCKED:
        patch.setattr(f"kam_xl.{stage}.datetime", FixedClock)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    freeze_clock(monkeypatch)


@pytest.fixture(scope="module")
def files(demo_book_factory, tmp_path_factory) -> dict[str, Path]:
    """The library's results on files: the demo, generated, split and filled by the SRs, collected, reviewed."""
    folder = tmp_path_factory.mktemp("parity")
    paths = {name: folder / f"{name}.xlsx" for name in ("start", "generated", "collected", "reviewed")}
    with pytest.MonkeyPatch.context() as patch:
        freeze_clock(patch)
        shutil.copy(demo_book_factory("en", 120), paths["start"])
        shutil.copy(paths["start"], paths["generated"])
        generate(paths["generated"])
        split(paths["generated"], folder / SR_FOLDER)
        fill_sr_files(folder / SR_FOLDER, plan_of(FileBook(paths["generated"])), weeks=9)
        shutil.copy(paths["generated"], paths["collected"])
        collect(paths["collected"], [folder / SR_FOLDER], db="none")  # macros record no history
        shutil.copy(paths["collected"], paths["reviewed"])
        review(paths["reviewed"])
    return paths


@functools.cache
def loaded(path: Path, engine: str) -> bytes:
    """A file loaded into the fake once, kept pickled (unpickling is 4 times faster than loading)."""
    return pickle.dumps(fake_xlwings.load_book(path, engine))


@functools.cache
def expected_content(path: Path, engine: str) -> dict:
    return fake_xlwings.book_content(pickle.loads(loaded(path, engine)), ENGINE_GAPS[engine])


def open_in_excel(path: Path, engine: str, monkeypatch) -> fake_xlwings.Book:
    """The workbook file as the fake Excel has it open, named account.xlsx in its folder."""
    monkeypatch.setattr(xlbook, "detect_engine", lambda: engine)
    book = pickle.loads(loaded(path, engine))
    book.path = str(path.with_name("account.xlsx"))
    return book


def assert_same(expected: Path, book: fake_xlwings.Book, engine: str) -> None:
    """The workbook in the fake Excel holds what the file holds (both read into the fake's terms)."""
    found = fake_xlwings.book_content(book, ENGINE_GAPS[engine])
    assert differences(expected_content(expected, engine), found) == []


@pytest.mark.parametrize("engine", ["windows", "lite"])
def test_generate_macro_gives_the_cli_workbook(files, engine, monkeypatch):
    book = open_in_excel(files["start"], engine, monkeypatch)
    message = macros.generate(book)
    assert message.startswith("119 store tab(s) written")
    assert ("left out" in message) == (engine != "windows")
    assert_same(files["generated"], book, engine)


@pytest.mark.parametrize("engine", ["windows", "lite"])
def test_collect_macro_gives_the_cli_workbook(files, engine, monkeypatch):
    book = open_in_excel(files["generated"], engine, monkeypatch)
    message = macros.collect(book)
    assert "value(s) written; workbook saved" in message
    assert_same(files["collected"], book, engine)


@pytest.mark.parametrize("engine", ["windows", "lite"])
def test_review_macro_gives_the_cli_workbook(files, engine, monkeypatch):
    book = open_in_excel(files["collected"], engine, monkeypatch)
    message = macros.review(book)
    assert message.startswith("Review as of 2026-W48")
    assert "charts" in message  # the account summary's charts: only `kam review` on the file draws them
    assert_same(files["reviewed"], book, engine)


@pytest.mark.parametrize("engine", ["windows", "lite"])
def test_generate_macro_sets_soft_bounds_as_warnings(files, engine, monkeypatch):
    """The weekly log's bounds relative to the store are warnings in Excel too (xlValidAlertWarning through
    Validation.Modify, with the input title and message); an engine without alert styles keeps only the lower
    bound, so a real spike is never refused."""
    book = open_in_excel(files["start"], engine, monkeypatch)
    macros.generate(book)
    tab = next(sheet for sheet in book.data if sheet.name.startswith("HX0001"))
    expected = next(s for s in fake_xlwings.load_book(files["generated"], engine).data if s.name == tab.name)
    soft = [rule for rule in expected.validations if rule["alert"] == "warning"]
    assert soft and all(rule["operator"] == "between" for rule in soft)
    found = {rule["ref"]: rule for rule in tab.validations}
    for rule in soft:
        got = found[rule["ref"]]
        if engine == "windows":
            assert got["alert"] == "warning" and got["formula2"] == rule["formula2"], rule["ref"]
            assert got["title"] and got["prompt"] == rule["prompt"], rule["ref"]
        else:
            assert got["alert"] == "stop" and got["operator"] == "greater_than_or_equal" and got["formula2"] is None
    hard = [rule for rule in tab.validations if rule["alert"] == "stop" and rule["formula2"] is not None]
    assert hard, "hard limits (visits, promoter days) stay refusals"


def test_generate_macro_again_keeps_what_was_typed(files, monkeypatch):
    book = open_in_excel(files["generated"], "windows", monkeypatch)
    record = next(r for r in XlBook(book).book.sheets if r.name.startswith("HX0001"))
    tab = next(t for t in read_meta(FileBook(files["generated"])).tabs if t.tab == record.name)
    cell = next(c for key, c in field_cells(tab.cells).items() if key[0] == "week" and key[2] == "units")
    record.range(cell).value = 42
    macros.generate(book)
    assert book.sheets[record.name].range(cell).value == 42.0
    assert book.sheets[record.name].api.ProtectContents


def test_split_macro_saves_then_writes_the_cli_sr_files(files, monkeypatch, tmp_path):
    shutil.copy(files["generated"], tmp_path / "account.xlsx")
    book = open_in_excel(tmp_path / "account.xlsx", "windows", monkeypatch)
    message = macros.split(book)
    assert book.saved == 1 and "SR workbook(s) written" in message
    split(files["generated"], tmp_path / "cli")
    made = sorted(p.name for p in (tmp_path / SR_FOLDER).glob("*.xlsx"))
    assert made == sorted(p.name for p in (tmp_path / "cli").glob("*.xlsx")) and made
    for name in made[:2]:
        assert workbook_content(tmp_path / SR_FOLDER / name) == workbook_content(tmp_path / "cli" / name)


def test_split_macro_again_moves_returned_sr_files_aside_instead_of_overwriting_them(files, monkeypatch, tmp_path):
    shutil.copy(files["generated"], tmp_path / "account.xlsx")
    book = open_in_excel(tmp_path / "account.xlsx", "windows", monkeypatch)
    macros.split(book)
    folder = tmp_path / SR_FOLDER
    fill_sr_files(folder, plan_of(FileBook(files["generated"])), weeks=2, seed=3)  # the SRs' files saved there
    returned = {path.name: path.read_bytes() for path in folder.glob("*.xlsx")}
    message = macros.split(book)
    [aside] = [path for path in folder.iterdir() if path.is_dir()]
    assert f"moved to {aside}" in message and "collect them from there" in message
    assert {path.name: path.read_bytes() for path in aside.glob("*.xlsx")} == returned
    assert sorted(path.name for path in folder.glob("*.xlsx")) == sorted(returned)


def test_file_steps_refuse_a_workbook_without_a_folder(files, monkeypatch):
    book = open_in_excel(files["generated"], "lite", monkeypatch)
    book.path = "account.xlsx"  # xlwings Lite: the workbook has a name but no folder
    for step in (macros.split, macros.collect, macros.email):
        assert macros.show(book, step).startswith("Stopped: this step reads or writes files next to the workbook")


def test_email_macro_saves_then_writes_the_cli_emails(files, monkeypatch, tmp_path):
    from kam_xl.mail import batch

    monkeypatch.setattr(batch, "datetime", FixedClock)
    shutil.copy(files["reviewed"], tmp_path / "account.xlsx")
    book = open_in_excel(tmp_path / "account.xlsx", "windows", monkeypatch)
    message = macros.email(book)
    assert book.saved == 1 and "nothing was sent" in message
    cli = batch.build_emails(files["reviewed"], tmp_path / "cli")
    made = sorted(
        p.relative_to(tmp_path / "account - e-mails").as_posix()
        for p in (tmp_path / "account - e-mails").rglob("*.eml")
    )
    assert made and made == sorted(
        p.relative_to(tmp_path / "cli").as_posix() for p in (tmp_path / "cli").rglob("*.eml")
    )
    assert message.startswith(f"{len(cli)} e-mail(s) written")


def test_runpython_entry_points_show_the_outcome_in_a_message_box(files, monkeypatch):
    book = open_in_excel(files["start"], "windows", monkeypatch)
    monkeypatch.setattr(xlbook, "caller_book", fake_xlwings.Book.caller)
    with fake_xlwings.calling(book):
        macros.review_macro()  # no store tabs yet: a kam_xl error, shown as its message
        macros.generate_macro()
    (first, _), (second, title) = book.app.alerts
    assert first.startswith("Stopped:") and "Traceback" not in first
    assert second.startswith("119 store tab(s) written") and title == "kam_xl"


def test_settings_on_the_xlwings_conf_sheet_name_the_folder_and_the_review_week(files, monkeypatch):
    book = open_in_excel(files["collected"], "windows", monkeypatch)
    conf = book.sheets["xlwings.conf"]
    conf.range("A10").value, conf.range("B10").value = "KAM Review As Of", "'2026-W45"
    conf.range("A11").value, conf.range("B11").value = "KAM SR Folder", "'returned"
    assert macros.review(book).startswith("Review as of 2026-W45")
    assert macros.folder(XlBook(book), macros.SR_FOLDER_KEY, "SR files") == files["collected"].parent / "returned"


def test_plan_read_through_the_object_model_equals_the_plan_of_the_file(files, monkeypatch):
    book = open_in_excel(files["generated"], "lite", monkeypatch)
    assert plan_of(XlBook(book)) == plan_of(FileBook(files["generated"]))


def test_text_stays_text_and_formulas_stay_formulas(monkeypatch):
    book = fake_xlwings.Book("windows")
    book.sheets.add("Sheet1")
    spec = SheetSpec("T", protected=False)
    texts = ["=1+1", "-5% / +45%", "2026-W40", "1,234", "TRUE", "'quoted", "0042"]
    spec.row_values(1, 1, texts)
    spec.set(2, 1, Formula("=1+1"))
    spec.set(2, 2, 7)
    xbook = XlBook(book, "windows")
    xbook.put_sheet(spec)
    assert xbook.grid("T")[0] == texts
    assert book.sheets["T"].range("A2").formula == "=1+1" and book.sheets["T"].range("B2").value == 7.0


def test_set_cells_on_a_protected_sheet_keeps_its_protection(files, monkeypatch):
    book = open_in_excel(files["generated"], "windows", monkeypatch)
    tab = next(s for s in book.sheets if s.name.startswith("HX0002"))
    before = vars(tab.api.Protection).copy()
    old = XlBook(book, "windows").set_cells(tab.name, {"P3": "Inactive", "H46": 5, "C7": datetime(2026, 10, 1)})
    assert old == {"P3": "Active", "H46": None, "C7": None}
    assert tab.range("P3").value == "Inactive" and tab.range("C7").value == datetime(2026, 10, 1)
    assert tab.api.ProtectContents and vars(tab.api.Protection) == before


def test_the_fake_holds_everything_a_generated_workbook_has(files, tmp_path):
    """Loaded into the fake and written back, the workbook reads the same: what the parity tests
    compare in the fake's terms is everything openpyxl sees in the file."""
    book = fake_xlwings.load_book(files["reviewed"])
    book.data = [d for d in book.data if not d.name.startswith("HX") or d.name.startswith(("HX0001", "HX0002"))]
    dumped = workbook_content(fake_xlwings.dump_book(book, tmp_path / "again.xlsx"))
    wanted = workbook_content(files["reviewed"])
    wanted = {
        "order": dumped["order"],
        "sheets": {name: wanted["sheets"][name] for name in dumped["order"]},
    }
    assert differences(wanted, dumped) == []


def test_sheet_order_follows_the_file_writer():
    current = [("README", True), ("Plan", True), ("_meta", False), ("Old", True), ("conf", False)]
    put = [("B", True), ("A", True), ("_meta", False)]
    assert arranged(current, put, None, ["A", "B"]) == [
        "README",
        "Plan",
        "Old",
        "A",
        "B",
        "_meta",
        "conf",
    ]
    assert arranged(current, put, "Plan", None) == [
        "README",
        "B",
        "A",
        "_meta",
        "Plan",
        "Old",
        "conf",
    ]
    assert arranged(current, [], None, ["Old", "Plan"]) == [
        "README",
        "Old",
        "_meta",
        "Plan",
        "conf",
    ]


ROOT = Path(__file__).resolve().parents[1]


def test_the_vba_buttons_call_every_runpython_entry_point():
    text = (ROOT / "kam_xl" / "excel" / "kam_macros.bas").read_text(encoding="utf-8")
    called = set(re.findall(r"kam\.(\w+)\(\)", text))
    assert called == {f"{step}_macro" for step in macros.STEPS}
    assert all(callable(getattr(macros, name)) for name in called)


def test_the_lite_bundle_runs_the_same_steps_and_functions():
    spec = importlib.util.spec_from_file_location("kam_lite_main", ROOT / "lite" / "main.py")
    bundle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bundle)
    functions = {name for name in vars(bundle) if name.startswith("KAM_")}
    assert functions == {udf.__name__ for udf in K.UDFS} - {"KAM_TARGET"}
    assert callable(bundle.kam_generate) and callable(bundle.kam_review)
    assert "kam-xl" in (ROOT / "lite" / "requirements.txt").read_text(encoding="utf-8").split()


def test_collect_macro_keeps_a_kams_correction_against_a_newer_sr_file(files, monkeypatch, tmp_path):
    """The KAM corrects a collected value in the open workbook; the SR's next file still has the old value."""
    account = tmp_path / "account.xlsx"
    shutil.copy(files["generated"], account)
    shutil.copytree(files["generated"].parent / SR_FOLDER, tmp_path / SR_FOLDER)
    collect(account, [tmp_path / SR_FOLDER])  # the CLI's collect records what the files brought
    sr_file = tmp_path / SR_FOLDER / "SR001.xlsx"
    record = read_meta(FileBook(sr_file)).tabs[0]
    cells = field_cells(record.cells)
    tab = openpyxl.load_workbook(account)[record.tab]
    weekly = [cells[("week", week.id, "units")] for week in plan_of(FileBook(account)).weeks]
    units = next(cell for cell in weekly if tab[cell].value is not None)
    empty = next(cell for cell in weekly if tab[cell].value is None)
    package = Package.open(sr_file)  # the SR types a new week in the same file and sends it again
    package.set_cells(record.tab, {empty: 4})
    package.save(sr_file, backup=False)
    book = open_in_excel(account, "windows", monkeypatch)
    book.path = str(account)
    book.sheets[record.tab].range(units).value = 99999  # the KAM's correction, typed in Excel
    message = macros.collect(book)
    assert "1 HQ correction(s) kept" in message
    assert book.sheets[record.tab].range(units).value == 99999 and book.sheets[record.tab].range(empty).value == 4


def test_collect_macro_takes_tabs_of_an_earlier_plan_when_the_setting_says_y(files, monkeypatch, tmp_path):
    """The KAM raised a target and regenerated while the SR files were out: the Collect button refuses their
    tabs, and with KAM Collect Earlier Plan = Y on the xlwings.conf sheet takes them by their rows' keys."""
    account = tmp_path / "account.xlsx"
    shutil.copy(files["generated"], account)
    shutil.copytree(files["generated"].parent / SR_FOLDER, tmp_path / SR_FOLDER)
    grid = FileBook(account).grid("Objectives")
    row = next(r for r, line in enumerate(grid, start=1) if line and line[0] == "K1")
    package = Package.open(account)
    package.set_cells("Objectives", {f"G{row}": grid[row - 1][6] * 1.1})
    package.save(account, backup=False)
    generate(account)
    book = open_in_excel(account, "windows", monkeypatch)
    book.path = str(account)
    refused = macros.collect(book)
    assert "made for an earlier plan" in refused and "KAM Collect Earlier Plan = Y" in refused
    conf = book.sheets["xlwings.conf"]
    conf.range("A10").value, conf.range("B10").value = "KAM Collect Earlier Plan", "Y"
    taken = macros.collect(book)
    assert "merged with --earlier-plan" in taken and "value(s) written; workbook saved" in taken
    conf.range("B10").value = "perhaps"
    with pytest.raises(KamError, match="KAM Collect Earlier Plan: 'perhaps' is neither Y nor N"):
        macros.collect(book)

"""Every kind of workbook kam makes passes the ECMA-376 schemas, the OPC rules and Excel's limits (tests/support/
schema.py), in English and Chinese, with store names that are legal but hostile; and the linter finds what Excel
would repair (the test of the test)."""

from __future__ import annotations

import email
import io
import re
import zipfile
from pathlib import Path

import pytest

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.execution.importing import import_report
from kam_xl.execution.split import split
from kam_xl.lang.words import sheet_name
from kam_xl.mail.batch import build_emails
from kam_xl.plan.load import load_plan
from kam_xl.plan.schema import STORES
from kam_xl.plan.workbook import init_workbook, validate
from kam_xl.reviewing.run import review
from kam_xl.simulation.retailer import retailer_report
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import open_book, read_grid
from tests.support.schema import fixtures_dir, formula_problems, workbook_problems

REPO = Path(__file__).resolve().parents[1]
CJK_300 = "华信电器王府井旗舰店" * 30
HOSTILE = {  # legal store names that once made invalid workbooks (issue 12)
    0: "Line one\nline two",
    1: CJK_300,
    2: "=SUM(A1:A9) shop",
    3: "_x0041_ store",
    4: 'Tom & "Jerry" <mall>',
}


@pytest.fixture(scope="session", autouse=True)
def _schemas_present():
    fixtures_dir("ooxml-xsd", "KAM_OOXML_XSD")


def _name_column(path: Path, lang: str) -> tuple[str, int, int]:
    """(Stores sheet, header row, column of the store name) of a plan workbook."""
    sheet = sheet_name("stores", lang)
    grid = read_grid(open_book(path), sheet)
    name, store_id = (STORES[1].header(lang), STORES[0].header(lang))
    for row, values in enumerate(grid, start=1):
        if store_id in values and name in values:
            return sheet, row, values.index(name) + 1
    raise AssertionError("no store name column")


def rename_stores(path: Path, lang: str, names: dict[int, str]) -> None:
    """Give the first stores of a plan workbook other names (as the KAM would type them)."""
    sheet, header, col = _name_column(path, lang)
    letter = chr(64 + col)
    package = Package.open(path)
    package.set_cells(sheet, {f"{letter}{header + 1 + index}": name for index, name in names.items()})
    package.save(path, backup=False)


def _attachments(folder: Path) -> list[tuple[str, bytes]]:
    found = []
    for message_path in sorted(folder.rglob("*.eml")):
        message = email.message_from_bytes(message_path.read_bytes())
        for part in message.walk():
            if (part.get_filename() or "").endswith(".xlsx"):
                found.append((f"{message_path.name}/{part.get_filename()}", part.get_payload(decode=True)))
    return found


def whole_loop(folder: Path, lang: str) -> dict[str, list[tuple[str, bytes]]]:
    """Every workbook of a loop on a demo plan with hostile store names: kind -> [(name, bytes)]."""
    book = folder / "hq.xlsx"
    init_workbook(book, lang=lang, demo=True, stores=12, force=True)
    rename_stores(book, lang, HOSTILE)
    stores = sheet_name("stores", lang)
    assert not [p for p in validate(book) if p.is_error and p.sheet == stores]  # legal names, not refused
    plan = load_plan(book)
    made: dict[str, list[tuple[str, bytes]]] = {"plan": [("plan", book.read_bytes())]}
    generate(book)
    made["generated"] = [("generated", book.read_bytes())]
    sr_folder = folder / "sr"
    split(book, sr_folder, force=True)
    made["sr files"] = [(path.name, path.read_bytes()) for path in sorted(sr_folder.glob("*.xlsx"))]
    fill_sr_files(sr_folder, plan, weeks=4)
    made["sr files filled"] = [(path.name, path.read_bytes()) for path in sorted(sr_folder.glob("*.xlsx"))]
    collect(book, [sr_folder])
    made["collected"] = [("collected", book.read_bytes())]
    sold = retailer_report(plan, plan.weeks[4], folder / "sold.xlsx")
    import_report(book, sold)
    made["retailer report"] = [("sold", sold.read_bytes())]
    review(book)
    made["reviewed"] = [("reviewed", book.read_bytes())]
    build_emails(book, folder / "emails")
    made["e-mail attachments"] = _attachments(folder / "emails")
    return made


@pytest.fixture(scope="module", params=["en", "zh"])
def loop(request, tmp_path_factory):
    lang = request.param
    return lang, whole_loop(tmp_path_factory.mktemp(f"grade-{lang}"), lang)


KINDS = ["plan", "generated", "sr files", "sr files filled", "collected", "retailer report", "reviewed"]


def test_every_workbook_of_a_loop_with_hostile_names_has_no_schema_opc_or_limit_problem(loop):
    lang, made = loop
    assert set(KINDS) <= set(made)
    checked = 0
    for kind, books in made.items():
        for name, data in books:
            assert workbook_problems(data) == [], (lang, kind, name)
            checked += 1
    assert checked >= len(KINDS) + 2


@pytest.mark.parametrize("template", sorted((REPO / "workbooks").glob("*.xlsx")), ids=lambda p: p.name)
def test_the_committed_templates_have_no_problem(template):
    assert workbook_problems(template) == []


def test_hostile_names_read_back_as_typed_on_the_store_tabs_and_the_srs_my_stores(loop):
    lang, made = loop
    texts = set()
    for _, data in [*made["generated"], *made["sr files"]]:
        book = _calamine(data)
        for sheet in book.sheet_names:
            for row in book.get_sheet_by_name(sheet).to_python():
                texts.update(value for value in row if isinstance(value, str))
    for name in HOSTILE.values():
        assert any(name in text for text in texts), name
    assert CJK_300[:255] in texts  # the My stores link shows the first 255 characters of a longer name
    assert "_x0041_ store" in texts and "A store" not in texts


def _calamine(data: bytes):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data))


# ----- validate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validate_warns_about_names_it_will_cut_and_refuses_characters_excel_cannot_store(tmp_path, lang):
    book = tmp_path / "hq.xlsx"
    init_workbook(book, lang=lang, demo=True, stores=12, force=True)
    rename_stores(book, lang, {1: CJK_300, 2: "Bell\x07 store", 3: "Tab\tand\nbreak"})
    sheet, header, col = _name_column(book, lang)
    letter = chr(64 + col)
    problems = validate(book)
    errors = [p for p in problems if p.is_error and p.sheet == sheet]
    assert [(p.sheet, p.cell) for p in errors] == [(sheet, f"{letter}{header + 3}")]
    assert "U+0007" in errors[0].message and (lang == "en") == ("control character" in errors[0].message)
    cut = [p for p in problems if not p.is_error and p.cell == f"{letter}{header + 2}"]
    assert len(cut) == 2  # the tab name (31) and the My stores link (255)
    assert all(re.search("[\u4e00-\u9fff]", p.message) for p in cut) == (lang == "zh")
    assert not [p for p in problems if p.cell == f"{letter}{header + 4}"]  # tab and line break are fine
    assert main(["--quiet", "validate", str(book)]) != 0


# ----- the test of the test -----------------------------------------------------------------------------


def _edited(data: bytes, part_pattern: str, change) -> bytes:
    """A copy of a workbook with the first part whose name matches `part_pattern` changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    done = False
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if not done and re.fullmatch(part_pattern, item.filename) and change(part) != part:
                part, done = change(part), True
            target.writestr(item, part)
    assert done, part_pattern
    return out.getvalue()


def test_the_linter_reports_what_excel_would_repair(loop):
    _, made = loop
    reviewed = made["reviewed"][0][1]
    assert b"scatterStyle" in b"".join(
        zipfile.ZipFile(io.BytesIO(reviewed)).read(n) for n in zipfile.ZipFile(io.BytesIO(reviewed)).namelist()
    )
    broken = _edited(reviewed, r"xl/charts/chart\d+\.xml", lambda x: re.sub(rb"<(c:)?scatterStyle[^>]*/>", b"", x))
    assert any("chart" in p and "scatterStyle" in p for p in workbook_problems(broken))
    literal = "x" * 300
    long_text = _edited(
        reviewed,
        r"xl/worksheets/sheet\d+\.xml",
        lambda x: re.sub(rb"<f>[^<]*</f>", f'<f>LEN("{literal}")</f>'.encode(), x, count=1),
    )
    assert any("text constant of 300 characters" in p for p in workbook_problems(long_text))
    no_inline = _edited(
        made["generated"][0][1],
        r"xl/worksheets/sheet\d+\.xml",
        lambda x: re.sub(rb"<is>.*?</is>", b"", x, count=1),
    )
    assert any("without its <is>" in p for p in workbook_problems(no_inline))
    dangling = _edited(reviewed, r"xl/_rels/workbook\.xml\.rels", lambda x: x.replace(b"styles.xml", b"gone.xml"))
    assert any("does not exist" in p for p in workbook_problems(dangling))


def test_formula_limits():
    assert formula_problems('=IF(A1>0,"' + "y" * 255 + '","")') == []
    assert len(formula_problems('=LEN("' + '""' * 256 + '")')) == 1  # doubled quotes count once each
    assert formula_problems("=" + "(" * 65 + "1" + ")" * 65)
    assert formula_problems("=" + "+1" * 4100)

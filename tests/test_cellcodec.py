"""The one cell codec (kam_xl/xlsx/cellcodec.py): what any writer puts into a cell reads back as written, through
kam's own reader, python-calamine and openpyxl, in both date systems."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from kam_xl.errors import CellRefError
from kam_xl.xlsx.cellcodec import (
    ErrorValue,
    cell_xml,
    escape_text,
    formula_cell_xml,
    from_serial,
    number_text,
    serial,
    unescape_text,
    value_problem,
)
from kam_xl.xlsx.cellpatch import MAIN_NS, read_value
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import book_of_bytes
from kam_xl.xlsx.spec import Formula, SheetSpec, canonical_ref, split_ref
from kam_xl.xlsx.writer import new_package, write_sheets

# Text a cell can hold: anything but lone surrogates and the non-characters U+FFFE/U+FFFF (fit_text drops those),
# with the awkward cases mixed in on purpose.
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\ufffe\uffff")
_AWKWARD = st.sampled_from(["_x0041_", "_x005F_", "_X00a0_", "=", "=SUM(A1)", "\r\n", "\r", "\t", " ", "\x01", "中文"])
TEXTS = st.lists(st.one_of(st.text(_CHARS, max_size=8), _AWKWARD), max_size=6).map("".join)
NUMBERS = st.one_of(st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False))
DATES = st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31))


def _parsed(xml: str) -> etree._Element:
    return etree.fromstring(f'<sheetData xmlns="{MAIN_NS}"><row r="1">{xml}</row></sheetData>'.encode())[0][0]


# ----- the codec alone --------------------------------------------------------------------------------------


@given(TEXTS)
def test_any_text_reads_back_as_written(text):
    cell = _parsed(cell_xml("A1", ' s="2"', text))
    assert cell.get("t") == "inlineStr" and cell.find(f"{{{MAIN_NS}}}is") is not None  # never without its <is>
    assert read_value(cell, []) == text
    assert unescape_text(escape_text(text)) == text


@given(TEXTS)
def test_a_formulas_text_value_reads_back_as_written(text):
    cell = _parsed(formula_cell_xml("A1", "", "B1&C1", text))
    assert cell.get("t") == "str" and read_value(cell, []) == text


@given(NUMBERS)
def test_any_finite_number_reads_back_exactly(number):
    assert read_value(_parsed(cell_xml("A1", "", number)), []) == float(number)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_numbers_excel_cannot_store_are_refused_or_left_blank(number):
    assert value_problem(number) is not None
    assert number_text(number) is None
    assert cell_xml("A1", "", number) == "" and cell_xml("A1", ' s="1"', number) == '<c r="A1" s="1"/>'
    assert "<v>" not in formula_cell_xml("A1", "", "1/0", number)


def test_booleans_errors_and_empty_text():
    assert read_value(_parsed(cell_xml("A1", "", True)), []) is True
    assert read_value(_parsed(cell_xml("A1", "", False)), []) is False
    error = _parsed(formula_cell_xml("A1", "", "1/0", ErrorValue("#DIV/0!")))
    assert (error.get("t"), read_value(error, [])) == ("e", "#DIV/0!")
    assert read_value(_parsed(cell_xml("A1", "", "")), []) == ""


@given(st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)), st.booleans())
def test_dates_follow_the_workbooks_date_system(moment, date1904):
    moment = moment.replace(microsecond=0)
    assume_after_1904 = not date1904 or moment >= dt.datetime(1904, 1, 1)
    if not assume_after_1904:
        return
    number = serial(moment, date1904)
    assert number == pytest.approx(to_excel(moment, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900))
    assert abs(from_serial(number, date1904) - moment) < dt.timedelta(milliseconds=1)


def test_excels_1900_leap_year_quirk():
    assert serial(dt.date(1900, 1, 1)) == 1 and serial(dt.date(1900, 2, 28)) == 59
    assert serial(dt.date(1900, 3, 1)) == 61
    assert serial(dt.date(2026, 3, 1)) == 46082 and serial(dt.date(2026, 3, 1), date1904=True) == 44620


@given(st.integers(1, 1_048_576), st.integers(1, 16_384))
def test_one_reference_parser(row, col):
    text = openpyxl.utils.get_column_letter(col) + str(row)
    assert split_ref(text) == (row, col) == split_ref(text.lower()) == split_ref("$" + text)
    assert canonical_ref(text.lower()) == text


@pytest.mark.parametrize("text", ["A0", "XFE1", "A1048577", "A1:B2", "", "1A", None])
def test_references_outside_the_grid_are_refused(text):
    with pytest.raises(CellRefError):
        split_ref(text)


# ----- every writer, read back by python-calamine and openpyxl ------------------------------------------


def _calamine(data: bytes, sheet: str) -> list[list]:
    return book_of_bytes(data, "test").get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _openpyxl_text(value):
    """openpyxl does not undo Excel's _xHHHH_ escapes in cell text (Excel does): undo them for it."""
    return unescape_text(value) if isinstance(value, str) else value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXTS, NUMBERS, DATES), min_size=1, max_size=8))
def test_the_sheet_writer_and_set_cells_write_the_same_values(values):
    spec = SheetSpec("S")
    for row, value in enumerate(values, start=1):
        spec.set(row, 1, value)
    package = new_package([spec])
    package.set_cells("S", {f"B{row}": value for row, value in enumerate(values, start=1)})
    data = package.to_bytes()
    grid = _calamine(data, "S")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["S"]
    for row, value in enumerate(values, start=1):
        for col in (1, 2):
            expected = value
            if isinstance(value, dt.date):
                expected = dt.datetime.combine(value, dt.time())
                assert isinstance(sheet.cell(row, col).value, float | int)  # the cells carry no date format
                assert sheet.cell(row, col).value == serial(value)
                continue
            found = grid[row - 1][col - 1]
            if isinstance(value, str):
                assert found == value, (row, col)
                assert _openpyxl_text(sheet.cell(row, col).value) == value, (row, col)
            else:
                assert found == expected and sheet.cell(row, col).value == expected, (row, col)


def _with_date1904(data: bytes) -> bytes:
    """The workbook, switched to the 1904 date system (as a workbook made on an old Mac)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                part = part.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
                if b"date1904" not in part:
                    part = part.replace(b"<bookViews", b'<workbookPr date1904="1"/><bookViews', 1)
            target.writestr(item, part)
    return out.getvalue()


def test_a_1904_workbook_gets_the_same_date_from_the_sheet_writer_and_set_cells():
    base = new_package([SheetSpec("Placeholder")]).to_bytes()
    package = Package.open(_with_date1904(base))
    assert package.is_date1904()
    spec = SheetSpec("Dates")
    spec.set(1, 1, dt.date(2026, 3, 1), "date")
    write_sheets(package, [spec])
    package.set_cells("Dates", {"B1": dt.date(2026, 3, 1)})
    xml = package.sheet_xml("Dates")
    assert xml.count(b"<v>44620</v>") == 2, xml
    book = openpyxl.load_workbook(io.BytesIO(package.to_bytes()))
    assert book.epoch == CALENDAR_MAC_1904
    assert book["Dates"]["A1"].value == dt.datetime(2026, 3, 1)


def test_text_like_an_escape_survives_the_sheet_writer_and_set_cells():
    spec = SheetSpec("S")
    spec.set(1, 1, "_x0041_")
    spec.set(2, 1, Formula('=A1&""', "_x0041_"))
    package = new_package([spec])
    package.set_cells("S", {"B1": "_x0041_"})
    package.set_cells("S", {"C1": "x", "C2": 1})  # through the parsed tree as well
    package.set_cells("S", {"C1": "_x0041_"})
    grid = _calamine(package.to_bytes(), "S")
    assert grid[0][:3] == ["_x0041_"] * 3 and grid[1][0] == "_x0041_"
    assert package.cell_values("S", ["A1", "B1", "C1"]) == dict.fromkeys(["A1", "B1", "C1"], "_x0041_")

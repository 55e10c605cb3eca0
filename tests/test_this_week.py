"""The "This week" sheet of an SR workbook: a week typed for all of an SR's stores on one grid (then again
after sorting it) reaches the right store and week in HQ; the store tabs show the grid's numbers after
LibreOffice recalculates them (one place per number: the tabs' log cells of that week read the grid)."""

from __future__ import annotations

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.execution.thisweek import FIRST_ROW, HEADER_ROW, WEEK_CELL
from kam_xl.lang.words import enum_labels, sheet_name
from kam_xl.model.entries import WEEK_FIELDS, field_kind, normalise
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.layout import log_labels
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.read import cell_at
from tests.support.libreoffice import error_cells, recalculate, require_soffice
from tests.support.sr_files import inputs, split_copy


@pytest.fixture
def split_demo(demo_book_factory, tmp_path):
    return split_copy(demo_book_factory("en", 40), tmp_path)


def typed(field: str, number: int) -> object:
    """A value an SR would type for a field, different for every store (`number`)."""
    if field_kind(("week", "W", field)) == "number":
        return number % 14 if field.startswith("promoter") else (number % 21 if field == "visits" else 10 + number)
    if field == "display":
        return enum_labels("yes_no", "en")[number % 2]
    return f"note {number}"


def fill_grid(path, offset: int) -> dict[str, dict[str, object]]:
    """Type every input of the grid through openpyxl, as an SR would; store id -> field -> value."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name("this_week", "en")]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW]}
    labels = log_labels("en")
    out = {}
    for row in range(FIRST_ROW, sheet.max_row + 1):
        store_id = sheet.cell(row, 1).value
        out[store_id] = {}
        for field in WEEK_FIELDS:
            value = typed(field, row * 7 + offset + WEEK_FIELDS.index(field))
            sheet.cell(row, columns[labels[field]], value)
            out[store_id][field] = value
    workbook.save(path)
    return out


def sort_grid_newest_first(path) -> None:
    """Sort the grid's rows by store id, descending (whole rows, as Data > Sort does)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name("this_week", "en")]
    rows = [[c.value for c in line] for line in sheet.iter_rows(min_row=FIRST_ROW)]
    for offset, values in enumerate(sorted(rows, key=lambda r: r[0], reverse=True)):
        for col, value in enumerate(values, start=1):
            sheet.cell(FIRST_ROW + offset, col, value)
    workbook.save(path)


def check_hq(book, week_id: str, grid: dict) -> None:
    found = inputs(book)
    for store_id, values in grid.items():
        for field, value in values.items():
            key = ("week", week_id, field)
            assert found[store_id].get(key) == normalise(key, value), (store_id, field, value)


def test_a_week_typed_on_the_grid_reaches_every_store_and_survives_sorting(split_demo):
    book, files = split_demo
    path = files[0]
    week = load_plan(book).weeks[0]  # nothing entered in HQ yet: the first week
    grid = FileBook(path).grid(sheet_name("this_week", "en"))
    assert cell_at(grid, *openpyxl.utils.cell.coordinate_to_tuple(WEEK_CELL)) == week.id
    stores = [r.store_id for r in read_meta(FileBook(path)).tabs]
    assert [cell_at(grid, row, 1) for row in range(FIRST_ROW, FIRST_ROW + len(stores))] == stores

    first = fill_grid(path, 0)
    report = collect(book, [path])
    assert report.files[0].status == "merged" and report.files[0].rejected == 0
    check_hq(book, week.id, first)

    sort_grid_newest_first(path)
    second = fill_grid(path, 3)
    assert list(second) == sorted(stores, reverse=True)
    collect(book, [path])
    check_hq(book, week.id, second)


@pytest.mark.libreoffice
def test_the_store_tabs_show_the_grid_after_libreoffice(split_demo, tmp_path):
    require_soffice()
    book, files = split_demo
    path, week = files[1], load_plan(book).weeks[0]
    sort_grid_newest_first(path)
    grid = fill_grid(path, 5)
    recalculated = recalculate(path, tmp_path / "recalculated")
    assert error_cells(recalculated) == []
    opened = FileBook(recalculated)
    for record in read_meta(opened).tabs:
        cells = field_cells(record.cells)
        sheet = opened.grid(record.tab)
        for field, value in grid[record.store_id].items():
            row, col = openpyxl.utils.cell.coordinate_to_tuple(cells[("week", week.id, field)])
            assert cell_at(sheet, row, col) == value, (record.store_id, field)


def test_split_week_option_names_the_grids_week(demo_book_factory, tmp_path):
    book, _ = split_copy(demo_book_factory("en", 40), tmp_path)
    week = load_plan(book).weeks[4]
    assert main(["--quiet", "split", str(book), "--out", str(tmp_path / "w"), "--week", week.id]) == 0
    path = next((tmp_path / "w").glob("*.xlsx"))
    grid = FileBook(path).grid(sheet_name("this_week", "en"))
    assert cell_at(grid, *openpyxl.utils.cell.coordinate_to_tuple(WEEK_CELL)) == week.id
    assert main(["--quiet", "split", str(book), "--out", str(tmp_path / "x"), "--week", "1999-W01"]) != 0

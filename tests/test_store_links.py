"""The Stores sheet's links to the store tabs: every row opens its own store's tab, also after the KAM sorted the
rows, in LibreOffice with no error cell (kam_xl/storetabs/storelinks.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from kam_xl.lang.texts import tab_text
from kam_xl.plan.meta import meta_sheet, read_meta, tab_rows
from kam_xl.plan.workbook import init_workbook
from kam_xl.storetabs.generate import generate
from kam_xl.storetabs.storelinks import link_formula
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.spec import quote_sheet
from tests.support.libreoffice import error_cells, recalculate, require_soffice

STORES = 12


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("links")
    path = folder / "book.xlsx"
    init_workbook(path, lang="en", demo=True, stores=STORES)
    generate(path)
    return path


def stores_columns(sheet) -> tuple[int, int]:
    """(store id column, link column) of the Stores sheet, found by their headers."""
    header = [cell.value for cell in sheet[1]]
    return header.index("Store ID") + 1, header.index(tab_text("stores_tab_link", "en")) + 1


def with_targets(path: Path, out: Path) -> Path:
    """A copy whose column right of each link holds the link's target expression alone, so that LibreOffice
    computes where each link goes (HYPERLINK shows only its text)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Stores"]
    _, link = stores_columns(sheet)
    for row in range(2, sheet.max_row + 1):
        formula = sheet.cell(row, link).value
        if isinstance(formula, str) and formula.startswith("=IFERROR(HYPERLINK("):
            target = formula[len("=IFERROR(HYPERLINK(") : formula.rindex(",INDEX(")]
            sheet.cell(row, link + 1).value = f'=IFERROR({target},"")'
    book.save(out)
    return out


def check_links(path: Path, folder: Path) -> int:
    """Every Stores row with a store id shows that store's tab name and links to that tab (LibreOffice computes
    both); a row without a tab shows nothing. Returns how many links were checked."""
    require_soffice()
    folder.mkdir(parents=True, exist_ok=True)
    tabs = {record.store_id: record.tab for record in read_meta(FileBook(path)).tabs}
    computed = recalculate(with_targets(path, folder / "targets.xlsx"), folder / "lo")
    assert error_cells(computed) == []
    values = openpyxl.load_workbook(computed, data_only=True)
    sheet = values["Stores"]
    id_col, link = stores_columns(sheet)
    checked = 0
    for row in range(2, STORES + 2):
        store_id = sheet.cell(row, id_col).value
        shown, target = sheet.cell(row, link).value, sheet.cell(row, link + 1).value
        assert shown == tabs[store_id], (row, store_id, shown)
        assert target == f"#{quote_sheet(tabs[store_id])}!A1", (row, target)
        assert tabs[store_id] in values.sheetnames
        checked += 1
    assert sheet.cell(STORES + 2, link).value in (None, "")  # a spare row links nowhere
    return checked


def test_tab_rows_are_where_meta_sheet_puts_the_records(generated):
    meta = read_meta(FileBook(generated))
    spec = meta_sheet(meta)
    first, last = tab_rows(meta)
    assert last - first + 1 == len(meta.tabs) == STORES
    assert [spec.cells[(row, 1)][0] for row in range(first, last + 1)] == [t.store_id for t in meta.tabs]
    assert spec.cells[(first - 1, 1)][0] == "store_id"  # the header row just above


def test_every_stores_row_has_a_link_reading_its_own_row(generated):
    sheet = openpyxl.load_workbook(generated)["Stores"]
    id_col, link = stores_columns(sheet)
    first, last = tab_rows(read_meta(FileBook(generated)))
    for row in range(2, STORES + 2):
        assert sheet.cell(row, link).value == link_formula(row, id_col, first, last)
        assert len(sheet.cell(row, link).value) < 1000 and "HYPERLINK" in sheet.cell(row, link).value
    cached = openpyxl.load_workbook(generated, data_only=True)["Stores"]
    tabs = {record.store_id: record.tab for record in read_meta(FileBook(generated)).tabs}
    assert [cached.cell(row, link).value for row in range(2, STORES + 2)] == [
        tabs[cached.cell(row, id_col).value] for row in range(2, STORES + 2)
    ]  # the cached value (for readers that do not recalculate) is the tab name


def test_links_open_the_right_tab_in_libreoffice(generated, tmp_path):
    assert check_links(generated, tmp_path) == STORES


def test_links_follow_the_stores_after_sorting(generated, tmp_path):
    """The KAM sorts the Stores rows (descending by store id, as the filter's sort would: the plan's columns
    only); every link still opens its own row's store, before and after generating again."""
    path = tmp_path / "sorted.xlsx"
    shutil.copy(generated, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Stores"]
    id_col, link = stores_columns(sheet)
    rows = [[sheet.cell(row, col).value for col in range(1, link)] for row in range(2, STORES + 2)]
    rows.sort(key=lambda values: values[id_col - 1], reverse=True)
    for row, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            sheet.cell(row, col).value = value
    book.save(path)
    assert openpyxl.load_workbook(path)["Stores"].cell(2, id_col).value == f"HX{STORES:04d}"
    assert check_links(path, tmp_path / "sorted") == STORES
    result = generate(path)  # regenerating after the sort: the links stay right (and nothing about them moves)
    assert result.written
    assert check_links(path, tmp_path / "regenerated") == STORES


def test_generate_adds_the_column_to_a_stores_sheet_without_it(tmp_path):
    """A workbook made before the link column (or whose column the KAM deleted) gets it after the last header."""
    path = tmp_path / "old.xlsx"
    init_workbook(path, lang="zh", demo=True, stores=STORES)
    book = openpyxl.load_workbook(path)
    sheet = book["门店"]
    header = [cell.value for cell in sheet[1]]
    link = header.index(tab_text("stores_tab_link", "zh")) + 1
    sheet.delete_cols(link)
    book.save(path)
    generate(path)
    sheet = openpyxl.load_workbook(path)["门店"]
    assert sheet.cell(1, link).value == tab_text("stores_tab_link", "zh")
    assert all(sheet.cell(row, link).value.startswith("=IFERROR(HYPERLINK(") for row in range(2, STORES + 2))

"""The store tab on an SR's laptop: on a 1,366 × 768 screen at 100 % zoom, the week to type and all of its
input cells are visible without scrolling (column widths, row heights, frozen panes and the opening scroll
position as the written file has them)."""

from __future__ import annotations

import openpyxl
import pytest

from kam_xl.model.entries import WEEK_FIELDS
from kam_xl.plan.meta import read_meta
from kam_xl.storetabs.generate import generate
from kam_xl.storetabs.layout import FREEZE, LOG, LOG_HEADER_ROW
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.spec import split_ref
from tests.support.edits import set_cells

SCREEN_WIDTH, SCREEN_HEIGHT = 1366, 768
# What Excel 2010-2021 and WPS take from a maximised window at 100 %: row numbers and scroll bar across;
# title bar, ribbon, formula bar, column letters, sheet tabs, status bar and the Windows task bar down.
CHROME_WIDTH, CHROME_HEIGHT = 60, 300
DIGIT_PX = 7  # Calibri 11's widest digit at 96 dpi: a column of width w is about 7·w pixels
DEFAULT_ROW_PT = 15.0
PX_PER_PT = 96 / 72


def column_px(width: float) -> int:
    """Pixels of a column of `width` characters as Excel draws it (ECMA-376 §18.3.1.13)."""
    return int(((256 * width + int(128 / DIGIT_PX)) / 256) * DIGIT_PX)


def row_px(sheet, row: int) -> float:
    height = sheet.row_dimensions[row].height if row in sheet.row_dimensions else None
    return (height or DEFAULT_ROW_PT) * PX_PER_PT


@pytest.fixture(scope="module", params=["en", "zh"])
def tabs(request, demo_book_factory, tmp_path_factory):
    """A 40-store demo whose first tab has three weeks entered, and its tabs as openpyxl sees them."""
    path = tmp_path_factory.mktemp(f"screen-{request.param}") / "hq.xlsx"
    path.write_bytes(demo_book_factory(request.param, 40).read_bytes())
    generate(path)
    records = read_meta(FileBook(path)).tabs
    rows = records[0].cells["week"]["rows"]
    units = records[0].cells["week"]["cols"]["units"]
    set_cells(path, records[0].tab, {f"{units}{row}": 12 for row in list(rows.values())[:3]})
    generate(path)  # the tab opens at the week after the last one entered
    records = read_meta(FileBook(path)).tabs
    return openpyxl.load_workbook(path), records


def test_every_weekly_input_fits_the_width_of_a_laptop_screen(tabs):
    workbook, records = tabs
    budget = SCREEN_WIDTH - CHROME_WIDTH
    for record in records[:5]:
        sheet = workbook[record.tab]
        last_input = max(LOG[name] for name in WEEK_FIELDS)
        letters = [openpyxl.utils.get_column_letter(c) for c in range(1, last_input + 1)]
        used = sum(column_px(sheet.column_dimensions[letter].width) for letter in letters)
        assert used <= budget, f"{record.tab}: the inputs need {used} px, the screen shows {budget}"
        assert [record.cells["week"]["cols"][name] for name in WEEK_FIELDS] == [
            openpyxl.utils.get_column_letter(LOG[name]) for name in WEEK_FIELDS
        ]
        assert sheet.sheet_view.zoomScale in (None, 100)


def test_the_header_and_the_week_column_are_frozen_and_the_week_to_type_is_on_screen(tabs):
    workbook, records = tabs
    for number, record in enumerate(records[:5]):
        sheet = workbook[record.tab]
        pane = sheet.sheet_view.pane
        freeze_row, freeze_col = split_ref(FREEZE)
        assert pane.state == "frozen" and (pane.xSplit, pane.ySplit) == (freeze_col - 1, freeze_row - 1)
        assert (freeze_col - 1, freeze_row - 1) == (2, LOG_HEADER_ROW)  # columns A:B (week, start), rows 1-5
        rows = record.cells["week"]["rows"]
        week = list(rows.values())[3 if number == 0 else 0]  # the first tab has weeks 1-3 entered
        top, _ = split_ref(pane.topLeftCell)
        frozen = sum(row_px(sheet, r) for r in range(1, LOG_HEADER_ROW + 1))
        scrolled = sum(row_px(sheet, r) for r in range(top, week + 1))
        assert top <= week and frozen + scrolled <= SCREEN_HEIGHT - CHROME_HEIGHT, (record.tab, top, week)
        assert min(rows.values()) == LOG_HEADER_ROW + 1

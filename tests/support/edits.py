"""What people do to a workbook by hand, done with openpyxl (as a second application would save it):
insert, delete and sort rows, insert columns, copy sheets, type into locked cells."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import openpyxl


def _edit(path: Path, sheet: str, change) -> None:
    workbook = openpyxl.load_workbook(path)
    change(workbook[sheet] if sheet else workbook)
    workbook.save(path)


def _moving_merges(ws, row: int = 0, rows: int = 0, col: int = 0, cols: int = 0):
    """Merged ranges at or after (row, col), moved by (rows, cols) as Excel moves them (openpyxl moves the
    cells but not the merges): unmerged before the edit, merged again after it."""
    ranges = [str(r) for r in ws.merged_cells.ranges]
    for area in ranges:
        ws.unmerge_cells(area)
    moved = []
    for area in ranges:
        first, last = area.split(":")
        (r1, c1), (r2, c2) = (openpyxl.utils.cell.coordinate_to_tuple(ref) for ref in (first, last))
        if rows and r1 >= row:
            r1, r2 = r1 + rows, r2 + rows
        if cols and c1 >= col:
            c1, c2 = c1 + cols, c2 + cols
        elif cols and c2 >= col:
            c2 += cols
        moved.append((r1, c1, r2, c2))
    return moved


def _merge_again(ws, moved) -> None:
    for r1, c1, r2, c2 in moved:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def insert_rows(path: Path, sheet: str, row: int, values: list | None = None, count: int = 1) -> None:
    """Insert `count` rows before `row` (as Excel's Insert > Rows), typing `values` from column A into the first."""

    def change(ws):
        moved = _moving_merges(ws, row=row, rows=count)
        ws.insert_rows(row, count)
        _merge_again(ws, moved)
        for col, value in enumerate(values or [], start=1):
            if value is not None:
                ws.cell(row, col, value)

    _edit(path, sheet, change)


def delete_row(path: Path, sheet: str, row: int) -> None:
    def change(ws):
        moved = _moving_merges(ws, row=row + 1, rows=-1)
        ws.delete_rows(row)
        _merge_again(ws, moved)

    _edit(path, sheet, change)


def insert_column(path: Path, sheet: str, col: int) -> None:
    def change(ws):
        moved = _moving_merges(ws, col=col, cols=1)
        ws.insert_cols(col)
        _merge_again(ws, moved)

    _edit(path, sheet, change)


def reverse_rows(path: Path, sheet: str, first: int, last: int) -> None:
    """Sort rows first..last in reverse order, whole rows (as a sort by the week column, newest first)."""

    def change(ws):
        rows = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(first, last + 1)]
        for offset, values in enumerate(reversed(rows)):
            for col, value in enumerate(values, start=1):
                ws.cell(first + offset, col, value)

    _edit(path, sheet, change)


def set_cells(path: Path, sheet: str, values: dict[str, object]) -> None:
    def change(ws):
        for ref, value in values.items():
            ws[ref] = value

    _edit(path, sheet, change)


def copy_sheet(path: Path, sheet: str, title: str, changes: dict[str, object] | None = None) -> None:
    """Copy a sheet (Move or Copy > Create a copy) and type `changes` into the copy."""

    def change(workbook):
        with warnings.catch_warnings():  # openpyxl names the copy "<name> Copy" first, longer than 31 characters
            warnings.simplefilter("ignore", UserWarning)
            copy = workbook.copy_worksheet(workbook[sheet])
        copy.title = title
        for ref, value in (changes or {}).items():
            copy[ref] = value

    _edit(path, "", change)


def rename_sheet(path: Path, old: str, new: str) -> None:
    def change(workbook):
        workbook[old].title = new

    _edit(path, "", change)


def delete_sheet(path: Path, sheet: str) -> None:
    def change(workbook):
        del workbook[sheet]

    _edit(path, "", change)


def patch_sheet_xml(path: Path, sheet_part: str, edit) -> None:
    """Rewrite one worksheet part's XML (bytes -> bytes) in the zip, everything else as it was."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(info.filename, edit(data) if info.filename == sheet_part else data)

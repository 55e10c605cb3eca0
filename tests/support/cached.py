"""Comparing every formula cell's cached value with what LibreOffice computes for the same workbook."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl

from tests.support.libreoffice import recalculate


def cached_vs_recalculated(book: Path, folder: Path, sheets: list[str] | None = None) -> tuple[int, list]:
    """(formula cells compared, differences [(sheet, cell, cached, recalculated)]) between the cached values
    kam wrote and LibreOffice's full recalculation of the same file."""
    formulas = openpyxl.load_workbook(book, read_only=True)
    cached = openpyxl.load_workbook(book, read_only=True, data_only=True)
    fresh = openpyxl.load_workbook(recalculate(book, folder), read_only=True, data_only=True)
    compared, differences = 0, []
    for name in sheets or formulas.sheetnames:
        cells = {}
        for row in formulas[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cells[cell.coordinate] = None
        if not cells:
            continue
        mine = _values(cached[name], cells)
        theirs = _values(fresh[name], cells)
        for ref in cells:
            compared += 1
            if not same(mine.get(ref), theirs.get(ref)):
                differences.append((name, ref, mine.get(ref), theirs.get(ref)))
    return compared, differences


def _values(sheet, wanted: dict) -> dict:
    out = {}
    for row in sheet.iter_rows():
        for cell in row:
            if getattr(cell, "coordinate", None) in wanted:
                out[cell.coordinate] = cell.value
    return out


def same(a: object, b: object) -> bool:
    """Equal as a reader sees them: numbers to 1e-9 (relative for large ones), "" and empty alike."""
    if a in ("", None) and b in ("", None):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b

"""Workbook content for golden comparisons: values, formulas, styles that matter, validations, names."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def workbook_content(path: Path, skip_cells: set[tuple[str, str]] = frozenset()) -> dict:
    """Everything a person would notice in a workbook, as plain data (not the raw XML)."""
    book = openpyxl.load_workbook(path)
    content = {"sheets": book.sheetnames, "names": sorted(book.defined_names)}
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                if (sheet.title, cell.coordinate) in skip_cells:
                    continue
                if cell.value is None and not cell.has_style:
                    continue
                cells[cell.coordinate] = (
                    cell.value,
                    cell.number_format,
                    cell.protection.locked,
                    cell.fill.fgColor.rgb,
                    bool(cell.font.bold),
                    cell.alignment.wrap_text,
                )
        content[sheet.title] = {
            "state": sheet.sheet_state,
            "freeze": sheet.freeze_panes,
            "protected": bool(sheet.protection.sheet),
            "widths": {k: round(v.width, 2) for k, v in sheet.column_dimensions.items() if v.width},
            "validations": sorted(
                (dv.type, dv.operator, dv.formula1, dv.formula2, str(dv.sqref))
                for dv in sheet.data_validations.dataValidation
            ),
            "conditional": sorted(str(cf.sqref) for cf in sheet.conditional_formatting),
            "merged": sorted(str(m) for m in sheet.merged_cells.ranges),
            "cells": cells,
        }
    return content

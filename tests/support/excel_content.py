"""Everything a SheetSpec can put in a workbook, as plain data read with openpyxl (for the xlwings parity tests)."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import openpyxl

DEFAULT_LOOK = {
    "number_format": "General",
    "fill": None,
    "bold": False,
    "italic": False,
    "size": None,
    "font_color": None,
    "horizontal": None,
    "vertical": None,
    "wrap": False,
    "border": None,
    "locked": True,
}
_EPOCH = datetime(1899, 12, 30)
# What an engine cannot apply (kam_xl/excel/xlbook.py), left out of a comparison with that engine.
ENGINE_GAPS = {
    "windows": set(),
    "mac": {"locked", "protection", "messages", "zoom", "tab_color", "autofilter", "freeze", "soft"},
    "lite": {"locked", "protection", "messages", "zoom", "tab_color", "autofilter", "soft"},
}


class Number(float):
    """A cell's number, equal to another within 1e-12 (openpyxl writes floats with 16 digits only)."""

    def __eq__(self, other):
        return isinstance(other, float) and math.isclose(self, other, rel_tol=1e-12, abs_tol=1e-12)

    def __ne__(self, other):
        return not self == other

    __hash__ = float.__hash__


def rgb(color) -> str | None:
    """RRGGBB of an openpyxl colour given as ARGB; None for theme/indexed colours or none."""
    value = getattr(color, "rgb", None)
    return value[-6:].upper() if isinstance(value, str) else None


_LOOKS: dict[tuple, dict] = {}


def look_of(cell) -> dict:
    """The look of an openpyxl cell in the terms of DEFAULT_LOOK (worked out once per workbook style and
    shared: never change it in place)."""
    if not cell.has_style:
        return DEFAULT_LOOK
    key = (id(cell.parent.parent), tuple(cell._style))
    if key not in _LOOKS:
        _LOOKS[key] = _look(cell)
    return _LOOKS[key]


def _look(cell) -> dict:
    font, align, side = cell.font, cell.alignment, cell.border.left
    fill = cell.fill
    return {
        "number_format": cell.number_format or "General",
        "fill": rgb(fill.fgColor) if fill is not None and fill.fill_type == "solid" else None,
        "bold": bool(font.b),
        "italic": bool(font.i),
        "size": font_size(font.sz),
        "font_color": rgb(font.color),
        "horizontal": align.horizontal if align.horizontal not in (None, "general") else None,
        "vertical": align.vertical if align.vertical not in (None, "bottom") else None,
        "wrap": bool(align.wrap_text),
        "border": (rgb(side.color) or "000000") if side is not None and side.style == "thin" else None,
        "locked": cell.protection.locked is not False,
    }


def font_size(size) -> float | None:
    """A font size, None for Excel's default 11."""
    return None if size in (None, 11) else float(size)


def value_of(cell) -> tuple:
    """(kind, value) of an openpyxl cell: f formula, s text, b bool, n number (dates as serial numbers)."""
    value = cell.value
    if value == "":
        return None
    if cell.data_type == "f" or (isinstance(value, str) and cell.data_type != "s" and value.startswith("=")):
        return ("f", str(value))
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, datetime):
        delta = value - _EPOCH
        return ("n", round(delta.days + delta.seconds / 86400, 9))
    if isinstance(value, date):
        return ("n", float((value - _EPOCH.date()).days))
    return ("n", Number(value))


def number_text(text) -> object:
    """A validation operand without its '=', as a float when it is a number."""
    if text is None:
        return None
    text = str(text).lstrip("=")
    try:
        return float(text)
    except ValueError:
        return text


def widths_of(sheet) -> dict[int, float]:
    out = {}
    for dim in sheet.column_dimensions.values():
        if dim.customWidth and dim.width is not None and dim.min:
            out.update({col: round(float(dim.width), 2) for col in range(dim.min, dim.max + 1)})
    return out


def hidden_of(sheet) -> set[int]:
    return {
        col for dim in sheet.column_dimensions.values() if dim.hidden and dim.min for col in range(dim.min, dim.max + 1)
    }


def validations_of(sheet, gaps: set[str]) -> list[tuple]:
    out = []
    for rule in sheet.data_validations.dataValidation:
        messages = (
            (None, None, None) if "messages" in gaps else (rule.error or None, rule.prompt or None, rule.promptTitle)
        )
        out.append(
            (
                " ".join(sorted(str(rule.sqref).split())),
                rule.type,
                None if rule.type in ("list", "custom") else rule.operator,
                number_text(rule.formula1),
                number_text(rule.formula2),
                rule.errorStyle or "stop",
                *messages,
            )
        )
    return sorted(out, key=repr)


def cond_formats_of(sheet) -> list[tuple]:
    rules = []
    for area in sheet.conditional_formatting:
        for rule in area.rules:
            fill = rule.dxf.fill if rule.dxf is not None else None
            color = (rgb(fill.bgColor) or rgb(fill.fgColor)) if fill is not None else None
            font = rgb(rule.dxf.font.color) if rule.dxf is not None and rule.dxf.font is not None else None
            rules.append((rule.priority, str(area.sqref), rule.formula[0], color, font))
    return [rule[1:] for rule in sorted(rules)]


def protection_of(sheet) -> tuple | None:
    p = sheet.protection
    if not p.sheet:
        return None
    return (
        bool(p.formatColumns),
        bool(p.formatRows),
        bool(p.insertRows),
        bool(p.deleteRows),
        bool(p.sort),
        bool(p.autoFilter),
    )


def cells_of(sheet, gaps: set[str]) -> dict[str, tuple]:
    out = {}
    for row in sheet.iter_rows():
        for cell in row:
            look = look_of(cell)
            if "locked" in gaps:
                look = {**look, "locked": True}
            value = None if cell.value is None else value_of(cell)
            if value is None and look == DEFAULT_LOOK:
                continue
            out[cell.coordinate] = (
                value,
                tuple(sorted((k, v) for k, v in look.items() if DEFAULT_LOOK[k] != v)),
            )
    return out


def sheet_content(sheet, gaps: set[str]) -> dict:
    tab = rgb(sheet.sheet_properties.tabColor) if sheet.sheet_properties.tabColor is not None else None
    found = {
        "state": sheet.sheet_state,
        "cells": cells_of(sheet, gaps),
        "widths": widths_of(sheet),
        "hidden_cols": hidden_of(sheet),
        "heights": {r: float(d.height) for r, d in sheet.row_dimensions.items() if d.height is not None},
        "freeze": sheet.freeze_panes,
        "zoom": sheet.sheet_view.zoomScale,
        "tab_color": tab,
        "merges": sorted(str(r) for r in sheet.merged_cells.ranges),
        "validations": validations_of(sheet, gaps),
        "cond_formats": cond_formats_of(sheet),
        "protection": protection_of(sheet),
        "autofilter": sheet.auto_filter.ref or None,
    }
    return {key: value for key, value in found.items() if key not in gaps}


def workbook_content(path: str | Path, gaps: set[str] = frozenset()) -> dict:
    """Sheet order and each sheet's content; `gaps` names parts to leave out (see ENGINE_GAPS)."""
    book = openpyxl.load_workbook(path)
    try:
        return {
            "order": list(book.sheetnames),
            "sheets": {sheet.title: sheet_content(sheet, set(gaps)) for sheet in book.worksheets},
        }
    finally:
        _LOOKS.clear()


def differences(left: dict, right: dict, most: int = 12) -> list[str]:
    """Readable differences between two workbook contents (empty when equal)."""
    out = [] if left["order"] == right["order"] else [f"sheet order: {left['order']} != {right['order']}"]
    for name in sorted(set(left["sheets"]) | set(right["sheets"])):
        a, b = left["sheets"].get(name), right["sheets"].get(name)
        if a is None or b is None:
            out.append(f"{name}: only in {'right' if a is None else 'left'}")
            continue
        for key in a:
            if key == "cells":
                for ref in sorted(set(a[key]) | set(b[key])):
                    if a[key].get(ref) != b[key].get(ref):
                        out.append(f"{name}!{ref}: {a[key].get(ref)} != {b[key].get(ref)}")
            elif a[key] != b[key]:
                out.append(f"{name} {key}: {a[key]} != {b[key]}")
    return out[:most]

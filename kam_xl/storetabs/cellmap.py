"""Where each input field of a store tab is, and reading the typed values back from a tab's cells."""

from __future__ import annotations

import math
from functools import lru_cache

from kam_xl.model.entries import (
    ACTION_FIELDS,
    PROGRAM_FIELDS,
    WEEK_FIELDS,
    FieldKey,
    StoreEntries,
    field_kind,
    normalise,
)
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.plan.meta import decode, encode
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import split_ref


def field_cells(cells: dict) -> dict[FieldKey, str]:
    """Every input field of a tab and its cell, from the compact cell map kept in _meta."""
    out: dict[FieldKey, str] = {}
    if cells.get("agreed"):
        out[("agreed",)] = cells["agreed"]
    for block, fields in (("week", WEEK_FIELDS), ("program", PROGRAM_FIELDS)):
        part = cells.get(block) or {}
        for key, row in (part.get("rows") or {}).items():
            for name in fields:
                out[(block, key, name)] = f"{part['cols'][name]}{row}"
    actions = cells.get("action")
    if actions:
        first, last = actions["rows"]
        for number, row in enumerate(range(first, last + 1), start=1):
            for name in ACTION_FIELDS:
                out[("action", number, name)] = f"{actions['cols'][name]}{row}"
    for who, cell in (cells.get("comment") or {}).items():
        out[("comment", who)] = cell
    return out


def key_text(key: FieldKey) -> str:
    """A field key as text ('program|P09|status'), for the retired-values section."""
    return "|".join(str(part) for part in key)


def key_from_text(text: str) -> FieldKey | None:
    parts = str(text).split("|")
    if parts[0] == "action" and len(parts) == 3 and parts[1].isdigit():
        return ("action", int(parts[1]), parts[2])
    if parts[0] in ("week", "program") and len(parts) == 3:
        return tuple(parts)
    if parts[0] in ("agreed",) and len(parts) == 1:
        return ("agreed",)
    if parts[0] == "comment" and len(parts) == 2:
        return tuple(parts)
    return None


RETIRED_KEY_COL = 5  # column E of the retired section holds the field key; A the label; C the value


LAYOUT_PARTS = (
    "agreed",
    "week",
    "program",
    "action",
    "comment",
)  # the parts of a cell map field_cells reads


@lru_cache(maxsize=256)
def _positions(encoded: str) -> tuple[tuple[FieldKey, str, int, int], ...]:
    return tuple((key, cell, *split_ref(cell)) for key, cell in field_cells(decode(encoded)).items())


def input_positions(cells: dict) -> tuple[tuple[FieldKey, str, int, int], ...]:
    """(field key, cell, row, column) of every input of a tab, rows and columns from 1 (cached: the
    tabs of a workbook share a handful of layouts)."""
    return _positions(encode({part: cells.get(part) for part in LAYOUT_PARTS}))


def read_entries(grid: list[list], cells: dict) -> StoreEntries:
    """The values typed into a tab (typed where readable, kept as typed otherwise), incl. retired ones."""
    values: StoreEntries = {}
    rows = len(grid)
    for key, _, row, col in input_positions(cells):
        line = grid[row - 1] if row <= rows else ()
        raw = line[col - 1] if col <= len(line) else None
        if raw is None or raw == "":
            continue
        if type(raw) is float and 0.0 <= raw < math.inf and field_kind(key) == "number":
            values[key] = raw  # what normalise gives for a plain number (the common case, read fast)
            continue
        if is_blank(raw):
            continue
        try:
            values[key] = normalise(key, raw)
        except ParseError:
            values[key] = raw  # never lose what someone typed, even if it cannot be read
    retired = cells.get("retired")
    if retired:
        for row in range(retired[0], retired[1] + 1):
            key = key_from_text(cell_at(grid, row, RETIRED_KEY_COL) or "")
            raw = cell_at(grid, row, 3)
            if key and not is_blank(raw) and key not in values:
                try:
                    values[key] = normalise(key, raw)
                except ParseError:
                    values[key] = raw
    return values

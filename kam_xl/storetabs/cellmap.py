"""Where each input field of a store tab is, and reading the typed values back from a tab's cells."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from kam_xl.lang.words import LANGUAGES, fold
from kam_xl.model.entries import (
    ACTION_FIELDS,
    PROGRAM_FIELDS,
    WEEK_FIELDS,
    FieldKey,
    StoreEntries,
    field_kind,
    key_from_text,
    normalise,
)
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.plan.meta import decode, encode
from kam_xl.storetabs.layout import RETIRED_KEY_COL
from kam_xl.storetabs.locate import Located, TabKeys, TabLayoutError, cell_key, discover_keys, locate, marks
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
                if name in part["cols"]:  # a layout-1 tab has no sell-in or visits column
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


@lru_cache(maxsize=256)
def _marks(encoded: str, lang: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((*split_ref(ref), text) for ref, text in marks(decode(encoded), lang).items())


@lru_cache(maxsize=4096)
def _folded(value: object) -> str:
    return fold(cell_key(value))


def _marks_hold(grid: list[list], encoded: str, lang: str) -> bool:
    return all(_folded(cell_at(grid, row, col)) == text for row, col, text in _marks(encoded, lang))


@lru_cache(maxsize=256)
def _places(encoded: str) -> tuple[tuple[FieldKey, int, int], ...]:
    return tuple((key, row, col) for key, _, row, col in _positions(encoded))


def places(grid: list[list], cells: dict, lang: str) -> tuple[Sequence[tuple[FieldKey, int, int]], Located | None]:
    """(field, row, column) of every input of the tab in `grid`, and how they were found: None when every
    key and header is where the cell map says (the common case, checked cell by cell), else what `locate`
    followed. A cell map without its tables (lost or damaged _meta) is rebuilt from the tab's own key cells.
    TabLayoutError when the tab cannot be read without guessing."""
    if not cells.get("week"):
        found = _recovered(grid, lang)
        return [(key, row, col) for key, (row, col) in found.cells.items()], found
    encoded = encode({part: cells.get(part) for part in LAYOUT_PARTS})
    if _marks_hold(grid, encoded, lang):
        return _places(encoded), None  # shared by the tabs of one layout: not to be changed
    keys = TabKeys.from_cells(cells)
    try:
        found = locate(grid, keys, lang)
    except TabLayoutError as first:
        other = next(language for language in LANGUAGES if language != lang)
        try:
            found = locate(grid, keys, other)  # a tab written in the other language
        except TabLayoutError:
            raise first from None
    return [(key, row, col) for key, (row, col) in found.cells.items()], found


def _recovered(grid: list[list], lang: str) -> Located:
    try:
        return locate(grid, discover_keys(grid, lang), lang)
    except TabLayoutError as first:
        other = next(language for language in LANGUAGES if language != lang)
        try:
            return locate(grid, discover_keys(grid, other), other)
        except TabLayoutError:
            raise first from None


def read_entries(
    grid: list[list], cells: dict, lang: str = "en", followed: list | None = None, keep=None
) -> StoreEntries:
    """The values typed into a tab (typed where readable, kept as typed otherwise), incl. retired ones;
    rows and columns moved by hand are followed by their keys (TabLayoutError when that is ambiguous).
    `followed` receives the Located of a tab that was not where its cell map said; `keep(key)`, when given,
    chooses the fields read (the others are not even parsed)."""
    values: StoreEntries = {}
    rows = len(grid)
    positions, found = places(grid, cells, lang)
    if found is not None and followed is not None:
        followed.append(found)
    if keep is not None:
        positions = [place for place in positions if keep(place[0])]
    for key, row, col in positions:
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
    shift = found.shifted if found else 0
    for key, raw in retired_values(grid, cells, shift):
        if not is_blank(raw) and key not in values and (keep is None or keep(key)):
            try:
                values[key] = normalise(key, raw)
            except ParseError:
                values[key] = raw
    return values


def retired_values(grid: list[list], cells: dict, shift: int = 0) -> list[tuple[FieldKey, object]]:
    """The values of the "kept from earlier versions" section: each row's field key is in column E."""
    if not cells.get("retired"):
        return []
    out = []
    for row in range(1, len(grid) + 1):
        text = cell_at(grid, row, RETIRED_KEY_COL + shift)
        key = key_from_text(text) if isinstance(text, str) and "|" in text else None
        if key:
            out.append((key, cell_at(grid, row, 3 + shift)))
    return out

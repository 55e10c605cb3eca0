"""The <sheetData> of a SheetSpec as text, and its reuse for the next sheet of the same shape.

Thousands of store tabs share one shape: the same cells at the same places, the same row heights, and
(measured on a 1,000-store demo) 94 % of the cells hold the same value in the same style. So the first sheet
of a shape is written cell by cell and remembered as a list of pieces (a piece per row start, cell and row
end); a later sheet with exactly the same cell places and row heights copies that list and rewrites only the
cells whose value, style or cached formula value differs (compared with their types: TRUE is not 1). The
result is byte for byte what writing it cell by cell gives (tests/test_sheet_reuse.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from kam_xl.xlsx.cellcodec import cell_xml, formula_cell_xml
from kam_xl.xlsx.spec import Formula, SheetSpec, column_letter

_KNOWN = 200
_LETTERS = [""] + [column_letter(col) for col in range(1, _KNOWN)]
_TEXTS: dict[tuple[str, str, str], str] = {}  # (ref, style attribute, text) -> its <c> element
_TEXT_CACHE = 200_000


def cell_piece(row: int, col: int, value: object, attrs: str, cached: object, date1904: bool) -> str:
    """The <c> element of one cell ('' for an empty cell without a style); `attrs` is its style attribute,
    `cached` the formula's value from SheetSpec.cached (None: the Formula's own value)."""
    ref = (_LETTERS[col] if col < _KNOWN else column_letter(col)) + str(row)
    kind = type(value)
    if kind is float and math.isfinite(value):  # the common case, fast
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        return f'<c r="{ref}"{attrs}><v>{text}</v></c>'
    if kind is Formula:
        return formula_cell_xml(ref, attrs, value.text[1:], value.value if cached is None else cached)
    if kind is str:
        return _label(ref, attrs, value, date1904)
    if value is not None or attrs:
        return cell_xml(ref, attrs, value, date1904)
    return ""


def _label(ref: str, attrs: str, text: str, date1904: bool) -> str:
    """A text cell; labels repeat on every tab, so each (cell, style, text) is made once."""
    key = (ref, attrs, text)
    found = _TEXTS.get(key)
    if found is None:
        if len(_TEXTS) > _TEXT_CACHE:
            _TEXTS.clear()
        found = _TEXTS[key] = cell_xml(ref, attrs, text, date1904)
    return found


@dataclass
class _Shape:
    """A written sheetData: the cells, cached values and heights it was written from (copies), its pieces,
    and where each cell's piece is."""

    attrs: dict[str, str]
    date1904: bool
    cells: dict
    cached: dict
    heights: dict
    dimension: str  # the used range, A1:…
    pieces: list[str]
    where: dict[tuple[int, int], int]


_SHAPES: dict[tuple, list[_Shape]] = {}
_MOST_SHAPES = 64
_LARGEST = 20_000  # cells: larger sheets (a review's tables) are one of a kind, and not worth keeping


def sheet_data(spec: SheetSpec, attrs: dict[str, str], date1904: bool, reuse: bool = True) -> tuple[str, Iterable[str]]:
    """The used range (A1:…) and the pieces of <sheetData>…</sheetData> for `spec`; `attrs` maps a style name
    to its ' s="N"' attribute. With `reuse`, a sheet of a shape written before in this process is made from
    that one's pieces. A sheet over _LARGEST cells gives its pieces as they are made (an iterator: its text is
    never held whole, see safezip.pack_pieces)."""
    cells = spec.cells
    if not reuse or len(cells) > _LARGEST:
        items = sorted(cells.items())
        return _dimension(spec, items), itertools.chain(
            ["<sheetData>"], _cells(spec, items, attrs, date1904, None), ["</sheetData>"]
        )
    signature = (id(attrs), date1904, len(cells), len(spec.heights), len(spec.cached))
    for shape in _SHAPES.get(signature, ()):
        if shape.attrs is attrs and cells.keys() == shape.cells.keys() and spec.heights == shape.heights:
            pieces = _reused(shape, spec)
            if pieces is not None:
                return shape.dimension, pieces
    shape = _written(spec, attrs, date1904)
    if sum(map(len, _SHAPES.values())) >= _MOST_SHAPES:
        _SHAPES.clear()
    same = _SHAPES.setdefault(signature, [])
    same.insert(0, shape)
    del same[4:]
    return shape.dimension, shape.pieces


def _written(spec: SheetSpec, attrs_of: dict[str, str], date1904: bool) -> _Shape:
    """Every cell written, with copies of what it was written from and where each cell's piece is, to be
    reused."""
    items = sorted(spec.cells.items())
    where: dict[tuple[int, int], int] = {}
    pieces = ["<sheetData>", *_cells(spec, items, attrs_of, date1904, where), "</sheetData>"]
    cells, cached, heights = dict(spec.cells), dict(spec.cached), dict(spec.heights)
    return _Shape(attrs_of, date1904, cells, cached, heights, _dimension(spec, items), pieces, where)


def _dimension(spec: SheetSpec, items: list) -> str:
    last_row = items[-1][0][0] if items else 1
    last_col = max(map(itemgetter(1), spec.cells), default=1)
    return f"A1:{column_letter(last_col)}{last_row}"


def _cells(spec: SheetSpec, items: list, attrs_of: dict[str, str], date1904: bool, where: dict | None) -> Iterator[str]:
    """The pieces between <sheetData> and </sheetData>, cells sorted by (row, column) (`items`), a <row> for each
    row holding a cell or a height; with `where`, each cell's place in the list they are put in after
    "<sheetData>" is noted (and its texts are remembered: a big table's texts are its own, not worth it)."""
    heights, cached = spec.heights, spec.cached
    rows = sorted({row for (row, _), _ in items}.union(heights))
    keep = where is not None
    at, count, place = 0, len(items), 1
    for row in rows:
        height = heights.get(row)
        yield f'<row r="{row}" ht="{height}" customHeight="1">' if height else f'<row r="{row}">'
        place += 1
        suffix = str(row)
        while at < count and items[at][0][0] == row:
            key, (value, style) = items[at]
            at += 1
            if keep:
                where[key] = place
            place += 1
            col = key[1]
            ref = _LETTERS[col] + suffix if col < _KNOWN else column_letter(col) + suffix
            attrs = attrs_of.get(style, "")
            kind = type(value)
            # cell_piece, inlined: a review's tables hold 200,000 cells and more (tests/test_sheet_reuse.py checks
            # that both give the same)
            if kind is float and math.isfinite(value):
                text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
                yield f'<c r="{ref}"{attrs}><v>{text}</v></c>'
            elif kind is Formula:
                known = cached.get(key)
                yield formula_cell_xml(ref, attrs, value.text[1:], value.value if known is None else known)
            elif kind is str:
                yield _label(ref, attrs, value, date1904) if keep else cell_xml(ref, attrs, value, date1904)
            elif value is None:
                yield f'<c r="{ref}"{attrs}/>' if attrs else ""  # cell_xml of an empty cell
            else:
                yield cell_xml(ref, attrs, value, date1904)
        yield "</row>"
        place += 1


def _reused(shape: _Shape, spec: SheetSpec) -> list[str] | None:
    """The pieces of `shape` with the cells of `spec` that differ from it rewritten (None when a value cannot
    be compared)."""
    old, cells, cached, old_cached = shape.cells, spec.cells, spec.cached, shape.cached
    changed = []
    try:
        for key, (value, style) in cells.items():
            was, was_style = old[key]
            if value is was and style is was_style:
                continue
            if (
                style != was_style
                or type(value) is not type(was)
                or value != was
                or (type(value) is Formula and type(value.value) is not type(was.value))  # Formula("=A1", TRUE)
            ):
                changed.append(key)
        for key, value in cached.items():
            was = old_cached.get(key, _MISSING)
            if value is not was and (type(value) is not type(was) or value != was or value != value):
                changed.append(key)
        if len(old_cached) != len(cached) or old_cached.keys() != cached.keys():
            changed.extend(old_cached.keys() - cached.keys())
    except (TypeError, ValueError):  # a value that does not compare as one value (an array, say)
        return None
    pieces = shape.pieces.copy()
    where, attrs_of, date1904 = shape.where, shape.attrs, shape.date1904
    for key in changed:
        if key in where:
            value, style = cells[key]
            pieces[where[key]] = cell_piece(key[0], key[1], value, attrs_of.get(style, ""), cached.get(key), date1904)
    return pieces


_MISSING = object()

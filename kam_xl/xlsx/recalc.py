"""Refreshing the cached values of a workbook's formulas after kam changed its cells, as Excel would on save.

Sheets whose formulas refer only to their own cells (store tabs) are evaluated together by formula set
(kam_xl.xlsx.calc); sheets that refer to other sheets (an SR file's "My stores", a store tab whose log cells
read "This week") are evaluated after them, each after the sheets it reads, reading their refreshed values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from kam_xl.xlsx.calc import Evaluator, FormulaError, parse, references
from kam_xl.xlsx.spec import column_letter, split_ref

Cell = tuple[int, int]
Lookup = Callable[[Cell], object]


def grid_lookup(grid: list[list], overrides: dict[Cell, object] | None = None) -> Lookup:
    """A cell's value from a grid of values (rows from 1), `overrides` first."""
    overrides = overrides or {}

    def value(cell: Cell) -> object:
        if cell in overrides:
            return overrides[cell]
        row, col = cell
        try:
            found = grid[row - 1][col - 1]
        except IndexError:
            return None
        return None if found == "" else found

    return value


def refresh_values(book, sheets: list[str], lookups: dict[str, Lookup] | None = None) -> dict[str, int]:
    """Set every formula's cached value in `sheets` from the cells as they stand (`lookups[sheet]`, else the
    sheet's grid as read); returns formula cells refreshed per sheet. A formula kam cannot evaluate leaves
    its sheet's formulas without a cached value rather than with a stale one."""
    lookups = dict(lookups or {})
    formulas = {sheet: book.formulas(sheet) for sheet in sheets}
    for sheet in sheets:
        if formulas[sheet] and sheet not in lookups:
            lookups[sheet] = grid_lookup(book.grid(sheet))
    local, crossing, needs = {}, [], {}
    for sheet, found in formulas.items():
        if not found:
            continue
        try:
            other = set().union(*(_sheets_read(text) for text in set(found.values())))
        except FormulaError:
            book.set_formula_values(sheet, dict.fromkeys(found))
            continue
        if other:
            crossing.append(sheet)
            needs[sheet] = other - {sheet}
        else:
            local.setdefault(tuple(sorted(found.items())), []).append(sheet)
    results: dict[str, dict[Cell, object]] = {}
    for signature, group in local.items():
        _evaluate(book, group, dict(signature), [lookups[s] for s in group], None, results)

    def elsewhere(sheet: str, cell: Cell) -> object:
        if sheet in results and cell in results[sheet]:
            return results[sheet][cell]
        if sheet not in lookups:
            lookups[sheet] = grid_lookup(book.grid(sheet))
        return lookups[sheet](cell)

    for sheet in _dependency_order(crossing, needs):  # a store tab reading "This week" before "My stores"
        _evaluate(book, [sheet], formulas[sheet], [lookups[sheet]], elsewhere, results)
    return {sheet: len(values) for sheet, values in results.items()}


@lru_cache(maxsize=65_536)
def _sheets_read(text: str) -> frozenset[str]:
    """The other sheets a formula refers to."""
    return frozenset(ref.sheet for ref in references(parse(text)) if ref.sheet is not None)


def _dependency_order(sheets: list[str], needs: dict[str, set[str]]) -> list[str]:
    """`sheets` with every sheet after the sheets of the list it refers to (as given where they refer to
    each other in a circle)."""
    done: list[str] = []
    waiting = list(sheets)
    while waiting:
        ready = [s for s in waiting if not (needs.get(s, set()) & set(waiting) - {s})]
        for sheet in ready or waiting[:1]:
            done.append(sheet)
            waiting.remove(sheet)
    return done


def _evaluate(book, group, texts: dict[str, str], lookups: list[Lookup], elsewhere, results) -> None:
    cells = {split_ref(ref): text for ref, text in texts.items()}

    def constant(cell: Cell) -> list[object]:
        return [lookup(cell) for lookup in lookups]

    other = None if elsewhere is None else (lambda sheet, cell: [elsewhere(sheet, cell)] * len(group))
    try:
        values = Evaluator(len(group), cells, constant, other).values()
    except FormulaError:
        for sheet in group:
            book.set_formula_values(sheet, dict.fromkeys(texts))
        return
    for index, sheet in enumerate(group):
        mine = {cell: found.value(index) for cell, found in values.items()}
        results[sheet] = mine
        book.set_formula_values(sheet, {f"{column_letter(col)}{row}": value for (row, col), value in mine.items()})

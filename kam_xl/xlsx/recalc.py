"""Refreshing the cached values of a workbook's formulas after kam changed its cells, as Excel would on save.

Sheets whose formulas refer only to their own cells (store tabs) are evaluated together by formula set
(kam_xl.xlsx.calc); sheets that refer to other sheets (an SR file's "My stores", a store tab whose log cells
read "This week") are evaluated after them, each after the sheets it reads, reading their refreshed values.

Which formulas are evaluated: every formula of every sheet handed in, not only those whose inputs changed.
Keeping the cached value of a formula that reads no written cell would be right only if that value was right
before; an HQ workbook saved by a tool that does not recalculate (or made before cached values existed) has
stale or missing ones, and a collect or import is what puts them right. Evaluating all of them costs little:
the evaluation is vectorised over the sheets of one formula set, so it grows with the number of distinct
formulas, not with the number of sheets.

Many sheets at once (collect, import: `Refresh`): each sheet's formulas are read when it is added, and only the
cells its formulas read are kept (one tuple of values per sheet), not its whole grid, so a thousand tabs cost a
few megabytes; the sheets of one formula set are evaluated together once `BATCH` of them wait, or at `finish`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

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


def refresh_values(book, sheets: list[str], lookups: dict[str, Lookup] | None = None, earlier=None) -> dict[str, int]:
    """Set every formula's cached value in `sheets` from the cells as they stand (`lookups[sheet]`, else the
    sheet's grid as read); returns formula cells refreshed per sheet. A formula kam cannot evaluate leaves
    its sheet's formulas without a cached value rather than with a stale one. `earlier`: the refreshed values
    of other sheets (sheet -> cell -> value), read by formulas that refer to those sheets."""
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
    results: dict[str, dict[Cell, object]] = dict(earlier or {})
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
    return {sheet: len(values) for sheet, values in results.items() if earlier is None or sheet not in earlier}


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
    cells_in_order = list(values)
    refs = [f"{column_letter(col)}{row}" for row, col in cells_in_order]
    columns = [values[cell].python() for cell in cells_in_order]  # every sheet's value of a cell at once
    for index, sheet in enumerate(group):
        mine = [column[index] for column in columns]
        results[sheet] = dict(zip(cells_in_order, mine))
        book.set_formula_values(sheet, dict(zip(refs, mine)))


BATCH = 1024  # sheets of one formula set evaluated together (numpy arrays of this many rows)


class _Group:
    """Sheets waiting to be evaluated that share one formula set: the cells their formulas read, and each
    sheet's values of those cells."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts
        self.formulas = {split_ref(ref): text for ref, text in texts.items()}
        read = {cell for text in set(texts.values()) for cell in _cells_read(text)}
        self.inputs = sorted(read)
        self.position = {cell: i for i, cell in enumerate(self.inputs)}
        self.getters = []  # (row index, itemgetter of its columns, one column?): a row's inputs in one call
        for row, cells in groupby(self.inputs, key=lambda cell: cell[0]):
            cols = [col - 1 for _, col in cells]
            self.getters.append((row - 1, itemgetter(*cols), len(cols) == 1))
        self.sheets: list[str] = []
        self.rows: list[tuple] = []
        self.columns: list[tuple] | None = None

    def values_of(self, grid: list[list], writes: dict[Cell, object]) -> tuple:
        """The values of the inputs on a sheet: its grid as read (rows from 1, "" empty), `writes` first."""
        found: list = []
        try:
            for row, getter, single in self.getters:
                if single:
                    found.append(getter(grid[row]))
                else:
                    found.extend(getter(grid[row]))
        except IndexError:  # the grid stops before an input: cell by cell
            lookup = grid_lookup(grid, writes)
            return tuple(lookup(cell) for cell in self.inputs)
        values = [None if value == "" else value for value in found]
        for cell, value in writes.items():
            i = self.position.get(cell)
            if i is not None:
                values[i] = value
        return tuple(values)

    def constant(self, cell: Cell) -> list[object]:
        if self.columns is None:  # the waiting sheets' rows turned into one tuple per input cell, once
            self.columns = list(zip(*self.rows))
        return self.columns[self.position[cell]]


@lru_cache(maxsize=65_536)
def _cells_read(text: str) -> tuple[Cell, ...]:
    """Every cell of its own sheet a formula refers to (ranges expanded)."""
    return tuple({cell for ref in references(parse(text)) if ref.sheet is None for cell in ref.cells()})


class Refresh:
    """The cached values of many sheets' formulas refreshed together (collect and import: one `add` per sheet
    written into, then `finish`), each sheet added after its cells were written."""

    def __init__(self, book, batch: int = BATCH):
        self.book = book
        self.batch = batch
        self.groups: dict[tuple, _Group] = {}
        self.crossing: dict[str, Lookup] = {}  # sheets reading other sheets: evaluated at finish
        self.results: dict[str, tuple[dict[Cell, list], int]] = {}  # values of evaluated sheets, for those
        self.refreshed: dict[str, int] = {}
        self.pending: dict[str, dict[str, object]] = {}  # cells to write once the sheet's formulas are refreshed

    def add(self, sheet: str, grid: list[list], writes: dict[Cell, object], cells: dict | None = None) -> None:
        """A sheet whose cells were written: `grid` its values as read before (rows from 1), `writes` the values
        written by (row, column). Or written later: `cells` ("A1" -> value, the same writes) are written into the
        sheet right after its formulas' cached values (its formulas are then found once, not twice)."""
        if cells:
            self.pending[sheet] = cells
        found = self.book.formulas(sheet)
        if not found:
            self._write(sheet)
            return
        signature = tuple(found.items())
        group = self.groups.get(signature)
        if group is None:
            try:
                other = set().union(*(_sheets_read(text) for text in set(found.values())))
                group = None if other else _Group(found)
            except FormulaError:
                self.book.set_formula_values(sheet, dict.fromkeys(found))
                self._write(sheet)
                return
            if group is None:
                self._write(sheet)
                self.crossing[sheet] = grid_lookup(grid, writes)
                return
            self.groups[signature] = group
        group.sheets.append(sheet)
        group.rows.append(group.values_of(grid, writes))
        if len(group.sheets) >= self.batch:
            self._evaluate(group)

    def _evaluate(self, group: _Group) -> None:
        if not group.sheets:
            return
        try:
            values = Evaluator(len(group.sheets), group.formulas, group.constant).values()
        except FormulaError:
            for sheet in group.sheets:
                self.book.set_formula_values(sheet, dict.fromkeys(group.texts))
                self._write(sheet)
        else:
            cells = list(values)
            refs = [f"{column_letter(col)}{row}" for row, col in cells]
            columns = [values[cell].python() for cell in cells]
            by_cell = dict(zip(cells, columns))
            for index, sheet in enumerate(group.sheets):
                self.book.set_formula_values(sheet, dict(zip(refs, [column[index] for column in columns])))
                self._write(sheet)
                self.results[sheet] = (by_cell, index)
                self.refreshed[sheet] = len(cells)
        group.sheets, group.rows, group.columns = [], [], None

    def _write(self, sheet: str) -> None:
        cells = self.pending.pop(sheet, None)
        if cells:
            self.book.set_cells(sheet, cells)

    def finish(self) -> dict[str, int]:
        """Evaluate what waits; returns formula cells refreshed per sheet."""
        for group in self.groups.values():
            self._evaluate(group)
        if self.crossing:
            earlier = {sheet: _Result(*found) for sheet, found in self.results.items()}
            self.refreshed.update(refresh_values(self.book, list(self.crossing), self.crossing, earlier))
            self.crossing = {}
        self.results = {}
        return self.refreshed


class _Result:
    """One sheet's evaluated values, read from its group's columns."""

    def __init__(self, by_cell: dict[Cell, list], index: int):
        self.by_cell, self.index = by_cell, index

    def __contains__(self, cell: Cell) -> bool:
        return cell in self.by_cell

    def __getitem__(self, cell: Cell) -> object:
        return self.by_cell[cell][self.index]

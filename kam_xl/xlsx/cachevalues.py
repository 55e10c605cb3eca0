"""The cached value of every Formula cell of SheetSpecs (kam_xl.xlsx.calc evaluates them), made in bulk.

Two kinds of repetition make it fast. Sheets of one layout (store tabs of one shape) share their formula
texts: they are evaluated together, each formula once as arrays over all the sheets. And within one sheet,
a formula filled down a column (a review's `=IF(N(F7)>0,H7/F7-1,"")` on 5,000 rows) is the same formula
moved row by row: its rows are evaluated together too, as if each row were a sheet of its own, each reading
the cells its copy of the formula reads. Only the rows whose inputs hold no formula are taken so (their
values are known before anything is evaluated); the others, and everything else, are evaluated cell by cell,
reading those rows' values.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kam_xl.xlsx.calc import Cell, Evaluator, FormulaError, Vals, parse, references, shifted

FAMILY = 8  # fewer rows than this are evaluated cell by cell (the grouping would cost more than it saves)
_FEW = 64  # a sheet with fewer formulas is not searched for filled-down columns


def cache_values(specs: list, elsewhere: Callable[[str, Cell], object] | None = None, *, filled: bool = True) -> None:
    """Put the value of every Formula cell of these SheetSpecs into their `cached` maps, in place.

    Specs whose formulas are the same texts in the same cells are evaluated together (vectorised);
    `elsewhere(sheet, cell)` gives the value of a cell on another sheet (same for every spec); `filled`: a
    sheet of its own layout has its filled-down columns evaluated row-vectorised (the same values)."""
    from kam_xl.xlsx.spec import Formula

    groups: dict[tuple, list] = {}
    for spec in specs:
        formulas = tuple([(cell, value.text) for cell, (value, _) in spec.cells.items() if type(value) is Formula])
        if formulas:
            groups.setdefault(formulas, []).append(spec)
    for formulas, group in groups.items():
        cells = [spec.cells for spec in group]

        def constant(cell: Cell, cells=cells) -> list[object]:
            return [found[0] if (found := sheet.get(cell)) is not None else None for sheet in cells]

        size = len(group)
        rest, known = dict(formulas), {}
        if filled and size == 1 and len(rest) >= _FEW:
            known = filled_down(rest, lambda cell, sheet=cells[0]: (sheet.get(cell) or (None,))[0])
            for cell, value in known.items():
                group[0].cached[cell] = value.python()[0]
                del rest[cell]
        other = None if elsewhere is None else (lambda sheet, cell, n=size: [elsewhere(sheet, cell)] * n)
        evaluator = Evaluator(size, rest, constant, other, known=known)
        for cell, values in evaluator.values().items():
            for spec, value in zip(group, values.python(), strict=True):
                spec.cached[cell] = value


def filled_down(formulas: dict[Cell, str], value_of: Callable[[Cell], object]) -> dict[Cell, Vals]:
    """The values (1 × 1 Vals) of the cells of `formulas` that belong to a formula filled down a column (at
    least FAMILY rows) and whose inputs hold no formula; `value_of(cell)` is a constant cell's value."""
    alike: dict[tuple[int, str], list[Cell]] = {}
    for (row, col), text in formulas.items():
        if _CELLISH.search(_LITERAL.sub("", text)):  # a formula that reads no cell gains nothing here
            alike.setdefault((col, _DIGITS.sub("", text)), []).append((row, col))  # a quick first sort: no digits
    out: dict[Cell, Vals] = {}
    for cells in alike.values():
        if len(cells) < FAMILY:
            continue
        columns: dict[str, list[Cell]] = {}
        for row, col in cells:
            columns.setdefault(shifted(formulas[(row, col)], -row, 0), []).append((row, col))  # the same once moved
        for family in columns.values():
            if len(family) >= FAMILY:
                out.update(_family(sorted(family), formulas, value_of))
    return out


_DIGITS = re.compile(r"[0-9]+")
_LITERAL = re.compile(r'"(?:[^"]|"")*"')
_CELLISH = re.compile(r"[A-Za-z]\$?[0-9]")


def _family(cells: list[Cell], formulas: dict[Cell, str], value_of: Callable[[Cell], object]) -> dict[Cell, Vals]:
    """One filled-down formula's rows evaluated as one (or nothing, when its references are not all on this
    sheet, or a range has one end fixed and the other moving)."""
    first = cells[0]
    try:
        moving = _moving_refs(formulas[first])
    except FormulaError:
        return {}
    if moving is None:
        return {}
    members = [cell for cell in cells if not _reads_a_formula(moving, cell[0] - first[0], formulas)]
    if len(members) < FAMILY:
        return {}
    base = members[0]
    refs = [(ref, moves) for ref, moves in _moving_refs(formulas[base])]
    shifts = [row - base[0] for row, _ in members]
    follows = {cell for ref, moves in refs if moves for cell in ref.cells()}
    fixed = {cell for ref, moves in refs if not moves for cell in ref.cells()}
    if follows & fixed:  # one cell read both ways: keep it simple
        return {}

    def constant(cell: Cell) -> list[object]:
        if cell in follows:
            return [value_of((cell[0] + shift, cell[1])) for shift in shifts]
        return [value_of(cell)] * len(shifts)

    values = Evaluator(len(members), {base: formulas[base]}, constant).value(base)
    return {cell: Vals(values.kind[i : i + 1], values.num[i : i + 1], values.text[i : i + 1]) for i, cell in
            enumerate(members)}  # fmt: skip


def _moving_refs(formula: str) -> list | None:
    """Each reference of a formula with whether it moves when the formula is filled down (None when one
    does not stay on this sheet or a range's two ends do not move alike)."""
    here = references(parse(formula))
    below = references(parse(shifted(formula, 1, 0)))
    out = []
    for ref, moved in zip(here, below, strict=True):
        if ref.sheet is not None:
            return None
        top, bottom = moved.row1 - ref.row1, moved.row2 - ref.row2
        if top != bottom:
            return None
        out.append((ref, top == 1))
    return out


def _reads_a_formula(refs: list, shift: int, formulas: dict[Cell, str]) -> bool:
    """Whether the copy of the formula `shift` rows down reads a cell that holds a formula."""
    for ref, moves in refs:
        step = shift if moves else 0
        for row in range(ref.row1 + step, ref.row2 + step + 1):
            for col in range(ref.col1, ref.col2 + 1):
                if (row, col) in formulas:
                    return True
    return False

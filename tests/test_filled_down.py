"""A formula filled down a column is evaluated for all its rows at once (kam_xl.xlsx.cachevalues), and a long
range of constants is read in one go: the cached values are the ones evaluating each cell alone gives."""

from __future__ import annotations

import copy
import math
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kam_xl.xlsx.cachevalues import FAMILY, cache_values
from kam_xl.xlsx.spec import Formula, SheetSpec

constants = st.one_of(
    st.none(),
    st.floats(-1e6, 1e6),
    st.integers(-5, 5).map(float),
    st.sampled_from(["", "x", "Done", "done", True, False, date(2026, 3, 2)]),
)

# Formulas as a review writes them, and kinds it does not (a fixed corner, a read of another formula).
COLUMNS = {
    4: '=IF(N(A{r})>0,B{r}/A{r}-1,"")',  # reads its own row
    5: "=A{r}+$A$2",  # and a fixed cell
    6: "=SUM(A{r}:B{r})",  # a range that moves
    7: "=SUM($A$2:A{r})",  # a range with one end fixed: cell by cell
    8: "=D{r}*2",  # reads a formula: cell by cell
    9: '=IF(A{r}="done",1,0)',  # text comparisons
    10: "=COUNTIF($B$2:$B$60,A{r})",  # a fixed range
    11: '=IFERROR(INDEX($B$2:$B$60,MATCH(A{r},$A$2:$A$60,0)),"-")',
    12: "=INDEX($C$2:$C$41,2)+IFERROR(MATCH(9.99E+307,$C$2:$C$41),0)",  # where in a range of numbers
}
numbers = st.one_of(st.none(), st.floats(-1e6, 1e6))


@st.composite
def sheets(draw):
    rows = draw(st.integers(FAMILY, 40))
    chosen = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=len(COLUMNS), unique=True))
    spec = SheetSpec("S")
    for row in range(2, rows + 2):
        for col in (1, 2, 3):
            value = draw(numbers if col == 3 else constants)
            if value is not None:
                spec.cells[(row, col)] = (value, "text")
        for col in chosen:
            if draw(st.integers(0, 9)):  # now and then a row without it
                spec.cells[(row, col)] = (Formula(COLUMNS[col].format(r=row)), "calc")
    total = rows + 2
    for col in (1, 2, *chosen):
        letter = "ABCDEFGHIJKL"[col - 1]
        spec.cells[(total, col)] = (Formula(f"=SUM({letter}2:{letter}{total - 1})"), "calc")
    return spec


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@given(sheets())
def test_filled_down_formulas_get_the_values_each_cell_alone_gets(spec):
    fast = copy.deepcopy(spec)
    cache_values([fast], filled=True)
    one, two = copy.deepcopy(spec), copy.deepcopy(spec)
    cache_values([one, two], filled=False)  # two sheets of one layout: every cell evaluated on its own
    assert fast.cached.keys() == one.cached.keys()
    for cell, value in one.cached.items():
        assert _same(fast.cached[cell], value), (cell, fast.cached[cell], value)


def test_a_filled_down_column_and_its_total():
    spec = SheetSpec("S")
    for row in range(2, 102):
        spec.cells[(row, 1)] = (float(row), "text")
        spec.cells[(row, 2)] = (float(row * 2) if row % 7 else None, "text")
        spec.cells[(row, 3)] = (Formula(f'=IF(N(A{row})>0,B{row}/A{row}-1,"")'), "calc")
    spec.cells[(102, 3)] = (Formula("=SUM(C2:C101)"), "calc")
    cache_values([spec])
    assert spec.cached[(2, 3)] == 1.0 and spec.cached[(7, 3)] == -1.0
    assert spec.cached[(102, 3)] == sum(1.0 if row % 7 else -1.0 for row in range(2, 102))

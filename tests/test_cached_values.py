"""Every formula cell kam writes carries the value Excel would compute: equal to LibreOffice's
recalculation, and readable by tools that do not recalculate (openpyxl data_only)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_xl.cli import main
from kam_xl.xlsx.calc import ErrorValue, Evaluator, FormulaError, parse, shifted
from kam_xl.xlsx.spec import Formula, SheetSpec
from tests.support.cached import cached_vs_recalculated, same

# ----- the evaluator, cell by cell ------------------------------------------------------------------------


def _evaluate(formula: str, cells: dict[tuple[int, int], object]) -> object:
    evaluator = Evaluator(1, {(99, 1): formula}, lambda cell: [cells.get(cell)])
    return evaluator.value((99, 1)).value(0)


CELLS = {(1, 1): 3.0, (2, 1): None, (3, 1): "text", (4, 1): 5.0, (5, 1): True, (6, 1): ErrorValue("#N/A"), (7, 1): 0.0}


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("=SUM(A1:A4)", 8.0),
        ("=COUNT(A1:A5)", 2.0),
        ("=A1+A2", 3.0),  # a blank is 0 in arithmetic
        ('=IF(A2="",1,2)', 1.0),  # and "" against text
        ("=A1+A3", ErrorValue("#VALUE!")),
        ("=A1/A7", ErrorValue("#DIV/0!")),
        ('=IFERROR(A1/A7,"none")', "none"),
        ("=SUM(A1:A6)", ErrorValue("#N/A")),
        ("=ISNUMBER(A3)", False),
        ("=SUMPRODUCT(--ISNUMBER(A1:A4),A1:A4)", 8.0),
        ("=SUMPRODUCT((A1:A4>2)*1,A1:A4)", 8.0),  # text compares greater than any number
        ('=COUNTIF(A1:A4,"TEXT")', 1.0),  # case does not matter
        ("=INDEX(A1:A4,MATCH(9.99E+307,A1:A4))", 5.0),  # the last number of a column
        ("=MATCH(9.99E+307,A2:A3)", ErrorValue("#N/A")),
        ("=AVERAGE(A1:A4)", 4.0),
        ("=AVERAGE(A2:A3)", ErrorValue("#DIV/0!")),
        ("=ROUND(2.5,0)", 3.0),  # half away from zero, as Excel
        ("=ROUND(-2.5,0)", -3.0),
        ("=MIN(A1,A4)", 3.0),
        ("=N(A3)+N(A5)", 1.0),
        ("=LEN(A3)", 4.0),
        ("=AND(ISNUMBER(A1),A1>2)", True),
        ("=-A1^2", 9.0),  # unary minus binds before ^, as in Excel
        ('=HYPERLINK("#A1","go")', "go"),
        ("=50%*A1", 1.5),
    ],
)
def test_the_evaluator_follows_excels_rules(formula, expected):
    got = _evaluate(formula, CELLS)
    assert same(got, expected) or got == expected, (formula, got)


def test_a_formula_kam_does_not_write_is_refused_not_guessed():
    with pytest.raises(FormulaError, match="VLOOKUP"):
        parse("=VLOOKUP(A1,B1:C9,2,FALSE)")


def _excel_order(x: object, y: object) -> int:
    """Excel's comparison of two values, one pair at a time: numbers < text < booleans; a blank is 0, "" or FALSE
    as the other side is; text ignores case."""
    rank = {float: 0, str: 1, bool: 2}
    if x is None and y is None:
        return 0
    if x is None:
        x = {0: 0.0, 1: "", 2: False}[rank[type(y)]]
    if y is None:
        y = {0: 0.0, 1: "", 2: False}[rank[type(x)]]
    if rank[type(x)] != rank[type(y)]:
        return -1 if rank[type(x)] < rank[type(y)] else 1
    if isinstance(x, str):
        x, y = x.lower(), y.lower()
    return (x > y) - (x < y)


_CELL_VALUES = st.one_of(
    st.none(), st.booleans(), st.floats(-1e6, 1e6), st.sampled_from(["", "yes", "YES", "No", "a", "B", "ß", "é"])
)


@given(
    st.lists(st.tuples(_CELL_VALUES, _CELL_VALUES), min_size=1, max_size=40),
    st.sampled_from(["=", "<>", "<", ">", "<=", ">="]),
)
def test_comparisons_over_many_sheets_follow_excels_order_on_each(pairs, op):
    evaluator = Evaluator(len(pairs), {(9, 1): f"=A1{op}B1"}, lambda cell: [pair[cell[1] - 1] for pair in pairs])
    got = evaluator.value((9, 1)).python()
    test = {"=": "==", "<>": "!="}.get(op, op)
    expected = [eval(f"{_excel_order(x, y)} {test} 0") for x, y in pairs]  # noqa: S307 (an operator from the list)
    assert got == expected


def test_filled_formulas_move_their_relative_references_only():
    assert shifted('=IF(ISNUMBER(H48),SUM(H$48:H48),"H48")', 2, 0) == '=IF(ISNUMBER(H50),SUM(H$48:H50),"H48")'
    assert shifted("='My Tab'!D5+$B$2+SUM(A1:B2)", 1, 1) == "='My Tab'!E6+$B$2+SUM(B2:C3)"


# ----- real workbooks against LibreOffice ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cached") / "demo"
    assert main(["--quiet", "demo", "--out", str(folder), "--stores", "40"]) == 0
    return folder


@pytest.mark.libreoffice
def test_every_cached_value_of_the_demo_after_collect_and_review_equals_libreoffice(demo, tmp_path):
    compared, differences = cached_vs_recalculated(demo / "account.xlsx", tmp_path)
    assert compared > 5000 and differences == []


@pytest.mark.libreoffice
def test_every_cached_value_of_every_sr_file_equals_libreoffice(demo, tmp_path):
    files = sorted((demo / "sr-files").glob("*.xlsx"))
    assert files
    for path in files:
        compared, differences = cached_vs_recalculated(path, tmp_path / path.stem)
        assert compared > 100 and differences == [], (path.name, differences[:5])


def test_readers_that_do_not_recalculate_see_numbers_in_the_review_block_and_my_stores(demo):
    book = openpyxl.load_workbook(demo / "account.xlsx", data_only=True, read_only=True)
    tab = next(name for name in book.sheetnames if name.startswith("HX"))
    shown = [c.value for row in book[tab].iter_rows(min_col=4, max_col=4) for c in row]
    numbers = [v for v in shown if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert len(numbers) > 20 and all(math.isfinite(v) for v in numbers)
    sr = openpyxl.load_workbook(sorted((demo / "sr-files").glob("*.xlsx"))[0], data_only=True, read_only=True)
    summary = [[c.value for c in row] for row in sr[sr.sheetnames[1]].iter_rows(min_row=5, max_row=8)]
    assert all(any(isinstance(v, float) for v in row) for row in summary), summary


def test_spec_formulas_get_their_values_before_they_are_written():
    from kam_xl.xlsx.cachevalues import cache_values

    sheets = []
    for units in (4.0, 6.0):
        sheet = SheetSpec("S")
        sheet.set(1, 1, units, "int")
        sheet.set(2, 1, Formula('=IF(A1>5,A1*2,"low")'), "calc")
        sheets.append(sheet)
    cache_values(sheets)
    assert [s.cached[(2, 1)] for s in sheets] == ["low", 12.0]

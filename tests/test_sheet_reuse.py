"""A sheet written from an earlier sheet of the same shape (kam_xl.xlsx.sheetdata) is byte for byte the sheet
written cell by cell, whatever changed between them; the fast text width agrees with its definition; the kam
program's quick exit keeps its exit code and its whole output."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from kam_xl.xlsx.cellcodec import ErrorValue
from kam_xl.xlsx.sheetxml import StyleIndex, sheet_xml
from kam_xl.xlsx.spec import Formula, SheetSpec, text_width

STYLES = StyleIndex({"text": 0, "num": 3, "date": 5, "input": 7}, {})
PLACES = [(row, col) for row in (1, 2, 3, 5, 9) for col in (1, 2, 3, 27)]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1, True, 0, False, 1e15, 10**15, 1e16, 10**16]),
    st.text(max_size=8),
    st.sampled_from(["", " a", "a&b", "<x>", "门店", "_x0041_", "1"]),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 1, 1)),
    st.just(datetime(2026, 1, 1, 12, 30)),
)
cached_values = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from([1.0, 1, True, 0.0, False, "", "1", "TRUE", ErrorValue("#DIV/0!"), ErrorValue("#N/A")]),
    st.text(max_size=5),
)
formulas = st.builds(Formula, st.sampled_from(["=A1+1", '=IF(A1>0,"x","")', "=SUM(B1:B9)", '="a&b"']), cached_values)
cells = st.tuples(st.one_of(values, formulas), st.sampled_from(list(STYLES.cell)))


@st.composite
def specs(draw):
    """A first sheet, then sheets made from it by changing values, styles, cached values or the shape."""
    places = draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=12, unique=True))
    heights = draw(st.dictionaries(st.sampled_from([1, 2, 4, 9, 12]), st.sampled_from([15.0, 30.0, 45.0]), max_size=2))
    base = {place: draw(cells) for place in places}
    formula_places = [p for p, (value, _) in base.items() if type(value) is Formula]
    out = []
    for _ in range(draw(st.integers(1, 6))):
        changed = dict(base)
        for place in draw(st.lists(st.sampled_from(places), max_size=4)):
            changed[place] = draw(cells)
        spec = SheetSpec("S", cells=changed, heights=dict(heights))
        for place in draw(st.lists(st.sampled_from(formula_places), max_size=3)) if formula_places else []:
            spec.cached[place] = draw(cached_values)
        if draw(st.integers(0, 9)) == 0:  # another shape now and then
            spec.cells[draw(st.sampled_from(PLACES))] = draw(cells)
        out.append(spec)
        if draw(st.booleans()):
            base = changed
    return out


@given(specs())
def test_a_sheet_made_from_an_earlier_one_is_the_sheet_written_cell_by_cell(sheets):
    styles = StyleIndex(dict(STYLES.cell), {})  # its own: no sheet of an earlier example is reused
    for spec in sheets:
        assert sheet_xml(spec, styles, reuse=True) == sheet_xml(spec, styles, reuse=False)


def _second_as_written_alone(first: SheetSpec, second: SheetSpec) -> bool:
    styles = StyleIndex(dict(STYLES.cell), {})  # its own: only `first` can be reused
    sheet_xml(first, styles)
    return sheet_xml(second, styles) == sheet_xml(second, styles, reuse=False)


def test_true_and_one_are_not_the_same_cell():
    """Python says True == 1 == 1.0; a cell holding TRUE must not be written as the number 1 (or back)."""
    for first, second in [(True, 1.0), (1.0, True), (1, True), (10**16, 1e16), (0.0, False)]:
        plain = [SheetSpec("S", cells={(1, 1): (value, "num")}) for value in (first, second)]
        inside = [SheetSpec("S", cells={(1, 1): (Formula("=A2", value), "num")}) for value in (first, second)]
        cached = [SheetSpec("S", cells={(1, 1): (Formula("=A2"), "num")}, cached={(1, 1): v}) for v in (first, second)]
        for pair in (plain, inside, cached):
            assert _second_as_written_alone(*pair), pair


def test_a_sheet_changed_after_it_was_written_is_written_as_it_is_now():
    spec = SheetSpec("S", cells={(1, 1): ("a", "text"), (2, 1): (1.0, "num")})
    sheet_xml(spec, STYLES)
    spec.cells[(2, 1)] = (2.5, "num")
    assert b"<v>2.5</v>" in sheet_xml(spec, STYLES)


@given(st.text())
def test_text_width_counts_wide_characters_twice(text):
    assert text_width(text) == sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def test_the_program_exits_with_the_command_code_and_its_whole_output(demo_book_factory, tmp_path):
    book = demo_book_factory("en", 12)
    done = subprocess.run(
        [sys.executable, "-m", "kam_xl", "--json", "validate", str(book)], capture_output=True, text=True
    )
    report = json.loads(done.stdout)  # the whole report arrived: it parses
    assert done.returncode in (0, 1) and isinstance(report, dict)
    missing = subprocess.run([sys.executable, "-m", "kam_xl", "validate", str(tmp_path / "no.xlsx")], text=True,
                             capture_output=True)  # fmt: skip
    assert missing.returncode == 2 and "no.xlsx" in missing.stderr

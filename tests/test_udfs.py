"""The Excel functions (kam_xl/excel/udfs.py) called directly: equal to the metric engine, blanks, zeros and errors."""

from __future__ import annotations

import ast
import importlib
import inspect
import math
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kam_xl.excel.udfs as K
from kam_xl.excel import selftest
from kam_xl.metrics import measures as metrics
from kam_xl.metrics.allocation import allocate, allocate_plan
from kam_xl.plan.load import plan_of
from kam_xl.plan.sheets import UDF_MODULE
from kam_xl.xlsx.filebook import FileBook
from tests.support import fake_xlwings
from tests.support.content import workbook_content as content_of

numbers = st.one_of(
    st.none(),
    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
    st.integers(-1000, 1000),
)
junk = st.one_of(
    numbers,
    st.text(max_size=6),
    st.booleans(),
    st.dates(),
    st.lists(numbers, max_size=4),
    st.lists(st.lists(st.one_of(numbers, st.text(max_size=3)), min_size=1, max_size=3), max_size=3),
)


def same(found, expected) -> bool:
    if expected is None or found is None:
        return found is expected
    return math.isclose(found, expected, rel_tol=1e-12, abs_tol=1e-12)


def test_the_template_names_an_importable_udf_module():
    module = importlib.import_module(UDF_MODULE)
    assert module is K
    assert [f.__name__ for f in K.UDFS] == sorted(
        (name for name in vars(K) if name.startswith("KAM_")),
        key=[f.__name__ for f in K.UDFS].index,
    )


def _decorators(function: ast.FunctionDef) -> list[tuple[str, list, dict]]:
    out = []
    for node in function.decorator_list:
        call = node if isinstance(node, ast.Call) else None
        name = ast.unparse(call.func if call else node)
        args = [ast.literal_eval(a) for a in call.args] if call else []
        keywords = {k.arg: ast.unparse(k.value) for k in call.keywords} if call else {}
        out.append((name, args, keywords))
    return out


def test_every_udf_has_wizard_docs_and_an_xlwings_signature():
    tree = ast.parse(Path(K.__file__).read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for udf in K.UDFS:
        decorators = _decorators(functions[udf.__name__])
        assert decorators[0][0] == "xw.func" and decorators[-1][0] == "excel_errors", udf.__name__
        documented = {args[0] for name, args, keywords in decorators if name == "xw.arg" and "doc" in keywords}
        parameters = inspect.signature(udf).parameters
        assert documented == set(parameters) - {"caller"}, udf.__name__
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters.values())  # xlwings refuses others
        assert udf.__doc__ and len(udf.__doc__) <= 255 and "\n" not in udf.__doc__


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(K.UDFS), st.lists(junk, min_size=1, max_size=4))
def test_a_udf_answers_in_the_cell_whatever_it_is_given(udf, args):
    count = len([p for p in inspect.signature(udf).parameters.values() if p.default is p.empty and p.name != "caller"])
    result = udf(*(args + [None] * count)[: max(count, len(args))][: len(inspect.signature(udf).parameters)])
    assert result is None or isinstance(result, (str, float, int, list))
    if isinstance(result, str) and result.startswith("#"):
        assert result.split(" ")[0] in ("#VALUE!", "#NUM!", "#N/A")


@settings(max_examples=200, deadline=None)
@given(numbers, numbers)
def test_scalar_functions_equal_the_metric_engine(a, b):
    assert same(K.KAM_ATTAINMENT(a, b), metrics.attainment(a, b))
    assert same(K.KAM_ATTAINMENT(a, b, "lower"), metrics.attainment(a, b, "lower"))
    assert same(K.KAM_GROWTH(a, b), metrics.growth(a, b))
    assert same(K.KAM_SHARE(a, b), metrics.share(a, b))
    assert same(K.KAM_ROI(a, b), metrics.roi(a, b))
    assert same(K.KAM_RUNRATE(a, 13, b), metrics.run_rate(a, 13, b))


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000"])
def test_blank_cells_give_a_blank_cell(blank):
    assert K.KAM_ATTAINMENT(blank, 100) is None
    assert K.KAM_ATTAINMENT(90, blank) is None
    assert K.KAM_RAG(blank) is None
    assert K.KAM_QUADRANT(blank, 1.2) is None
    assert K.KAM_GROWTH(blank, 10) is None
    assert K.KAM_ROI(100, blank) is None
    assert K.KAM_RAG(0.95, blank, blank) == "Amber"  # blank thresholds take the defaults


def test_zero_denominators_give_blank_not_an_error():
    assert K.KAM_ATTAINMENT(5, 0) is None
    assert K.KAM_ATTAINMENT(0, 5, "lower") is None
    assert K.KAM_SHARE(5, 0) is None
    assert K.KAM_ROI(100, 0) is None
    assert K.KAM_GROWTH(5, 0) is None
    assert K.KAM_RUNRATE(10, 13, 0) is None
    assert K.KAM_ATTAINMENT(0, 5) == 0.0


def test_numbers_typed_as_people_type_them():
    assert K.KAM_ATTAINMENT("1,234", "1234") == 1.0
    assert K.KAM_ATTAINMENT("１２３", 123) == 1.0
    assert K.KAM_RAG("95%") == "Amber"
    assert K.KAM_ATTAINMENT(90, 100, "越低越好") == pytest.approx(100 / 90)


def test_text_where_a_number_belongs_is_an_excel_error_not_a_traceback():
    assert K.KAM_ATTAINMENT("abc", 100).startswith("#VALUE! actual:")
    assert K.KAM_ATTAINMENT(True, 100).startswith("#VALUE! actual:")
    assert K.KAM_ATTAINMENT(date(2026, 1, 1), 100).startswith("#VALUE!")
    assert K.KAM_ATTAINMENT(1, 2, "sideways").startswith("#VALUE! direction")
    assert K.KAM_RAG(0.9, lang="fr").startswith("#VALUE! lang")
    assert K.KAM_RAG([[0.9, 1.0]]).startswith("#VALUE! attainment must be one cell")


def test_ranges_pair_weeks_as_the_metric_definitions_do():
    actual, target = [[10], [None], [5], [None]], [[8], [9], [7], [6]]
    assert K.KAM_ATTAINMENT(actual, target) == 15 / 15  # only weeks with an actual count for the target
    assert K.KAM_ATTAINMENT([[None], [None]], [[8], [9]]) is None
    assert K.KAM_SHARE([10, 5, None, 4], [100, None, 50, 40]) == pytest.approx(14 / 140)
    seasons = [1.0, 2.0, 1.0, 1.0]
    assert K.KAM_RUNRATE(actual, seasons) == pytest.approx(metrics.run_rate(15, 5.0, 2.0))
    assert K.KAM_RUNRATE(15, seasons, [1.0, 1.0]) == pytest.approx(metrics.run_rate(15, 5.0, 2.0))
    assert K.KAM_GROWTH([[10, 5, None]], 12) == pytest.approx(15 / 12 - 1)
    assert K.KAM_ATTAINMENT([1, 2], [1, 2, 3]).startswith("#VALUE! actual and target must be the same size")
    assert K.KAM_RUNRATE(15, seasons) is None  # one number and no elapsed season: blank, as the metric


def test_rag_and_quadrant_labels_in_both_languages():
    assert [K.KAM_RAG(a) for a in (1.0, 0.9, 0.8999)] == ["Green", "Amber", "Red"]
    assert K.KAM_RAG(0.95, 1.1, 0.96) == "Red"
    assert K.KAM_RAG(1.0, lang="zh") == "绿"
    assert [K.KAM_QUADRANT(e, r) for e, r in ((0.8, 1.0), (0.9, 0.5), (0.5, 0.5), (0.5, 1.2))] == [
        "Star",
        "Plan issue",
        "Execution gap",
        "Untapped",
    ]
    assert K.KAM_QUADRANT(0.7, 1.0, 0.6, "zh") == "明星"
    for attainment in (0.0, 0.5, 0.89999999999, 0.9, 1.0, 2.0):
        key = metrics.rag(attainment)
        assert K.KAM_RAG(attainment) == K.label(key, "en")


def test_score_equals_the_metric_engine():
    attainments, weights, caps = (
        [[1.3], [0.8], [None], [1.0]],
        [[0.3], [0.2], [0.15], [0.35]],
        [[1.2], [1.2], [1.2], [None]],
    )
    assert K.KAM_SCORE(attainments, weights, caps) == pytest.approx(
        metrics.score([1.3, 0.8, None, 1.0], [0.3, 0.2, 0.15, 0.35], [1.2, 1.2, 1.2, None])
    )
    assert K.KAM_SCORE(attainments, weights) == pytest.approx(
        metrics.score([1.3, 0.8, None, 1.0], [0.3, 0.2, 0.15, 0.35], [None] * 4)
    )
    assert K.KAM_SCORE([None, None], [1, 1]) is None
    assert K.KAM_SCORE([1, 1], [1, 1, 1]).startswith("#VALUE! weights must be the same size")
    assert K.KAM_SCORE([1, 1], [1, "x"]).startswith("#VALUE! weights")


def test_allocate_shares_a_total_exactly_like_the_plan_allocation():
    weights = [[3.0], [2.0], [None], [5.0]]
    expected = allocate(101, [3.0, 2.0, 5.0])["target"].tolist()
    assert (
        K.KAM_ALLOCATE(101, weights)
        == [[expected[0]], [expected[1]], [None], [expected[2]]]
        == [[30], [20], [None], [51]]
    )
    assert K.KAM_ALLOCATE(10, [[1.0, 1.0, 2.0]]) == [allocate(10, [1.0, 1.0, 2.0])["target"].tolist()]
    capped = K.KAM_ALLOCATE(100, [[1], [1], [1]], [[None], [None], [None]], [[10], [None], [None]])
    assert capped == [[10], [45], [45]]
    assert K.KAM_ALLOCATE(100, [[1], [1]], [[60], [60]]).startswith("#NUM!")
    assert K.KAM_ALLOCATE(10, [[1], [-1]]).startswith("#NUM! weights must be 0 or more (item 2")
    assert K.KAM_ALLOCATE(10, [[1], ["heavy"]]).startswith("#VALUE! weights")
    assert K.KAM_ALLOCATE(10, [[1], [1]], [[1]]).startswith("#VALUE! mins must be the same size")
    assert K.KAM_ALLOCATE(0, [[None]]) == [[None]]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 10**6),
    st.lists(st.one_of(st.none(), st.floats(0.01, 1e4)), min_size=1, max_size=12),
)
def test_allocate_always_sums_to_the_total(total, weights):
    result = K.KAM_ALLOCATE(total, [[w] for w in weights])
    if all(w is None for w in weights):
        assert result == [[None]] * len(weights) if total == 0 else result.startswith("#NUM!")
        return
    assert sum(row[0] for row in result if row[0] is not None) == total
    assert all((row[0] is None) == (w is None) for row, w in zip(result, weights))


def test_relationship_level_from_the_checklist():
    levels = [["Supplier"], ["Supplier"], ["Problem solver"], ["企业资源"], ["Partner"], [None]]
    assert K.KAM_RELATIONSHIP(levels, [["Y"], ["是"], [True], ["N"], ["Y"], [None]]) == "Problem solver"
    assert K.KAM_RELATIONSHIP(levels, [["Y"], ["Y"], ["Y"], ["Y"], ["Y"], [None]], "zh") == "合作伙伴"
    assert K.KAM_RELATIONSHIP(levels, [["N"], ["Y"], ["Y"], ["Y"], ["Y"], [None]]) is None
    assert K.KAM_RELATIONSHIP([["Boss"]], [["Y"]]).startswith("#VALUE! levels")
    assert K.KAM_RELATIONSHIP([["Partner"]], [["maybe"]]).startswith("#VALUE! met")


def test_relationship_level_equals_the_engine_on_the_demo_plan(demo_book_factory):
    plan = plan_of(FileBook(demo_book_factory("en", 120)))
    levels = [[e.level] for e in plan.evidence]
    met = [["Y" if e.met else "N"] for e in plan.evidence]
    key = metrics.relationship_level(plan.evidence)
    assert K.KAM_RELATIONSHIP(levels, met) == (None if key is None else K.enum_label("relationship", key, "en"))


@pytest.fixture
def demo_caller(demo_book_factory):
    pytest.importorskip("xlwings", reason="KAM_TARGET reads the workbook through xlwings (kam-xl[excel])")
    path = demo_book_factory("en", 120)
    book = fake_xlwings.load_book(path)
    K._PLANS.clear()
    yield book.sheets["Stores"].range("A1"), plan_of(FileBook(path))
    K._PLANS.clear()


def test_target_is_the_stores_allocated_target_from_the_open_workbook(demo_caller, monkeypatch):
    caller, plan = demo_caller
    allocation = allocate_plan(plan)
    reads = []
    monkeypatch.setattr(K, "plan_of", lambda book: reads.append(book) or plan_of(book))
    for store in plan.active_stores[:10]:
        for kpi in plan.kpis:
            assert K.KAM_TARGET(store.store_id, kpi.id, None, caller) == allocation.store_target(kpi.id, store.store_id)
    assert len(reads) == 1  # the plan is read once per workbook, then cached
    units = next(k for k in plan.kpis if k.measure == "units")
    store, week = plan.active_stores[0], plan.weeks[3]
    assert (
        K.KAM_TARGET(store.store_id, units.id, week.id, caller)
        == allocation.weeks[units.id].at[store.store_id, week.id]
    )


def test_target_errors_are_na_with_the_reason(demo_caller):
    caller, plan = demo_caller
    store = plan.active_stores[0].store_id
    assert K.KAM_TARGET("NOPE", "K1", None, caller).startswith("#N/A no active store")
    assert K.KAM_TARGET(store, "K99", None, caller).startswith("#N/A no KPI")
    assert K.KAM_TARGET(store, "K1", "2099-W01", caller).startswith("#N/A no week")
    rate = next(k for k in plan.kpis if not k.is_sum)
    assert K.KAM_TARGET(store, rate.id, plan.weeks[0].id, caller).startswith("#N/A KPI")
    assert K.KAM_TARGET(store, "K1").startswith("#N/A KAM_TARGET reads the open workbook")
    assert K.KAM_TARGET(None, "K1", None, caller).startswith("#VALUE! store_id is needed")


def test_the_committed_selftest_workbook_is_current(tmp_path):
    assert selftest.PATH.exists(), "run `python -m kam_xl.excel.selftest` (make selftest)"
    fresh = selftest.build(tmp_path / "fresh.xlsx")
    assert content_of(fresh) == content_of(selftest.PATH), (
        "out of date: run `python -m kam_xl.excel.selftest` and commit"
    )


def test_the_selftest_workbook_calls_every_udf_and_checks_each_row():
    sheet = openpyxl.load_workbook(selftest.PATH)[selftest.TITLE]
    rows = range(selftest.FIRST_ROW, sheet.max_row + 1)
    formulas = [str(sheet[f"C{r}"].value) for r in rows if sheet[f"C{r}"].value]
    called = {udf.__name__ for udf in K.UDFS if any(f"{udf.__name__}(" in text for text in formulas)}
    assert called == {udf.__name__ for udf in K.UDFS}
    assert all(str(sheet[f"E{r}"].value).startswith("=IFERROR(") for r in rows if sheet[f"C{r}"].value)
    assert sheet["B3"].value == f"=AND(E{selftest.FIRST_ROW}:E{selftest.FIRST_ROW + len(formulas) - 1})"


def test_the_selftest_expects_what_kam_target_reads_from_that_workbook():
    pytest.importorskip("xlwings", reason="KAM_TARGET reads the workbook through xlwings (kam-xl[excel])")
    book = fake_xlwings.load_book(selftest.PATH)
    sheet = book.sheets[selftest.TITLE]
    K._PLANS.clear()
    checked = 0
    for row in range(selftest.FIRST_ROW, sheet.used_range.last_cell.row + 1):
        call = sheet.range(f"B{row}").value or ""
        if call.startswith("KAM_TARGET("):
            args = [None if a == "" else a.strip('"') for a in call[len("KAM_TARGET(") : -1].split(",")]
            found = K.KAM_TARGET(*(args + [None])[:3], sheet.range("A1"))
            wanted = sheet.range(f"D{row}").value
            assert found == wanted or (isinstance(found, str) and found.startswith(wanted))
            checked += 1
    assert checked == 3
    K._PLANS.clear()

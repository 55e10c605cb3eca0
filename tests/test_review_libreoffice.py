"""Formula parity: every store tab's live review block, recalculated by headless LibreOffice, equals the
Store scorecard that kam review wrote, for every store and metric; and the workbook has no error cell."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import sheet_name
from kam_xl.metrics.channel import channel_columns
from kam_xl.metrics.flags import weeks_of_cover
from kam_xl.metrics.measures import RATE_PARTS, store_metrics, week_data
from kam_xl.model.plan import Plan
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.reviewing.run import ReviewResult, read_inputs, review
from kam_xl.reviewing.scorecards import GROUP_ROW, store_columns
from kam_xl.storetabs.generate import generate
from kam_xl.storetabs.layout import LOG, METRIC_ROWS, REVIEW_COLS
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.styles import POINTS_STYLES
from tests.support.fill import random_entries, write_entries
from tests.support.libreoffice import error_cells, recalculate, require_soffice
from tests.test_review import hand_book

pytestmark = pytest.mark.libreoffice
KPI_PARTS = ("period_target", "target_to_date", "actual", "attainment", "capped", "rag")


def reviewed_and_recalculated(path: Path) -> tuple[Plan, ReviewResult, Path]:
    require_soffice()
    result = review(path)
    return load_plan(path), result, recalculate(path, path.parent / "recalculated")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_book_factory):
    """The 300-store demo with entries typed into every tab (weeks 1-9 of 13), reviewed, recalculated."""
    path = tmp_path_factory.mktemp("parity-demo") / "demo.xlsx"
    path.write_bytes(demo_book_factory("en", 300).read_bytes())
    generate(path)
    write_entries(path, random_entries(load_plan(path), seed=11, weeks=9, silent=0.0))
    return reviewed_and_recalculated(path)


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """The hand-worked account: blank weeks, a store without entries, a zero target, dropped programs."""
    return reviewed_and_recalculated(hand_book(tmp_path_factory.mktemp("parity-hand")))


@pytest.fixture(scope="module")
def chinese(tmp_path_factory, demo_book_factory):
    path = tmp_path_factory.mktemp("parity-zh") / "zh.xlsx"
    path.write_bytes(demo_book_factory("zh", 40).read_bytes())
    generate(path)
    write_entries(path, random_entries(load_plan(path), seed=5, weeks=7), "zh")
    return reviewed_and_recalculated(path)


def normal(value):
    if value is None or value == "":
        return None
    return value.date() if isinstance(value, datetime) else value


def same(a, b) -> bool:
    a, b = normal(a), normal(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def scorecard_key(plan: Plan, metric: str) -> str:
    """The Store scorecard column that shows a metric of the tab's review block."""
    kpi = {k.measure: k for k in plan.kpis}
    for measure, (rate, _, _) in RATE_PARTS.items():
        if metric == rate and measure in kpi:
            return f"{kpi[measure].id}_actual"
    for measure in ("units", "value"):
        if measure in kpi and metric in (f"{measure}_actual", f"{measure}_target_to_date"):
            return f"{kpi[measure].id}_{metric.removeprefix(measure + '_')}"
    return {"data_week": "data_week_id"}.get(metric, metric)


def tab_review(grid: list[list], plan: Plan) -> dict[str, object]:
    """The recalculated review block of a store tab: '<kpi>_<part>' and every metric row, by key."""
    title = tab_text("sec_review", plan.language)
    top = next(row for row in range(1, len(grid) + 1) if cell_at(grid, row, 1) == title)
    values = {}
    for offset, kpi in enumerate(plan.kpis):
        row = top + 2 + offset
        assert cell_at(grid, row, 1) == kpi.id
        values |= {f"{kpi.id}_{part}": cell_at(grid, row, REVIEW_COLS[part]) for part in KPI_PARTS}
    first = top + len(plan.kpis) + 3
    return values | {key: cell_at(grid, first + offset, 4) for offset, (key, _) in enumerate(METRIC_ROWS)}


def scorecard_rows(book: FileBook, plan: Plan) -> dict[str, dict]:
    grid = book.grid(sheet_name("sc_store", plan.language))
    columns = store_columns(plan)
    rows, row = {}, GROUP_ROW + 2
    while cell_at(grid, row, 1) is not None:
        rows[cell_at(grid, row, 1)] = {c.key: cell_at(grid, row, i) for i, c in enumerate(columns, start=1)}
        row += 1
    return rows


def mismatches(plan: Plan, result: ReviewResult, recalculated: Path) -> tuple[list[str], int]:
    """Every (store, metric) where the tab's formulas and the scorecard (or the engine) disagree."""
    book = FileBook(recalculated)
    scorecard = scorecard_rows(book, plan)
    found, compared = [], 0
    for record in read_meta(book).tabs:
        tab = tab_review(book.grid(record.tab), plan)
        book.forget(record.tab)
        card, engine = scorecard[record.store_id], result.stores.loc[record.store_id]
        for key, value in tab.items():
            if key.endswith("_capped"):
                want = engine[key]  # not on the scorecard: against the engine
            elif key.endswith("_period_target"):
                want = card[key.replace("_period_target", "_target")]
            elif key.endswith("_target_to_date") and key.split("_")[0] not in {k.id for k in plan.kpis if k.is_sum}:
                continue  # rate KPIs have no target to date
            else:
                want = card[scorecard_key(plan, key)]
            compared += 1
            if not same(value, None if isinstance(want, float) and math.isnan(want) else want):
                found.append(f"{record.store_id} {key}: tab {value!r}, review {want!r}")
    return found, compared


def log_mismatches(plan: Plan, reviewed: Path, recalculated: Path) -> tuple[list[str], int]:
    """The weekly log's live columns against the engine: attainment to date in the store's data week,
    weeks of cover in the week of its latest stock."""
    inputs = read_inputs(FileBook(reviewed))
    data = week_data(plan, inputs.entries)
    cover, _, stock_week = weeks_of_cover(data)
    table = store_metrics(plan, inputs.targets, inputs.entries)
    book, units = FileBook(recalculated), plan.kpi_for("units")
    channel, push_label = channel_columns(plan, data), tab_text("push", plan.language)
    found, compared = [], 0
    for record in read_meta(book).tabs:
        grid, i = book.grid(record.tab), data.stores.get_loc(record.store_id)
        rows = record.cells["week"]["rows"]
        checks = [
            (
                data.data_week[i],
                LOG["attainment_to_date"],
                table.at[record.store_id, f"{units.id}_attainment"],
            ),
            (stock_week[i], LOG["cover"], cover[i]),
        ]
        for week in range(1, data.review_week + 1):  # expected stock, its gap and the push flag, every week
            checks += [
                (week, LOG["expected_stock"], channel["_expected_stock"][i, week - 1]),
                (week, LOG["stock_gap"], (data.values["stock"] - channel["_expected_stock"])[i, week - 1]),
                (week, LOG["push"], push_label if channel["_push"][i, week - 1] else math.nan),
            ]
        for week, column, want in checks:
            if week:
                got = cell_at(grid, rows[plan.weeks[week - 1].id], column)
                compared += 1
                if not same(got, None if isinstance(want, float) and math.isnan(want) else want):
                    found.append(f"{record.store_id} log {column} week {week}: tab {got!r}, engine {want!r}")
        book.forget(record.tab)
    return found, compared


def check_parity(case) -> None:
    plan, result, recalculated = case
    found, compared = mismatches(plan, result, recalculated)
    assert not found, f"{len(found)} of {compared} differ:\n" + "\n".join(found[:40])
    assert compared >= len(result.stores) * (len(plan.kpis) * 5 + len(METRIC_ROWS))
    found, compared = log_mismatches(plan, result.book, recalculated)
    assert not found, f"{len(found)} of {compared} weekly-log figures differ:\n" + "\n".join(found[:40])


def test_demo_store_tabs_equal_the_store_scorecard(demo):
    check_parity(demo)


def test_demo_scorecard_shows_what_review_computed(demo):
    plan, result, recalculated = demo
    rows = scorecard_rows(FileBook(recalculated), plan)
    columns = [c for c in store_columns(plan) if c.kind == "number"]
    for store_id, row in rows.items():
        for column in columns:  # a share's change or gap is shown in percentage points: the fraction × 100
            value = result.stores.at[store_id, column.key] * (100 if column.style.startswith(POINTS_STYLES) else 1)
            assert same(row[column.key], None if math.isnan(value) else value), (store_id, column.key)


def test_demo_covers_every_kind_of_result(demo):
    _, result, _ = demo
    stores = result.stores
    assert set(stores["quadrant"].dropna()) == {"star", "plan_issue", "execution_gap", "untapped"}
    assert {"green", "amber", "red"} <= set(stores["K1_rag"].dropna())
    assert stores["roi"].isna().any() and (stores["roi"] < 0).any() and (stores["roi"] > 0).any()
    assert (stores["weeks_missing"] > 0).any() and stores["promoter_attendance"].isna().any()


def test_demo_workbook_has_no_error_cell(demo):
    assert error_cells(demo[2]) == []


def test_hand_worked_account_parity_and_no_error(hand):
    check_parity(hand)
    assert error_cells(hand[2]) == []
    stores = hand[1].stores
    assert math.isnan(stores.at["S5", "K2_attainment"]) and stores.at["S6", "weeks_entered"] == 0


def test_chinese_workbook_parity_and_no_error(chinese):
    check_parity(chinese)
    assert error_cells(chinese[2]) == []


def test_parity_check_would_see_a_difference(demo):
    plan, result, recalculated = demo
    store = result.stores.index[0]
    changed = result.stores.copy()
    changed.at[store, "K1_capped"] += 0.5
    found, _ = mismatches(plan, replace(result, stores=changed), recalculated)
    assert len(found) == 1 and found[0].startswith(f"{store} K1_capped")


def test_workbook_without_entries_has_no_error_cell(tmp_path, demo_book_factory):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(demo_book_factory("en", 30).read_bytes())
    generate(path)
    check_parity(reviewed_and_recalculated(path))
    assert error_cells(path.parent / "recalculated" / path.name) == []


@pytest.fixture(scope="module")
def collected(tmp_path_factory, demo_book_factory):
    """The 300-store demo the way `kam demo` runs it: split, SRs fill their files (with mistakes),
    collect, review, recalculate."""
    from kam_xl.execution.collect import collect
    from kam_xl.execution.split import split
    from kam_xl.simulation.simulate import fill_sr_files

    folder = tmp_path_factory.mktemp("parity-collected")
    path = folder / "demo.xlsx"
    path.write_bytes(demo_book_factory("en", 300).read_bytes())
    generate(path)
    split(path, folder / "sr")
    fill_sr_files(folder / "sr", load_plan(path), weeks=9)
    report = collect(path, [folder / "sr"])
    assert report.written > 20_000 and any(f.rejected for f in report.files)
    return reviewed_and_recalculated(path)


def test_demo_after_collection_store_tabs_equal_the_store_scorecard(collected):
    check_parity(collected)
    assert error_cells(collected[2]) == []

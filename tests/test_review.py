"""kam review on real workbooks: the hand-worked account typed into store tabs and read back from the
scorecards, --as-of, determinism, untouched inputs, warnings and the Chinese workbook."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kam_xl.errors import KamError
from kam_xl.lang.words import sheet_name
from kam_xl.plan.load import load_plan, read_plan
from kam_xl.plan.meta import read_meta
from kam_xl.plan.workbook import init_workbook, write_plan_workbook
from kam_xl.reviewing.run import headline, review, review_book, week_position
from kam_xl.reviewing.scorecards import GROUP_ROW, STAMP_CELL, rollup_columns, store_columns
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import split_ref
from tests import test_metrics as hand
from tests.support.fill import random_entries, write_entries

BLANK = None
EN = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "star": "Star",
    "plan_issue": "Plan issue",
    "execution_gap": "Execution gap",
    "untapped": "Untapped",
}

# ---------------------------------------------------------------------------
# The hand-worked account of tests/test_metrics.py as a workbook: its allocation gives the hand targets
# (units by baseline with tier factors 1, value by manual weights with S5's weight 0: a zero target)
# ---------------------------------------------------------------------------

WEIGHTS = {"S1": 1000.0, "S2": 400.0, "S3": 800.0, "S4": 2000.0, "S5": 0.0, "S6": 600.0}


def hand_plan():
    def kpi(k):
        if k.measure == "units":
            return replace(k, hq_target=265.0)  # 1.25 × Σ weekly baseline 53 × 4 weeks
        if k.measure == "value":
            return replace(k, hq_target=24000.0, basis="manual")  # 5 × Σ weights 4,800
        return replace(k, tier_targets=(*k.tier_targets, ("C", k.tier_target("B"))))

    stores = tuple(
        replace(
            s,
            sr_email=f"{s.sr_id.lower()}@example.com",
            manager=f"Manager {s.store_id}",
            manager_email=f"{s.store_id.lower()}@example.com",
            weight_override=WEIGHTS[s.store_id],
        )
        for s in hand.PLAN.stores
    )
    account = replace(hand.PLAN.account, tier_factors=(("A", 1.0), ("B", 1.0), ("C", 1.0)))
    return replace(hand.PLAN, kpis=tuple(kpi(k) for k in hand.PLAN.kpis), stores=stores, account=account)


def hand_book(folder: Path) -> Path:
    path = folder / "hand.xlsx"
    write_plan_workbook(path, hand_plan(), "en")
    generate(path)
    write_entries(path, hand.hand_values())
    return path


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    path = hand_book(tmp_path_factory.mktemp("hand"))
    result = review(path)
    return path, result


@pytest.fixture(scope="module")
def sheets(reviewed):
    path, _ = reviewed
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        yield {
            ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets
            if ws.title in reviewed[1].sheets
        }
    finally:
        workbook.close()


def table(grid: list[list], columns) -> dict[str, dict]:
    """Rows of a scorecard table by their first cell, as {column key: value}; checks the headers."""
    header = GROUP_ROW + 1
    assert [cell_at(grid, header, c) for c in range(1, len(columns) + 1)] == [c.label for c in columns]
    rows, row = {}, header + 1
    while cell_at(grid, row, 1) is not None:
        rows[cell_at(grid, row, 1)] = {c.key: cell_at(grid, row, i) for i, c in enumerate(columns, start=1)}
        row += 1
    return rows


def check(rows: dict, column: str, expected: dict, words: dict | None = None) -> None:
    for key, want in expected.items():
        got = rows[key][column]
        if want is BLANK:
            assert got is None, f"{column}[{key}] = {got!r}, expected blank"
        elif isinstance(want, str):
            assert got == (words or EN).get(want, want), f"{column}[{key}] = {got!r}, expected {want!r}"
        elif isinstance(want, date):
            assert got is not None and got.date() == want, f"{column}[{key}] = {got!r}, expected {want}"
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), f"{column}[{key}] = {got!r}, expected {want!r}"


@pytest.fixture(scope="module")
def stores(sheets):
    return table(sheets["Store scorecard"], store_columns(hand_plan()))


@pytest.fixture(scope="module")
def by_sr(sheets):
    return table(sheets["SR scorecard"], rollup_columns(hand_plan(), "sr_id"))


# ---------------------------------------------------------------------------
# Store scorecard: one assertion per metric, figures worked on paper (see tests/test_metrics.py)
# ---------------------------------------------------------------------------


def test_review_writes_the_scorecards_after_the_plan_and_before_the_store_tabs(reviewed):
    path, result = reviewed
    names = FileBook(path).sheet_names()
    at = names.index("Account summary")
    assert (
        names[at : at + 10]
        == [
            "Account summary",
            "Store scorecard",
            "SR scorecard",
            "Region scorecard",
            "Tier scorecard",
            "Problems & opportunities",
            "Program ROI",
            "Voice of the store",
            "Next period",
            "Trends",
        ]
        == result.sheets
    )
    assert names.index("Calendar") < at and names[at + 10].startswith("S1")


def test_store_rows_and_identity(stores, reviewed):
    assert list(stores) == ["S1", "S2", "S3", "S4", "S5", "S6"]
    tabs = {r.store_id: r.tab for r in read_meta(FileBook(reviewed[0])).tabs}
    for store_id in ("S1", "S4"):  # the name opens the store's tab, and shows the name
        link = f"#'{tabs[store_id]}'!A1"
        assert stores[store_id]["store_name"] == f'=HYPERLINK("{link}","Store {store_id}")'
    problems = openpyxl.load_workbook(reviewed[0], data_only=True)["Problems & opportunities"]
    grid = [list(row) for row in problems.iter_rows(values_only=True)]  # cached values: what readers show
    rows = [dict(zip(grid[GROUP_ROW], row)) for row in grid[GROUP_ROW + 1 :] if row[0] is not None]
    names = {r["Store ID"]: r["Store"] for r in rows}
    assert names and all(name == f"Store {sid}" for sid, name in names.items())
    check(stores, "sr_id", {"S1": "SR1", "S4": "SR2"})
    check(stores, "region", {"S3": "North", "S5": "South"})
    check(stores, "store_tier", {"S1": "A", "S2": "B"})


def test_a_tab_renamed_by_hand_is_the_one_its_store_links_to(tmp_path):
    """A KAM renames a store tab in Excel (kam's _meta still names the old tab): the scorecards' store name opens
    the tab as it is named now, found by its store-id cell, not a sheet that no longer exists."""
    path = hand_book(tmp_path)
    old = next(r.tab for r in read_meta(FileBook(path)).tabs if r.store_id == "S4")
    package = Package.open(path)
    package.rename_sheet(old, "S4 my favourite")
    package.save(path, backup=False)
    result = review(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        grid = [list(row) for row in workbook[result.sheets[1]].iter_rows(values_only=True)]
    finally:
        workbook.close()
    rows = {row[0]: row for row in grid[GROUP_ROW + 1 :] if row and row[0]}
    links = [cell for cell in rows["S4"] if isinstance(cell, str) and cell.startswith("=HYPERLINK(")]
    assert links == ['=HYPERLINK("#\'S4 my favourite\'!A1","Store S4")']
    assert old not in str(rows)


def test_store_data_weeks(stores):
    check(stores, "data_week_id", {"S1": "W4", "S4": "W3", "S6": BLANK})  # S4 has nothing in W4
    check(stores, "as_of_date", {"S1": date(2026, 2, 1), "S4": date(2026, 1, 25), "S6": BLANK})
    check(stores, "weeks_entered", {"S1": 4, "S2": 3, "S3": 4, "S4": 3, "S5": 4, "S6": 0})  # S2: W2 blank
    check(stores, "weeks_missing", {"S1": 0, "S2": 1, "S4": 1, "S6": 4})


def test_store_units(stores):
    check(stores, "K1_target", {"S1": 50, "S2": 25, "S3": 40, "S4": 100, "S5": 20, "S6": 30})
    check(stores, "K1_actual", {"S1": 66, "S2": 18, "S3": 30, "S4": 80, "S5": 25, "S6": 0})
    check(stores, "K1_target_to_date", {"S1": 50, "S2": 20, "S3": 40, "S4": 80, "S5": 20, "S6": 0})
    check(
        stores,
        "K1_attainment",
        {"S1": 66 / 50, "S2": 18 / 20, "S3": 30 / 40, "S4": 1.0, "S5": 25 / 20, "S6": BLANK},
    )
    check(
        stores,
        "K1_rag",
        {"S1": "green", "S2": "amber", "S3": "red", "S4": "green", "S5": "green", "S6": BLANK},
    )


def test_store_value_with_a_zero_target(stores):
    check(stores, "K2_target", {"S1": 5000, "S5": 0, "S6": 3000})
    check(stores, "K2_actual", {"S1": 6600, "S2": 320 + 300 + 500, "S5": 2000, "S6": 0})
    check(stores, "K2_target_to_date", {"S2": 400 + 400 + 400, "S5": 0})
    check(stores, "K2_attainment", {"S1": 6600 / 5000, "S2": 1120 / 1200, "S5": BLANK, "S6": BLANK})
    check(stores, "K2_rag", {"S2": "amber", "S5": BLANK})


def test_store_forecast_and_growth(stores):
    check(stores, "units_forecast", {"S1": 66, "S2": 18 * 5 / 4, "S4": 80 * 5 / 4, "S6": BLANK})
    check(stores, "units_forecast_vs_target", {"S2": 22.5 / 25, "S5": 25 / 20, "S6": BLANK})
    check(stores, "value_forecast", {"S2": 1120 * 5 / 3, "S4": 10000})
    check(stores, "value_forecast_vs_target", {"S2": (1120 * 5 / 3) / 2000, "S5": BLANK})  # zero target
    check(stores, "growth_units", {"S1": 66 / 40 - 1, "S3": 30 / 32 - 1, "S6": BLANK})
    check(stores, "growth_value", {"S2": 1120 / 1200 - 1, "S5": 2000 / 1200 - 1})


def test_store_share_and_competitor(stores):
    check(stores, "K3_actual", {"S1": 132 / 400, "S2": 12 / 50, "S3": 30 / 200, "S6": BLANK})  # share
    check(stores, "K3_target", {"S1": 0.30, "S2": 0.25})
    check(
        stores,
        "K3_attainment",
        {"S1": 0.33 / 0.30, "S2": 0.24 / 0.25, "S4": 0.25 / 0.30, "S6": BLANK},
    )
    check(stores, "K3_rag", {"S2": "amber", "S4": "red"})
    check(stores, "baseline_share", {"S1": 10 / 50, "S4": 20 / 80})
    # a change or gap of shares is in percentage points on the sheets (+13.0 pt), a fraction in the engine
    check(stores, "share_change", {"S1": 13.0, "S2": 4.0, "S3": -5.0, "S6": BLANK})
    check(stores, "competitor_share", {"S2": 15 / 50, "S5": 20 / 100, "S6": BLANK})
    check(stores, "share_gap_vs_competitor", {"S1": 8.0, "S2": -6.0, "S6": BLANK})


def test_store_execution_with_a_dropped_program(stores):
    check(stores, "K4_actual", {"S2": 2 / 3, "S5": 1 / 4, "S6": BLANK})  # display
    check(stores, "K4_attainment", {"S2": (2 / 3) / 0.9})
    check(stores, "K5_actual", {"S2": 3 / 6, "S3": BLANK})  # promoter: a blank day counts 0 in a planned week
    # S2: P1 Dropped with a reason is not applicable, P2 Dropped without one is (not done): 0 / 1
    check(stores, "K6_actual", {"S1": 1.0, "S2": 0.0, "S3": 0.5, "S4": 0.5, "S6": BLANK})
    check(stores, "K7_actual", {"S2": 1 / 2, "S3": BLANK, "S4": 1.0})  # actions done / due by the as-of date
    check(
        stores,
        "execution_score",
        {
            "S1": 1.0,
            "S2": (0.1 * 2 / 3 + 0.1 * 0.5 + 0 + 0.05 * 0.5) / 0.35,
            "S3": (0.1 + 0.1 * 0.5) / 0.2,
            "S6": BLANK,
        },
    )


def test_store_input_vs_output_with_zero_investment(stores):
    check(stores, "investment", {"S1": 150 + 50, "S2": 0, "S3": 100, "S4": 300, "S5": 0, "S6": 0})
    check(stores, "incremental_units", {"S1": 66 - 40, "S3": 30 - 32, "S6": BLANK})
    check(stores, "incremental_margin", {"S1": 260, "S3": -20, "S6": BLANK})
    check(stores, "roi", {"S1": (260 - 200) / 200, "S2": BLANK, "S3": (-20 - 100) / 100, "S5": BLANK})
    check(stores, "retailer_gain", {"S1": 260, "S2": (1120 - 1200) * 0.1, "S5": 80, "S6": BLANK})


S2_SCORE = 0.3 * 0.9 + 0.2 * 1120 / 1200 + 0.15 * 0.96 + 0.1 * (2 / 3) / 0.9 + 0.1 * 0.5 / 0.9 + 0.05 * 0.5 / 0.8


def test_store_score_diagnosis_and_ranks(stores):
    check(
        stores,
        "score",
        {"S1": 112.0, "S2": S2_SCORE * 100, "S3": 0.625 / 0.85 * 100, "S4": 93.0, "S6": BLANK},
    )
    check(stores, "score_rag", {"S1": "green", "S2": "red", "S4": "amber", "S6": BLANK})
    check(
        stores,
        "result_attainment",
        {"S1": (0.3 * 1.2 + 0.2 * 1.2 + 0.15 * 1.1) / 0.65, "S6": BLANK},
    )
    check(
        stores,
        "quadrant",
        {"S1": "star", "S2": "execution_gap", "S4": "plan_issue", "S5": "untapped", "S6": BLANK},
    )
    check(stores, "rank_in_sr", {"S1": 1, "S2": 2, "S3": 3, "S4": 1, "S5": 2, "S6": BLANK})
    check(stores, "rank_in_region", {"S3": 3, "S4": 1})
    check(stores, "rank_in_account", {"S1": 1, "S2": 3, "S3": 5, "S4": 2, "S5": 4, "S6": BLANK})


def test_store_flags(stores):
    check(stores, "flag_count", {"S1": 1, "S2": 2, "S3": 2, "S4": 2, "S5": 1, "S6": 2})
    check(stores, "flag_kinds", {"S1": "Overstock", "S3": "Units below amber 3+ weeks; ROI below 0"})


# ---------------------------------------------------------------------------
# Roll-ups: sums of parts, ratios of summed parts, weighted scores
# ---------------------------------------------------------------------------


def test_sr_scorecard(by_sr):
    assert list(by_sr) == ["SR1", "SR2", "Account"]
    check(by_sr, "sr_name", {"SR1": "Rep SR1"})
    check(by_sr, "stores", {"SR1": 3, "SR2": 3, "Account": 6})
    check(by_sr, "K1_actual", {"SR1": 66 + 18 + 30, "SR2": 80 + 25 + 0, "Account": 219})
    check(by_sr, "K1_attainment", {"SR1": 114 / 110, "SR2": 105 / 100, "Account": 219 / 210})
    check(
        by_sr,
        "K2_attainment",
        {"SR1": (6600 + 1120 + 3000) / (5000 + 1200 + 4000), "SR2": 10000 / 8000},
    )
    check(by_sr, "K3_target", {"SR1": (0.30 * 200 + 0.25 * 50 + 0.25 * 200) / 450})
    check(by_sr, "K3_attainment", {"SR2": 105 / 121, "Account": (213 / 870) / ((122.5 + 121) / 870)})
    check(by_sr, "K4_actual", {"SR1": 10 / 11, "SR2": 4 / 7})
    check(by_sr, "units_forecast_vs_target", {"SR2": (100 + 25) / (100 + 20)})  # S6: no forecast, no target
    check(by_sr, "growth_units", {"SR1": 114 / 87 - 1})
    check(by_sr, "investment", {"SR1": 300, "SR2": 300, "Account": 600})
    check(by_sr, "roi", {"SR1": (270 - 300) / 300, "Account": (560 - 600) / 600})
    check(by_sr, "retailer_gain", {"SR1": 232, "SR2": 280, "Account": 512})
    check(by_sr, "execution_score", {"SR2": (100 * (0.3 / 0.35) + 20 * (0.05 / 0.3)) / 120})
    check(
        by_sr,
        "score",
        {
            "SR1": (50 * 112 + 25 * S2_SCORE * 100 + 40 * 0.625 / 0.85 * 100) / 115,
            "SR2": (100 * 93 + 20 * 75.40740740740742) / 120,
        },
    )
    check(by_sr, "score_rag", {"SR1": "amber", "SR2": "amber"})
    check(by_sr, "rank", {"SR1": 1, "SR2": 2, "Account": BLANK})
    check(by_sr, "quadrant", {"SR1": "untapped", "SR2": "untapped"})
    check(by_sr, "weeks_missing", {"SR1": 1, "SR2": 5, "Account": 6})
    check(by_sr, "flag_count", {"SR1": 5, "SR2": 5, "Account": 10})


def test_region_and_tier_scorecards(sheets):
    plan = hand_plan()
    regions = table(sheets["Region scorecard"], rollup_columns(plan, "region"))
    check(regions, "K1_actual", {"North": 114, "South": 105})
    tiers = table(sheets["Tier scorecard"], rollup_columns(plan, "store_tier"))
    check(tiers, "K1_attainment", {"A": (66 + 80) / (50 + 80), "B": 73 / 80})
    check(tiers, "score", {"A": (50 * 112 + 100 * 93) / 150})


# ---------------------------------------------------------------------------
# Account summary, problems & opportunities, next period
# ---------------------------------------------------------------------------


def labelled(grid: list[list]) -> dict[str, list]:
    """Rows of the Account summary by their label in column A (the first row of a label)."""
    rows: dict[str, list] = {}
    for row in grid:
        if row and isinstance(row[0], str):
            rows.setdefault(row[0], row[1:])
    return rows


def test_account_summary(sheets):
    rows = labelled(sheets["Account summary"])
    assert rows["Score (100 = on target)"][0] == pytest.approx(
        (50 * 112 + 25 * S2_SCORE * 100 + 40 * 0.625 / 0.85 * 100 + 100 * 93 + 20 * 75.40740740740742) / 235
    )
    assert rows["Score (100 = on target)"][1] == "Amber"
    assert rows["Quadrant (execution × result)"][0] == "Untapped"
    assert rows["Stores reviewed"][0] == 6
    assert rows["Stores with data for the as-of week"][0] == 4  # S1, S2, S3, S5 have W4
    assert rows["Stores without any entry"][0] == 1
    units = rows["K1 · K1"]  # name, group, period target, target to date, actual, attainment, RAG, forecast
    assert units[:7] == [
        "Result",
        265,
        210,
        219,
        pytest.approx(219 / 210),
        "Green",
        pytest.approx(243.5 / 235),
    ]
    assert rows["K3 · K3"][3:5] == [
        pytest.approx(213 / 870),
        pytest.approx(213 / 243.5),
    ]  # share, vs tier targets


def test_account_summary_principles(sheets):
    rows = labelled(sheets["Account summary"])
    assert rows["Level stated in the plan"][0] == "Supplier"
    assert rows["Level the evidence supports"][0] == "none met"  # no evidence listed
    assert rows["Target level"][0] == "Partner"
    assert rows["Steps from the evidence to the target"][0] == 4
    assert rows["Retailer's gain (extra margin for the store) (CNY)"][0] == pytest.approx(512)
    assert rows["Incremental value vs baseline (sell-out) (CNY)"][0] == pytest.approx(5120)
    assert rows["Stores where the retailer gains"][0] == 3  # S1, S4, S5
    assert rows["Our share"][0] == pytest.approx(213 / 870)
    assert rows["Main competitor share"][0] == pytest.approx(205 / 870)
    assert rows["Our share minus main competitor's"][0] == pytest.approx(8 / 870 * 100)  # percentage points
    assert rows["Investment (programs done) (CNY)"][0] == 600
    assert rows["ROI"][0] == pytest.approx(-40 / 600)
    assert rows["Programs done / applicable"][:2] == [4, 9]
    assert rows["ROI"][1] == "Red"  # below 0
    assert rows["Stores with ROI below 0 (of stores invested in)"][0] == 2
    assert [rows[q][0] for q in ("Star", "Plan issue", "Execution gap", "Untapped", "Not enough data")] == [
        1,
        1,
        2,
        1,
        1,
    ]


def test_account_weekly_chart_data(reviewed, sheets):
    weeks = reviewed[1].weeks
    assert weeks["target_units"].tolist() == [53, 53, 106, 53]
    assert weeks["units"].tolist() == [47, 43, 100, 29]  # S2 has no W2 units, S4 none in W4
    assert weeks["reporting_target"].tolist() == [47, 42, 20 + 10 + 16 + 40 + 8, 27]
    rows = labelled(sheets["Account summary"])
    assert rows["W2"][:4] == [53, 43, 42, pytest.approx(43 / 42)]


def test_charts_are_native(reviewed):
    package = Package.open(reviewed[0])
    charts = [name for name in package.part_names() if name.startswith("xl/charts/chart")]
    regions = load_plan(reviewed[0]).regions()  # 3 on the scorecards; Trends: the account and each region
    assert len(charts) == 4 + 1 + len(regions)  # Account summary 4 (sell-in vs sell-out by month too)
    kinds = b"".join(package.read_part(name) for name in charts)
    assert b"<lineChart>" in kinds and b"<barChart>" in kinds and b"<scatterChart>" in kinds


def test_problems_and_opportunities(sheets):
    grid = sheets["Problems & opportunities"]
    header = grid[GROUP_ROW]
    rows = [dict(zip(header, row)) for row in grid[GROUP_ROW + 1 :] if row[0] is not None]
    found = {(r["Type"], r["Store ID"], r["What"]) for r in rows}
    assert found == {
        ("Problem", "S1", "Overstock"),
        ("Problem", "S2", "Stock-out risk"),
        ("Problem", "S2", "Missing weekly entries"),
        ("Problem", "S3", "Units below amber 3+ weeks"),
        ("Problem", "S3", "ROI below 0"),
        ("Problem", "S4", "Missing weekly entries"),
        ("Problem", "S4", "ROI below 0"),
        ("Problem", "S5", "Program past its end, not Done"),
        ("Problem", "S6", "Missing weekly entries"),
        ("Problem", "S6", "Program past its end, not Done"),
        ("Opportunity", "S1", "Star store"),
        ("Opportunity", "S5", "Untapped potential"),
    }
    assert len(rows) == len(found)
    evidence = {(r["Store ID"], r["What"]): r["Evidence"] for r in rows}
    assert evidence[("S1", "Overstock")] == "12.1 weeks of cover: stock 200 in W4"  # 200 / (66 / 4)
    assert (
        evidence[("S3", "Units below amber 3+ weeks")]
        == "Units below 90% of the week target for the last 4 entered weeks (latest W4: 75%)"
    )
    assert evidence[("S6", "Missing weekly entries")] == "4 week(s) without sell-out units up to W4 (latest W4)"
    assert evidence[("S5", "Program past its end, not Done")] == "Program P1 ended 2026-01-18 and has no status"
    assert evidence[("S4", "ROI below 0")] == "ROI -33%: incremental margin 200 vs investment 300"
    # ranked: problems before opportunities, kinds by their total money at stake, then rows by their own
    stake = {(r["Store ID"], r["What"]): r["At stake (CNY)"] for r in rows}
    assert stake[("S4", "ROI below 0")] == 100  # investment 300 − incremental margin 200
    assert stake[("S1", "Overstock")] == 0
    kinds = [r["What"] for r in rows if r["Type"] == "Problem"]
    totals = {k: sum(stake[(r["Store ID"], k)] for r in rows if r["What"] == k) for k in set(kinds)}
    firsts = list(dict.fromkeys(kinds))
    assert [totals[k] for k in firsts] == sorted(totals.values(), reverse=True)
    assert [r["Type"] for r in rows][-2:] == ["Opportunity", "Opportunity"]
    assert {r["Problem ID"] for r in rows} >= {"S4·roi_negative", "S5·program_overdue·P1"}


def test_next_period(sheets):
    grid = sheets["Next period"]
    columns = {c: i for i, c in enumerate(grid[GROUP_ROW], start=0)}
    assert "Suggested next period" in columns
    first = GROUP_ROW + 1
    ids = [row[0] for row in grid[first : first + 6]]
    assert ids == ["S1", "S2", "S3", "S4", "S5", "S6"]
    suggested = [row[7] for row in grid[first : first + 6]]  # K1: current, forecast, suggested
    assert suggested == [56, 24, 35, 100, 22, 30]  # ½ forecast + ½ target within the growth caps
    assert [row[11] for row in grid[first : first + 6]] == [
        5800,
        1933,
        3500,
        10000,
        1000,
        3000,
    ]  # K2
    assert grid[first][8] == '=IF(N(F7)>0,H7/F7-1,"")'  # the change follows the KAM's edits
    gap = [row[-1] for row in grid[first : first + 6]]
    assert gap[1] == pytest.approx(0.01 * 50 * 5 / 3) and gap[2] == pytest.approx(20) and gap[5] is None
    total = grid[first + 6]
    assert total[0] == "Total" and total[7] == "=SUM(H7:H12)"


def test_result_summary_is_json_and_has_the_headline(reviewed):
    _, result = reviewed
    text = json.dumps(result.summary)
    assert json.loads(text)["kpis"][0]["attainment"] == pytest.approx(219 / 210)
    facts = dict(headline(result.summary))
    assert facts["review as of"] == "W4 (week 4 of 4)"
    assert facts["units vs target to date"] == "104.3% (green)"
    assert facts["stores per quadrant"] == "Star 1 · Plan issue 1 · Execution gap 2 · Untapped 1 · none 1"
    assert result.as_of_week == 4 and result.as_of_week_id == "W4" and result.warnings == []


# ---------------------------------------------------------------------------
# --as-of, determinism, inputs never touched
# ---------------------------------------------------------------------------


def test_week_position_accepts_week_ids_numbers_and_dates():
    plan = hand_plan()
    assert week_position(plan, None) is None
    assert week_position(plan, "W2") == week_position(plan, "w2 ") == 2
    assert week_position(plan, 3) == week_position(plan, "3") == 3
    assert week_position(plan, date(2026, 1, 20)) == week_position(plan, "2026-01-20") == 3
    assert week_position(plan, datetime(2026, 2, 1, 18)) == 4
    for bad in (0, 5, "W9", "2025-01-01", "next week", "第9周", "week 0", "²"):
        with pytest.raises(KamError):
            week_position(plan, bad)
    # what people type for "week 3": Chinese, English, full-width digits
    assert week_position(plan, "第3周") == week_position(plan, "第 3 周") == week_position(plan, "Week 3") == 3
    assert week_position(plan, "３") == 3


def test_week_position_takes_an_iso_week_without_its_year():
    from kam_xl.plan.demo import demo_plan

    plan = demo_plan(12)
    first = plan.weeks[0].id  # "2026-W40"
    assert week_position(plan, first[-3:]) == week_position(plan, first[-3:].lower()) == 1
    assert week_position(plan, "wk" + plan.weeks[4].id[-2:]) == 5
    with pytest.raises(KamError, match=r"or W\d\d"):
        week_position(plan, "W01")  # not a week of this period


def test_review_as_of_an_earlier_week(tmp_path):
    path = hand_book(tmp_path)
    result = review(path, as_of="W2")
    assert result.as_of_week == 2
    grid = FileBook(path).grid("Store scorecard")
    week = hand_plan().weeks[1]
    start = f"{week.start.day} {week.start.strftime('%b %Y')}"
    assert cell_at(grid, 2, 1) == f"As of the week of {start} (week 2 of 4, ending 18 Jan 2026; W2)"
    rows = table(grid, store_columns(hand_plan()))
    check(rows, "K1_actual", {"S1": 24, "S2": 4})
    check(rows, "roi", {"S1": -0.8, "S3": -1.4})  # every Done program counts, units of two weeks only
    assert len(result.flags) == 5


def scorecards(path: Path, names: list[str]) -> dict[str, list]:
    book = FileBook(path)
    return {name: book.grid(name) for name in names}


def inputs(path: Path) -> dict[tuple, object]:
    """Every input cell of every store tab, by (tab, cell)."""
    book = FileBook(path)
    found = {}
    for record in read_meta(book).tabs:
        grid = book.grid(record.tab)
        for cell in field_cells(record.cells).values():
            found[(record.tab, cell)] = cell_at(grid, *split_ref(cell))
    return found


def test_review_twice_gives_identical_scorecards_and_never_touches_inputs(tmp_path, demo_book_factory):
    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_book_factory("en", 120).read_bytes())
    generate(path)
    write_entries(path, random_entries(load_plan(path), weeks=9))
    before_inputs, before = inputs(path), Package.open(path)
    first = review_book(FileBook(path), computed_at=datetime(2026, 11, 30, 9, 0))
    once = scorecards(path, first.sheets)
    again = FileBook(path)
    second = review_book(again, computed_at=datetime(2026, 12, 1, 17, 30))
    twice = scorecards(path, second.sheets)
    row, col = split_ref(STAMP_CELL)  # the computed-at stamp: the only cell allowed to differ...
    assert not again.saved  # ...so the second run, computing the same scorecards, saves nothing
    stamped = [name for name in first.sheets if name != "Trends"]  # Trends' third row names the compared periods
    assert all(cell_at(twice[name], row, col).startswith("Computed 2026-11-30 09:00") for name in stamped)
    assert once == twice
    assert inputs(path) == before_inputs
    after = Package.open(path)
    kept = [n for n in before.sheet_names() if n not in first.sheets]
    assert [n for n in after.sheet_names() if n not in first.sheets] == kept
    for name in kept:  # plan sheets, store tabs, _meta: byte for byte the same
        assert after.sheet_xml(name) == before.sheet_xml(name), name


def test_frames_are_the_same_on_both_runs(reviewed):
    path, result = reviewed
    again = review(path)
    assert again.summary | {"computed_at": None} == result.summary | {"computed_at": None}
    assert again.stores.equals(result.stores)
    assert all(again.rollups[k].equals(result.rollups[k]) for k in result.rollups)


# ---------------------------------------------------------------------------
# Warnings and errors
# ---------------------------------------------------------------------------


def test_unreadable_cells_are_left_out_with_a_warning(tmp_path):
    path = hand_book(tmp_path)
    record = read_meta(FileBook(path)).tab_for("S1")
    cells = field_cells(record.cells)
    package = Package.open(path)
    package.set_cells(
        record.tab,
        {cells[("week", "W1", "units")]: "twelve", cells[("week", "W1", "display")]: "maybe"},
    )
    package.save(path, backup=False)
    result = review(path)
    assert result.warnings == [
        f"{record.tab}!{cells[('week', 'W1', 'units')]}: cannot be read as a number; left out of the review",
        f"{record.tab}!{cells[('week', 'W1', 'display')]}: cannot be read as a yes_no; left out of the review",
    ]
    assert result.stores.at["S1", "units_actual"] == 66 - 12
    assert result.stores.at["S1", "display_compliance"] == 1.0  # 3 of 3 readable weeks


def test_a_plan_changed_after_generate_is_warned(tmp_path):
    path = hand_book(tmp_path)
    _, _, reader = read_plan(path)
    package = Package.open(path)
    package.set_cells("Account", {reader.account_cells["margin_per_unit"]: 12.0})
    package.save(path, backup=False)
    result = review(path)
    assert any("the plan changed after the store tabs were generated" in w for w in result.warnings)
    assert result.stores.at["S1", "incremental_margin"] == pytest.approx(26 * 12.0)


def test_review_needs_store_tabs(tmp_path):
    path = tmp_path / "plan.xlsx"
    init_workbook(path, demo=True, stores=20)
    with pytest.raises(KamError, match="no store tabs"):
        review(path)


# ---------------------------------------------------------------------------
# Chinese workbook
# ---------------------------------------------------------------------------


def test_chinese_workbook_gets_chinese_scorecards(tmp_path, demo_book_factory):
    path = tmp_path / "zh.xlsx"
    path.write_bytes(demo_book_factory("zh", 40).read_bytes())
    generate(path)
    plan = load_plan(path)
    write_entries(path, random_entries(plan, weeks=6), "zh")
    result = review(path)
    assert (
        result.sheets[:2]
        == [sheet_name("sc_account", "zh"), sheet_name("sc_store", "zh")]
        == ["客户总结", "门店记分卡"]
    )
    grid = FileBook(path).grid("门店记分卡")
    rows = table(grid, store_columns(plan))
    words = {
        "green": "绿",
        "amber": "黄",
        "red": "红",
        "star": "明星",
        "plan_issue": "计划问题",
        "execution_gap": "执行差距",
        "untapped": "潜力未挖掘",
    }
    for store_id, row in rows.items():
        metrics = result.stores.loc[store_id]
        assert row["score_rag"] == (None if metrics["score_rag"] is None else words[metrics["score_rag"]])
        assert row["quadrant"] == (None if metrics["quadrant"] is None else words[metrics["quadrant"]])
        assert _same(row["score"], metrics["score"]) and _same(row["K1_attainment"], metrics["K1_attainment"])
    problems = FileBook(path).grid("问题与机会")
    assert "依据" in problems[GROUP_ROW] and cell_at(problems, GROUP_ROW + 2, 3) in (
        "问题",
        "机会",
    )


def _same(cell, value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell is None
    return cell == pytest.approx(value, rel=1e-12)


# ---------------------------------------------------------------------------
# Reading the tabs fast reads them as before
# ---------------------------------------------------------------------------


def test_read_entries_reads_every_value_as_normalise_does(reviewed):
    from kam_xl.model.entries import normalise
    from kam_xl.model.parsing import ParseError, is_blank
    from kam_xl.storetabs.cellmap import read_entries

    record = read_meta(FileBook(reviewed[0])).tabs[0]
    cells = field_cells(record.cells)
    samples = [
        12.0,
        0.0,
        -3.0,
        7,
        2.5e6,
        "1,234",
        "１２",
        " 12% ",
        "",
        "  ",
        None,
        "Y",
        "否",
        "done",
        "Dropped",
        date(2026, 1, 5),
        "2026-01-05",
        True,
        "text",
        float("inf"),
    ]
    grid = [list(row) + [None] * 30 for row in FileBook(reviewed[0]).grid(record.tab)]  # keys and headers as written
    for index, cell in enumerate(cells.values()):
        row, col = split_ref(cell)
        grid[row - 1][col - 1] = samples[index % len(samples)]
    expected = {}
    for key, cell in cells.items():
        raw = cell_at(grid, *split_ref(cell))
        if is_blank(raw):
            continue
        try:
            expected[key] = normalise(key, raw)
        except ParseError:
            expected[key] = raw
    assert read_entries(grid, record.cells, "en") == expected


def test_review_of_a_workbook_without_entries(tmp_path, demo_book_factory):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(demo_book_factory("en", 30).read_bytes())
    generate(path)
    result = review(path)
    assert result.as_of_week == 0 and result.as_of_week_id is None and result.flags.empty
    assert result.summary["quadrants"]["none"] == 30 and result.summary["score"] is None
    assert dict(headline(result.summary))["review as of"] == "no entries yet"
    assert cell_at(FileBook(path).grid("Store scorecard"), 2, 1) == "No weekly entries yet: nothing to review"
    problems = FileBook(path).grid("Problems & opportunities")
    assert cell_at(problems, GROUP_ROW + 2, 2) == "No problem or opportunity found."

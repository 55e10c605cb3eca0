"""Properties of the metric engine on random accounts: roll-ups, score bounds, RAG and quadrant."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_xl.metrics.measures import RATE_PARTS, RATIOS, Targets, quadrant, rag, rags, store_metrics
from kam_xl.metrics.rollup import GROUPINGS, SUMS, rollup
from kam_xl.model.entries import build_entries
from kam_xl.model.plan import Plan
from tests.test_metrics import KPIS, PLAN, WEEKS, store

FAST = settings(max_examples=40, deadline=None)
RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
MAX_CAP = max(k.cap for k in KPIS)
WEEK_IDS = [w.id for w in WEEKS]

maybe_count = st.one_of(st.none(), st.integers(0, 40).map(float))


@st.composite
def accounts(draw):
    """(plan, targets, entries, as_of) of a random small account."""
    n = draw(st.integers(1, 7))
    ids = [f"S{i}" for i in range(n)]
    tiers = draw(st.lists(st.sampled_from("AB"), min_size=n, max_size=n))
    srs = draw(st.lists(st.sampled_from(["SR1", "SR2", "SR3"]), min_size=n, max_size=n))
    stores = tuple(
        store(
            s,
            t,
            sr,
            "North" if sr != "SR3" else "South",
            draw(st.integers(0, 20)),
            draw(st.integers(0, 2000)),
            draw(st.integers(0, 80)),
        )
        for s, t, sr in zip(ids, tiers, srs)
    )
    plan = Plan("en", PLAN.account, (), (), KPIS, PLAN.programs, (), stores, WEEKS)
    week_targets = {
        k: pd.DataFrame([[draw(st.integers(0, top)) for _ in WEEKS] for _ in ids], index=ids, columns=WEEK_IDS).astype(
            float
        )
        for k, top in (("K1", 30), ("K2", 3000))
    }
    full = pd.DataFrame({k: frame.sum(axis=1) for k, frame in week_targets.items()})
    for kpi in KPIS[2:]:
        full[kpi.id] = [kpi.tier_target(t) for t in tiers]
    entries = build_entries({s: draw(store_inputs()) for s in ids}, WEEK_IDS, {s: ("P1", "P2") for s in ids}, 2)
    as_of = draw(st.one_of(st.none(), st.integers(1, len(WEEKS))))
    return plan, Targets(full, week_targets), entries, as_of


@st.composite
def store_inputs(draw) -> dict:
    values = {}
    for week in WEEK_IDS:
        for field in (
            "units",
            "value",
            "category",
            "competitor",
            "promoter_present",
            "promoter_planned",
            "stock",
        ):
            values[("week", week, field)] = draw(maybe_count)
        values[("week", week, "display")] = draw(st.sampled_from([None, True, False]))
    for pid in ("P1", "P2"):
        values[("program", pid, "status")] = draw(st.sampled_from([None, "planned", "agreed", "done", "dropped"]))
        values[("program", pid, "note")] = draw(st.sampled_from([None, "reason"]))
        values[("program", pid, "cost")] = draw(st.one_of(st.none(), st.integers(0, 500).map(float)))
    for row in (1, 2):
        values[("action", row, "text")] = draw(st.sampled_from([None, "do it"]))
        values[("action", row, "due")] = WEEKS[0].start + timedelta(days=draw(st.integers(0, 35)))
        values[("action", row, "status")] = draw(st.sampled_from([None, "open", "done", "dropped"]))
    return values


def paired_ratio(rows: pd.DataFrame, num: str, den: str) -> float:
    """Σ num / Σ den over the rows where both are known, written out plainly."""
    n = d = 0.0
    for a, b in zip(rows[num], rows[den]):
        if not (math.isnan(a) or math.isnan(b)):
            n, d = n + a, d + b
    return n / d if d != 0 else math.nan


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)


def groups(table: pd.DataFrame, plan: Plan, by: str):
    if by == "account":
        return [(plan.account.name, table)]
    return list(table.groupby(by, sort=False))


@FAST
@given(accounts())
def test_rollup_ratios_equal_ratios_of_summed_parts(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    for by in GROUPINGS:
        rolled = rollup(table, plan, by)
        for key, rows in groups(table, plan, by):
            for name, (num, den, shift) in RATIOS.items():
                assert same(rolled.at[key, name], paired_ratio(rows, num, den) + shift), (
                    by,
                    key,
                    name,
                )
            for kpi in (k for k in plan.kpis if k.is_sum):
                want = paired_ratio(rows, f"{kpi.id}_actual", f"{kpi.id}_target_to_date")
                assert same(rolled.at[key, f"{kpi.id}_attainment"], want), (by, key, kpi.id)


@FAST
@given(accounts())
def test_rate_kpi_rollup_is_summed_numerator_over_summed_target_parts(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    rolled = rollup(table, plan, "sr_id")
    for key, rows in groups(table, plan, "sr_id"):
        for kpi in (k for k in plan.kpis if not k.is_sum):
            _, num, den = RATE_PARTS[kpi.measure]
            target_part = rows[f"{kpi.id}_target"] * rows[den]
            want = rows[num].sum() / target_part.sum() if target_part.sum() else math.nan
            assert same(rolled.at[key, f"{kpi.id}_attainment"], want), (key, kpi.id)


@FAST
@given(accounts())
def test_score_within_bounds(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    for frame in (table, *(rollup(table, plan, by) for by in GROUPINGS)):
        scores = frame["score"].dropna()
        assert ((scores >= 0) & (scores <= 100 * MAX_CAP + 1e-9)).all()


@FAST
@given(accounts())
def test_account_rollup_of_sums_is_the_sum_over_stores(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    total = rollup(table, plan, "account").iloc[0]
    assert total["stores"] == len(table)
    for column in SUMS:
        values = table[column].dropna()
        want = float(values.sum()) if len(values) else math.nan
        assert same(float(total[column]), want), column
    for by in ("sr_id", "region", "store_tier"):  # every grouping adds up to the account too
        rolled = rollup(table, plan, by)
        assert rolled["stores"].sum() == total["stores"]
        for column in SUMS:
            values = rolled[column].dropna()
            assert same(float(values.sum()) if len(values) else math.nan, float(total[column])), (
                by,
                column,
            )


@FAST
@given(accounts())
def test_store_rag_follows_attainment_and_thresholds(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    for kpi in plan.kpis:
        for att, colour in zip(table[f"{kpi.id}_attainment"], table[f"{kpi.id}_rag"]):
            assert colour == rag(att, kpi.green, kpi.amber)


thresholds = st.tuples(st.floats(0, 2), st.floats(0, 2)).map(sorted)  # (amber, green)
attainments = st.floats(-1, 5, allow_nan=False)


@given(attainments, attainments, thresholds)
def test_rag_is_monotone_in_attainment(a, b, limits):
    amber, green = limits
    low, high = sorted((a, b))
    assert RAG_ORDER[rag(low, green, amber)] <= RAG_ORDER[rag(high, green, amber)]
    vector = rags(np.array([low, high]), green, amber)
    assert RAG_ORDER[vector[0]] <= RAG_ORDER[vector[1]]


@given(attainments, thresholds)
def test_rag_colour_matches_thresholds(a, limits):
    amber, green = limits
    colour = rag(a, green, amber)
    assert (colour == "green") == (np.round(a, 9) >= green)
    assert (colour == "red") == (np.round(a, 9) < amber)


@given(st.one_of(st.none(), st.floats(0, 2)), st.one_of(st.none(), st.floats(0, 3)), st.floats(0, 1))
def test_quadrant_consistent_with_thresholds(execution, result, threshold):
    found = quadrant(execution, result, threshold)
    if execution is None or result is None:
        assert found is None
        return
    high_execution, high_result = np.round(execution, 9) >= threshold, np.round(result, 9) >= 1.0
    expected = {
        (True, True): "star",
        (True, False): "plan_issue",
        (False, False): "execution_gap",
        (False, True): "untapped",
    }[(high_execution, high_result)]
    assert found == expected


HIGH = {
    "star": (True, True),
    "plan_issue": (True, False),
    "execution_gap": (False, False),
    "untapped": (False, True),
}


@FAST
@given(accounts())
def test_quadrant_of_every_store_and_group_follows_its_thresholds(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    threshold = plan.account.execution_threshold
    for frame in (table, *(rollup(table, plan, by) for by in GROUPINGS)):
        for execution, result, found in zip(frame["execution_score"], frame["result_attainment"], frame["quadrant"]):
            if math.isnan(execution) or math.isnan(result):
                assert found is None
            else:
                assert HIGH[found] == (round(execution, 9) >= threshold, round(result, 9) >= 1.0)


@FAST
@given(accounts())
def test_group_rags_follow_their_attainment_and_the_score_thresholds(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    acc = plan.account
    for by in GROUPINGS:
        rolled = rollup(table, plan, by)
        for kpi in plan.kpis:
            for att, colour in zip(rolled[f"{kpi.id}_attainment"], rolled[f"{kpi.id}_rag"]):
                assert colour == rag(att, kpi.green, kpi.amber)
        for score, colour in zip(rolled["score"], rolled["score_rag"]):
            assert colour == rag(score / 100, acc.score_green, acc.score_amber)


@FAST
@given(accounts())
def test_group_scores_are_averages_weighted_by_the_units_target(account):
    plan, targets, entries, as_of = account
    table = store_metrics(plan, targets, entries, as_of)
    weights = table["units_target"] if table["units_target"].notna().any() else table["units_target"].fillna(1.0)
    for by in GROUPINGS:
        rolled = rollup(table, plan, by)
        for key, rows in groups(table, plan, by):
            for column in ("score", "execution_score"):
                parts = rows.assign(w=weights.reindex(rows.index))
                known = parts[column].notna() & parts["w"].notna()
                den = parts.loc[known, "w"].sum()
                want = (parts.loc[known, column] * parts.loc[known, "w"]).sum() / den if den else math.nan
                assert same(rolled.at[key, column], want), (by, key, column)

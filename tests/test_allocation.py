"""Tests of kam_xl.allocation: store and week targets, caps, rounding and the trace."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kam_xl.errors import AllocationError
from kam_xl.metrics.allocation import (
    Allocation,
    allocate,
    allocate_kpi,
    allocate_plan,
    explain,
    largest_remainder,
    store_weights,
    week_targets,
)
from kam_xl.model.plan import Account, Kpi, Plan, Store, Week

FAST = settings(max_examples=150, deadline=None)

# ---------------------------------------------------------------------------
# A small hand-made plan
# ---------------------------------------------------------------------------


def make_store(sid, tier="B", units=100.0, value=1000.0, override=None, active=True) -> Store:
    return Store(
        store_id=sid,
        name=f"Store {sid}",
        city="Beijing",
        region="North",
        city_tier="t1",
        store_tier=tier,
        format="mall",
        sr_id="SR1",
        sr_name="Li",
        sr_email="li@example.com",
        manager="Wang",
        manager_email="wang@example.com",
        base_units=units,
        base_value=value,
        category_units=units * 5,
        weight_override=override,
        active=active,
    )


def make_kpi(
    kid="K1",
    *,
    measure="units",
    target=1000.0,
    basis="baseline",
    min_growth=None,
    max_growth=None,
    type_="sum",
    tier_targets=(),
) -> Kpi:
    return Kpi(
        id=kid,
        name=kid,
        unit="units",
        type=type_,
        measure=measure,
        direction="higher",
        hq_target=target,
        tier_targets=tier_targets,
        basis=basis,
        min_growth=min_growth,
        max_growth=max_growth,
        weight=1.0,
        cap=1.2,
        green=1.0,
        amber=0.9,
        group="result",
    )


def make_plan(stores, kpis, n_weeks=4, season=None) -> Plan:
    start = date(2025, 1, 6)
    season = season or [1.0] * n_weeks
    weeks = tuple(
        Week(
            id=f"W{i + 1:02d}",
            start=start + timedelta(weeks=i),
            end=start + timedelta(weeks=i, days=6),
            month="2025-01",
            season_weight=s,
        )
        for i, s in enumerate(season)
    )
    account = Account(
        name="MegaMart",
        supplier="Brand",
        period_start=start,
        period_end=weeks[-1].end,
        currency="CNY",
        kam_name="Zhang",
        kam_email="zhang@example.com",
        management_emails=("boss@example.com",),
        margin_per_unit=50.0,
        retailer_margin=0.2,
        relationship_now="supplier",
        relationship_target="partner",
    )
    return Plan(
        language="en",
        account=account,
        evidence=(),
        needs=(),
        kpis=tuple(kpis),
        programs=(),
        competitors=(),
        stores=tuple(stores),
        weeks=weeks,
    )


def three_stores(**overrides) -> list[Store]:
    """S1 tier A 100/week, S2 tier B 50/week, S3 tier C 100/week (4 weeks, factors 1.2/1.0/0.8)."""
    specs = {"S1": ("A", 100.0), "S2": ("B", 50.0), "S3": ("C", 100.0)}
    return [make_store(sid, tier, units, units * 10, overrides.get(sid)) for sid, (tier, units) in specs.items()]


def targets(frame: pd.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in frame["target"].items()}


# ---------------------------------------------------------------------------
# Basis selection, worked by hand
# ---------------------------------------------------------------------------


def test_basis_baseline_times_tier():
    # period baselines 400, 200, 400; weights 480, 200, 320 (sum 1000)
    plan = make_plan(three_stores(), [make_kpi(target=2000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame["baseline"].tolist() == [400, 200, 400]
    assert frame["weight"].tolist() == pytest.approx([480, 200, 320])
    assert frame["weight_total"].iloc[0] == pytest.approx(1000)
    assert frame["share"].tolist() == pytest.approx([0.48, 0.2, 0.32])
    assert targets(frame) == {"S1": 960, "S2": 400, "S3": 640}
    assert set(frame["weight_source"]) == {"baseline"}
    assert frame["bound"].tolist() == ["", "", ""]


def test_basis_value_measure_uses_base_value():
    plan = make_plan(three_stores(), [make_kpi(measure="value", target=20000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame["baseline"].tolist() == [4000, 2000, 4000]
    assert targets(frame) == {"S1": 9600, "S2": 4000, "S3": 6400}


def test_basis_tier():
    plan = make_plan(three_stores(), [make_kpi(basis="tier", target=3000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame["weight"].tolist() == pytest.approx([1.2, 1.0, 0.8])
    assert targets(frame) == {"S1": 1200, "S2": 1000, "S3": 800}


def test_basis_equal_rounds_by_largest_remainder():
    plan = make_plan(three_stores(), [make_kpi(basis="equal", target=1000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame["weight"].tolist() == [1.0, 1.0, 1.0]
    assert targets(frame) == {"S1": 334, "S2": 333, "S3": 333}  # ties go to the first store


def test_basis_manual():
    plan = make_plan(three_stores(S1=1.0, S2=2.0, S3=5.0), [make_kpi(basis="manual", target=800)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert targets(frame) == {"S1": 100, "S2": 200, "S3": 500}
    assert set(frame["weight_source"]) == {"manual"}


def test_basis_manual_without_override_names_the_store():
    plan = make_plan(three_stores(S1=1.0, S3=5.0), [make_kpi(basis="manual", target=800)])
    with pytest.raises(AllocationError, match=r"K1.*S2"):
        allocate_kpi(plan, plan.kpis[0])


def test_override_is_ignored_by_other_bases():
    # S2's override belongs to the manual basis: baseline weights stay 480, 200, 320 (sum 1000)
    plan = make_plan(three_stores(S2=480.0), [make_kpi(target=2000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame["weight_source"].tolist() == ["baseline", "baseline", "baseline"]
    assert targets(frame) == {"S1": 960, "S2": 400, "S3": 640}


def test_store_weights():
    stores = make_plan(three_stores(S3=7.0), [make_kpi()]).active_stores
    weights = store_weights(stores, make_kpi(basis="equal"), {"A": 1.2, "B": 1.0, "C": 0.8}, 4)
    assert weights.ids == ["S1", "S2", "S3"]
    assert weights.weight.tolist() == [1.0, 1.0, 1.0]
    assert weights.source.tolist() == ["equal", "equal", "equal"]
    assert weights.baseline.tolist() == [400, 200, 400]
    assert weights.factor.tolist() == [1.2, 1.0, 0.8]


def test_unknown_tier_factor_is_an_error():
    stores = make_plan(three_stores(), [make_kpi()]).active_stores
    with pytest.raises(AllocationError, match="S1"):
        store_weights(stores, make_kpi(), {"B": 1.0, "C": 0.8}, 4)


def test_inactive_stores_are_left_out():
    stores = three_stores() + [make_store("S4", active=False)]
    frame = allocate_kpi(make_plan(stores, [make_kpi(target=2000)]), make_kpi(target=2000))
    assert list(frame.index) == ["S1", "S2", "S3"]


# ---------------------------------------------------------------------------
# Caps and redistribution, worked by hand
# ---------------------------------------------------------------------------

# Tier weights 1.2 / 1.0 / 0.8; 1-week baselines 100 / 400 / 500.
TIER_WEIGHTS = pd.Series([1.2, 1.0, 0.8], index=["S1", "S2", "S3"])


def test_redistribution_one_store_at_max():
    # max growth +100%: caps 200 / 800 / 1000. Raw 600 / 500 / 400: S1 is held at 200,
    # the 400 excess goes to S2 and S3 in proportion 1.0 : 0.8 -> 722.2 and 577.8.
    result = allocate(1500, TIER_WEIGHTS, upper=[200, 800, 1000])
    assert result["raw"].tolist() == pytest.approx([600, 500, 400])
    assert targets(result) == {"S1": 200, "S2": 722, "S3": 578}
    assert result["bound"].tolist() == ["max", "", ""]


def test_redistribution_cascades():
    # 1950: S1 held at 200; 1750 over 1.0 : 0.8 gives S2 972 > 800, so S2 is held at 800
    # too, and S3 takes the rest: 950.
    result = allocate(1950, TIER_WEIGHTS, upper=[200, 800, 1000])
    assert targets(result) == {"S1": 200, "S2": 800, "S3": 950}
    assert result["bound"].tolist() == ["max", "max", ""]


def test_redistribution_min_caps():
    # min growth 0: floors 100 / 400 / 500. Raw 480 / 400 / 320: S3 is raised to 500; the
    # other 700 split 1.2 : 1.0 gives S2 318 < 400, so S2 is raised to 400; S1 gets 300.
    result = allocate(1200, TIER_WEIGHTS, lower=[100, 400, 500])
    assert targets(result) == {"S1": 300, "S2": 400, "S3": 500}
    assert result["bound"].tolist() == ["", "min", "min"]


def test_caps_from_plan_growth():
    stores = [make_store("S1", "A", 100), make_store("S2", "B", 400), make_store("S3", "C", 500)]
    kpi = make_kpi(basis="tier", target=1500, max_growth=1.0)
    frame = allocate_kpi(make_plan(stores, [kpi], n_weeks=1), kpi)
    assert targets(frame) == {"S1": 200, "S2": 722, "S3": 578}
    assert frame["upper"].tolist() == pytest.approx([200, 800, 1000])
    assert frame["lower"].isna().all()
    assert frame["raw"].tolist() == pytest.approx([600, 500, 400])


def test_float_noise_in_caps_does_not_cost_a_unit():
    # 1000 * 1.1 == 1100.0000000000002: the integer bounds must still be [1100, 1100]
    w = pd.Series([1.0, 1.0])
    result = allocate(2200, w, lower=[1000 * 1.1] * 2, upper=[1000 * 1.1] * 2)
    assert result["target"].tolist() == [1100, 1100]


def test_infeasible_max_caps_message():
    with pytest.raises(AllocationError) as info:
        allocate(2100, TIER_WEIGHTS, upper=[200, 800, 1000], label="KPI K1")
    assert str(info.value) == (
        "KPI K1: the growth caps allow at most 2,000 in total but the HQ target is 2,100; "
        "raise max growth or lower the target"
    )


def test_infeasible_min_caps_message():
    with pytest.raises(AllocationError, match=r"KPI K1: .*at least 1,000 .* HQ target is 900"):
        allocate(900, TIER_WEIGHTS, lower=[100, 400, 500], label="KPI K1")


def test_all_zero_weights_is_an_error():
    with pytest.raises(AllocationError, match="weights are zero"):
        allocate(100, pd.Series([0.0, 0.0]))
    assert allocate(0, pd.Series([0.0, 0.0]))["target"].tolist() == [0, 0]


def test_zero_weight_stores_cannot_absorb_excess():
    with pytest.raises(AllocationError, match="at most 10"):
        allocate(100, pd.Series([1.0, 0.0]), upper=[10, 1000])


def test_total_is_rounded_half_up():
    assert allocate(10.5, pd.Series([1.0, 1.0]))["target"].sum() == 11


# ---------------------------------------------------------------------------
# The trace
# ---------------------------------------------------------------------------


def capped_plan_frame() -> pd.DataFrame:
    stores = [make_store("S1", "A", 100), make_store("S2", "B", 400), make_store("S3", "C", 500)]
    kpi = make_kpi(target=1200, max_growth=0.4)
    return allocate_kpi(make_plan(stores, [kpi], n_weeks=1), kpi)


def test_explanation_plain():
    plan = make_plan(three_stores(), [make_kpi(target=2000)])
    frame = allocate_kpi(plan, plan.kpis[0])
    assert frame.at["S1", "explanation"] == "960 = 2,000 × 48% (weight 480 = baseline 400 × tier A 1.2)"
    zh = explain(frame.loc["S1"], "zh")
    assert zh == "960 = 2,000 × 48%（权重 480 = 基线 400 × A级系数 1.2）"


def test_explanation_capped_and_redistributed():
    # weights 120 / 400 / 400 (sum 920), caps 140 / 560 / 700; raw 156.5 / 521.7 / 521.7:
    # S1 is held at 140 and the other 1,060 is split evenly: 530 / 530.
    frame = capped_plan_frame()
    assert targets(frame) == {"S1": 140, "S2": 530, "S3": 530}
    assert frame["bound"].tolist() == ["max", "", ""]
    assert frame.at["S1", "explanation"] == (
        "140: 1,200 × 13.043% = 157 (weight 120 = baseline 100 × tier A 1.2); capped at +40% growth (max 140)"
    )
    assert frame.at["S2", "explanation"] == (
        "530: 1,200 × 43.48% = 522 (weight 400 = baseline 400 × tier B 1); "
        "+8 redistributed from stores at their growth cap"
    )
    zh = explain(frame.loc["S1"], "zh")
    assert zh == "140：1,200 × 13.043% = 157（权重 120 = 基线 100 × A级系数 1.2）；受增长上限 +40% 限制（上限 140）"
    assert explain(frame.loc["S2"], "zh").endswith("；另加 +8（来自受增长上限限制的门店）")


def test_explanation_min_cap():
    # weights 480 / 200 / 320, floors 400 / 200 / 400; raw 528 / 220 / 352: S3 is raised to
    # 400 and the other 700 is split 480 : 200 -> 494 / 206.
    kpi = make_kpi(target=1100, min_growth=0.0)
    frame = allocate_kpi(make_plan(three_stores(), [kpi]), kpi)
    assert targets(frame) == {"S1": 494, "S2": 206, "S3": 400}
    assert frame.at["S3", "explanation"] == (
        "400: 1,100 × 32% = 352 (weight 320 = baseline 400 × tier C 0.8); raised to +0% growth (min 400)"
    )
    assert frame.at["S1", "explanation"].endswith("; −34 redistributed to stores at their minimum growth")


def test_explanation_other_sources():
    plan = make_plan(
        three_stores(S1=1.0, S2=3.5, S3=2.0),
        [make_kpi(basis="equal", target=300), make_kpi(kid="K2", basis="manual", target=650)],
    )
    frame = allocate_kpi(plan, plan.kpis[0])
    assert "equal weights" in frame.at["S1", "explanation"]
    manual = allocate_kpi(plan, plan.kpis[1])
    assert "3.5" in manual.at["S2", "explanation"]
    assert "3.5" in explain(manual.loc["S2"], "zh")


# ---------------------------------------------------------------------------
# The whole plan
# ---------------------------------------------------------------------------


def test_allocate_plan():
    rate = make_kpi(
        "K2",
        type_="rate",
        measure="display",
        target=None,
        basis=None,
        tier_targets=(("A", 0.9), ("B", 0.8)),
    )
    plan = make_plan(three_stores(), [make_kpi(target=2000), rate], season=[1, 2, 1, 1])
    alloc = allocate_plan(plan)
    assert isinstance(alloc, Allocation)
    assert list(alloc.kpis) == ["K1"] and list(alloc.rate_targets) == ["K2"]
    weeks = alloc.weeks["K1"]
    assert list(weeks.columns) == ["W01", "W02", "W03", "W04"]
    assert weeks.loc["S1"].tolist() == [192, 384, 192, 192]
    assert (weeks.sum(axis=1) == alloc.kpis["K1"]["target"]).all()
    assert alloc.store_target("K1", "S2") == 400
    assert alloc.store_target("K2", "S1") == 0.9
    assert alloc.store_target("K2", "S3") is None  # tier C has no target
    assert alloc.store_target("K1", "nope") is None
    assert alloc.store_target("K9", "S1") is None


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN, and of the same type (a trace formats ints and floats differently)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("caps", [(None, None), (-0.1, 0.25), (0.0, 0.05)])
@pytest.mark.parametrize("basis", ["baseline", "tier", "equal", "manual"])
def test_plain_targets_are_the_frames(caps, basis):
    """What store tabs read (plain values, no pandas) is what the review's frames hold, value and type."""
    rate = make_kpi("K2", type_="rate", measure="display", target=None, basis=None, tier_targets=(("A", 0.9),))
    units = make_kpi(target=1030.4, basis=basis, min_growth=caps[0], max_growth=caps[1])
    stores = three_stores(S1=2.0, S2=1.5, S3=0.5) + [make_store("S4", "A", 80.0, override=3.0, active=False)]
    alloc = allocate_plan(make_plan(stores, [units, rate], season=[1, 2, 1.5, 1]))
    rows = {
        store: {k: v for k, v in row.items() if k != "explanation"}
        for store, row in alloc.kpis["K1"].to_dict("index").items()
    }
    assert _same(alloc.kpi_rows("K1"), rows)
    weeks = alloc.weeks["K1"]
    assert _same(alloc.week_rows("K1"), dict(zip(weeks.index, weeks.to_numpy(dtype=float).tolist())))
    assert _same(alloc.rate_values("K2"), alloc.rate_targets["K2"].to_dict())
    assert list(alloc.kpi_rows("K1")) == ["S1", "S2", "S3"]


def test_rate_kpi_is_not_allocated():
    rate = make_kpi("K2", type_="rate", measure="display", target=None)
    with pytest.raises(AllocationError, match="rate KPI"):
        allocate_kpi(make_plan(three_stores(), [rate]), rate)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

weight_lists = st.lists(st.floats(1e-3, 1e6), min_size=1, max_size=40)
totals = st.one_of(st.integers(0, 10**9), st.floats(0, 1e9))


@FAST
@given(weight_lists, totals)
def test_allocation_sums_to_hq_target(weights, total):
    result = allocate(total, pd.Series(weights))
    assert result["target"].sum() == math.floor(total + 0.5)
    assert (result["target"] >= 0).all()
    assert (abs(result["target"] - result["raw"]) < 1).all()


@st.composite
def capped_problems(draw, feasible: bool | None):
    n = draw(st.integers(1, 25))
    weights = draw(st.lists(st.floats(1e-3, 1e4), min_size=n, max_size=n))
    lower = draw(st.lists(st.one_of(st.none(), st.floats(0, 1e4)), min_size=n, max_size=n))
    gaps = draw(st.lists(st.one_of(st.none(), st.floats(-5, 1e4)), min_size=n, max_size=n))
    upper = [None if g is None else (lo or 0) + g for lo, g in zip(lower, gaps, strict=True)]
    lo = np.array([0 if x is None else math.ceil(round(x, 6)) for x in lower])
    hi = np.array([np.inf if x is None else math.floor(round(x, 6)) for x in upper])
    if feasible is None:
        total = draw(st.integers(0, 3 * 10**5))
    elif feasible:
        assume((lo <= hi).all())
        top = int(min(hi.sum(), lo.sum() + 10**6))
        total = draw(st.integers(int(lo.sum()), top))
    else:
        total = draw(
            st.integers(0, int(lo.sum()) - 1)
            if lo.sum() > 0 and draw(st.booleans())
            else st.integers(int(min(hi.sum(), 10**7)) + 1, 10**7 + 1)
        )
        assume(total > hi.sum() or total < lo.sum() or (lo > hi).any())
    as_array = (
        [np.nan if x is None else x for x in lower],
        [np.nan if x is None else x for x in upper],
    )
    return pd.Series(weights), total, *as_array, lo, hi


def _feasible(total, lo, hi) -> bool:
    return bool((lo <= hi).all() and lo.sum() <= total <= hi.sum())


@FAST
@given(capped_problems(feasible=None))
def test_caps_respected_or_error(problem):
    weights, total, lower, upper, lo, hi = problem
    if _feasible(total, lo, hi):
        result = allocate(total, weights, lower, upper)
        got = result["target"].to_numpy()
        assert got.sum() == total
        assert (got >= lo).all() and (got <= hi).all()
    else:
        with pytest.raises(AllocationError):
            allocate(total, weights, lower, upper)


@FAST
@given(capped_problems(feasible=True))
def test_feasible_caps_are_respected(problem):
    weights, total, lower, upper, lo, hi = problem
    result = allocate(total, weights, lower, upper)
    got = result["target"].to_numpy()
    assert got.sum() == total
    assert (got >= lo).all() and (got <= hi).all()
    # a store below its cap is never a "max" store and vice versa
    assert (got[result["bound"].to_numpy() == "max"] == hi[result["bound"].to_numpy() == "max"]).all()
    assert (got[result["bound"].to_numpy() == "min"] == lo[result["bound"].to_numpy() == "min"]).all()


@FAST
@given(capped_problems(feasible=False))
def test_infeasible_caps_raise(problem):
    weights, total, lower, upper, _, _ = problem
    with pytest.raises(AllocationError):
        allocate(total, weights, lower, upper, label="KPI K1")


@FAST
@given(st.lists(st.floats(0, 1e7), min_size=1, max_size=60), st.integers(0, 10**8))
def test_largest_remainder_unbounded(values, total):
    got = largest_remainder(values, total)
    v = np.array(values)
    ideal = v / v.sum() * total if v.sum() > 0 else np.full(len(v), total / len(v))
    assert got.dtype.kind == "i"
    assert got.sum() == total
    assert (np.abs(got - ideal) < 1 + 1e-6).all()


@FAST
@given(st.data())
def test_largest_remainder_bounded(data):
    n = data.draw(st.integers(1, 40))
    values = data.draw(st.lists(st.floats(0, 1e5), min_size=n, max_size=n))
    lower = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)))
    upper = lower + np.array(data.draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)))
    total = data.draw(st.integers(int(lower.sum()), int(upper.sum())))
    got = largest_remainder(values, total, lower, upper)
    assert got.sum() == total
    assert (got >= lower).all() and (got <= upper).all()
    with pytest.raises(AllocationError):
        largest_remainder(values, int(upper.sum()) + 1, lower, upper)


@FAST
@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=30),
    st.lists(st.floats(0, 100), min_size=1, max_size=60).filter(lambda s: sum(s) > 0),
)
def test_week_targets_sum_to_store_target(store_targets, season):
    series = pd.Series(store_targets, index=[f"S{i}" for i in range(len(store_targets))])
    weeks = week_targets(series, season)
    assert weeks.shape == (len(store_targets), len(season))
    assert list(weeks.columns) == list(range(len(season)))
    assert (weeks.to_numpy() >= 0).all()
    assert (weeks.sum(axis=1) == series).all()
    assert (weeks.to_numpy()[:, np.array(season) == 0] == 0).all()


def test_week_targets_need_season_weight():
    with pytest.raises(AllocationError):
        week_targets(pd.Series([5]), [0, 0])

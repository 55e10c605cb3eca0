"""The metric engine on a hand-worked account: every figure below was computed on paper."""

from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kam_xl.errors import KamError
from kam_xl.metrics.flags import flags
from kam_xl.metrics.measures import (
    Targets,
    attainment,
    growth,
    quadrant,
    rag,
    relationship_level,
    roi,
    run_rate,
    score,
    share,
    store_metrics,
)
from kam_xl.metrics.rollup import next_period, rollup, store_ranks
from kam_xl.model.entries import build_entries
from kam_xl.model.plan import Account, Evidence, Kpi, Plan, Program, Store, Week

BLANK = None  # an expected blank: NaN for numbers, None for labels
STORES = ("S1", "S2", "S3", "S4", "S5", "S6")

# ---------------------------------------------------------------------------
# The account: 6 stores, 4 weeks (season 1, 1, 2, 1: Σ = 5), 7 KPIs, 2 programs
# ---------------------------------------------------------------------------

WEEKS = (
    Week("W1", date(2026, 1, 5), date(2026, 1, 11), "2026-01", 1.0),
    Week("W2", date(2026, 1, 12), date(2026, 1, 18), "2026-01", 1.0),
    Week("W3", date(2026, 1, 19), date(2026, 1, 25), "2026-01", 2.0),
    Week("W4", date(2026, 1, 26), date(2026, 2, 1), "2026-02", 1.0),
)


def kpi(kid, measure, weight, cap, amber, group, tiers=(), min_growth=None, max_growth=None) -> Kpi:
    kind = "sum" if measure in ("units", "value") else "rate"
    return Kpi(
        kid,
        kid,
        "",
        kind,
        measure,
        "higher",
        1.0 if kind == "sum" else None,
        tiers,
        "baseline" if kind == "sum" else None,
        min_growth,
        max_growth,
        weight,
        cap,
        1.0,
        amber,
        group,
    )


KPIS = (
    kpi("K1", "units", 0.30, 1.2, 0.90, "result", min_growth=-0.05, max_growth=0.40),
    kpi("K2", "value", 0.20, 1.2, 0.90, "result"),
    kpi("K3", "share", 0.15, 1.2, 0.95, "result", (("A", 0.30), ("B", 0.25))),
    kpi("K4", "display", 0.10, 1.1, 0.90, "execution", (("A", 1.0), ("B", 0.9))),
    kpi("K5", "promoter", 0.10, 1.1, 0.90, "execution", (("A", 1.0), ("B", 0.9))),
    kpi("K6", "programs", 0.10, 1.1, 0.90, "execution", (("A", 1.0), ("B", 1.0))),
    kpi("K7", "actions", 0.05, 1.1, 0.90, "execution", (("A", 0.8), ("B", 0.8))),
)


def store(sid, tier, sr, region, units, value, category) -> Store:
    return Store(
        sid,
        f"Store {sid}",
        "City",
        region,
        "t1",
        tier,
        "mall",
        sr,
        f"Rep {sr}",
        "",
        "",
        "",
        units,
        value,
        category,
        None,
        True,
    )


PLAN = Plan(
    language="en",
    account=Account(
        "Test account",
        "Aurora",
        date(2026, 1, 5),
        date(2026, 2, 1),
        "CNY",
        "Kam",
        "k@x.com",
        (),
        margin_per_unit=10.0,
        retailer_margin=0.1,
        relationship_now="supplier",
        relationship_target="partner",
    ),
    evidence=(),
    needs=(),
    kpis=KPIS,
    programs=(
        Program(
            "P1",
            "Launch",
            "launch",
            date(2026, 1, 5),
            date(2026, 1, 18),
            (),
            (),
            (),
            100.0,
            0.1,
            "",
            "K1",
            "",
        ),
        Program(
            "P2",
            "Display",
            "display",
            date(2026, 1, 19),
            date(2026, 2, 1),
            (),
            (),
            (),
            50.0,
            0.1,
            "",
            "K4",
            "",
        ),
    ),
    competitors=(),
    stores=(  # weekly baseline units, value, category units
        store("S1", "A", "SR1", "North", 10, 1000, 50),
        store("S2", "B", "SR1", "North", 5, 400, 25),
        store("S3", "B", "SR1", "North", 8, 800, 40),
        store("S4", "A", "SR2", "South", 20, 2000, 80),
        store("S5", "B", "SR2", "South", 4, 300, 20),
        store("S6", "B", "SR2", "South", 6, 600, 30),
    ),
    weeks=WEEKS,
)

# Full-period targets and week targets (season split 1:1:2:1) written by hand.
UNITS_WEEKS = {
    "S1": (10, 10, 20, 10),
    "S2": (5, 5, 10, 5),
    "S3": (8, 8, 16, 8),
    "S4": (20, 20, 40, 20),
    "S5": (4, 4, 8, 4),
    "S6": (6, 6, 12, 6),
}
VALUE_WEEKS = {
    "S1": (1000, 1000, 2000, 1000),
    "S2": (400, 400, 800, 400),
    "S3": (800, 800, 1600, 800),
    "S4": (2000, 2000, 4000, 2000),
    "S5": (0, 0, 0, 0),
    "S6": (600, 600, 1200, 600),
}  # S5: zero target
TIER = {"S1": "A", "S2": "B", "S3": "B", "S4": "A", "S5": "B", "S6": "B"}


def hand_targets() -> Targets:
    weekly = {
        k: pd.DataFrame.from_dict(v, orient="index", columns=[w.id for w in WEEKS]).astype(float)
        for k, v in (("K1", UNITS_WEEKS), ("K2", VALUE_WEEKS))
    }
    full = pd.DataFrame({"K1": weekly["K1"].sum(axis=1), "K2": weekly["K2"].sum(axis=1)})
    for k in KPIS[2:]:
        full[k.id] = [k.tier_target(TIER[s]) for s in full.index]
    return Targets(full=full, weekly=weekly)


TARGETS = hand_targets()

Y, N = True, False
LOG = {  # store -> week -> inputs (absent = blank)
    "S1": {
        "W1": dict(
            units=12,
            value=1200,
            category=40,
            competitor=10,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
        ),
        "W2": dict(
            units=12,
            value=1200,
            category=40,
            competitor=10,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
        ),
        "W3": dict(
            units=30,
            value=3000,
            category=80,
            competitor=20,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
        ),
        "W4": dict(
            units=12,
            value=1200,
            category=40,
            competitor=10,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
            stock=200,
        ),
    },
    "S2": {  # W2 has no units (missing, not zero) but value and category; W3 no value; W4 no category
        "W1": dict(
            units=4,
            value=320,
            category=20,
            competitor=6,
            display=N,
            promoter_present=1,
            promoter_planned=2,
        ),
        "W2": dict(value=300, category=20),
        "W3": dict(units=8, category=30, competitor=9, display=Y, promoter_planned=2, stock=2),
        "W4": dict(units=6, value=500, display=Y, promoter_present=2, promoter_planned=2),
    },
    "S3": {
        w: dict(units=u, value=u * 100, category=c, competitor=c // 5, display=Y)
        for w, u, c in (("W1", 6, 40), ("W2", 6, 40), ("W3", 12, 80), ("W4", 6, 40))
    },
    "S4": {  # nothing in W4
        "W1": dict(
            units=20,
            value=2000,
            category=80,
            competitor=20,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
            stock=40,
        ),
        "W2": dict(
            units=20,
            value=2000,
            category=80,
            competitor=20,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
            stock=40,
        ),
        "W3": dict(
            units=40,
            value=4000,
            category=160,
            competitor=40,
            display=Y,
            promoter_present=2,
            promoter_planned=2,
            stock=40,
        ),
    },
    "S5": {
        "W1": dict(
            units=5,
            value=400,
            category=20,
            competitor=4,
            display=N,
            promoter_present=0,
            promoter_planned=2,
        ),
        "W2": dict(
            units=5,
            value=400,
            category=20,
            competitor=4,
            display=N,
            promoter_present=0,
            promoter_planned=2,
        ),
        "W3": dict(
            units=10,
            value=800,
            category=40,
            competitor=8,
            display=N,
            promoter_present=1,
            promoter_planned=2,
        ),
        "W4": dict(
            units=5,
            value=400,
            category=20,
            competitor=4,
            display=Y,
            promoter_present=1,
            promoter_planned=2,
        ),
    },
    "S6": {},  # no entries at all
}
PROGRAM_INPUTS = {
    "S1": {"P1": dict(status="done", cost=150.0), "P2": dict(status="done")},
    "S2": {
        "P1": dict(status="dropped", note="Store refused the launch table"),
        "P2": dict(status="dropped"),
    },
    "S3": {"P1": dict(status="done"), "P2": dict(status="agreed")},
    "S4": {"P1": dict(status="done", cost=300.0), "P2": dict(status="planned")},
}
ACTION_INPUTS = {
    "S1": [dict(text="Fix price tags", due=date(2026, 1, 14), status="done")],
    "S2": [
        dict(text="Move shelf", due=date(2026, 1, 14), status="done"),
        dict(text="Train staff", due=date(2026, 1, 20), status="open"),
        dict(text="Poster", due=date(2026, 3, 1), status="done"),  # due after the as-of date
        dict(due=date(2026, 1, 10), status="open"),  # no action text
        dict(text="Old idea", due=date(2026, 1, 10), status="dropped"),
    ],
    "S4": [
        dict(text="Endcap", due=date(2026, 1, 24), status="done"),
        dict(text="Demo day", due=date(2026, 1, 28), status="done"),
    ],  # after S4's as-of date 01-25
}


def hand_values() -> dict[str, dict]:
    """Each store's typed inputs by field key (what the store tabs hold)."""
    per_store = {}
    for sid in STORES:
        values = {("week", w, f): v for w, fields in LOG[sid].items() for f, v in fields.items()}
        for pid, fields in PROGRAM_INPUTS.get(sid, {}).items():
            values.update({("program", pid, f): v for f, v in fields.items()})
        for row, fields in enumerate(ACTION_INPUTS.get(sid, []), start=1):
            values.update({("action", row, f): v for f, v in fields.items()})
        per_store[sid] = values
    return per_store


def hand_entries():
    return build_entries(hand_values(), [w.id for w in WEEKS], {s: ("P1", "P2") for s in STORES}, action_rows=5)


ENTRIES = hand_entries()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return store_metrics(PLAN, TARGETS, ENTRIES)


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def expect(frame: pd.DataFrame, column: str, expected: dict) -> None:
    """Each row's value of `column` equals the hand-computed one (BLANK = NaN / None)."""
    for key, want in expected.items():
        got = frame.at[key, column]
        if want is BLANK:
            assert blank(got), f"{column}[{key}] = {got!r}, expected blank"
        elif isinstance(want, (str, date)):
            assert got == want, f"{column}[{key}] = {got!r}, expected {want!r}"
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), f"{column}[{key}] = {got!r}, expected {want!r}"


# ---------------------------------------------------------------------------
# Data week (A = 4: the last week with anything entered)
# ---------------------------------------------------------------------------


def test_one_row_per_store_in_entry_order(table):
    assert list(table.index) == list(STORES)


def test_data_week(table):
    expect(table, "data_week", {"S1": 4, "S2": 4, "S3": 4, "S4": 3, "S5": 4, "S6": 0})
    expect(table, "data_week_id", {"S1": "W4", "S4": "W3", "S6": BLANK})


def test_as_of_date(table):
    expect(table, "as_of_date", {"S1": date(2026, 2, 1), "S4": date(2026, 1, 25), "S6": BLANK})


def test_weeks_entered_and_missing(table):
    expect(table, "weeks_entered", {"S1": 4, "S2": 3, "S3": 4, "S4": 3, "S5": 4, "S6": 0})  # S2: W2 blank
    expect(table, "weeks_missing", {"S1": 0, "S2": 1, "S3": 0, "S4": 1, "S5": 0, "S6": 4})


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


def test_units_actual_and_target_to_date(table):
    # S1 12+12+30+12; S2 4+8+6 (W2 blank); S4 20+20+40; S6 nothing entered: empty sums
    expect(table, "units_actual", {"S1": 66, "S2": 18, "S3": 30, "S4": 80, "S5": 25, "S6": 0})
    # week targets of the weeks with units: S2 5+10+5 (not W2); S4 20+20+40 (not W4)
    expect(table, "units_target_to_date", {"S1": 50, "S2": 20, "S3": 40, "S4": 80, "S5": 20, "S6": 0})


def test_value_actual_and_target_to_date(table):
    # S2: W1 320 + W2 300 + W4 500 (W2 counts: value entered, week <= A)
    expect(table, "value_actual", {"S1": 6600, "S2": 1120, "S3": 3000, "S4": 8000, "S5": 2000, "S6": 0})
    expect(
        table,
        "value_target_to_date",
        {"S1": 5000, "S2": 1200, "S3": 4000, "S4": 8000, "S5": 0, "S6": 0},
    )


def test_sum_kpi_attainment(table):
    # 66/50, 18/20, 30/40, 80/80, 25/20; S6 0/0 blank
    expect(
        table,
        "K1_attainment",
        {"S1": 1.32, "S2": 0.9, "S3": 0.75, "S4": 1.0, "S5": 1.25, "S6": BLANK},
    )
    # 6600/5000, 1120/1200, 3000/4000, 8000/8000; S5 target 0 -> blank (not an error)
    expect(
        table,
        "K2_attainment",
        {"S1": 1.32, "S2": 0.9333333333333333, "S3": 0.75, "S4": 1.0, "S5": BLANK, "S6": BLANK},
    )


def test_sum_kpi_targets_and_actuals(table):
    expect(table, "K1_target", {"S1": 50, "S5": 20, "S6": 30})
    expect(table, "K1_target_to_date", {"S2": 20, "S6": 0})
    expect(table, "K2_actual", {"S2": 1120, "S6": 0})


def test_capped_attainment(table):
    # min(1.32, 1.2), min(0.9, 1.2), min(1.25, 1.2)
    expect(table, "K1_capped", {"S1": 1.2, "S2": 0.9, "S5": 1.2, "S6": BLANK})
    # K4 cap 1.1: S3 display 1.0 / tier B 0.9 = 1.111 -> 1.1
    expect(table, "K4_capped", {"S3": 1.1})


def test_kpi_rag(table):
    expect(
        table,
        "K1_rag",
        {"S1": "green", "S2": "amber", "S3": "red", "S4": "green", "S5": "green", "S6": BLANK},
    )
    expect(table, "K2_rag", {"S2": "amber", "S5": BLANK})  # 0.933 >= 0.9; blank attainment
    expect(table, "K3_rag", {"S2": "amber", "S4": "red"})  # 0.96 >= 0.95; 0.833 < 0.95


def test_forecast(table):
    # units × Σseason(all)=5 / Σseason(E_units): S2 18×5/(1+2+1); S4 80×5/(1+1+2); S6 0/0 blank
    expect(table, "units_forecast", {"S1": 66, "S2": 22.5, "S3": 30, "S4": 100, "S5": 25, "S6": BLANK})
    # S2 1120×5/(1+1+1)
    expect(
        table,
        "value_forecast",
        {"S1": 6600, "S2": 1866.6666666666667, "S4": 10000, "S5": 2000, "S6": BLANK},
    )


def test_forecast_vs_target(table):
    # 66/50, 22.5/25, 30/40, 100/100, 25/20
    expect(
        table,
        "units_forecast_vs_target",
        {"S1": 1.32, "S2": 0.9, "S3": 0.75, "S4": 1.0, "S5": 1.25, "S6": BLANK},
    )
    # 1866.67/2000; S5 target 0 -> blank
    expect(table, "value_forecast_vs_target", {"S2": 0.9333333333333333, "S5": BLANK})


def test_growth(table):
    # units / (weekly baseline × |E|) − 1: 66/40, 18/15, 30/32, 80/60, 25/16; S6 0/0 blank
    expect(
        table,
        "growth_units",
        {"S1": 0.65, "S2": 0.2, "S3": -0.0625, "S4": 0.3333333333333333, "S5": 0.5625, "S6": BLANK},
    )
    # 6600/4000, 1120/1200, 2000/1200
    expect(table, "growth_value", {"S1": 0.65, "S2": -0.06666666666666667, "S5": 0.6666666666666667})


def test_share(table):
    # weeks with units and category: S2 W1 4/20 + W3 8/30 -> 12/50 (W2 no units, W4 no category)
    expect(table, "share", {"S1": 0.33, "S2": 0.24, "S3": 0.15, "S4": 0.25, "S5": 0.25, "S6": BLANK})
    expect(table, "share_units", {"S2": 12, "S6": 0})
    expect(table, "share_category", {"S2": 50, "S6": 0})


def test_baseline_share_and_change(table):
    # weekly baseline units / category: 10/50, 20/80
    expect(table, "baseline_share", {"S1": 0.2, "S4": 0.25, "S6": 0.2})
    expect(
        table,
        "share_change",
        {"S1": 0.13, "S2": 0.04, "S3": -0.05, "S4": 0.0, "S5": 0.05, "S6": BLANK},
    )


def test_competitor_share_and_gap(table):
    # S2: W1 6/20 + W3 9/30 = 15/50 (W2 has category but no competitor)
    expect(
        table,
        "competitor_share",
        {"S1": 0.25, "S2": 0.3, "S3": 0.2, "S4": 0.25, "S5": 0.2, "S6": BLANK},
    )
    expect(
        table,
        "share_gap_vs_competitor",
        {"S1": 0.08, "S2": -0.06, "S3": -0.05, "S4": 0.0, "S6": BLANK},
    )


def test_rate_kpi_attainment(table):
    # share / tier target: 0.33/0.30, 0.24/0.25, 0.15/0.25, 0.25/0.30, 0.25/0.25
    expect(
        table,
        "K3_attainment",
        {"S1": 1.1, "S2": 0.96, "S3": 0.6, "S4": 0.8333333333333334, "S5": 1.0, "S6": BLANK},
    )
    expect(table, "K3_target", {"S1": 0.30, "S2": 0.25})


# ---------------------------------------------------------------------------
# Execution
# ---------------------------------------------------------------------------


def test_display_compliance(table):
    # S2: N, Y, Y -> 2/3; S5: N, N, N, Y -> 1/4
    expect(
        table,
        "display_compliance",
        {"S1": 1.0, "S2": 0.6666666666666666, "S3": 1.0, "S4": 1.0, "S5": 0.25, "S6": BLANK},
    )
    # 2/3 / 0.9; 0.25 / 0.9
    expect(table, "K4_attainment", {"S2": 0.7407407407407407, "S5": 0.2777777777777778})


def test_promoter_attendance(table):
    # S2: weeks with days planned W1, W3, W4: present 1 + blank(0) + 2 = 3 / 6; S3 nothing planned
    expect(
        table,
        "promoter_attendance",
        {"S1": 1.0, "S2": 0.5, "S3": BLANK, "S4": 1.0, "S5": 0.25, "S6": BLANK},
    )
    expect(table, "K5_attainment", {"S2": 0.5555555555555556, "S3": BLANK})  # 0.5 / 0.9


def test_program_execution(table):
    # S2: P1 Dropped with a note -> not applicable; P2 Dropped without a note -> applicable, not done: 0/1
    # S4 (as of 01-25): P1 Done, P2 started 01-19 and Planned: 1/2; S5 statuses blank: 0/2; S6 no as-of date
    expect(
        table,
        "program_execution",
        {"S1": 1.0, "S2": 0.0, "S3": 0.5, "S4": 0.5, "S5": 0.0, "S6": BLANK},
    )
    expect(table, "programs_applicable", {"S1": 2, "S2": 1, "S3": 2, "S4": 2, "S5": 2, "S6": 0})
    expect(table, "programs_done", {"S1": 2, "S2": 0, "S3": 1, "S4": 1, "S5": 0, "S6": 0})


def test_action_completion(table):
    # S2: due = "Move shelf" (Done) + "Train staff" (Open); "Poster" due after 02-01, the untitled row and the
    # Dropped one are not due -> 1/2. S4 (as of 01-25): only "Endcap" is due, Done -> 1/1.
    expect(
        table,
        "action_completion",
        {"S1": 1.0, "S2": 0.5, "S3": BLANK, "S4": 1.0, "S5": BLANK, "S6": BLANK},
    )
    expect(table, "actions_due", {"S2": 2, "S4": 1, "S6": 0})
    expect(table, "actions_done", {"S2": 1, "S4": 1})


def test_execution_score(table):
    # Σ w·rate / Σ w over execution KPIs with a rate (display, promoter, programs 0.1 each, actions 0.05)
    expect(
        table,
        "execution_score",
        {
            "S1": 1.0,
            "S2": 0.40476190476190477,  # (0.1×2/3 + 0.1×0.5 + 0.1×0 + 0.05×0.5) / 0.35
            "S3": 0.75,  # (0.1×1 + 0.1×0.5) / 0.2 (no promoter days, no actions due)
            "S4": 0.8571428571428572,  # (0.1 + 0.1 + 0.1×0.5 + 0.05×1) / 0.35
            "S5": 0.16666666666666669,  # (0.1×0.25 + 0.1×0.25 + 0.1×0) / 0.3
            "S6": BLANK,
        },
    )


# ---------------------------------------------------------------------------
# Input vs output
# ---------------------------------------------------------------------------


def test_investment(table):
    # S1: P1 actual 150 + P2 Done without cost -> plan 50; S3 P1 plan 100; S4 P1 actual 300; Dropped costs nothing
    expect(table, "investment", {"S1": 200, "S2": 0, "S3": 100, "S4": 300, "S5": 0, "S6": 0})


def test_incremental_units_and_margin(table):
    # units − baseline × |E|: 66−40, 18−15, 30−32, 80−60, 25−16; S6 no units entered -> blank
    expect(table, "incremental_units", {"S1": 26, "S2": 3, "S3": -2, "S4": 20, "S5": 9, "S6": BLANK})
    expect(
        table,
        "incremental_margin",
        {"S1": 260, "S2": 30, "S3": -20, "S4": 200, "S5": 90, "S6": BLANK},
    )


def test_roi(table):
    # (260−200)/200, (−20−100)/100, (200−300)/300; zero investment -> blank
    expect(
        table,
        "roi",
        {"S1": 0.3, "S2": BLANK, "S3": -1.2, "S4": -0.3333333333333333, "S5": BLANK, "S6": BLANK},
    )


def test_retailer_gain(table):
    # (value − baseline value × |E_value|) × 10%: (6600−4000), (1120−1200), (3000−3200), (8000−6000), (2000−1200)
    expect(table, "retailer_gain", {"S1": 260, "S2": -8, "S3": -20, "S4": 200, "S5": 80, "S6": BLANK})


# ---------------------------------------------------------------------------
# Score and diagnosis
# ---------------------------------------------------------------------------


def test_score_with_cap(table):
    expect(
        table,
        "score",
        {
            # 0.3×1.2 (1.32 capped) + 0.2×1.2 + 0.15×1.1 + 0.1×1 + 0.1×1 + 0.1×1 + 0.05×1.1 (1.25 capped) = 1.12
            "S1": 112.0,
            # 0.3×0.9 + 0.2×0.9333 + 0.15×0.96 + 0.1×0.7407 + 0.1×0.5556 + 0.1×0 + 0.05×0.625
            "S2": 76.15462962962964,
            # (0.3×0.75 + 0.2×0.75 + 0.15×0.6 + 0.1×1.1 + 0.1×0.5) / 0.85 (no promoter, no actions) = 0.625/0.85
            "S3": 73.52941176470588,
            # 0.3×1 + 0.2×1 + 0.15×0.8333 + 0.1×1 + 0.1×1 + 0.1×0.5 + 0.05×1.1 = 0.93
            "S4": 93.0,
            # (0.3×1.2 + 0.15×1 + 0.1×0.2778 + 0.1×0.2778 + 0.1×0) / 0.75 (value blank, no actions)
            "S5": 75.40740740740742,
            "S6": BLANK,
        },
    )


def test_score_rag(table):
    expect(
        table,
        "score_rag",
        {"S1": "green", "S2": "red", "S3": "red", "S4": "amber", "S5": "red", "S6": BLANK},
    )


def test_result_attainment(table):
    expect(
        table,
        "result_attainment",
        {
            "S1": 1.176923076923077,  # (0.3×1.2 + 0.2×1.2 + 0.15×1.1) / 0.65
            "S2": 0.9241025641025641,  # (0.3×0.9 + 0.2×0.9333 + 0.15×0.96) / 0.65
            "S3": 0.7153846153846154,  # (0.225 + 0.15 + 0.09) / 0.65
            "S4": 0.9615384615384615,  # (0.3 + 0.2 + 0.125) / 0.65
            "S5": 1.1333333333333333,  # (0.3×1.2 + 0.15×1) / 0.45 (value blank)
            "S6": BLANK,
        },
    )


def test_quadrant(table):
    # S1 exec 1.0, result 1.18; S2 0.40/0.92; S3 0.75/0.72; S4 0.857/0.96; S5 0.167/1.13
    expect(
        table,
        "quadrant",
        {
            "S1": "star",
            "S2": "execution_gap",
            "S3": "execution_gap",
            "S4": "plan_issue",
            "S5": "untapped",
            "S6": BLANK,
        },
    )


def test_label_blanks_are_none(table):
    assert table.at["S6", "quadrant"] is None
    assert table.at["S6", "K1_rag"] is None
    assert table.at["S6", "data_week_id"] is None


# ---------------------------------------------------------------------------
# As of an earlier week (A = 2)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def early() -> pd.DataFrame:
    return store_metrics(PLAN, TARGETS, ENTRIES, as_of=2)


def test_as_of_earlier_data_week(early):
    # S2 has no units in W2, so its data week is W1
    expect(early, "data_week", {"S1": 2, "S2": 1, "S4": 2, "S6": 0})
    expect(early, "as_of_date", {"S2": date(2026, 1, 11)})
    expect(early, "weeks_missing", {"S1": 0, "S2": 1, "S6": 2})


def test_as_of_earlier_to_date_figures(early):
    expect(early, "units_actual", {"S1": 24, "S2": 4, "S4": 40})  # 12+12, 4, 20+20
    expect(early, "K1_attainment", {"S1": 1.2, "S2": 0.8, "S4": 1.0})  # 24/20, 4/5, 40/40
    expect(early, "value_actual", {"S2": 620})  # W1 320 + W2 300: value weeks ≤ A
    expect(early, "units_forecast", {"S4": 100})  # 40 × 5 / 2


def test_as_of_earlier_programs_and_actions(early):
    # as of 01-18 P2 (starts 01-19) is not yet applicable; S2 as of 01-11: only P1, dropped with a note
    expect(early, "program_execution", {"S1": 1.0, "S2": BLANK})
    # S2 as of 01-11: "Move shelf" is due 01-14, not yet due
    expect(early, "action_completion", {"S1": 1.0, "S2": BLANK})


def test_as_of_out_of_range():
    with pytest.raises(KamError):
        store_metrics(PLAN, TARGETS, ENTRIES, as_of=5)


# ---------------------------------------------------------------------------
# Roll-ups
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_sr(table) -> pd.DataFrame:
    return rollup(table, PLAN, "sr_id")


def test_rollup_rows(by_sr):
    assert list(by_sr.index) == ["SR1", "SR2"]
    expect(by_sr, "stores", {"SR1": 3, "SR2": 3})


def test_rollup_sums(by_sr):
    expect(by_sr, "units_actual", {"SR1": 114, "SR2": 105})  # 66+18+30, 80+25+0
    expect(by_sr, "units_target_to_date", {"SR1": 110, "SR2": 100})  # 50+20+40, 80+20+0
    expect(by_sr, "investment", {"SR1": 300, "SR2": 300})
    expect(by_sr, "incremental_units", {"SR1": 27, "SR2": 29})  # 26+3−2, 20+9 (S6 blank)
    expect(by_sr, "retailer_gain", {"SR1": 232, "SR2": 280})  # 260−8−20, 200+80
    expect(by_sr, "weeks_missing", {"SR1": 1, "SR2": 5})


def test_rollup_sum_kpi_attainment(by_sr):
    expect(by_sr, "K1_attainment", {"SR1": 1.0363636363636364, "SR2": 1.05})  # 114/110, 105/100
    # (6600+1120+3000)/(5000+1200+4000); SR2 (8000+2000+0)/(8000+0+0) -> 1.25, capped 1.2
    expect(by_sr, "K2_attainment", {"SR1": 1.0509803921568628, "SR2": 1.25})
    expect(by_sr, "K2_capped", {"SR2": 1.2})
    expect(by_sr, "K1_rag", {"SR1": "green", "SR2": "green"})


def test_rollup_forecast_and_growth(by_sr):
    # SR2: S6 has no forecast, so neither its forecast nor its target counts: (100+25)/(100+20)
    expect(by_sr, "units_forecast_vs_target", {"SR1": 1.0304347826086957, "SR2": 1.0416666666666667})
    expect(by_sr, "value_forecast_vs_target", {"SR2": 1.2})  # (10000+2000)/(10000+0)
    expect(by_sr, "growth_units", {"SR1": 0.31034482758620685, "SR2": 0.381578947368421})  # 114/87, 105/76


def test_rollup_share(by_sr):
    expect(by_sr, "share", {"SR1": 0.24, "SR2": 0.25})  # (66+12+30)/(200+50+200), (80+25)/(320+100)
    expect(by_sr, "baseline_share", {"SR1": 0.2, "SR2": 0.23076923076923078})  # 23/115, 30/130
    expect(by_sr, "competitor_share", {"SR1": 0.23333333333333334})  # (50+15+40)/450
    # target = (0.30×200 + 0.25×50 + 0.25×200)/450; attainment = 108 / 122.5
    expect(by_sr, "K3_target", {"SR1": 0.2722222222222222, "SR2": 0.28809523809523807})  # SR2 121/420
    expect(by_sr, "K3_attainment", {"SR1": 0.8816326530612245, "SR2": 0.8677685950413223})  # 105/121


def test_rollup_execution_rates(by_sr):
    expect(by_sr, "display_compliance", {"SR1": 0.9090909090909091, "SR2": 0.5714285714285714})  # 10/11, 4/7
    expect(by_sr, "K4_attainment", {"SR1": 0.9708737864077669})  # 10 / (1.0×4 + 0.9×3 + 0.9×4)
    expect(by_sr, "promoter_attendance", {"SR1": 0.7857142857142857})  # (8+3+0)/(8+6+0)
    expect(by_sr, "K5_attainment", {"SR1": 0.8208955223880596, "SR2": 0.6060606060606061})  # 11/13.4, 8/13.2
    expect(by_sr, "program_execution", {"SR1": 0.6, "SR2": 0.25})  # 3/5, 1/4
    expect(by_sr, "action_completion", {"SR1": 0.6666666666666666, "SR2": 1.0})  # 2/3, 1/1


def test_rollup_roi(by_sr):
    expect(by_sr, "roi", {"SR1": -0.1, "SR2": -0.03333333333333333})  # (270−300)/300, (290−300)/300


def test_rollup_weighted_scores(by_sr):
    # weights = full-period units targets S1 50, S2 25, S3 40 | S4 100, S5 20 (S6 blank score)
    expect(
        by_sr,
        "execution_score",
        {
            "SR1": 0.7836438923395446,  # (50×1 + 25×0.40476 + 40×0.75)/115
            "SR2": 0.7420634920634921,
        },
    )  # (100×0.85714 + 20×0.16667)/120
    expect(
        by_sr,
        "score",
        {
            "SR1": 90.82645401155631,  # (50×112 + 25×76.1546 + 40×73.5294)/115
            "SR2": 90.0679012345679,
        },
    )  # (100×93 + 20×75.4074)/120
    expect(by_sr, "score_rag", {"SR1": "amber", "SR2": "amber"})
    expect(by_sr, "rank", {"SR1": 1, "SR2": 2})


def test_rollup_result_and_quadrant(by_sr):
    # (0.3×1.03636 + 0.2×1.05098 + 0.15×0.88163)/0.65; SR2 (0.3×1.05 + 0.2×1.2 + 0.15×0.86777)/0.65
    expect(by_sr, "result_attainment", {"SR1": 1.0051539496917647, "SR2": 1.054100445009536})
    expect(by_sr, "quadrant", {"SR1": "untapped", "SR2": "untapped"})


def test_rollup_by_tier(table):
    tiers = rollup(table, PLAN, "store_tier")
    expect(tiers, "K1_attainment", {"A": 1.123076923076923, "B": 0.9125})  # (66+80)/(50+80), 73/80
    expect(
        tiers,
        "score",
        {
            "A": 99.33333333333333,  # (50×112 + 100×93)/150
            "B": 74.74341599384853,
        },
    )  # (25×76.1546 + 40×73.5294 + 20×75.4074)/85


def test_rollup_by_region(table):
    regions = rollup(table, PLAN, "region")
    expect(regions, "units_actual", {"North": 114, "South": 105})


def test_rollup_account(table):
    account = rollup(table, PLAN, "account")
    assert list(account.index) == ["Test account"]
    expect(account, "units_actual", {"Test account": 219})
    expect(account, "K1_attainment", {"Test account": 1.042857142857143})  # 219/210
    expect(account, "K2_attainment", {"Test account": 1.1384615384615384})  # 20720/18200
    expect(account, "share", {"Test account": 0.24482758620689654})  # 213/870
    expect(account, "roi", {"Test account": -0.06666666666666667})  # (560−600)/600
    # (50×112 + 25×76.1546 + 40×73.5294 + 100×93 + 20×75.4074)/235
    expect(account, "score", {"Test account": 90.43910791266862})


def test_rollup_unknown_grouping(table):
    with pytest.raises(ValueError):
        rollup(table, PLAN, "city")


def test_store_ranks(table):
    ranks = store_ranks(table, PLAN)
    # scores: S1 112, S2 76.15, S3 73.53 | S4 93, S5 75.41, S6 blank
    expect(ranks, "rank_in_sr", {"S1": 1, "S2": 2, "S3": 3, "S4": 1, "S5": 2, "S6": BLANK})
    expect(ranks, "rank_in_region", {"S1": 1, "S3": 3, "S4": 1})
    expect(ranks, "rank_in_account", {"S1": 1, "S2": 3, "S3": 5, "S4": 2, "S5": 4, "S6": BLANK})


def test_store_ranks_ties_share_the_best_rank(table):
    tied = table.assign(score=[90.0, 90.0, 80.0, np.nan, 95.0, 90.0])
    expect(
        store_ranks(tied, PLAN),
        "rank_in_account",
        {"S1": 2, "S2": 2, "S6": 2, "S3": 5, "S5": 1, "S4": BLANK},
    )


# ---------------------------------------------------------------------------
# Flags, next period, relationship level
# ---------------------------------------------------------------------------


def test_flags(table):
    found = flags(PLAN, TARGETS, ENTRIES, table)
    assert list(zip(found["store_id"], found["kind"])) == [
        ("S1", "overstock"),  # stock 200 / (66/4) = 12.1 weeks > 8
        ("S2", "stock_out_risk"),  # W3 stock 2 / mean(4, 8) = 0.33 weeks < 1
        ("S2", "stale"),  # W2 without units
        ("S3", "below_amber"),  # 6/8, 6/8, 12/16, 6/8 = 75% < 90% for 4 weeks
        ("S3", "roi_negative"),  # −1.2
        ("S4", "stale"),  # W4 without units
        ("S4", "roi_negative"),  # −0.33
        ("S5", "program_overdue"),  # P1 ended 01-18 < 02-01, status blank
        ("S6", "stale"),  # 4 weeks
        ("S6", "program_overdue"),
    ]
    detail = dict(zip(zip(found["store_id"], found["kind"]), found["detail"]))
    assert detail[("S1", "overstock")]["weeks_of_cover"] == pytest.approx(200 / 16.5)
    assert detail[("S3", "below_amber")]["weeks"] == 4
    assert detail[("S6", "stale")] == {"weeks": 4, "latest_week": "W4"}
    assert detail[("S5", "program_overdue")]["program_id"] == "P1"
    assert set(found["sr_id"]) == {"SR1", "SR2"}
    assert found["suggested_action_key"].notna().all()
    assert "75%" in found.loc[found["kind"] == "below_amber", "evidence"].iloc[0]


def test_flags_as_of_earlier(early):
    found = flags(PLAN, TARGETS, ENTRIES, early, as_of=2)
    # A = 2: P1 ends 01-18, not before the end of W2; no store has 3 weeks below amber yet; investment
    # counts every Done program: S1 (40−200)/200, S3 (−40−100)/100, S4 (0−300)/300
    assert list(zip(found["store_id"], found["kind"])) == [
        ("S1", "roi_negative"),
        ("S2", "stale"),
        ("S3", "roi_negative"),
        ("S4", "roi_negative"),
        ("S6", "stale"),
    ]
    expect(early, "roi", {"S1": -0.8, "S3": -1.4, "S4": -1.0})


def trend_plan() -> tuple[Plan, Targets]:
    """Nine equal weeks, week target 12 units, for the trend flags."""
    monday = date(2026, 3, 2)
    weeks = tuple(
        Week(
            f"V{i}",
            monday + timedelta(weeks=i - 1),
            monday + timedelta(weeks=i - 1, days=6),
            "2026-03",
            1.0,
        )
        for i in range(1, 10)
    )
    plan = Plan("en", PLAN.account, (), (), KPIS, (), (), PLAN.stores[:3], weeks)
    week_ids = [w.id for w in weeks]
    weekly = pd.DataFrame(12.0, index=["S1", "S2", "S3"], columns=week_ids)
    weekly.loc["S3", "V3"] = 0.0  # a zero week target
    return plan, Targets(pd.DataFrame({"K1": weekly.sum(axis=1)}), {"K1": weekly})


def test_share_falling_and_below_amber_runs():
    plan, targets = trend_plan()
    logs = {
        # units 10×4 = 40 at share 40/160 = 25%, then 11×4 = 44 at 44/200 = 22%: units up, share down
        "S1": {
            **{f"V{i}": dict(units=10, category=40) for i in range(1, 5)},
            **{f"V{i}": dict(units=11, category=50) for i in range(5, 9)},
        },
        # entered V1 10/12 below, V2 12/12 ok, V3 V5 V7 10/12 below (V4, V6 blank): run of 3
        "S2": {
            "V1": dict(units=10),
            "V2": dict(units=12),
            "V3": dict(units=10),
            "V5": dict(units=10),
            "V7": dict(units=10),
        },
        # 5/12 each week, but V3's week target is 0: the run is V4 alone
        "S3": {f"V{i}": dict(units=5) for i in range(1, 5)},
    }
    per_store = {s: {("week", w, f): v for w, row in log.items() for f, v in row.items()} for s, log in logs.items()}
    entries = build_entries(per_store, [w.id for w in plan.weeks], {}, action_rows=0)
    table = store_metrics(plan, targets, entries)
    found = flags(plan, targets, entries, table)
    detail = dict(zip(zip(found["store_id"], found["kind"]), found["detail"]))
    assert detail[("S1", "share_falling")] == pytest.approx(
        {"units_before": 40, "units_last": 44, "share_before": 0.25, "share_last": 0.22}
    )
    assert detail[("S2", "below_amber")]["weeks"] == 3  # blank V4 and V6 do not break the run
    assert ("S1", "below_amber") not in detail  # V5-V8: 11/12 = 91.7% >= 90% ends the run
    assert ("S3", "below_amber") not in detail  # V3's zero target breaks the run: only V4
    assert detail[("S2", "stale")] == {"weeks": 3, "latest_week": "V8"}  # A = V8: V4, V6, V8 blank


def test_next_period(table):
    plan_next = next_period(PLAN, TARGETS, table)
    # K1: ½ forecast + ½ target within baseline×4 × [0.95, 1.40], rounded half up
    expect(
        plan_next,
        "K1_suggested",
        {
            "S1": 56,  # ½×66 + ½×50 = 58 > max 40×1.4 = 56
            "S2": 24,  # ½×22.5 + ½×25 = 23.75 -> 24 (caps 19..28)
            "S3": 35,  # ½×30 + ½×40
            "S4": 100,
            "S5": 22,  # ½×25 + ½×20 = 22.5 > max 16×1.4 = 22.4 -> 22
            "S6": 30,  # no forecast: the current target
        },
    )
    # K2 has no growth caps: ½×6600 + ½×5000, ½×1866.67 + ½×2000 = 1933.33, ½×2000 + ½×0
    expect(plan_next, "K2_suggested", {"S1": 5800, "S2": 1933, "S5": 1000, "S6": 3000})
    expect(plan_next, "K1_current", {"S1": 50})
    # max(0, tier share target − share) × category to date × Σseason(all) / Σseason(share weeks)
    expect(
        plan_next,
        "share_gap_units",
        {
            "S1": 0.0,  # share 0.33 above 0.30
            "S2": 0.8333333333333334,  # (0.25 − 0.24) × 50 × 5/3 (share weeks W1, W3)
            "S3": 20.0,  # (0.25 − 0.15) × 200 × 5/5
            "S4": 20.0,  # (0.30 − 0.25) × 320 × 5/4
            "S6": BLANK,
        },
    )


def test_relationship_level():
    def ev(*items):
        return [Evidence(level, "x", met) for level, met in items]

    assert (
        relationship_level(
            ev(
                ("supplier", True),
                ("supplier", True),
                ("problem_solver", True),
                ("resource", True),
                ("resource", False),
                ("partner", True),
            )
        )
        == "problem_solver"
    )
    assert relationship_level(ev(("supplier", False), ("problem_solver", True))) is None
    # a level with no checklist items is not met, so nothing above it counts
    assert relationship_level(ev(("supplier", True), ("resource", True), ("partner", True))) == "supplier"
    assert (
        relationship_level(ev(*[(lvl, True) for lvl in ("supplier", "problem_solver", "resource", "partner")]))
        == "partner"
    )
    assert relationship_level([]) is None


def test_targets_from_allocation():
    allocation = SimpleNamespace(
        kpis={"K1": pd.DataFrame({"target": [50, 25]}, index=["S1", "S2"])},
        weeks={"K1": pd.DataFrame([[25, 25], [12, 13]], index=["S1", "S2"], columns=["W1", "W2"])},
        rate_targets={"K3": pd.Series([0.3, 0.25], index=["S1", "S2"])},
    )
    targets = Targets.from_allocation(allocation)
    assert targets.full.loc["S2"].tolist() == [25.0, 0.25]
    assert list(targets.full.columns) == ["K1", "K3"]
    assert targets.weekly["K1"].loc["S2", "W2"] == 13.0


# ---------------------------------------------------------------------------
# Scalar helpers (the UDFs): blanks and zeros give None, never an error
# ---------------------------------------------------------------------------


def test_attainment_helper():
    assert attainment(90, 100) == pytest.approx(0.9)
    assert attainment(0, 5) == 0.0
    assert attainment(0.2, 0.25, "lower") == pytest.approx(1.25)  # target / actual
    for args in (
        (None, 100),
        (5, 0),
        (5, None),
        ("", 3),
        (float("nan"), 1),
        (0, 0.25, "lower"),
        ("abc", 1),
    ):
        assert attainment(*args) is None


def test_rag_helper():
    assert rag(1.0) == "green"
    assert rag(0.95) == "amber"
    assert rag(0.9) == "amber"  # the threshold itself is amber
    assert rag(0.8999) == "red"
    assert rag(0.96, green=1.0, amber=0.95) == "amber"
    assert rag(0.94, green=1.0, amber=0.95) == "red"
    assert rag(None) is None
    assert rag(float("nan")) is None


def test_capped_score_helper():
    # (0.3×min(1.32, 1.2) + 0.5×0.5) / 0.8 × 100, the blank attainment left out
    assert score([1.32, None, 0.5], [0.3, 0.2, 0.5], [1.2, 1.2, 1.1]) == pytest.approx(76.25)
    assert score([None, None], [0.5, 0.5], [1, 1]) is None
    assert score([], [], []) is None
    assert score([1.0], [0.0], [1.2]) is None  # weights sum to 0
    assert score([1.5], [1.0], [None]) == pytest.approx(150.0)  # blank cap: no cap


def test_run_rate_helper():
    assert run_rate(18, 5, 4) == pytest.approx(22.5)
    assert run_rate(18, 5, 0) is None
    assert run_rate(None, 5, 4) is None
    assert run_rate(0, 5, 4) == 0.0


def test_growth_helper():
    assert growth(18, 15) == pytest.approx(0.2)
    assert growth(0, 15) == pytest.approx(-1.0)
    assert growth(0, 0) is None
    assert growth(5, None) is None


def test_share_helper():
    assert share(12, 50) == pytest.approx(0.24)
    assert share(1, 0) is None
    assert share(None, 10) is None


def test_roi_helper():
    assert roi(260, 200) == pytest.approx(0.3)
    assert roi(0, 100) == pytest.approx(-1.0)
    assert roi(90, 0) is None  # zero investment
    assert roi(None, 100) is None


def test_quadrant_helper():
    assert quadrant(0.9, 1.0) == "star"
    assert quadrant(0.8, 0.99) == "plan_issue"  # the threshold itself is high execution
    assert quadrant(0.79, 0.5) == "execution_gap"
    assert quadrant(0.5, 1.2) == "untapped"
    assert quadrant(0.85, 1.1, threshold=0.9) == "untapped"
    assert quadrant(None, 1.0) is None
    assert quadrant(0.9, float("nan")) is None

"""The account's one-page numbers of a review: the summary dict and the weekly actual vs target."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kam_xl.metrics.flags import FLAG_KINDS
from kam_xl.metrics.measures import Targets, WeekData, ratios, relationship_level, sum_kpi
from kam_xl.metrics.programs import VERDICTS, roi_rag
from kam_xl.model.plan import RELATIONSHIP_LADDER, Kpi, Plan

QUADRANTS = ("star", "plan_issue", "execution_gap", "untapped")
ACCOUNT_NUMBERS = (
    "score",
    "result_attainment",
    "execution_score",
    "units_actual",
    "units_target_to_date",
    "value_actual",
    "value_target_to_date",
    "units_forecast_vs_target",
    "value_forecast_vs_target",
    "growth_units",
    "growth_value",
    "share",
    "baseline_share",
    "share_change",
    "competitor_share",
    "share_gap_vs_competitor",
    "display_compliance",
    "promoter_attendance",
    "program_execution",
    "action_completion",
    "investment",
    "incremental_units",
    "incremental_margin",
    "roi",
    "retailer_gain",
    "programs_done",
    "programs_applicable",
    "weeks_missing",
)


def number(value) -> float | None:
    """A plain float, or None for a blank."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def account_weeks(plan: Plan, targets: Targets, data: WeekData) -> pd.DataFrame:
    """Per plan week: the account's units target, units sold and the target of the stores that reported."""
    kpi = sum_kpi(plan, "units")
    week_targets = targets.week_targets(kpi.id if kpi else "", data.stores, [w.id for w in plan.weeks])
    entered = data.entered("units")
    shown = data.weeks[0] <= data.review_week
    units = np.where(entered, data.values["units"], 0.0).sum(axis=0)
    reporting = np.where(entered, np.nan_to_num(week_targets), 0.0).sum(axis=0)
    blank = np.full(len(plan.weeks), np.nan)
    return pd.DataFrame(
        {
            "week_id": [w.id for w in plan.weeks],
            "target_units": np.nansum(week_targets, axis=0) if kpi else blank,
            "units": np.where(shown, units, np.nan),
            "reporting_target": np.where(shown & bool(kpi), reporting, np.nan),
            "attainment": np.where(shown, ratios(units, reporting), np.nan),
            "stores_reporting": np.where(shown, entered.sum(axis=0), np.nan),
        },
        index=pd.RangeIndex(1, len(plan.weeks) + 1, name="week"),
    )


def account_summary(plan: Plan, result) -> dict:
    """The account's headline numbers (JSON-able) from a ReviewResult's frames."""
    total = result.rollups["account"].iloc[0]
    stores, acc = result.stores, plan.account
    main = plan.main_competitor
    return {
        "account": acc.name,
        "supplier": acc.supplier,
        "currency": acc.currency,
        "language": plan.language,
        "as_of_week": result.as_of_week,
        "as_of_week_id": result.as_of_week_id,
        "weeks": len(plan.weeks),
        "computed_at": result.computed_at,
        "stores": len(stores),
        "stores_reporting": int((stores["data_week"] == result.as_of_week).sum()) if result.as_of_week else 0,
        "stores_without_data": int((stores["data_week"] == 0).sum()),
        **{name: number(total[name]) for name in ACCOUNT_NUMBERS},
        "score_rag": total["score_rag"],
        "quadrant": total["quadrant"],
        "kpis": [_kpi(kpi, total) for kpi in plan.kpis],
        **_retailer(stores),
        "competitor": main.name if main else None,
        "stores_ahead": int((stores["share_gap_vs_competitor"] > 0).sum()),
        "stores_behind": int((stores["share_gap_vs_competitor"] < 0).sum()),
        "share_gap_units": _total(result.next_period["share_gap_units"]),
        "stores_roi_negative": int((stores["roi"] < 0).sum()),
        **_roi(result),
        "quadrants": {q: int((stores["quadrant"] == q).sum()) for q in QUADRANTS}
        | {"none": int(stores["quadrant"].isna().sum())},
        "relationship": relationship(plan),
        "flags": {kind: int((result.flags["kind"] == kind).sum()) for kind in FLAG_KINDS},
    }


def _roi(result) -> dict:
    """The ROI's RAG (metrics.programs.roi_rag), with the stores and programs that lose money."""
    stores, programs = result.stores, result.programs
    invested = int((stores["investment"] > 0).sum())
    losing = int((stores["roi"] < 0).sum())
    verdicts = programs["verdict"] if len(programs) else pd.Series(dtype=object)
    programs_losing = int(verdicts.isin(["change", "stop"]).sum())
    roi = number(result.rollups["account"].iloc[0]["roi"])
    return {
        "stores_invested": invested,
        "programs_losing": programs_losing,
        "roi_rag": roi_rag(roi, invested, losing, programs_losing),
        "verdicts": {v: int((verdicts == v).sum()) for v in VERDICTS},
    }


def _kpi(kpi: Kpi, total: pd.Series) -> dict:
    forecast = total.get(f"{kpi.measure}_forecast_vs_target") if kpi.is_sum else None
    return {
        "id": kpi.id,
        "name": kpi.name,
        "measure": kpi.measure,
        "group": kpi.group,
        "unit": kpi.unit,
        "weight": kpi.weight,
        "target": number(total.get(f"{kpi.id}_target")),
        "target_to_date": number(total.get(f"{kpi.id}_target_to_date")),
        "actual": number(total[f"{kpi.id}_actual"]),
        "attainment": number(total[f"{kpi.id}_attainment"]),
        "rag": total[f"{kpi.id}_rag"],
        "forecast_vs_target": number(forecast),
    }


def _retailer(stores: pd.DataFrame) -> dict:
    """The retailer's view: incremental value, how many stores gain and the gain per store with data."""
    with_value = stores["value_weeks_entered"] > 0
    incremental = (stores["value_actual"] - stores["baseline_value_to_date"])[with_value]
    gains = stores["retailer_gain"].dropna()
    return {
        "incremental_value": _total(incremental),
        "stores_with_gain": int((gains > 0).sum()),
        "gain_per_store": number(gains.mean()) if len(gains) else None,
    }


def _total(values: pd.Series) -> float | None:
    known = values.dropna()
    return float(known.sum()) if len(known) else None


def relationship(plan: Plan) -> dict:
    """Level stated in the plan, level the evidence supports, target, steps to go, evidence still missing."""
    level = relationship_level(plan.evidence)
    reached = RELATIONSHIP_LADDER.index(level) if level else -1
    target = plan.account.relationship_target
    steps = RELATIONSHIP_LADDER.index(target) - reached if target in RELATIONSHIP_LADDER else None
    following = RELATIONSHIP_LADDER[reached + 1] if reached + 1 < len(RELATIONSHIP_LADDER) else None
    missing = [item.evidence for item in plan.evidence if item.level == following and not item.met]
    return {
        "stated": plan.account.relationship_now or None,
        "evidence": level,
        "target": target or None,
        "steps": steps,
        "next_level": following,
        "missing": missing,
    }

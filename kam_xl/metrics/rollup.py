"""Roll-ups of the store table (SR, region, tier, account), store ranks and next-period targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.metrics.measures import (
    RATE_PARTS,
    RATIOS,
    Targets,
    attainments,
    column_order,
    kpi_result,
    labelled_frame,
    ratios,
    score_columns,
    store_info,
)
from kam_xl.model.plan import Plan

GROUPINGS = ("sr_id", "region", "store_tier", "account")
SUMS = (
    "weeks_entered",
    "weeks_missing",
    "units_actual",
    "units_target_to_date",
    "units_target",
    "value_actual",
    "value_target_to_date",
    "value_target",
    "units_forecast",
    "value_forecast",
    "baseline_units_to_date",
    "baseline_value_to_date",
    "base_units",
    "base_value",
    "base_category",
    "share_units",
    "share_category",
    "competitor_units",
    "competitor_category",
    "display_yes",
    "display_checked",
    "promoter_present_sum",
    "promoter_planned_sum",
    "programs_done",
    "programs_applicable",
    "actions_done",
    "actions_due",
    "visits_made",
    "visits_planned",
    "sell_in_actual",
    "sell_through_units",
    "sell_through_base",
    "stock_gap",
    "push_weeks",
    "investment",
    "incremental_units",
    "incremental_margin",
    "retailer_gain",
)
WEIGHT_COLUMN = "units_target"


def _group_keys(table: pd.DataFrame, plan: Plan, by: str) -> pd.Series:
    if by not in GROUPINGS:
        raise ValueError(f"roll-up by {by!r}: use one of {', '.join(GROUPINGS)}")
    if by == "account":
        return pd.Series(plan.account.name, index=table.index, dtype=object)
    if by in table.columns:
        return table[by].astype(object)
    return store_info(plan, table.index)[by].astype(object)


def _pairs(plan: Plan) -> list[tuple[str, str]]:
    """Every (numerator, denominator) a roll-up ratio is made of."""
    pairs = [(num, den) for num, den, _ in RATIOS.values()] + [("incremental_margin", "investment")]
    return pairs + [(f"{k.id}_actual", f"{k.id}_target_to_date") for k in plan.kpis if k.is_sum]


def _both_known(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    both = a.notna() & b.notna()
    return a.where(both, 0.0), b.where(both, 0.0)


def _weights(table: pd.DataFrame) -> pd.Series:
    """Each store's full-period units target (1 for all when no store has one)."""
    weight = table[WEIGHT_COLUMN]
    return weight if weight.notna().any() else pd.Series(1.0, index=table.index)


def _parts(table: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Per store, every column a roll-up sums: plain sums, paired ratio parts, rate target parts, weights."""
    sums = [c for c in SUMS if c in table.columns] + _sum_kpi_columns(plan)
    cols = {"stores": pd.Series(1, index=table.index)} | {c: table[c] for c in sums}
    for num, den in _pairs(plan):
        cols[f"{num}|{den}|n"], cols[f"{num}|{den}|d"] = _both_known(table[num], table[den])
    for kpi in (k for k in plan.kpis if not k.is_sum):
        _, num, den = RATE_PARTS[kpi.measure]
        target = table[f"{kpi.id}_target"]
        known = table[num].notna() & table[den].notna() & target.notna()
        cols[f"{kpi.id}|n"], cols[f"{kpi.id}|d"] = (
            table[num].where(known, 0.0),
            table[den].where(known, 0.0),
        )
        cols[f"{kpi.id}|t"] = (target * table[den]).where(known, 0.0)
    weight = _weights(table)
    for column in ("execution_score", "score"):
        value, w = _both_known(table[column], weight)
        cols[f"{column}|n"], cols[f"{column}|d"] = value * w, w
    return pd.DataFrame(cols, index=table.index)


def _paired(summed: pd.DataFrame, num: str, den: str) -> np.ndarray:
    return ratios(summed[f"{num}|{den}|n"], summed[f"{num}|{den}|d"])


def _ratio_columns(summed: pd.DataFrame) -> dict:
    """The RATIOS, share differences and ROI of each group, from parts summed where both are known."""
    out = {name: _paired(summed, num, den) + shift for name, (num, den, shift) in RATIOS.items()}
    out["share_change"] = out["share"] - out["baseline_share"]
    out["share_gap_vs_competitor"] = out["share"] - out["competitor_share"]
    margin, investment = (
        summed["incremental_margin|investment|n"],
        summed["incremental_margin|investment|d"],
    )
    out["roi"] = ratios(margin - investment, investment)
    return out


def _kpi_rollup(plan: Plan, summed: pd.DataFrame) -> dict:
    """Each KPI's actual, attainment, capped attainment and RAG for each group; rate KPIs' group target."""
    out = {}
    for kpi in plan.kpis:
        if kpi.is_sum:
            actual = summed[f"{kpi.id}_actual"].to_numpy(dtype=float)
            att = _paired(summed, f"{kpi.id}_actual", f"{kpi.id}_target_to_date")
        else:
            actual = ratios(summed[f"{kpi.id}|n"], summed[f"{kpi.id}|d"])
            out[f"{kpi.id}_target"] = ratios(summed[f"{kpi.id}|t"], summed[f"{kpi.id}|d"])
            att = attainments(actual, out[f"{kpi.id}_target"], kpi.direction)
        out |= kpi_result(kpi, actual, att)
    return out


def _sum_kpi_columns(plan: Plan) -> list[str]:
    return [f"{k.id}_{part}" for k in plan.kpis if k.is_sum for part in ("actual", "target_to_date", "target")]


def rollup(store_table: pd.DataFrame, plan: Plan, by: str) -> pd.DataFrame:
    """One row per group: summed parts, ratios recomputed from them, weighted scores, RAG, rank."""
    keys = _group_keys(store_table, plan, by)
    summed = _parts(store_table, plan).groupby(keys, sort=False).sum(min_count=1)
    sums = ["stores"] + [c for c in SUMS if c in store_table.columns] + _sum_kpi_columns(plan)
    cols = {c: summed[c].to_numpy() for c in sums}
    cols |= _ratio_columns(summed) | _kpi_rollup(plan, summed)
    execution = ratios(summed["execution_score|n"], summed["execution_score|d"])
    score = ratios(summed["score|n"], summed["score|d"])
    cols |= score_columns(plan, cols, len(summed), score=score, execution=execution)
    cols["rank"] = pd.Series(score).rank(ascending=False, method="min").to_numpy()
    order = column_order(cols, plan, ["stores", "rank", "weeks_entered", "weeks_missing"])
    return labelled_frame(cols, summed.index.rename(by), order)


def store_ranks(store_table: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Rank of each store by score (1 = best, ties share the best rank, blank score = no rank)."""
    out = {}
    for name, by in (
        ("rank_in_sr", "sr_id"),
        ("rank_in_region", "region"),
        ("rank_in_account", "account"),
    ):
        keys = _group_keys(store_table, plan, by)
        out[name] = store_table["score"].groupby(keys, dropna=False).rank(ascending=False, method="min")
    return pd.DataFrame(out, index=store_table.index)


def _whole(values: np.ndarray, rounding) -> np.ndarray:
    return rounding(np.round(values, 6))


def _suggested(forecast, current, lower, upper) -> np.ndarray:
    """½ forecast + ½ current (current when no forecast), within the caps, rounded half up."""
    blend = np.where(np.isnan(forecast), current, 0.5 * forecast + 0.5 * current)
    lo, hi = _whole(lower, np.ceil), _whole(upper, np.floor)
    clamped = np.fmin(np.fmax(blend, lower), upper)
    rounded = np.floor(clamped + 0.5)
    return np.fmin(np.fmax(rounded, lo), hi)


def next_period(plan: Plan, targets: Targets, store_table: pd.DataFrame) -> pd.DataFrame:
    """Suggested next-period target per sum KPI and store, and the share-gap opportunity in units."""
    stores = store_table.index
    n_weeks = len(plan.weeks)
    out = {}
    for kpi in (k for k in plan.kpis if k.is_sum):
        current = targets.store_targets(kpi.id, stores)
        forecast = store_table[f"{kpi.measure}_forecast"].to_numpy(dtype=float)
        baseline = store_table[f"base_{kpi.measure}"].to_numpy(dtype=float) * n_weeks
        lower = baseline * (1 + kpi.min_growth) if kpi.min_growth is not None else np.full(len(stores), np.nan)
        upper = baseline * (1 + kpi.max_growth) if kpi.max_growth is not None else np.full(len(stores), np.nan)
        out[f"{kpi.id}_current"] = current
        out[f"{kpi.id}_forecast"] = forecast
        out[f"{kpi.id}_suggested"] = _suggested(forecast, current, lower, upper)
    out["share_gap_units"] = share_gap_units(plan, targets, store_table)
    return pd.DataFrame(out, index=stores)


def share_gap_units(plan: Plan, targets: Targets, store_table: pd.DataFrame) -> np.ndarray:
    """max(0, share target − share) × category units to date × Σ season(all) / Σ season(share weeks)."""
    kpi = plan.kpi_for("share")
    target = targets.store_targets(kpi.id if kpi else "", store_table.index)
    gap = np.maximum(0.0, target - store_table["share"].to_numpy(dtype=float))
    scale = ratios(store_table["season_all"], store_table["share_season_entered"])
    return gap * store_table["share_category"].to_numpy(dtype=float) * scale

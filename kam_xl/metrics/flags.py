"""Review flags (docs/metrics.md "Flags"): one row per problem or opportunity a store shows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kam_xl.metrics.channel import channel_columns
from kam_xl.metrics.measures import (
    THRESHOLD_DECIMALS,
    Targets,
    WeekData,
    program_rows,
    ratios,
    store_info,
    sum_kpi,
    to_days,
    week_data,
)
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Plan

FLAG_KINDS = (
    "below_amber",
    "share_falling",
    "stock_out_risk",
    "overstock",
    "stale",
    "roi_negative",
    "program_overdue",
    "month_end_push",
    "not_visited",
)
SUGGESTED_ACTIONS = {
    "below_amber": "coach_sell_out",
    "share_falling": "defend_share",
    "stock_out_risk": "replenish_stock",
    "overstock": "reduce_stock",
    "stale": "chase_entries",
    "roi_negative": "review_investment",
    "program_overdue": "close_program",
    "month_end_push": "stop_push",
    "not_visited": "visit_store",
}
FLAG_COLUMNS = ("store_id", "sr_id", "kind", "evidence", "detail", "suggested_action_key")
BELOW_AMBER_WEEKS = 3
TREND_WEEKS = 4
COVER_LOW, COVER_HIGH = 1.0, 8.0
NOT_VISITED_WEEKS = 3  # reported weeks in a row with no visit (at least two visits' worth of weeks)


def _clean(value):
    """A JSON-able plain value (numpy numbers to Python, NaN to None)."""
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def _flag(store_id, kind: str, evidence: str, **detail) -> dict:
    return {
        "store_id": store_id,
        "kind": kind,
        "evidence": evidence,
        "detail": {k: _clean(v) for k, v in detail.items()},
    }


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _count_from_end(mask: np.ndarray) -> np.ndarray:
    """For each marked week, its position counted from the store's last marked week (1 = last)."""
    return np.cumsum(mask[:, ::-1], axis=1)[:, ::-1]


def _below_amber(plan: Plan, targets: Targets, data: WeekData) -> list[dict]:
    """The trailing run of entered weeks with units / week target below the units KPI's amber."""
    kpi = sum_kpi(plan, "units")
    if kpi is None:
        return []
    week_ids = [w.id for w in plan.weeks]
    weekly = ratios(data.values["units"], targets.week_targets(kpi.id, data.stores, week_ids))
    entered = data.entered("units")
    below = entered & (np.round(weekly, THRESHOLD_DECIMALS) < kpi.amber)
    last_break = np.where(entered & ~below, data.weeks, 0).max(axis=1, initial=0)
    run = (entered & (data.weeks > last_break[:, None])).sum(axis=1)
    found = []
    for i in np.flatnonzero(run >= BELOW_AMBER_WEEKS):
        latest = data.data_week[i] - 1
        found.append(
            _flag(
                data.stores[i],
                "below_amber",
                f"units below {_pct(kpi.amber)} of the week target for the last {run[i]} entered weeks "
                f"(latest {week_ids[latest]}: {_pct(weekly[i, latest])})",
                weeks=run[i],
                latest_week=week_ids[latest],
                latest_attainment=weekly[i, latest],
                amber=kpi.amber,
            )
        )
    return found


def _share_falling(plan: Plan, data: WeekData) -> list[dict]:
    """Units of the last 4 share weeks above the 4 before, share below."""
    both = data.entered("units") & data.entered("category")
    rank = _count_from_end(both)
    last = both & (rank <= TREND_WEEKS)
    before = both & (rank > TREND_WEEKS) & (rank <= 2 * TREND_WEEKS)
    units_last, units_before = data.summed("units", last), data.summed("units", before)
    share_last = ratios(units_last, data.summed("category", last))
    share_before = ratios(units_before, data.summed("category", before))
    hit = (both.sum(axis=1) >= 2 * TREND_WEEKS) & (units_last > units_before) & (share_last < share_before)
    return [
        _flag(
            data.stores[i],
            "share_falling",
            f"units {units_before[i]:,.0f} → {units_last[i]:,.0f} but share {share_before[i]:.1%} → "
            f"{share_last[i]:.1%} (last {TREND_WEEKS} weeks vs the {TREND_WEEKS} before)",
            units_before=units_before[i],
            units_last=units_last[i],
            share_before=share_before[i],
            share_last=share_last[i],
        )
        for i in np.flatnonzero(hit)
    ]


def weeks_of_cover(data: WeekData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cover, stock, stock week): latest stock ≤ a_s / mean units entered in the 4 weeks ending then."""
    stock_in = data.entered("stock") & (data.weeks <= data.data_week[:, None])
    stock_week = np.where(stock_in, data.weeks, 0).max(axis=1, initial=0)
    span = (data.weeks <= stock_week[:, None]) & (data.weeks > stock_week[:, None] - TREND_WEEKS)
    recent = data.entered("units") & span
    average = ratios(data.summed("units", recent), recent.sum(axis=1))
    rows = np.arange(len(data.stores))
    stock = np.where(stock_week > 0, data.values["stock"][rows, np.maximum(stock_week - 1, 0)], np.nan)
    return ratios(stock, average), stock, stock_week


def _cover(plan: Plan, data: WeekData) -> list[dict]:
    cover, stock, stock_week = weeks_of_cover(data)
    found = []
    for kind, hit in (("stock_out_risk", cover < COVER_LOW), ("overstock", cover > COVER_HIGH)):
        for i in np.flatnonzero(hit):
            week_id = plan.weeks[stock_week[i] - 1].id
            found.append(
                _flag(
                    data.stores[i],
                    kind,
                    f"{cover[i]:.1f} weeks of cover: stock {stock[i]:,.0f} in {week_id}",
                    weeks_of_cover=cover[i],
                    stock=stock[i],
                    week=week_id,
                )
            )
    return found


def _stale(plan: Plan, data: WeekData) -> list[dict]:
    """Weeks ≤ A without units: how many and the latest."""
    missing = np.isnan(data.values["units"]) & (data.weeks <= data.review_week)
    count = missing.sum(axis=1)
    latest = np.where(missing, data.weeks, 0).max(axis=1, initial=0)
    return [
        _flag(
            data.stores[i],
            "stale",
            f"{count[i]} week(s) without sell-out units up to {plan.weeks[data.review_week - 1].id} "
            f"(latest {plan.weeks[latest[i] - 1].id})",
            weeks=count[i],
            latest_week=plan.weeks[latest[i] - 1].id,
        )
        for i in np.flatnonzero(count > 0)
    ]


def _roi_negative(store_table: pd.DataFrame) -> list[dict]:
    low = store_table[store_table["roi"] < 0]
    return [
        _flag(
            store_id,
            "roi_negative",
            f"ROI {row.roi:.0%}: incremental margin {row.incremental_margin:,.0f} vs investment {row.investment:,.0f}",
            roi=row.roi,
            incremental_margin=row.incremental_margin,
            investment=row.investment,
        )
        for store_id, row in zip(low.index, low.itertuples())
    ]


def _overdue(plan: Plan, entries: Entries, data: WeekData) -> list[dict]:
    """Programs whose end is before the end of review week A and that are not Done or Dropped."""
    if data.review_week == 0:
        return []
    review_date = plan.weeks[data.review_week - 1].end
    rows = program_rows(plan, entries, data.stores)
    closed = rows["status"].isin(["done", "dropped"]).to_numpy(dtype=bool)
    late = (to_days(rows["end"]) < np.datetime64(review_date, "D")) & ~closed
    found = []
    for row in rows[late].itertuples():
        status = row.status if isinstance(row.status, str) else None
        state = f"is {status}" if status else "has no status"
        found.append(
            _flag(
                row.store_id,
                "program_overdue",
                f"program {row.program_id} ended {row.end.date().isoformat()} and {state}, not Done",
                program_id=row.program_id,
                end=row.end.date().isoformat(),
                status=status,
            )
        )
    return found


def _month_end_push(plan: Plan, data: WeekData) -> list[dict]:
    """Month-end weeks whose sell-in is ≥ 2 × the store's average while its units are not (metrics/channel.py)."""
    pushed = channel_columns(plan, data)["_push"]
    to_date = data.weeks <= data.review_week
    units = np.where(to_date, data.values["units"], np.nan)
    count = (~np.isnan(units)).sum(axis=1)
    found = []
    for i, t in zip(*np.nonzero(pushed)):
        avg_in = np.nansum(np.where(to_date[0], data.values["sell_in"][i], np.nan)) / count[i]
        avg_out = np.nansum(units[i]) / count[i]
        found.append(
            _flag(
                data.stores[i],
                "month_end_push",
                f"{plan.weeks[t].id} (last week of {plan.weeks[t].month}): sell-in {data.values['sell_in'][i, t]:,.0f} "
                f"vs {avg_in:,.1f} a week on average, units {units[i, t]:,.0f} vs {avg_out:,.1f}",
                week=plan.weeks[t].id,
                month=plan.weeks[t].month,
                sell_in=int(data.values["sell_in"][i, t]),
                avg_sell_in=round(float(avg_in), 1),
                units=int(units[i, t]),
                avg_units=round(float(avg_out), 1),
            )
        )
    return found


def _not_visited(plan: Plan, data: WeekData) -> list[dict]:
    """Stores whose last NOT_VISITED_WEEKS weeks with visits entered (up to A) all say 0."""
    a = data.review_week
    tiers = store_info(plan, data.stores)["store_tier"]
    frequency = np.array([plan.account.visits_per_week(t) if isinstance(t, str) else 0.0 for t in tiers])
    with np.errstate(divide="ignore"):
        span = np.maximum(NOT_VISITED_WEEKS, np.ceil(2 / frequency))  # a C store visited twice a month: 4 weeks
    entered = data.entered("visits")
    last_entered = entered & (_count_from_end(entered) <= span[:, None])
    zeros = (last_entered & (data.values["visits"] == 0)).sum(axis=1)
    hit = (frequency > 0) & (entered.sum(axis=1) >= span) & (zeros == span)
    made = np.where(data.weeks <= a, np.nan_to_num(data.values["visits"]), 0.0)
    last = np.where(made > 0, data.weeks, 0).max(axis=1, initial=0)
    return [
        _flag(
            data.stores[i],
            "not_visited",
            f"no visit in the last {span[i]:.0f} weeks reported up to {plan.weeks[a - 1].id} "
            f"(last visit {plan.weeks[last[i] - 1].id if last[i] else 'none'})",
            weeks=int(span[i]),
            last_visit=plan.weeks[last[i] - 1].id if last[i] else None,
        )
        for i in np.flatnonzero(hit)
    ]


def _sr_ids(plan: Plan, store_table: pd.DataFrame, stores: pd.Index) -> pd.Series:
    if "sr_id" in store_table.columns:
        return store_table["sr_id"].reindex(stores)
    return store_info(plan, stores)["sr_id"]


def flags(
    plan: Plan,
    targets: Targets,
    entries: Entries,
    store_table: pd.DataFrame,
    as_of: int | None = None,
    data: WeekData | None = None,
) -> pd.DataFrame:
    """One row per flag: store_id, sr_id, kind, evidence, detail (dict), suggested_action_key."""
    data = data or week_data(plan, entries, as_of)
    found = [
        *_below_amber(plan, targets, data),
        *_share_falling(plan, data),
        *_cover(plan, data),
        *_stale(plan, data),
        *_roi_negative(store_table),
        *_overdue(plan, entries, data),
        *_month_end_push(plan, data),
        *_not_visited(plan, data),
    ]
    frame = pd.DataFrame(found, columns=["store_id", "kind", "evidence", "detail"]).astype(object)
    sr = _sr_ids(plan, store_table, data.stores)
    frame.insert(1, "sr_id", [_none(sr.get(s)) for s in frame["store_id"]])
    frame["suggested_action_key"] = frame["kind"].map(SUGGESTED_ACTIONS).astype(object)
    order = np.lexsort(
        (
            frame["kind"].map(FLAG_KINDS.index).to_numpy(dtype=int),
            data.stores.get_indexer(frame["store_id"]),
        )
    )
    return frame.iloc[order].reset_index(drop=True)[list(FLAG_COLUMNS)]


def _none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

"""Trends: the period week by week and month by month, per account, region, SR and tier, from summed parts.

Per store and week (weeks ≤ the review week A) the parts are summed per group; every ratio is recomputed from
the group's sums, never averaged (docs/metrics.md "Roll-ups"):

* attainment (week)     = Σ units / Σ week target units, over the stores with units entered that week;
  attainment to date    = the same sums accumulated from week 1;
* share (week)          = Σ units / Σ category units, over the stores with both entered that week;
* execution score       = the stores' execution scores of that week, averaged weighted by their full-period
  units target (as the scorecards roll it up); a store's score of week w uses that week's display and promoter
  figures and its programs and actions as of the week's end (a program counts as done from its date done, or
  from its start when no date was entered);
* ROI to date           = (incremental margin to date − investment to date) / investment to date, investment
  counting the programs done by the week's end.

The previous period and the same period a year before come from the history database (kam_xl.history), week
by week in the same position of the period; growth = units / units of that week then − 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.metrics.measures import (
    RATE_PARTS,
    Targets,
    has_text,
    is_status,
    program_rows,
    ratios,
    store_info,
    sum_kpi,
    to_days,
    week_data,
)
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Plan

LEVELS = ("account", "region", "sr_id", "store_tier")
FLOWS = (
    "units",
    "units_target",
    "value",
    "value_target",
    "share_units",
    "share_category",
    "competitor_units",
    "competitor_category",
    "display_yes",
    "display_checked",
    "promoter_present",
    "promoter_planned",
    "baseline_units",
    "stores_reporting",
    "execution_num",
    "execution_den",
)
TO_DATE = ("investment_to_date", "incremental_margin_to_date")
PARTS = FLOWS + TO_DATE


def _masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, np.nan_to_num(values), 0.0)


def store_week_parts(plan: Plan, targets: Targets, entries: Entries, as_of: int | None) -> tuple[pd.Index, dict]:
    """store × week arrays of every part (zero after the review week)."""
    data = week_data(plan, entries, as_of)
    stores, n = data.stores, len(plan.weeks)
    info = store_info(plan, stores)
    in_range = data.weeks <= data.review_week
    week_ids = [w.id for w in plan.weeks]
    units_entered = ~np.isnan(data.values["units"]) & in_range
    value_entered = ~np.isnan(data.values["value"]) & in_range
    out = {}
    for measure, entered in (("units", units_entered), ("value", value_entered)):
        kpi = sum_kpi(plan, measure)
        week_targets = targets.week_targets(kpi.id if kpi else "", stores, week_ids)
        out[measure] = _masked(data.values[measure], entered)
        out[f"{measure}_target"] = _masked(week_targets, entered)
    both = units_entered & ~np.isnan(data.values["category"])
    rival = ~np.isnan(data.values["competitor"]) & ~np.isnan(data.values["category"]) & in_range
    out["share_units"] = _masked(data.values["units"], both)
    out["share_category"] = _masked(data.values["category"], both)
    out["competitor_units"] = _masked(data.values["competitor"], rival)
    out["competitor_category"] = _masked(data.values["category"], rival)
    checked = ~np.isnan(data.values["display"]) & in_range
    planned = ~np.isnan(data.values["promoter_planned"]) & in_range
    out["display_yes"] = np.where(checked, data.values["display"] == 1.0, False).astype(float)
    out["display_checked"] = checked.astype(float)
    out["promoter_present"] = _masked(data.values["promoter_present"], planned)
    out["promoter_planned"] = _masked(data.values["promoter_planned"], planned)
    base = info["base_units"].to_numpy(dtype=float)[:, None]
    out["baseline_units"] = np.where(units_entered, np.nan_to_num(base), 0.0)
    out["stores_reporting"] = units_entered.astype(float)
    margin = plan.account.margin_per_unit
    out["incremental_margin_to_date"] = np.cumsum(out["units"] - out["baseline_units"], axis=1) * margin
    out["incremental_margin_to_date"] = np.where(in_range, out["incremental_margin_to_date"], 0.0)
    done, applicable, investment = _program_weeks(plan, entries, stores)
    out["investment_to_date"] = np.where(in_range, investment, 0.0)
    rates = {
        "display": ratios(out["display_yes"], out["display_checked"]),
        "promoter": ratios(out["promoter_present"], out["promoter_planned"]),
        "programs": ratios(done, applicable),
        "actions": _action_rates(plan, entries, stores),
    }
    num, den = np.zeros((len(stores), n)), np.zeros((len(stores), n))
    for kpi in (k for k in plan.kpis if k.group == "execution" and k.measure in RATE_PARTS):
        rate = rates.get(kpi.measure)
        if rate is None:
            continue
        known = ~np.isnan(rate)
        num += np.where(known, rate * kpi.weight, 0.0)
        den += np.where(known, kpi.weight, 0.0)
    score = ratios(num, den)
    units_kpi = sum_kpi(plan, "units")
    weight = targets.store_targets(units_kpi.id if units_kpi else "", stores)
    weight = weight if np.isfinite(weight).any() else np.ones(len(stores))
    known = ~np.isnan(score) & np.isfinite(weight)[:, None] & in_range
    out["execution_num"] = np.where(known, np.nan_to_num(score) * np.nan_to_num(weight)[:, None], 0.0)
    out["execution_den"] = np.where(known, np.nan_to_num(weight)[:, None], 0.0)
    return stores, out


def _week_ends(plan: Plan) -> np.ndarray:
    return np.array([w.end for w in plan.weeks], dtype="datetime64[D]")[None, :]


def _program_weeks(plan: Plan, entries: Entries, stores: pd.Index) -> tuple[np.ndarray, ...]:
    """store × week: programs done and applicable by each week's end, and the investment in those done."""
    shape = (len(stores), len(plan.weeks))
    rows = program_rows(plan, entries, stores)
    rows = rows[rows["position"] >= 0]
    if rows.empty:
        return np.zeros(shape), np.zeros(shape), np.zeros(shape)
    ends = _week_ends(plan)
    start = to_days(rows["start"])[:, None]
    done_on = to_days(rows["done_on"])[:, None]
    when = np.where(np.isnat(done_on), start, done_on)
    dropped = (is_status(rows["status"], "dropped") & has_text(rows["note"]))[:, None]
    applicable = (start <= ends) & ~dropped
    done = applicable & is_status(rows["status"], "done")[:, None] & (when <= ends)
    cost = rows["cost"].astype(float).fillna(rows["plan_cost"]).to_numpy(dtype=float)[:, None]
    at = rows["position"].to_numpy()
    out = []
    for values in (done.astype(float), applicable.astype(float), np.where(done, np.nan_to_num(cost), 0.0)):
        grid = np.zeros(shape)
        np.add.at(grid, at, values)
        out.append(grid)
    return tuple(out)


def _action_rates(plan: Plan, entries: Entries, stores: pd.Index) -> np.ndarray:
    """store × week: actions done / actions due by each week's end."""
    shape = (len(stores), len(plan.weeks))
    rows = entries.actions[entries.actions["store_id"].isin(stores)]
    if rows.empty:
        return np.full(shape, np.nan)
    at = stores.get_indexer(rows["store_id"])
    due_day = to_days(rows["due"])[:, None]
    due = (
        has_text(rows["text"])[:, None] & (due_day <= _week_ends(plan)) & ~is_status(rows["status"], "dropped")[:, None]
    )
    done = due & is_status(rows["status"], "done")[:, None]
    grids = []
    for values in (done, due):
        grid = np.zeros(shape)
        np.add.at(grid, at, values.astype(float))
        grids.append(grid)
    return ratios(*grids)


def weekly_parts(plan: Plan, targets: Targets, entries: Entries, as_of: int | None) -> pd.DataFrame:
    """One row per level, group and week (1..A): the summed parts (columns PARTS)."""
    stores, parts = store_week_parts(plan, targets, entries, as_of)
    info = store_info(plan, stores)
    last = int(week_data(plan, entries, as_of).review_week)
    frames = []
    for level in LEVELS if last >= 1 else ():
        keys = np.full(len(stores), plan.account.name, dtype=object) if level == "account" else info[level].to_numpy()
        # every week of every part summed by group at once (a group-by per week was most of this function)
        wide = (
            pd.concat({name: pd.DataFrame(parts[name][:, :last]) for name in PARTS}, axis=1)
            .groupby(keys, sort=False)
            .sum()
        )
        groups, weeks_ = len(wide), last
        summed = pd.DataFrame(
            {
                "group_key": np.tile(wide.index.to_numpy(dtype=object), weeks_),
                "level": level,
                "week": np.repeat(np.arange(1, weeks_ + 1), groups),
                **{name: wide[name].to_numpy(dtype=float).T.reshape(-1) for name in PARTS},
            }
        )
        frames.append(summed)
    if not frames:
        return pd.DataFrame(columns=["level", "group_key", "week", "week_id", "week_start", "month", *PARTS])
    frame = pd.concat(frames, ignore_index=True)
    weeks = plan.weeks
    frame.insert(3, "week_id", [weeks[w - 1].id for w in frame["week"]])
    frame.insert(4, "week_start", [weeks[w - 1].start for w in frame["week"]])
    frame.insert(5, "month", [weeks[w - 1].month for w in frame["week"]])
    return frame.sort_values(["level", "group_key", "week"], kind="stable").reset_index(drop=True)


def with_ratios(frame: pd.DataFrame, cumulative: bool = True) -> pd.DataFrame:
    """The trend figures of a frame of parts (one group's weeks in order, or months): attainment, attainment to
    date, share, execution score, ROI to date."""
    out = frame.copy()
    out["attainment"] = ratios(frame["units"], frame["units_target"])
    if cumulative:
        out["attainment_to_date"] = ratios(frame["units"].cumsum(), frame["units_target"].cumsum())
    out["share"] = ratios(frame["share_units"], frame["share_category"])
    out["competitor_share"] = ratios(frame["competitor_units"], frame["competitor_category"])
    out["execution_score"] = ratios(frame["execution_num"], frame["execution_den"])
    investment = frame["investment_to_date"].to_numpy(dtype=float)
    out["roi_to_date"] = ratios(frame["incremental_margin_to_date"].to_numpy(dtype=float) - investment, investment)
    return out


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """One group's weeks summed by month (flows summed; to-date parts of the month's last week)."""
    if frame.empty:
        return frame
    grouped = frame.groupby("month", sort=False)
    out = grouped[list(FLOWS)].sum()
    for name in TO_DATE:
        out[name] = grouped[name].last()
    out["weeks"] = grouped["week"].count()
    out["first_week"] = grouped["week"].min()
    return with_ratios(out.reset_index(), cumulative=True)


def growth(now: pd.Series, then: pd.Series) -> np.ndarray:
    """now / then − 1 (blank when then is blank or 0)."""
    return ratios(now.to_numpy(dtype=float), then.to_numpy(dtype=float)) - 1.0

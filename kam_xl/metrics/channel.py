"""Sell-in, channel stock, sell-through, month-end push and visit coverage per store (docs/metrics.md).

Every function works on the store × week arrays of measures.WeekData (NaN = blank) over weeks ≤ A, so the
store tab's live formulas (storetabs/layout.py) and the review give the same numbers.
"""

from __future__ import annotations

import numpy as np

from kam_xl.model.plan import Plan

PUSH_FACTOR = 2.0  # month-end sell-in at least this many times its weekly average, sell-out below it
ROUNDING = 9  # comparisons are made on values rounded as the tab rounds them


def month_end_weeks(plan: Plan) -> np.ndarray:
    """Whether each week is the last of its month in the calendar (the next week is in another month)."""
    months = [w.month for w in plan.weeks]
    return np.array([i == len(months) - 1 or months[i + 1] != m for i, m in enumerate(months)], dtype=bool)


def expected_stock(units: np.ndarray, sell_in: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Expected stock per store and week: the previous week's counted stock (or, when not counted, its
    expected stock) + sell-in − units; NaN before the first count and in weeks without units."""
    out = np.full(units.shape, np.nan)
    for t in range(1, units.shape[1]):
        base = np.where(np.isnan(stock[:, t - 1]), out[:, t - 1], stock[:, t - 1])
        out[:, t] = np.where(np.isnan(units[:, t]), np.nan, base + np.nan_to_num(sell_in[:, t]) - units[:, t])
    return out


def _last_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values at the last week where mask holds, per store (NaN when it never does)."""
    weeks = mask.shape[1]
    last = np.where(mask, np.arange(weeks)[None, :], -1).max(axis=1, initial=-1)
    picked = values[np.arange(len(values)), np.maximum(last, 0)] if weeks else np.full(len(values), np.nan)
    return np.where(last >= 0, picked, np.nan)


def push_weeks(plan: Plan, units: np.ndarray, sell_in: np.ndarray, to_date: np.ndarray) -> np.ndarray:
    """Store × week: a month-end week whose sell-in is ≥ PUSH_FACTOR × the store's average weekly sell-in while
    its units stay below PUSH_FACTOR × the average weekly units (averages over the weeks with units entered,
    blank sell-in counted as 0)."""
    reported = ~np.isnan(units) & to_date
    count = reported.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_in = np.where(to_date, np.nan_to_num(sell_in), 0.0).sum(axis=1) / count
        avg_out = np.where(reported, units, 0.0).sum(axis=1) / count
    ok = reported & ~np.isnan(sell_in) & (count > 0)[:, None] & month_end_weeks(plan)[None, :]
    high_in = np.round(sell_in - PUSH_FACTOR * avg_in[:, None], ROUNDING) >= 0
    low_out = np.round(units - PUSH_FACTOR * avg_out[:, None], ROUNDING) < 0
    return ok & (np.nan_to_num(sell_in) > 0) & high_in & low_out


def channel_stock(units: np.ndarray, sell_in: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Channel stock per store and week: the stock counted that week, else the expected stock (NaN when
    neither is known)."""
    return np.where(np.isnan(stock), expected_stock(units, sell_in, stock), stock)


MONTH_COLUMNS = ("sell_in", "sell_out", "in_out_ratio", "closing_stock", "weeks_of_cover")


def monthly_channel(months: list[str], units: np.ndarray, sell_in: np.ndarray, stock: np.ndarray, upto: int) -> dict:
    """The account's sell-in vs sell-out by calendar month and its channel stock trend (docs/metrics.md).

    `months`: the month of each week; the arrays are store × week (NaN = blank); `upto`: the review week A (weeks
    after it do not count). Per month, in calendar order: sell-in and sell-out units (Σ over stores and the
    month's weeks ≤ A, blank = 0), their ratio, the closing channel stock (Σ over stores of each store's channel
    stock in its latest week ≤ min(month end, A) that has one) and weeks of cover (closing stock / the month's
    average weekly sell-out). A month with no week ≤ A, or a ratio or cover over no sell-out, is NaN."""
    order = list(dict.fromkeys(months))
    weeks = np.arange(1, len(months) + 1)
    to_date = weeks <= upto
    level = channel_stock(
        np.where(to_date, units, np.nan), np.where(to_date, sell_in, np.nan), np.where(to_date, stock, np.nan)
    )
    out = {key: np.full(len(order), np.nan) for key in MONTH_COLUMNS}
    for m, month in enumerate(order):
        in_month = np.array([w == month for w in months]) & to_date
        if not in_month.any():
            continue
        out["sell_in"][m] = np.nansum(sell_in[:, in_month])
        out["sell_out"][m] = np.nansum(units[:, in_month])
        end = int(weeks[in_month].max())
        closing = _last_where(~np.isnan(level[:, :end]), level[:, :end])
        if (~np.isnan(closing)).any():
            out["closing_stock"][m] = np.nansum(closing)
        if out["sell_out"][m] > 0:
            out["in_out_ratio"][m] = out["sell_in"][m] / out["sell_out"][m]
            out["weeks_of_cover"][m] = out["closing_stock"][m] / (out["sell_out"][m] / in_month.sum())
    return {"month": order, **out}


def channel_by_month(plan: Plan, data) -> dict:
    """monthly_channel for a plan's calendar and the review's WeekData."""
    v = data.values
    return monthly_channel([w.month for w in plan.weeks], v["units"], v["sell_in"], v["stock"], data.review_week)


def channel_columns(plan: Plan, data) -> dict:
    """Sell-in to date, sell-through, the latest stock gap and the month-end push weeks of each store."""
    v = data.values
    to_date = data.weeks <= data.review_week
    units = np.where(to_date, v["units"], np.nan)
    sell_in = np.where(to_date, v["sell_in"], np.nan)
    stock = np.where(to_date, v["stock"], np.nan)
    expected = expected_stock(units, sell_in, stock)
    gap = stock - expected
    sold = np.nansum(units, axis=1)
    closing = _last_where(~np.isnan(stock), stock)
    with np.errstate(invalid="ignore", divide="ignore"):
        through = np.where(sold + closing > 0, sold / (sold + closing), np.nan)
    pushed = push_weeks(plan, units, sell_in, to_date)
    return {
        "sell_in_actual": np.nansum(sell_in, axis=1),
        "sell_in_weeks": (~np.isnan(sell_in)).sum(axis=1).astype(float),
        "closing_stock": closing,
        "sell_through": through,
        "stock_gap": _last_where(~np.isnan(gap), gap),
        "push_weeks": pushed.sum(axis=1).astype(float),
        "_push": pushed,
        "_expected_stock": expected,
    }


def visit_columns(plan: Plan, data, tiers: np.ndarray) -> dict:
    """Visits made to date, visits planned (the tier's visits a week × weeks up to the store's last week with
    units or visits entered) and coverage = made / planned."""
    v = data.values
    to_date = data.weeks <= data.review_week
    made = np.where(to_date & ~np.isnan(v["visits"]), v["visits"], 0.0).sum(axis=1)
    reported = to_date & (~np.isnan(v["visits"]) | ~np.isnan(v["units"]))
    last = np.where(reported, data.weeks, 0).max(axis=1, initial=0)
    per_week = np.array([plan.account.visits_per_week(t) for t in tiers], dtype=float)
    planned = per_week * last
    return {"visits_made": made, "visits_planned": planned}

"""Per-program ROI (docs/metrics.md, "Per-program ROI"): each HQ program's stores, cost, incremental units,
value and margin in its window, ROI and a keep / change / stop verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.metrics.measures import WeekData, is_status, program_rows, ratios, store_info
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Plan

PROGRAM_COLUMNS = (
    "program_name",
    "program_type",
    "need",
    "start",
    "end",
    "stores",
    "stores_done",
    "weeks",
    "cost",
    "incremental_units",
    "incremental_value",
    "incremental_margin",
    "roi",
    "stores_losing",
    "verdict",
)
VERDICTS = ("keep", "change", "stop", "wait")


def verdict(weeks: float, cost: float, units: float, roi: float) -> str:
    """keep: pays back (ROI ≥ 0); change: moves units but does not pay back; stop: no extra units;
    wait: no week of the window entered yet, or nothing spent (no cost, so no ROI) yet."""
    if not weeks or not np.isfinite(units):
        return "wait"
    if not np.isfinite(roi):
        return "wait" if units > 0 else "stop"
    if roi >= 0:
        return "keep"
    return "change" if units > 0 else "stop"


def program_roi(plan: Plan, entries: Entries, data: WeekData) -> pd.DataFrame:
    """One row per program of the plan (index program_id), PROGRAM_COLUMNS.

    A store-week's uplift (units − weekly baseline units, value likewise) in the weeks up to the review week
    with units entered is shared equally among the programs running in that store that week (window overlaps
    the week, not Dropped), so the programs' uplifts add up to the stores' and none is counted twice. Cost is
    the investment rule: the actual cost, or the plan's cost per store, of the stores where the program is Done."""
    stores, n = data.stores, len(plan.weeks)
    info = store_info(plan, stores)
    starts = np.array([w.start for w in plan.weeks], dtype="datetime64[D]")
    ends = np.array([w.end for w in plan.weeks], dtype="datetime64[D]")
    to_date = np.arange(1, n + 1) <= data.review_week
    units, value = data.values["units"], data.values["value"]
    has_units = ~np.isnan(units) & to_date[None, :]
    uplift = np.where(has_units, units - info["base_units"].to_numpy(dtype=float)[:, None], 0.0)
    has_value = ~np.isnan(value) & to_date[None, :]
    value_uplift = np.where(has_value, value - info["base_value"].to_numpy(dtype=float)[:, None], 0.0)

    rows = program_rows(plan, entries, stores)
    rows = rows[rows["position"] >= 0].reset_index(drop=True)
    running = ~is_status(rows["status"], "dropped")
    window = (starts[None, :] <= rows["end"].to_numpy().astype("datetime64[D]")[:, None]) & (
        ends[None, :] >= rows["start"].to_numpy().astype("datetime64[D]")[:, None]
    )
    window &= running[:, None]  # program row × week
    at = rows["position"].to_numpy()
    count = np.zeros((len(stores), n))
    np.add.at(count, at, window.astype(float))  # programs running per store-week
    share = np.divide(window, count[at], out=np.zeros(window.shape), where=count[at] > 0)
    row_units = (share * uplift[at]).sum(axis=1)
    row_value = (share * value_uplift[at]).sum(axis=1)
    row_weeks = (window & has_units[at]).sum(axis=1)
    done = is_status(rows["status"], "done")
    cost = rows["cost"].astype(float).fillna(rows["plan_cost"]).to_numpy(dtype=float)
    row_cost = np.where(done, cost, 0.0)
    margin = plan.account.margin_per_unit
    per_row = pd.DataFrame(
        {
            "program_id": rows["program_id"].to_numpy(dtype=object),
            "stores": running.astype(float),
            "stores_done": done.astype(float),
            "weeks": row_weeks.astype(float),
            "cost": row_cost,
            "incremental_units": row_units,
            "incremental_value": row_value,
            "losing": ((row_cost > 0) & (row_units * margin < row_cost)).astype(float),
        }
    )
    summed = per_row.groupby("program_id", sort=False).sum()
    out = pd.DataFrame(index=pd.Index([p.id for p in plan.programs], name="program_id"))
    out["program_name"] = [p.name for p in plan.programs]
    out["program_type"] = [p.type for p in plan.programs]
    out["need"] = [p.need for p in plan.programs]
    out["start"] = [p.start for p in plan.programs]
    out["end"] = [p.end for p in plan.programs]
    for column in ("stores", "stores_done", "weeks", "cost", "incremental_units", "incremental_value"):
        out[column] = summed[column].reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    out["incremental_margin"] = out["incremental_units"] * margin
    out["roi"] = ratios((out["incremental_margin"] - out["cost"]).to_numpy(), out["cost"].to_numpy())
    out["stores_losing"] = summed["losing"].reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    out["verdict"] = [
        verdict(w, c, u, r)
        for w, c, u, r in zip(out["weeks"], out["cost"], out["incremental_units"], out["roi"], strict=True)
    ]
    return out[list(PROGRAM_COLUMNS)]


LOSING_SHARE_AMBER = 0.25  # more than this share of the invested stores losing money makes the ROI amber


def roi_rag(roi: float | None, stores_invested: int, stores_losing: int, programs_losing: int) -> str | None:
    """The account ROI's RAG: red when it is below 0; amber when it is ≥ 0 but more than LOSING_SHARE_AMBER of the
    stores with an investment lose money (store ROI < 0) or a program does not pay back (verdict change or
    stop); green otherwise; blank without an investment."""
    if roi is None or not np.isfinite(roi):
        return None
    if roi < 0:
        return "red"
    many = stores_invested and stores_losing / stores_invested > LOSING_SHARE_AMBER
    return "amber" if many or programs_losing else "green"

"""The metric engine of docs/metrics.md: scalar helpers, the store table, the relationship level."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kam_xl.errors import KamError
from kam_xl.metrics.channel import channel_columns, visit_columns
from kam_xl.model.entries import WEEK_FIELDS, Entries
from kam_xl.model.lazyimport import lazy
from kam_xl.model.plan import RELATIONSHIP_LADDER, Evidence, Kpi, Plan

pd = lazy("pandas")  # the store tabs' layout reads this module's constants; collect builds no frames

THRESHOLD_DECIMALS = 9  # attainments are rounded to this many decimals before a threshold test
SCORE_DECIMALS = 1  # the score is shown and given its RAG rounded to this many decimals (99.96 is 100.0, green)
SUM_PARTS = {
    "units": ("units_actual", "units_target_to_date"),
    "value": ("value_actual", "value_target_to_date"),
}
# measure -> (rate column, numerator, denominator)
RATE_PARTS = {
    "share": ("share", "share_units", "share_category"),
    "display": ("display_compliance", "display_yes", "display_checked"),
    "promoter": ("promoter_attendance", "promoter_present_sum", "promoter_planned_sum"),
    "programs": ("program_execution", "programs_done", "programs_applicable"),
    "actions": ("action_completion", "actions_done", "actions_due"),
    "coverage": ("coverage", "visits_made", "visits_planned"),
}
# ratio -> (numerator, denominator, added): the ratios that roll up from summed parts
RATIOS = {
    "units_forecast_vs_target": ("units_forecast", "units_target", 0.0),
    "value_forecast_vs_target": ("value_forecast", "value_target", 0.0),
    "growth_units": ("units_actual", "baseline_units_to_date", -1.0),
    "growth_value": ("value_actual", "baseline_value_to_date", -1.0),
    "share": ("share_units", "share_category", 0.0),
    "baseline_share": ("base_units", "base_category", 0.0),
    "competitor_share": ("competitor_units", "competitor_category", 0.0),
    "sell_through": ("sell_through_units", "sell_through_base", 0.0),
    **{rate: (num, den, 0.0) for measure, (rate, num, den) in RATE_PARTS.items() if measure != "share"},
}
KPI_SUFFIXES = ("target", "target_to_date", "actual", "attainment", "capped", "rag")
HEADLINE = (
    "units_actual",
    "units_target_to_date",
    "value_actual",
    "value_target_to_date",
    "units_forecast",
    "value_forecast",
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
    "execution_score",
    "investment",
    "incremental_units",
    "incremental_margin",
    "roi",
    "retailer_gain",
    "score",
    "score_rag",
    "result_attainment",
    "quadrant",
)
LABEL_COLUMNS = (
    "store_name",
    "sr_id",
    "sr_name",
    "region",
    "store_tier",
    "data_week_id",
    "as_of_date",
    "score_rag",
    "quadrant",
)


# ---------------------------------------------------------------------------
# Vectorised core (the scalar helpers below call these, so there is one definition)
# ---------------------------------------------------------------------------


def ratios(num, den) -> np.ndarray:
    """num / den elementwise; NaN where the denominator is 0, either side is blank, or the quotient is beyond
    the largest float (Excel shows #NUM! there; kam_xl leaves it blank, as for a division by zero)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ok = np.isfinite(num) & np.isfinite(den) & (den != 0)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    with np.errstate(over="ignore"):
        np.divide(num, den, out=out, where=ok)
    out[np.isinf(out)] = np.nan
    return out


def attainments(actual, target, direction: str = "higher") -> np.ndarray:
    """actual / target (direction "higher") or target / actual ("lower")."""
    return ratios(target, actual) if direction == "lower" else ratios(actual, target)


def rags(attainment, green: float = 1.0, amber: float = 0.9) -> np.ndarray:
    """ "green" / "amber" / "red" per attainment, None where it is blank."""
    a = np.round(np.asarray(attainment, dtype=float), THRESHOLD_DECIMALS)
    out = np.full(a.shape, None, dtype=object)
    out[a < amber] = "red"
    out[a >= amber] = "amber"
    out[a >= green] = "green"
    return out


def quadrants(execution, result, threshold: float = 0.8) -> np.ndarray:
    """ "star" / "plan_issue" / "execution_gap" / "untapped", None where either input is blank."""
    e = np.round(np.asarray(execution, dtype=float), THRESHOLD_DECIMALS)
    r = np.round(np.asarray(result, dtype=float), THRESHOLD_DECIMALS)
    shape = np.broadcast_shapes(e.shape, r.shape)
    known = np.isfinite(e) & np.isfinite(r)
    high_e, high_r = e >= threshold, r >= 1.0
    out = np.full(shape, None, dtype=object)
    out[known & high_e & high_r] = "star"
    out[known & high_e & ~high_r] = "plan_issue"
    out[known & ~high_e & ~high_r] = "execution_gap"
    out[known & ~high_e & high_r] = "untapped"
    return out


def weighted_means(values: Sequence[np.ndarray], weights: Sequence[float], size: int) -> np.ndarray:
    """Σ w·v / Σ w over the values that are not blank, per row (NaN when none is)."""
    num, den = np.zeros(size), np.zeros(size)
    for value, weight in zip(values, weights):
        known = ~np.isnan(value) & np.isfinite(weight)
        num += np.where(known, weight * np.nan_to_num(value), 0.0)
        den += np.where(known, weight, 0.0)
    return ratios(num, den)


def capped(attainment, cap) -> np.ndarray:
    """min(attainment, cap); a blank cap means no cap."""
    a, c = np.asarray(attainment, dtype=float), np.asarray(cap, dtype=float)
    return np.where(np.isnan(c), a, np.minimum(a, c))


def forecasts(actual, season_all, season_entered) -> np.ndarray:
    """Run-rate: actual × Σ season(all weeks) / Σ season(entered weeks)."""
    return np.asarray(actual, dtype=float) * ratios(season_all, season_entered)


# ---------------------------------------------------------------------------
# Scalar helpers for the UDFs: plain numbers or None in and out, never raising on blanks
# ---------------------------------------------------------------------------


def _num(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _out(array) -> float | None:
    value = float(np.asarray(array).reshape(-1)[0])
    return value if math.isfinite(value) else None


def attainment(actual, target, direction: str = "higher") -> float | None:
    return _out(attainments(_num(actual), _num(target), direction))


def rag(attainment, green: float = 1.0, amber: float = 0.9) -> str | None:
    return rags(np.array([_num(attainment)]), _num(green), _num(amber))[0]


def score(attainments, weights, caps) -> float | None:
    """Σ w·min(a, cap) / Σ w × 100 over the attainments that are not blank."""
    a = np.array([_num(x) for x in attainments])
    w = np.array([_num(x) for x in weights])
    c = np.array([_num(x) for x in caps])
    if not (len(a) == len(w) == len(c)):
        return None
    values = [capped(a[i : i + 1], c[i]) for i in range(len(a))]
    return _out(weighted_means(values, list(w), 1) * 100.0)


def run_rate(actual_to_date, season_all, season_elapsed) -> float | None:
    return _out(forecasts(_num(actual_to_date), _num(season_all), _num(season_elapsed)))


def growth(actual, baseline) -> float | None:
    return _out(ratios(_num(actual), _num(baseline)) - 1.0)


def share(units, category) -> float | None:
    return _out(ratios(_num(units), _num(category)))


def roi(incremental_margin, investment) -> float | None:
    margin, cost = _num(incremental_margin), _num(investment)
    return _out(ratios(margin - cost, cost))


def quadrant(execution, result, threshold: float = 0.8) -> str | None:
    return quadrants(np.array([_num(execution)]), np.array([_num(result)]), _num(threshold))[0]


def relationship_level(evidence: Iterable[Evidence]) -> str | None:
    """The highest ladder level whose checklist (and every lower one) is all met; a level
    with no checklist items is not met."""
    items = list(evidence)
    reached = None
    for level in RELATIONSHIP_LADDER:
        checks = [item.met for item in items if item.level == level]
        if not checks or not all(checks):
            break
        reached = level
    return reached


# ---------------------------------------------------------------------------
# Targets and weekly data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Store targets: full-period per KPI (columns = KPI ids) and week targets per sum KPI."""

    full: pd.DataFrame
    weekly: dict[str, pd.DataFrame]

    @classmethod
    def from_allocation(cls, allocation) -> Targets:
        """The targets an Allocation gives every store and week."""
        columns = {k: frame["target"].astype(float) for k, frame in allocation.kpis.items()}
        columns.update({k: series.astype(float) for k, series in allocation.rate_targets.items()})
        full = pd.DataFrame(columns)
        return cls(full=full, weekly={k: frame.astype(float) for k, frame in allocation.weeks.items()})

    def store_targets(self, kpi_id: str, stores: pd.Index) -> np.ndarray:
        """Store × KPI targets for the period."""
        if kpi_id not in self.full.columns:
            return np.full(len(stores), np.nan)
        return self.full[kpi_id].reindex(stores).to_numpy(dtype=float)

    def week_targets(self, kpi_id: str, stores: pd.Index, week_ids: list[str]) -> np.ndarray:
        """Store × week targets of one measure (units or value)."""
        if kpi_id not in self.weekly:
            return np.full((len(stores), len(week_ids)), np.nan)
        frame = self.weekly[kpi_id].reindex(index=stores, columns=week_ids)
        return frame.to_numpy(dtype=float)


PREFILLED = ("promoter_planned",)  # week fields the plan fills in ahead: they do not make a week "logged"
WEEK_ARRAYS = (
    "units",
    "value",
    "sell_in",
    "visits",
    "category",
    "competitor",
    "display",
    "promoter_present",
    "promoter_planned",
    "stock",
)


@dataclass(frozen=True)
class WeekData:
    """Each store's weekly numbers as store × week arrays (NaN = blank) and its data week."""

    stores: pd.Index
    values: dict[str, np.ndarray]
    review_week: int  # A, 0 when nothing is entered
    data_week: np.ndarray  # a_s per store, 0..n

    @property
    def weeks(self) -> np.ndarray:
        """Week numbers 1..n as a row."""
        return np.arange(1, self.values["units"].shape[1] + 1)[None, :]

    def entered(self, field: str) -> np.ndarray:
        """Weeks ≤ A with the field entered."""
        return ~np.isnan(self.values[field]) & (self.weeks <= self.review_week)

    def summed(self, field: str, mask: np.ndarray) -> np.ndarray:
        """One measure summed over the weeks to date, per store."""
        return np.where(mask, self.values[field], 0.0).sum(axis=1)


def _positions(entries: Entries, stores: pd.Index, n_weeks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(store row, week column, usable) of each row of the weekly long frame."""
    weekly = entries.weekly
    row = stores.get_indexer(weekly["store_id"])
    col = pd.to_numeric(weekly["week"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
    return row, col, (row >= 0) & (col >= 0) & (col < n_weeks)


def week_arrays(weekly: pd.DataFrame, positions: tuple, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """The weekly long frame pivoted into one store × week array per numeric field."""
    row, col, ok = positions
    arrays = {}
    for field in WEEK_ARRAYS:
        grid = np.full(shape, np.nan)
        if field in weekly.columns:
            grid[row[ok], col[ok]] = pd.to_numeric(weekly[field], errors="coerce").to_numpy(dtype=float)[ok]
        arrays[field] = grid
    return arrays


def last_logged_week(weekly: pd.DataFrame, positions: tuple) -> int:
    """The last week (1..n) in which any store entered anything in its weekly log (0 if none)."""
    _, col, ok = positions
    logged = np.zeros(len(weekly), dtype=bool)
    for field in (f for f in WEEK_FIELDS if f in weekly.columns and f not in PREFILLED):
        logged |= has_text(weekly[field])
    weeks = col[ok & logged]
    return int(weeks.max()) + 1 if len(weeks) else 0


def review_week(weekly: pd.DataFrame, positions: tuple, n_weeks: int, as_of: int | None) -> int:
    """A: the given week position, or the last week with anything entered."""
    if as_of is None:
        return last_logged_week(weekly, positions)
    if not 1 <= int(as_of) <= n_weeks:
        raise KamError(f"the as-of week must be between 1 and {n_weeks}, not {as_of}")
    return int(as_of)


def week_data(plan: Plan, entries: Entries, as_of: int | None = None) -> WeekData:
    """The weekly arrays, A and each store's data week a_s."""
    stores = pd.Index(entries.stores["store_id"], name="store_id")
    n = len(plan.weeks)
    positions = _positions(entries, stores, n)
    values = week_arrays(entries.weekly, positions, (len(stores), n))
    a = review_week(entries.weekly, positions, n, as_of)
    weeks = np.arange(1, n + 1)[None, :]
    with_units = ~np.isnan(values["units"]) & (weeks <= a)
    data_week = np.where(with_units, weeks, 0).max(axis=1, initial=0)
    return WeekData(stores, values, a, data_week.astype(np.int64))


# ---------------------------------------------------------------------------
# The store table
# ---------------------------------------------------------------------------


def sum_kpi(plan: Plan, measure: str) -> Kpi | None:
    """The plan's first sum KPI on `measure` (units or value), or None."""
    kpi = plan.kpi_for(measure)
    return kpi if kpi is not None and kpi.is_sum else None


def store_info(plan: Plan, stores: pd.Index) -> pd.DataFrame:
    """The plan's facts about each store (NaN / None for stores not in the plan)."""
    frame = plan.store_frame(active_only=False)
    frame = frame[~frame.index.duplicated()].reindex(stores)
    return frame.rename(columns={"name": "store_name"})


def _week_ends(plan: Plan) -> np.ndarray:
    """End date of weeks 0..n as datetime64[D] (week 0 = no date)."""
    ends = np.array([w.end for w in plan.weeks], dtype="datetime64[D]")
    return np.concatenate([np.array(["NaT"], dtype="datetime64[D]"), ends])


def _data_week_columns(plan: Plan, data: WeekData) -> dict:
    ids = np.array([None] + [w.id for w in plan.weeks], dtype=object)
    dates = np.array([None] + [w.end for w in plan.weeks], dtype=object)
    entered = data.entered("units").sum(axis=1)
    return {
        "data_week": data.data_week,
        "data_week_id": ids[data.data_week],
        "as_of_date": dates[data.data_week],
        "weeks_entered": entered,
        "weeks_missing": data.review_week - entered,
    }


def _sell_out_columns(plan: Plan, targets: Targets, data: WeekData, info: pd.DataFrame, measure: str) -> dict:
    """Actual and target to date, forecast, growth and baseline of units or value."""
    season = np.array([w.season_weight for w in plan.weeks], dtype=float)
    entered = data.entered(measure)
    kpi = sum_kpi(plan, measure)
    kpi_id = kpi.id if kpi else ""
    week_targets = targets.week_targets(kpi_id, data.stores, [w.id for w in plan.weeks])
    actual = data.summed(measure, entered)
    target = targets.store_targets(kpi_id, data.stores)
    weeks = entered.sum(axis=1)
    season_entered = np.where(entered, season, 0.0).sum(axis=1)
    forecast = forecasts(actual, season.sum(), season_entered)
    baseline = info[f"base_{measure}"].to_numpy(dtype=float) * weeks
    prefix = "" if measure == "units" else "value_"
    return {
        f"{measure}_actual": actual,
        f"{measure}_target_to_date": np.where(entered, week_targets, 0.0).sum(axis=1),
        f"{measure}_target": target,
        f"{prefix}season_entered": season_entered,
        **({} if measure == "units" else {"value_weeks_entered": weeks}),
        f"{measure}_forecast": forecast,
        f"baseline_{measure}_to_date": baseline,
    }


def _share_columns(plan: Plan, data: WeekData, info: pd.DataFrame) -> dict:
    """The parts of share, baseline share and competitor share."""
    season = np.array([w.season_weight for w in plan.weeks], dtype=float)
    both = data.entered("units") & data.entered("category")
    rival = data.entered("competitor") & data.entered("category")
    return {
        "season_all": np.full(len(data.stores), season.sum()),
        "share_units": data.summed("units", both),
        "share_category": data.summed("category", both),
        "share_season_entered": np.where(both, season, 0.0).sum(axis=1),
        "competitor_units": data.summed("competitor", rival),
        "competitor_category": data.summed("category", rival),
        "base_units": info["base_units"].to_numpy(dtype=float),
        "base_value": info["base_value"].to_numpy(dtype=float),
        "base_category": info["category_units"].to_numpy(dtype=float),
    }


def _display_promoter_columns(data: WeekData) -> dict:
    checked = data.entered("display")
    reported = data.entered("units") | data.entered("promoter_present")  # the plan prefills every week's plan
    planned = data.entered("promoter_planned") & reported
    present = np.where(planned, np.nan_to_num(data.values["promoter_present"]), 0.0).sum(axis=1)
    return {
        "display_yes": np.where(checked, data.values["display"] == 1.0, False).sum(axis=1).astype(float),
        "display_checked": checked.sum(axis=1).astype(float),
        "promoter_present_sum": present,
        "promoter_planned_sum": data.summed("promoter_planned", planned),
    }


def has_text(column: pd.Series) -> np.ndarray:
    """Cells that hold something (a number, or text other than spaces)."""
    filled = column.notna().to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_numeric_dtype(column.dtype) or not filled.any():
        return filled
    at = np.flatnonzero(filled)
    filled[at] = column.iloc[at].astype(str).str.strip().ne("").to_numpy(dtype=bool)
    return filled


def is_status(column: pd.Series, status: str) -> np.ndarray:
    return column.eq(status).fillna(False).to_numpy(dtype=bool)


def to_days(column: pd.Series) -> np.ndarray:
    return pd.to_datetime(column, errors="coerce").to_numpy().astype("datetime64[D]")


def program_rows(plan: Plan, entries: Entries, stores: pd.Index) -> pd.DataFrame:
    """The store tabs' program rows with the plan's start, end and cost per store."""
    catalogue = pd.DataFrame(
        {
            "program_id": pd.Series([p.id for p in plan.programs], dtype=object),
            "start": pd.to_datetime([p.start for p in plan.programs]),
            "end": pd.to_datetime([p.end for p in plan.programs]),
            "plan_cost": [float(p.cost_per_store) for p in plan.programs],
        }
    ).drop_duplicates("program_id")
    rows = entries.programs[entries.programs["store_id"].isin(stores)]
    rows = rows.astype({"program_id": object}).merge(catalogue, on="program_id", how="left")
    return rows.assign(position=stores.get_indexer(rows["store_id"]))


def _per_store(position: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(position, weights=np.asarray(weights, dtype=float), minlength=size)


def _program_columns(plan: Plan, entries: Entries, data: WeekData) -> dict:
    rows = program_rows(plan, entries, data.stores)
    at = rows["position"].to_numpy()
    as_of = _week_ends(plan)[data.data_week][at]
    dropped_for_reason = is_status(rows["status"], "dropped") & has_text(rows["note"])
    applicable = (to_days(rows["start"]) <= as_of) & ~dropped_for_reason
    done = is_status(rows["status"], "done")
    cost = rows["cost"].astype(float).fillna(rows["plan_cost"]).to_numpy(dtype=float)
    size = len(data.stores)
    return {
        "programs_done": _per_store(at, applicable & done, size),
        "programs_applicable": _per_store(at, applicable, size),
        "investment": _per_store(at, np.where(done, cost, 0.0), size),
    }


def _action_columns(plan: Plan, entries: Entries, data: WeekData) -> dict:
    rows = entries.actions[entries.actions["store_id"].isin(data.stores)]
    at = data.stores.get_indexer(rows["store_id"])
    as_of = _week_ends(plan)[data.data_week][at]
    due = has_text(rows["text"]) & (to_days(rows["due"]) <= as_of) & ~is_status(rows["status"], "dropped")
    done = due & is_status(rows["status"], "done")
    size = len(data.stores)
    return {"actions_done": _per_store(at, done, size), "actions_due": _per_store(at, due, size)}


def _channel_columns(plan: Plan, data: WeekData, info: pd.DataFrame) -> dict:
    """Sell-in, stock gap, sell-through parts, push weeks, visits made and planned (metrics/channel.py)."""
    channel = channel_columns(plan, data)
    known = ~np.isnan(channel["closing_stock"])
    sold = data.summed("units", data.entered("units"))
    out = {key: value for key, value in channel.items() if not key.startswith("_") and key != "sell_through"}
    out["sell_through_units"] = np.where(known, sold, 0.0)
    out["sell_through_base"] = np.where(known, sold + np.nan_to_num(channel["closing_stock"]), 0.0)
    return out | visit_columns(plan, data, info["store_tier"].to_numpy(dtype=object))


def ratio_columns(parts) -> dict:
    """Every ratio of RATIOS, the share differences and ROI, from their parts."""
    out = {name: ratios(parts[num], parts[den]) + shift for name, (num, den, shift) in RATIOS.items()}
    out["share_change"] = out["share"] - out["baseline_share"]
    out["share_gap_vs_competitor"] = out["share"] - out["competitor_share"]
    out["roi"] = ratios(parts["incremental_margin"] - parts["investment"], parts["investment"])
    return out


def _money_columns(plan: Plan, cols: dict) -> dict:
    """Incremental units and margin and the retailer's gain (blank when no week has the measure)."""
    units_gain = cols["units_actual"] - cols["baseline_units_to_date"]
    incremental = np.where(cols["weeks_entered"] > 0, units_gain, np.nan)
    value_gain = cols["value_actual"] - cols["baseline_value_to_date"]
    gain = np.where(cols["value_weeks_entered"] > 0, value_gain, np.nan) * plan.account.retailer_margin
    return {
        "incremental_units": incremental,
        "incremental_margin": incremental * plan.account.margin_per_unit,
        "retailer_gain": gain,
    }


def _kpi_columns(plan: Plan, targets: Targets, stores: pd.Index, cols: dict) -> dict:
    out = {}
    for kpi in plan.kpis:
        if kpi.is_sum:
            actual_col, to_date_col = SUM_PARTS[kpi.measure]
            actual, target = cols[actual_col], cols[to_date_col]
            out[f"{kpi.id}_target_to_date"] = target
            out[f"{kpi.id}_target"] = cols[f"{kpi.measure}_target"]
            att = ratios(actual, target)
        else:
            actual, target = cols[RATE_PARTS[kpi.measure][0]], targets.store_targets(kpi.id, stores)
            out[f"{kpi.id}_target"] = target
            att = attainments(actual, target, kpi.direction)
        out.update(kpi_result(kpi, actual, att))
    return out


def kpi_result(kpi: Kpi, actual, att) -> dict:
    return {
        f"{kpi.id}_actual": actual,
        f"{kpi.id}_attainment": att,
        f"{kpi.id}_capped": capped(att, kpi.cap),
        f"{kpi.id}_rag": rags(att, kpi.green, kpi.amber),
    }


def group_mean(plan: Plan, cols: dict, suffix: str, group: str | None, size: int) -> np.ndarray:
    """Weighted mean of the KPIs' `suffix` columns (all KPIs, or one group's)."""
    kpis = [k for k in plan.kpis if group is None or k.group == group]
    return weighted_means([cols[f"{k.id}_{suffix}"] for k in kpis], [k.weight for k in kpis], size)


def score_columns(
    plan: Plan,
    cols: dict,
    size: int,
    score: np.ndarray | None = None,
    execution: np.ndarray | None = None,
) -> dict:
    """Execution score, score, score RAG, result attainment and quadrant (given or computed)."""
    acc = plan.account
    if execution is None:
        execution = group_mean(plan, cols, "actual", "execution", size)
    fraction = group_mean(plan, cols, "capped", None, size) if score is None else score / 100.0
    result = group_mean(plan, cols, "capped", "result", size)
    return {
        "execution_score": execution,
        "score": fraction * 100.0,
        "score_rag": rags(np.round(fraction * 100.0, SCORE_DECIMALS) / 100.0, acc.score_green, acc.score_amber),
        "result_attainment": result,
        "quadrant": quadrants(execution, result, acc.execution_threshold),
    }


def column_order(cols: dict, plan: Plan, first: Sequence[str] = ()) -> list[str]:
    """`first`, then each KPI's columns, then HEADLINE, then the parts."""
    kpi = [f"{k.id}_{suffix}" for k in plan.kpis for suffix in KPI_SUFFIXES]
    head = list(dict.fromkeys(c for c in (*first, *kpi, *HEADLINE) if c in cols))
    return head + [c for c in cols if c not in set(head)]


def labelled_frame(cols: dict, index: pd.Index, order: list[str]) -> pd.DataFrame:
    """A DataFrame in `order` whose text columns keep None for blanks (object dtype)."""
    frame = pd.DataFrame({k: v for k, v in cols.items() if k not in LABEL_COLUMNS}, index=index)
    for name in [c for c in cols if c in LABEL_COLUMNS or np.asarray(cols[c]).dtype == object]:
        values = np.asarray(cols[name], dtype=object)
        frame[name] = pd.Series(np.where(pd.isna(values), None, values), index=index, dtype=object)
    return frame[order]


def _identity(info: pd.DataFrame) -> dict:
    return {c: info[c].to_numpy(dtype=object) for c in ("store_name", "sr_id", "sr_name", "region", "store_tier")}


def store_metrics(
    plan: Plan,
    targets: Targets,
    entries: Entries,
    as_of: int | None = None,
    data: WeekData | None = None,
) -> pd.DataFrame:
    """Every metric of docs/metrics.md for each store of `entries` (index store_id); `data` is
    week_data(plan, entries, as_of) when the caller has it already."""
    data = data or week_data(plan, entries, as_of)
    info = store_info(plan, data.stores)
    cols = _identity(info) | _data_week_columns(plan, data)
    for measure in ("units", "value"):
        cols |= _sell_out_columns(plan, targets, data, info, measure)
    cols |= _share_columns(plan, data, info)
    cols |= _display_promoter_columns(data) | _program_columns(plan, entries, data)
    cols |= _action_columns(plan, entries, data)
    cols |= _channel_columns(plan, data, info)
    cols |= _money_columns(plan, cols)
    cols |= ratio_columns(cols)
    cols |= _kpi_columns(plan, targets, data.stores, cols)
    cols |= score_columns(plan, cols, len(data.stores))
    first = [
        "store_name",
        "sr_id",
        "sr_name",
        "region",
        "store_tier",
        "data_week",
        "data_week_id",
        "as_of_date",
        "weeks_entered",
        "weeks_missing",
    ]
    return labelled_frame(cols, data.stores, column_order(cols, plan, first))

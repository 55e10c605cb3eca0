"""Target allocation (docs/metrics.md): share HQ KPI targets over stores and weeks, with a trace."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kam_xl.errors import AllocationError
from kam_xl.lang.words import check_language
from kam_xl.model.plan import Kpi, Plan, Store

if TYPE_CHECKING:
    import pandas as pd

BASES = ("baseline", "tier", "equal", "manual")
DEFAULT_BASIS = "baseline"  # a sum KPI whose basis is left empty is allocated by baseline x tier
MEASURE_COLUMNS = {"units": "base_units", "value": "base_value"}
KPI_COLUMNS = (
    "kpi_id",
    "basis",
    "baseline",
    "weight",
    "weight_source",
    "weight_total",
    "share",
    "raw",
    "lower",
    "upper",
    "bound",
    "target",
    "explanation",
    # extra columns the explanation is built from
    "hq_target",
    "store_tier",
    "tier_factor",
    "min_growth",
    "max_growth",
)
_DECIMALS = 6  # caps are rounded to this many decimals before ceil/floor (1000 * 1.1 != 1100.0)


# ---------------------------------------------------------------------------
# Numeric core
# ---------------------------------------------------------------------------


def _level(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float):
    """(values, lam): clip(a + b*lam, lo, hi) summing to `total`, or None if no lam does.

    b >= 0, lo finite, lo <= hi (hi may be inf). The sum is piecewise linear and
    non-decreasing in lam, so lam is found exactly from the sorted breakpoints.
    lam is None when no item moves with lam (all b == 0).
    """
    moving = b > 0
    out = np.clip(a, lo, hi)
    need = total - out[~moving].sum() - lo[moving].sum()
    if not moving.any():
        return (out, None) if abs(need) <= _tolerance(total) else None
    am, bm, lom, him = a[moving], b[moving], lo[moving], hi[moving]
    if need < -_tolerance(total) or need > (him - lom).sum() + _tolerance(total):
        return None
    finite = np.isfinite(him)
    start = (lom - am) / bm  # lam where an item leaves its lower bound
    stop = ((him - am) / bm)[finite]  # lam where it reaches its upper bound
    lam = _solve_breakpoints(start, bm, stop, bm[finite], need)
    out[moving] = np.clip(am + bm * lam, lom, him)
    return out, lam


def _solve_breakpoints(start, slope, stop, stop_slope, need):
    """lam with sum(slope * (max(0, lam-start) - max(0, lam-stop))) == need (need >= 0)."""

    def sorted_sums(at, rate):
        order = np.argsort(at, kind="stable")
        zero = np.zeros(1)
        rates = np.concatenate([zero, np.cumsum(rate[order])])
        moments = np.concatenate([zero, np.cumsum((rate * at)[order])])
        return at[order], rates, moments

    s_at, s_rate, s_mom = sorted_sums(start, slope)
    e_at, e_rate, e_mom = sorted_sums(stop, stop_slope)
    points = np.sort(np.concatenate([s_at, e_at]))
    i = np.searchsorted(s_at, points, side="right")
    j = np.searchsorted(e_at, points, side="right")
    values = (points * s_rate[i] - s_mom[i]) - (points * e_rate[j] - e_mom[j])
    k = int(np.searchsorted(values, need, side="left"))
    if k == 0:
        return points[0]
    if k == len(points):  # beyond the last breakpoint only the uncapped items move
        rest = slope.sum() - stop_slope.sum()
        return points[-1] + (need - values[-1]) / rest if rest > 0 else points[-1]
    x0, x1, y0, y1 = points[k - 1], points[k], values[k - 1], values[k]
    return x1 if y1 <= y0 else x0 + (need - y0) * (x1 - x0) / (y1 - y0)


def _tolerance(total: float) -> float:
    return 1e-6 * max(1.0, abs(total))


def _round_within(ideal: np.ndarray, total: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whole numbers within [lo, hi] summing to `total`, by largest remainder from `ideal`."""
    base = np.clip(np.floor(ideal), lo, hi)
    rem = ideal - base
    short = int(round(total - base.sum()))
    while short:
        step = 1 if short > 0 else -1
        room = np.flatnonzero(base < hi if step > 0 else base > lo)
        if not len(room):
            raise AllocationError(f"cannot round to a total of {total:,} within the bounds")
        order = room[np.argsort(-rem[room] * step, kind="stable")][: abs(short)]
        base[order] += step
        rem[order] -= step
        short -= step * len(order)
    return base.astype(np.int64)


def _proportional(values: np.ndarray, total: int) -> np.ndarray:
    """`values` scaled to sum to `total` (shifted evenly when they cannot be scaled)."""
    current = values.sum()
    if (values >= 0).all() and current > 0:
        return values / current * total
    return values + (total - current) / len(values)


def largest_remainder(values, total: int, lower=None, upper=None) -> np.ndarray:
    """Whole numbers summing exactly to `total`, closest to `values`, within [lower, upper].

    `values` are the ideal amounts; when they do not sum to `total` they are scaled
    proportionally first. `lower`/`upper` are arrays of whole numbers (None = no bound).
    Raises AllocationError when the bounds cannot hold `total`.
    """
    v = np.asarray(values, dtype=float).reshape(-1)
    total = int(total)
    if not np.isfinite(v).all():
        raise ValueError("largest_remainder: values must be finite numbers")
    if not len(v):
        if total:
            raise AllocationError(f"cannot share {total:,} over nothing")
        return np.zeros(0, dtype=np.int64)
    ideal = _proportional(v, total)
    hi = _bound_array(upper, len(v), np.inf, np.floor)
    below_all = math.floor(min(ideal.min(), hi.min())) - 1.0  # "no lower bound"
    lo = _bound_array(lower, len(v), below_all, np.ceil)
    _check_bounds(lo, hi, total)
    if lower is not None or upper is not None:
        ideal, _ = _level(ideal, np.ones_like(ideal), lo, hi, total)
    return _round_within(ideal, total, lo, hi)


def _bound_array(bound, n: int, default: float, to_int) -> np.ndarray:
    """A float array of whole-number bounds; None or NaN entries become `default`."""
    if bound is None:
        return np.full(n, default)
    arr = np.asarray(bound, dtype=float).reshape(-1)
    if len(arr) != n:
        raise ValueError(f"expected {n} bounds, got {len(arr)}")
    arr = to_int(np.round(arr, _DECIMALS))
    return np.where(np.isnan(arr), default, arr)


def _check_bounds(lo: np.ndarray, hi: np.ndarray, total: int) -> None:
    if (lo > hi).any():
        i = int(np.argmax(lo > hi))
        raise AllocationError(f"item {i} has lower bound {lo[i]:,.0f} above upper bound {hi[i]:,.0f}")
    if lo.sum() > total:
        raise AllocationError(f"the lower bounds need at least {lo.sum():,.0f} but the total is {total:,}")
    if hi.sum() < total:
        raise AllocationError(f"the upper bounds allow at most {hi.sum():,.0f} but the total is {total:,}")


# ---------------------------------------------------------------------------
# Sharing one total over stores
# ---------------------------------------------------------------------------


def _prefix(label: str) -> str:
    return f"{label}: " if label else ""


def _whole_total(total: float, label: str = "") -> int:
    """The HQ target rounded half up to a whole number; it must be a number >= 0."""
    try:
        value = float(total)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise AllocationError(f"{_prefix(label)}the HQ target must be a number >= 0, got {total!r}")
    return int(math.floor(value + 0.5))


def _names(ids: Sequence, mask) -> str:
    names = [str(x) for x, chosen in zip(ids, np.asarray(mask).tolist(), strict=True) if chosen]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


def _cap_arrays(lower, upper, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole-number caps [ceil(lower), floor(upper)] of n stores; lower is at least 0."""
    lo = np.maximum(_bound_array(lower, n, 0.0, np.ceil), 0.0)
    hi = _bound_array(upper, n, np.inf, np.floor)
    return lo, hi


def _check_caps(total: int, w: np.ndarray, lo: np.ndarray, hi: np.ndarray, ids: Sequence, label: str) -> None:
    """Raise AllocationError, with the numbers, when the caps cannot hold the total."""
    p = _prefix(label)
    if not len(w) and total > 0:
        raise AllocationError(f"{p}there are no active stores to share the HQ target {total:,} over")
    if (lo > hi).any():
        i = int(np.argmax(lo > hi))
        raise AllocationError(
            f"{p}the growth caps of store(s) {_names(ids, lo > hi)} leave no whole-number target "
            f"(for {ids[i]} the min rounds up to {lo[i]:,.0f} and the max down to {hi[i]:,.0f}); "
            "widen the growth caps or check the baseline"
        )
    if lo.sum() > total:
        raise AllocationError(
            f"{p}the growth caps require at least {lo.sum():,.0f} in total but the HQ target is "
            f"{total:,}; lower min growth or raise the target"
        )
    if hi.sum() < total:
        raise AllocationError(
            f"{p}the growth caps allow at most {hi.sum():,.0f} in total but the HQ target is "
            f"{total:,}; raise max growth or lower the target"
        )
    if w.sum() <= 0 and total > lo.sum():
        raise AllocationError(
            f"{p}all store weights are zero, so the HQ target {total:,} cannot be shared; "
            "give the stores a baseline, a tier factor or a weight override"
        )
    reachable = np.where(w > 0, hi, lo).sum()
    if reachable < total:
        raise AllocationError(
            f"{p}the stores with a weight can take at most {reachable:,.0f} in total under the "
            f"growth caps but the HQ target is {total:,}; raise max growth or give more stores a weight"
        )


@dataclass(frozen=True)
class Shares:
    """A total shared over stores (plain arrays, in the stores' order): raw = total × w / sum w, target (whole
    numbers summing to the total) and bound ("min", "max" or "": the cap the store was held at)."""

    raw: np.ndarray
    target: np.ndarray
    bound: np.ndarray


def share_total(total: float, w: np.ndarray, lower, upper, ids: Sequence, label: str = "") -> Shares:
    """Share `total` over stores in proportion to their weights `w`, within caps (arrays by position; None or
    NaN = no cap). The total is rounded to a whole number; caps become whole numbers [ceil(lower),
    floor(upper)]. Stores pushed past a cap are held at it and the difference goes to the other stores in
    proportion to their weights, until stable. Raises AllocationError, naming `label`, the stores (`ids`) and
    the numbers, when the caps cannot be met."""
    whole = _whole_total(total, label)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise AllocationError(f"{_prefix(label)}store(s) {_names(ids, bad)} have a negative or missing weight")
    lo, hi = _cap_arrays(lower, upper, len(w))
    _check_caps(whole, w, lo, hi, ids, label)
    w_sum = w.sum()
    raw = whole * w / w_sum if w_sum > 0 else np.zeros_like(w)
    solved = _level(np.zeros_like(w), w, lo, hi, whole)
    if solved is None:  # _check_caps should have caught it
        raise AllocationError(f"{_prefix(label)}the HQ target {whole:,} cannot be shared within the caps")
    capped, lam = solved
    return Shares(raw, _round_within(capped, whole, lo, hi), _bound_marks(lam, w, lo, hi))


def allocate(total: float, weights, lower=None, upper=None, *, label: str = "") -> pd.DataFrame:
    """share_total for a pandas caller: `weights` a Series (or anything a Series is made of), `lower`/`upper`
    given as Series matched to the weights by index, arrays by position. Columns raw, target and bound, indexed
    as the weights."""
    import pandas as pd  # imported here: store tabs are written without pandas

    weights = weights if isinstance(weights, pd.Series) else pd.Series(weights)

    def aligned(bound):
        if bound is None:
            return None
        return bound.reindex(weights.index) if isinstance(bound, pd.Series) else bound

    ids = list(weights.index)
    shares = share_total(total, weights.to_numpy(dtype=float), aligned(lower), aligned(upper), ids, label)
    return pd.DataFrame({"raw": shares.raw, "target": shares.target, "bound": shares.bound}, index=weights.index)


def _bound_marks(lam: float | None, w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """ "max"/"min" for the stores whose proportional amount lam*w lies beyond a cap."""
    prop = np.zeros_like(w) if lam is None else lam * w
    tol = 1e-9 * np.maximum(1.0, np.abs(prop))
    marks = np.where(prop > hi + tol, "max", np.where(prop < lo - tol, "min", ""))
    return marks.astype(object)


# ---------------------------------------------------------------------------
# Store weights and one KPI
# ---------------------------------------------------------------------------


def _basis(kpi: Kpi) -> str:
    basis = kpi.basis or DEFAULT_BASIS
    if basis not in BASES:
        raise AllocationError(f"KPI {kpi.id}: unknown allocation basis {basis!r}; use one of {', '.join(BASES)}")
    return basis


def _number(value: object) -> float:
    """A Stores sheet's number as a float, as pandas' to_numeric(errors="coerce") reads it: numbers and numeric
    text as floats, a blank or anything else NaN."""
    if isinstance(value, str) and "_" in value:  # float() reads "1_000"; a number in a sheet has no "_"
        return math.nan
    try:
        return float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return math.nan


def _numbers(values) -> np.ndarray:
    return np.array([_number(v) for v in values], dtype=float)


@dataclass(frozen=True)
class StoreWeights:
    """Each store's weight for one KPI (docs/metrics.md), in the order of `ids`: baseline (period baseline of the
    KPI's measure), weight, source ("baseline", "tier", "equal" or "manual"), tier and tier factor."""

    ids: list[str]
    baseline: np.ndarray
    weight: np.ndarray
    source: np.ndarray
    tier: list[str]
    factor: np.ndarray


def _period_baseline(stores: Sequence[Store], kpi: Kpi, n_weeks: int, needed: bool) -> np.ndarray:
    column = MEASURE_COLUMNS.get(kpi.measure)
    if column is None:
        raise AllocationError(
            f"KPI {kpi.id}: a sum KPI must measure {' or '.join(MEASURE_COLUMNS)}, not {kpi.measure!r}"
        )
    weekly = _numbers(getattr(s, column) for s in stores)
    if needed and np.isnan(weekly).any():
        raise AllocationError(
            f"KPI {kpi.id}: store(s) {_names([s.store_id for s in stores], np.isnan(weekly))} have no baseline "
            f"{kpi.measure} per week; fill it in Stores"
        )
    return weekly * n_weeks


def _tier_factors(stores: Sequence[Store], kpi: Kpi, tier_factors: dict, needed: bool) -> np.ndarray:
    factors = _numbers(tier_factors.get(s.store_tier) for s in stores)
    if needed and np.isnan(factors).any():
        missing = np.isnan(factors)
        tiers = sorted({str(s.store_tier) for s, lost in zip(stores, missing.tolist(), strict=True) if lost})
        raise AllocationError(
            f"KPI {kpi.id}: store(s) {_names([s.store_id for s in stores], missing)} have tier {', '.join(tiers)} "
            f"with no tier factor (known tiers: {', '.join(map(str, tier_factors))})"
        )
    return factors


def store_weights(stores: Sequence[Store], kpi: Kpi, tier_factors: dict, n_weeks: int) -> StoreWeights:
    """Each store's weight for `kpi` (docs/metrics.md), by the KPI's basis.

    The Stores sheet's weight override is the weight of the "manual" basis only: other bases
    ignore it, because one number cannot be on the scale of both a units and a value weight.
    """
    basis = _basis(kpi)
    capped = kpi.min_growth is not None or kpi.max_growth is not None
    baseline = _period_baseline(stores, kpi, n_weeks, needed=basis == "baseline" or capped)
    factor = _tier_factors(stores, kpi, tier_factors, needed=basis in ("baseline", "tier"))
    override = _numbers(s.weight_override for s in stores)
    has = ~np.isnan(override) & (basis == "manual")
    ids = [s.store_id for s in stores]
    if basis == "manual" and not has.all():
        raise AllocationError(
            f"KPI {kpi.id} uses manual weights but store(s) {_names(ids, ~has)} have no "
            "weight override; fill their weight in Stores"
        )
    computed = {"baseline": baseline * factor, "tier": factor}.get(basis, np.ones(len(ids)))
    weight = np.where(has, override, computed).astype(float)
    return StoreWeights(ids, baseline, weight, np.where(has, "manual", basis), [s.store_tier for s in stores], factor)


def _growth_cap(baseline: np.ndarray, growth: float | None) -> np.ndarray:
    if growth is None:
        return np.full(len(baseline), np.nan)
    return baseline * (1.0 + growth)


@dataclass(frozen=True)
class KpiShares:
    """One sum KPI's allocation over the active stores, column by column in store order (KPI_COLUMNS but the
    explanation; a column the same for every store is one value in `same`)."""

    ids: list[str]
    columns: dict[str, np.ndarray | list]
    same: dict[str, object]

    def frame(self) -> pd.DataFrame:
        """One row per store (index store_id), columns KPI_COLUMNS, the explanation in English."""
        import pandas as pd  # imported here: store tabs are written without pandas

        data = {name: self.columns[name] if name in self.columns else self.same.get(name, "") for name in KPI_COLUMNS}
        frame = pd.DataFrame(data, index=pd.Index(self.ids, name="store_id"))
        frame["explanation"] = [explain(row) for row in frame.to_dict("records")]
        return frame

    def rows(self) -> dict[str, dict]:
        """store id -> that store's row (plain Python values, as DataFrame.to_dict gives them), without the
        explanation."""
        columns = {
            name: values.tolist() if isinstance(values, np.ndarray) else values for name, values in self.columns.items()
        }
        same = {name: value.item() if isinstance(value, np.generic) else value for name, value in self.same.items()}
        names = list(columns)
        out = {}
        for index, store_id in enumerate(self.ids):
            row = dict(same)
            for name in names:
                row[name] = columns[name][index]
            out[store_id] = row
        return out


def kpi_shares(plan: Plan, kpi: Kpi) -> KpiShares:
    """The allocation of one sum KPI over the plan's active stores, with its trace (no pandas)."""
    if not kpi.is_sum:
        raise AllocationError(f"KPI {kpi.id} is a rate KPI: its targets come from the tier targets")
    if kpi.hq_target is None:
        raise AllocationError(f"KPI {kpi.id} has no HQ target; fill it in Objectives")
    stores = plan.active_stores
    weights = store_weights(stores, kpi, dict(plan.account.tier_factors), len(plan.weeks))
    lower = _growth_cap(weights.baseline, kpi.min_growth)
    upper = _growth_cap(weights.baseline, kpi.max_growth)
    shares = share_total(kpi.hq_target, weights.weight, lower, upper, weights.ids, label=f"KPI {kpi.id}")
    weight_total = float(weights.weight.sum())
    share = weights.weight / weight_total if weight_total > 0 else weights.weight * 0.0
    columns = {
        "baseline": weights.baseline,
        "weight": weights.weight,
        "weight_source": weights.source,
        "share": share,
        "raw": shares.raw,
        "lower": lower,
        "upper": upper,
        "bound": shares.bound,
        "target": shares.target,
        "store_tier": weights.tier,
        "tier_factor": weights.factor,
    }
    same = {
        "kpi_id": kpi.id,
        "basis": _basis(kpi),
        "weight_total": weight_total,
        "hq_target": _whole_total(kpi.hq_target),
        "min_growth": np.nan if kpi.min_growth is None else kpi.min_growth,
        "max_growth": np.nan if kpi.max_growth is None else kpi.max_growth,
    }
    return KpiShares(weights.ids, columns, same)


def allocate_kpi(plan: Plan, kpi: Kpi) -> pd.DataFrame:
    """The allocation of one sum KPI over the plan's active stores, with its trace.

    One row per active store (index store_id); columns in KPI_COLUMNS.
    """
    return kpi_shares(plan, kpi).frame()


# ---------------------------------------------------------------------------
# The trace in words
# ---------------------------------------------------------------------------

_WORDS = {
    "en": {
        "baseline": "weight {w} = baseline {b} × tier {t} {f}",
        "tier": "weight {w} = tier {t} factor",
        "equal": "equal weights",
        "manual": "manual weight {w}",
        "override": "weight override {w}",
        "plain": "{target} = {total} × {share} ({weight})",
        "moved": "{target}: {total} × {share} = {raw} ({weight})",
        "rounded": "{target}: {total} × {share} = {raw}; {d} when rounding the stores to whole units",
        "max": "; capped at {g} growth (max {target})",
        "min": "; raised to {g} growth (min {target})",
        "more": "; {d} redistributed from stores at their growth cap",
        "less": "; {d} redistributed to stores at their minimum growth",  # {n}: the amount without its sign
    },
    "zh": {
        "baseline": "权重 {w} = 基线 {b} × {t}级系数 {f}",
        "tier": "权重 {w} = {t}级系数",
        "equal": "平均权重",
        "manual": "手动权重 {w}",
        "override": "指定权重 {w}",
        "plain": "{target} = {total} × {share}（{weight}）",
        "moved": "{target}：{total} × {share} = {raw}（{weight}）",
        "rounded": "{target}：{total} × {share} = {raw}；各店取整时调整 {d}",
        "max": "；受增长上限 {g} 限制（上限 {target}）",
        "min": "；受增长下限 {g} 限制（下限 {target}）",
        "more": "；另加 {d}（来自受增长上限限制的门店）",
        "less": "；减少 {n}（补给受增长下限限制的门店）",
    },
}


def _num(x: float) -> str:
    """1,234 for whole numbers, else up to two decimals (1.2, 1,234.57)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "?"
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _pct(share: float) -> str:
    """A share as a percent with two significant digits or more (48%, 0.82%, 0.018%)."""
    p = share * 100
    if p <= 0:
        return "0%"
    digits = min(6, max(2, 1 - math.floor(math.log10(p))))
    return f"{p:,.{digits}f}".rstrip("0").rstrip(".") + "%"


def _growth(g: float) -> str:
    return f"{g * 100:+.1f}".rstrip("0").rstrip(".") + "%"


def _weight_text(row: Mapping, words: dict) -> str:
    return words[row["weight_source"]].format(
        w=_num(row["weight"]),
        b=_num(row["baseline"]),
        t=row["store_tier"],
        f=_num(row["tier_factor"]),
    )


def exact_share(total: float, share: float) -> tuple[str, int]:
    """The share as printed (a percent with as many digits as it takes) and total × that share rounded to a whole
    number: the digits grow until the printed share gives the same whole number as the exact one, so the trace
    recomputes on a calculator."""
    whole = round(total * share)
    text = _pct(share)
    for digits in range(2, 12):
        shown = f"{share * 100:,.{digits}f}".rstrip("0").rstrip(".")
        if round(total * float(shown.replace(",", "")) / 100) == whole:
            text = shown + "%"
            break
    if share <= 0:
        text = "0%"
    return text, whole


def explain(row: Mapping, lang: str = "en") -> str:
    """The allocation trace of one store as one sentence, in English ("en") or Chinese ("zh"): total × share (with
    enough digits to recompute), then each adjustment as its own signed term (rounding to whole units,
    redistribution from or to the stores at a growth cap) or the cap itself.

    `row` is a row of allocate_kpi (a Series or a dict).
    """
    words = _WORDS[check_language(lang)]
    target, bound = int(row["target"]), row["bound"]
    share_text, whole = exact_share(float(row["hq_target"]), float(row["share"]))
    parts = {
        "target": _num(target),
        "total": _num(row["hq_target"]),
        "share": share_text,
        "raw": _num(whole),
        "weight": _weight_text(row, words),
    }
    if bound in ("max", "min"):
        cap = row["max_growth"] if bound == "max" else row["min_growth"]
        return words["moved"].format(**parts) + words[bound].format(g=_growth(cap), target=parts["target"])
    delta = target - whole
    if delta == 0:
        return words["plain"].format(**parts)
    signed = f"{delta:+,}".replace("-", "−")
    if abs(target - float(row["raw"])) < 1:  # only the rounding of the stores to whole units moved it
        return words["rounded"].format(**parts, d=signed)
    extra = words["more" if delta > 0 else "less"].format(d=signed, n=f"{abs(delta):,}")
    return words["moved"].format(**parts) + extra


# ---------------------------------------------------------------------------
# Weeks, rate KPIs and the whole plan
# ---------------------------------------------------------------------------


def week_shares(targets, season_weights) -> np.ndarray:
    """Each store's target spread over the weeks by season weight, in whole numbers: one row per store (in the
    order of `targets`), one column per week; each row sums exactly to its (whole-number) target, by largest
    remainder."""
    t = np.asarray(targets, dtype=float).reshape(-1)
    if not np.isfinite(t).all() or (t < 0).any():
        raise AllocationError("week targets: store targets must be numbers >= 0")
    t = np.rint(t)
    s = np.asarray(season_weights, dtype=float).reshape(-1)
    if not np.isfinite(s).all() or (s < 0).any():
        raise AllocationError("the calendar's season weights must be numbers >= 0")
    if s.sum() <= 0:
        if t.any():
            raise AllocationError("the calendar has no weeks with a season weight above 0")
        return np.zeros((len(t), len(s)), dtype=np.int64)
    return _round_rows(np.outer(t, s / s.sum()), t)


def week_targets(targets: pd.Series, season_weights) -> pd.DataFrame:
    """week_shares as a frame: index = the stores of `targets`, columns = week positions 0..n-1."""
    import pandas as pd  # imported here: store tabs are written without pandas

    targets = targets if isinstance(targets, pd.Series) else pd.Series(targets)
    return pd.DataFrame(week_shares(targets.to_numpy(dtype=float), season_weights), index=targets.index)


def _round_rows(raw: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Largest-remainder rounding of each row of `raw` to its total, vectorised."""
    base = np.floor(raw)
    short = np.rint(totals - base.sum(axis=1)).astype(np.int64)
    order = np.argsort(base - raw, axis=1, kind="stable")  # largest remainder first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(raw.shape[1]), raw.shape), axis=1)
    out = (base + (rank < short[:, None])).astype(np.int64)
    for i in np.flatnonzero((short < 0) | (short > raw.shape[1])):  # float accident: slow path
        out[i] = largest_remainder(raw[i], int(totals[i]))
    return out


def _rate_values(plan: Plan, kpi: Kpi) -> list[float]:
    """A rate KPI's target per active store (in plan order): the target of the store's tier (NaN if none)."""
    values = [kpi.tier_target(s.store_tier) for s in plan.active_stores]
    return [np.nan if v is None else float(v) for v in values]


def rate_kpi_targets(plan: Plan, kpi: Kpi) -> pd.Series:
    """A rate KPI's target per active store (index store_id): the target of the store's tier (NaN if none)."""
    import pandas as pd  # imported here: store tabs are written without pandas

    index = pd.Index([s.store_id for s in plan.active_stores], name="store_id")
    return pd.Series(_rate_values(plan, kpi), index=index, name=kpi.id, dtype=float)


class Allocation:
    """Every store target of a plan: sum KPIs per store and week, rate KPIs per store.

    Held as plain arrays; `kpis` (KPI id -> allocate_kpi's frame), `weeks` (KPI id -> stores × week ids) and
    `rate_targets` (KPI id -> Series by store) are pandas, made when first asked for: writing store tabs
    (`kpi_rows`, `week_rows`, `rate_values`) imports no pandas."""

    def __init__(self, plan: Plan, shares: dict[str, KpiShares], weeks: dict[str, np.ndarray], rates: dict):
        self.store_ids = [s.store_id for s in plan.active_stores]
        self.week_ids = [w.id for w in plan.weeks]
        self.shares, self.week_arrays, self.rates = shares, weeks, rates
        self._frames: dict[str, dict] = {}

    def _made(self, kind: str, make) -> dict:
        if kind not in self._frames:
            self._frames[kind] = make()
        return self._frames[kind]

    @property
    def kpis(self) -> dict[str, pd.DataFrame]:
        return self._made("kpis", lambda: {k: shares.frame() for k, shares in self.shares.items()})

    @property
    def weeks(self) -> dict[str, pd.DataFrame]:
        def make():
            import pandas as pd

            index = pd.Index(self.store_ids, name="store_id")
            frames = {}
            for k, array in self.week_arrays.items():
                frames[k] = pd.DataFrame(array, index=index)
                frames[k].columns = self.week_ids
            return frames

        return self._made("weeks", make)

    @property
    def rate_targets(self) -> dict[str, pd.Series]:
        def make():
            import pandas as pd

            index = pd.Index(self.store_ids, name="store_id")
            return {k: pd.Series(values, index=index, name=k, dtype=float) for k, values in self.rates.items()}

        return self._made("rate_targets", make)

    def kpi_rows(self, kpi_id: str) -> dict[str, dict]:
        """store id -> its row of the sum KPI's allocation (KpiShares.rows)."""
        return self.shares[kpi_id].rows()

    def week_rows(self, kpi_id: str) -> dict[str, list[float]]:
        """store id -> the sum KPI's target of each week, as floats."""
        return dict(zip(self.store_ids, self.week_arrays[kpi_id].astype(float).tolist(), strict=True))

    def rate_values(self, kpi_id: str) -> dict[str, float]:
        """store id -> the rate KPI's target (NaN where the store's tier has none)."""
        return dict(zip(self.store_ids, self.rates[kpi_id], strict=True))

    def store_target(self, kpi_id: str, store_id: str) -> float | None:
        """The store's target for the KPI, or None (unknown KPI or store, no tier target)."""
        if store_id not in self.store_ids:
            return None
        position = self.store_ids.index(store_id)
        if kpi_id in self.shares:
            return float(self.shares[kpi_id].columns["target"][position])
        value = self.rates[kpi_id][position] if kpi_id in self.rates else None
        return None if value is None or math.isnan(value) else float(value)


def allocate_plan(plan: Plan) -> Allocation:
    """Allocate every KPI of the plan over its active stores (and, for sum KPIs, weeks)."""
    season = [w.season_weight for w in plan.weeks]
    shares, weeks, rates = {}, {}, {}
    for kpi in plan.kpis:
        if kpi.is_sum:
            shares[kpi.id] = kpi_shares(plan, kpi)
            weeks[kpi.id] = week_shares(shares[kpi.id].columns["target"], season)
        else:
            rates[kpi.id] = _rate_values(plan, kpi)
    return Allocation(plan, shares, weeks, rates)

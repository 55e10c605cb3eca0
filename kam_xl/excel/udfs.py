"""kam_xl's Excel functions (xlwings UDFs, shown as KAM_… in Excel): thin wrappers over the metric engine."""

from __future__ import annotations

import time
from functools import wraps

import numpy as np
import pandas as pd

from kam_xl.errors import AllocationError, KamError
from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import LANGUAGES, enum_label
from kam_xl.metrics import measures as metrics
from kam_xl.metrics.allocation import Allocation, allocate, allocate_plan
from kam_xl.model.parsing import (
    ParseError,
    clean_text,
    is_blank,
    parse_enum,
    parse_number,
    parse_yes_no,
)
from kam_xl.model.plan import Evidence, Plan
from kam_xl.plan.load import plan_of


class _NoXlwings:
    """xlwings' UDF decorators as no-ops, when only the core of kam-xl is installed (no xlwings): the functions
    still work from Python, and the module imports; Excel needs kam-xl[excel] (classic) or xlwings Lite."""

    @staticmethod
    def func(function=None, **options):
        return function if callable(function) else (lambda f: f)

    @staticmethod
    def arg(*args, **options):
        return lambda f: f


try:
    import xlwings as xw
except ImportError:  # the core alone: see _NoXlwings
    xw = _NoXlwings

CATEGORY = "kam_xl"
MAX_MESSAGE = 250  # characters of an error message shown in a cell
PLAN_TTL = 5.0  # seconds a workbook's plan is reused by KAM_TARGET before it is read again
_PLANS: dict[str, tuple[float, Plan, Allocation]] = {}


class ExcelError(Exception):
    """A problem shown in the cell as Excel-style text, e.g. "#VALUE! weights must be numbers"."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code} {message}")


def excel_errors(function):
    """Turn every failure of a UDF into "#CODE! message" text in the cell, never a traceback."""

    @wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ExcelError as exc:
            return str(exc)
        except AllocationError as exc:
            return f"#NUM! {exc}"
        except KamError as exc:
            return f"#VALUE! {' '.join(str(exc).split())[:MAX_MESSAGE]}"
        except Exception as exc:  # a UDF must answer in the cell, whatever happened
            return f"#VALUE! {type(exc).__name__}: {exc}"

    return guarded


# ---------------------------------------------------------------------------
# Arguments as Excel passes them: scalars, None for blank cells, lists for ranges
# ---------------------------------------------------------------------------


def cells(value) -> list:
    """The cells of an argument in reading order: a scalar is one cell, a 1-D or 2-D range is flattened."""
    if isinstance(value, (list, tuple)):
        return [cell for item in value for cell in cells(item)]
    return [value]


def number(value, name: str) -> float | None:
    """A number from one cell ('1,234', '12%' and full-width digits too); None when blank."""
    try:
        return parse_number(value)
    except ParseError as exc:
        raise ExcelError("#VALUE!", f"{name}: {exc} ({value!r})") from None


def numbers(value, name: str) -> list[float | None]:
    return [number(cell, name) for cell in cells(value)]


def single(value, name: str) -> float | None:
    """The number of an argument that must be one cell."""
    found = numbers(value, name)
    if len(found) != 1:
        raise ExcelError("#VALUE!", f"{name} must be one cell, not a range of {len(found)}")
    return found[0]


def total(value, name: str) -> float | None:
    """Σ of the numbers of a cell or range, blanks skipped; None when every cell is blank."""
    found = [x for x in numbers(value, name) if x is not None]
    return sum(found) if found else None


def paired(first, second, names: tuple[str, str], both: bool) -> tuple[float | None, float | None]:
    """(Σ first, Σ second) over the positions where `first` (and `second` when `both`) is entered.

    Two single cells are returned as they are; two ranges must be the same size.
    """
    a, b = numbers(first, names[0]), numbers(second, names[1])
    if len(a) == len(b) == 1:
        return a[0], b[0]
    if len(a) != len(b):
        raise ExcelError("#VALUE!", f"{names[0]} and {names[1]} must be the same size ({len(a)} vs {len(b)})")
    keep = [(x, y) for x, y in zip(a, b) if x is not None and (y is not None or not both)]
    if not keep:
        return None, None
    return sum(x for x, _ in keep), sum(y or 0.0 for _, y in keep)


def same_size(values: list, size: int, name: str, default=None) -> list:
    """An optional range that must match the size of the main range (missing = all `default`)."""
    if len(values) == 1 and values[0] is None:
        return [default] * size
    if len(values) != size:
        raise ExcelError("#VALUE!", f"{name} must be the same size as the main range ({len(values)} vs {size})")
    return values


def option(value, default: float, name: str) -> float:
    found = single(value, name)
    return default if found is None else found


def language(value) -> str:
    lang = "en" if is_blank(value) else clean_text(value).lower()
    if lang not in LANGUAGES:
        raise ExcelError("#VALUE!", f"lang must be {' or '.join(LANGUAGES)}, not {value!r}")
    return lang


def enum(kind: str, value, name: str, default: str | None = None) -> str | None:
    try:
        key = parse_enum(kind, value)
    except ParseError:
        raise ExcelError("#VALUE!", f"{name}: {value!r} is not one of the allowed values") from None
    return default if key is None else key


def label(key: str | None, lang: str) -> str | None:
    return None if key is None else tab_text(key, lang)


# ---------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="Actual: a number, or the weekly actuals (a range; blank weeks are skipped)")
@xw.arg(
    "target",
    doc="Target: a number, or the week targets beside the actuals (counted for entered weeks only)",
)
@xw.arg("direction", doc='"higher" (default) or "lower" is better; lower gives target / actual')
@excel_errors
def KAM_ATTAINMENT(actual, target, direction=None):
    """Attainment = actual / target over the same weeks; blank when either side is blank or the target is 0."""
    done, aim = paired(actual, target, ("actual", "target"), both=False)
    return metrics.attainment(done, aim, enum("direction", direction, "direction", "higher"))


@xw.func(category=CATEGORY)
@xw.arg("attainment", doc="Attainment as a fraction (1 = 100%)")
@xw.arg("green", doc="Green from this attainment on (default 1 = 100%)")
@xw.arg("amber", doc="Amber from this attainment on (default 0.9 = 90%)")
@xw.arg("lang", doc='"en" (default) or "zh" for the label')
@excel_errors
def KAM_RAG(attainment, green=None, amber=None, lang=None):
    """Green / Amber / Red for an attainment against the thresholds; blank when the attainment is blank."""
    key = metrics.rag(single(attainment, "attainment"), option(green, 1.0, "green"), option(amber, 0.9, "amber"))
    return label(key, language(lang))


@xw.func(category=CATEGORY)
@xw.arg("attainments", ndim=2, doc="Each KPI's attainment (a range; blank KPIs are left out)")
@xw.arg("weights", ndim=2, doc="Each KPI's weight (same size as attainments)")
@xw.arg("caps", ndim=2, doc="Each KPI's cap on attainment (optional, same size; blank = no cap)")
@excel_errors
def KAM_SCORE(attainments, weights, caps=None):
    """Score = Σ weight × min(attainment, cap) / Σ weight × 100, over the KPIs with an attainment."""
    done = numbers(attainments, "attainments")
    weight = same_size(numbers(weights, "weights"), len(done), "weights")
    cap = same_size(numbers(caps, "caps"), len(done), "caps")
    return metrics.score(done, weight, cap)


@xw.func(category=CATEGORY)
@xw.arg("total", doc="The whole number to share out (rounded half up)")
@xw.arg("weights", ndim=2, doc="One weight per item (a range; blank items get nothing and stay blank)")
@xw.arg("mins", ndim=2, doc="Lowest amount per item (optional, same size; blank = no minimum)")
@xw.arg("maxs", ndim=2, doc="Highest amount per item (optional, same size; blank = no maximum)")
@excel_errors
def KAM_ALLOCATE(total, weights, mins=None, maxs=None):
    """Share a total in proportion to weights, within min/max, in whole numbers summing exactly to the total."""
    weight = numbers(weights, "weights")
    given = [i for i, w in enumerate(weight) if w is not None]
    negative = [i + 1 for i in given if weight[i] < 0]
    if negative:
        raise ExcelError("#NUM!", f"weights must be 0 or more (item {negative[0]}: {weight[negative[0] - 1]})")
    lower = same_size(numbers(mins, "mins"), len(weight), "mins")
    upper = same_size(numbers(maxs, "maxs"), len(weight), "maxs")
    whole = single(total, "total")
    shared = allocate(
        whole,
        pd.Series([weight[i] for i in given], index=given),
        _bounds(lower, given),
        _bounds(upper, given),
    )
    out = [None] * len(weight)
    for i, amount in shared["target"].items():
        out[i] = int(amount)
    return shaped_like(weights, out)


def _bounds(values: list, given: list[int]) -> np.ndarray:
    return np.array([np.nan if values[i] is None else values[i] for i in given], dtype=float)


def shaped_like(argument, flat: list) -> list[list]:
    """`flat` laid out as the argument's range: a row stays a row, anything else becomes a column."""
    if isinstance(argument, (list, tuple)) and argument and isinstance(argument[0], (list, tuple)):
        width = len(argument[0])
        return [list(flat[i : i + width]) for i in range(0, len(flat), width)]
    return [[value] for value in flat]


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="Actual to date: a number, or the weekly actuals (a range)")
@xw.arg("season_all", doc="Season weights of all plan weeks (a range, or their sum)")
@xw.arg(
    "season_elapsed",
    doc="Season weights of the weeks with actuals (optional: taken from the weeks beside the actuals)",
)
@excel_errors
def KAM_RUNRATE(actual, season_all, season_elapsed=None):
    """Run-rate forecast = actual to date × Σ season(all weeks) / Σ season(weeks with actuals)."""
    if season_elapsed is None and len(cells(actual)) > 1:
        done, elapsed = paired(actual, season_all, ("actual", "season_all"), both=False)
    else:
        done, elapsed = total(actual, "actual"), total(season_elapsed, "season_elapsed")
    return metrics.run_rate(done, total(season_all, "season_all"), elapsed)


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="Actual to date (a number or a range, summed)")
@xw.arg("baseline", doc="Baseline over the same weeks (weekly baseline × weeks entered)")
@excel_errors
def KAM_GROWTH(actual, baseline):
    """Growth = actual / baseline − 1; blank when the baseline is blank or 0."""
    return metrics.growth(total(actual, "actual"), total(baseline, "baseline"))


@xw.func(category=CATEGORY)
@xw.arg("units", doc="Our units: a number, or the weekly units (a range)")
@xw.arg(
    "category",
    doc="Category units (all brands), beside our units; weeks missing either are skipped",
)
@excel_errors
def KAM_SHARE(units, category):
    """Share = Σ our units / Σ category units over the weeks where both are entered."""
    return metrics.share(*paired(units, category, ("units", "category"), both=True))


@xw.func(category=CATEGORY)
@xw.arg("incremental_margin", doc="Incremental margin (incremental units × our margin per unit)")
@xw.arg("investment", doc="Investment (actual cost of the programs done)")
@excel_errors
def KAM_ROI(incremental_margin, investment):
    """ROI = (incremental margin − investment) / investment; blank when the investment is blank or 0."""
    return metrics.roi(total(incremental_margin, "incremental_margin"), total(investment, "investment"))


@xw.func(category=CATEGORY)
@xw.arg("execution", doc="Execution score as a fraction")
@xw.arg("result", doc="Result attainment as a fraction")
@xw.arg("threshold", doc="Execution threshold (default 0.8 = 80%)")
@xw.arg("lang", doc='"en" (default) or "zh" for the label')
@excel_errors
def KAM_QUADRANT(execution, result, threshold=None, lang=None):
    """Star / Plan issue / Execution gap / Untapped from execution and result; blank when either is blank."""
    key = metrics.quadrant(
        single(execution, "execution"),
        single(result, "result"),
        option(threshold, 0.8, "threshold"),
    )
    return label(key, language(lang))


@xw.func(category=CATEGORY)
@xw.arg(
    "levels",
    ndim=2,
    doc="The level of each checklist item (Supplier … Partner, English or Chinese)",
)
@xw.arg("met", ndim=2, doc="Whether each item is met (Y/N, 是/否, TRUE/FALSE; blank = not met)")
@xw.arg("lang", doc='"en" (default) or "zh" for the label')
@excel_errors
def KAM_RELATIONSHIP(levels, met, lang=None):
    """The highest relationship level whose checklist, and every lower one, is all met; blank when none is."""
    names, flags = cells(levels), same_size(cells(met), len(cells(levels)), "met")
    evidence = [
        Evidence(enum("relationship", name, "levels"), "", _met(flag))
        for name, flag in zip(names, flags)
        if not is_blank(name)
    ]
    key = metrics.relationship_level(evidence)
    return None if key is None else enum_label("relationship", key, language(lang))


def _met(flag) -> bool:
    try:
        return bool(parse_yes_no(flag))
    except ParseError:
        raise ExcelError("#VALUE!", f"met: {flag!r} is not Y or N") from None


@xw.func(category=CATEGORY)
@xw.arg("store_id", doc="Store ID as in the Stores sheet")
@xw.arg("kpi", doc="KPI ID as in the Objectives sheet (e.g. K1)")
@xw.arg("week", doc="Week ID as in the Calendar sheet (optional: the full-period target when left out)")
@excel_errors
def KAM_TARGET(store_id, kpi, week=None, caller=None):
    """The store's allocated target for a KPI (or one week of it) from the plan of this workbook."""
    if caller is None:
        raise ExcelError("#N/A", "KAM_TARGET reads the open workbook: it needs classic xlwings")
    plan, allocation = plan_targets(caller.sheet.book)
    store, kpi_id = _text(store_id, "store_id"), _text(kpi, "kpi")
    if kpi_id not in {k.id for k in plan.kpis}:
        raise ExcelError("#N/A", f"no KPI {kpi_id!r} in Objectives")
    if store not in {s.store_id for s in plan.active_stores}:
        raise ExcelError("#N/A", f"no active store {store!r} in Stores")
    if is_blank(week):
        return allocation.store_target(kpi_id, store)
    return week_target(allocation, kpi_id, store, _text(week, "week"))


def _text(value, name: str) -> str:
    if is_blank(value):
        raise ExcelError("#VALUE!", f"{name} is needed")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def week_target(allocation: Allocation, kpi_id: str, store: str, week: str) -> float | None:
    frame = allocation.weeks.get(kpi_id)
    if frame is None:
        raise ExcelError("#N/A", f"KPI {kpi_id} is a rate KPI: it has no week targets")
    if week not in frame.columns:
        raise ExcelError("#N/A", f"no week {week!r} in Calendar")
    return float(frame.at[store, week])


def plan_targets(book) -> tuple[Plan, Allocation]:
    """The plan and allocation of an open workbook, read at most once every PLAN_TTL seconds."""
    now = time.monotonic()
    cached = _PLANS.get(book.fullname)
    if cached is None or now - cached[0] > PLAN_TTL:
        from kam_xl.excel.xlbook import XlBook  # only KAM_TARGET reads the workbook, and only under xlwings

        plan = plan_of(XlBook(book))
        cached = _PLANS[book.fullname] = (now, plan, allocate_plan(plan))
    return cached[1], cached[2]


UDFS = (
    KAM_ATTAINMENT,
    KAM_RAG,
    KAM_SCORE,
    KAM_ALLOCATE,
    KAM_RUNRATE,
    KAM_GROWTH,
    KAM_SHARE,
    KAM_ROI,
    KAM_QUADRANT,
    KAM_RELATIONSHIP,
    KAM_TARGET,
)

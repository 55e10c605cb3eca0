"""The review stage: scorecards computed from the store tabs' inputs and written into the workbook."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl.book import Book
from kam_xl.bulk import bulk_work
from kam_xl.errors import KamError
from kam_xl.history.record import recording
from kam_xl.lang.console import say
from kam_xl.lang.texts import console_text, review_text
from kam_xl.lang.words import ENUMS, enum_label
from kam_xl.metrics.allocation import allocate_plan
from kam_xl.metrics.channel import channel_by_month
from kam_xl.metrics.flags import flags
from kam_xl.metrics.measures import Targets, WeekData, store_metrics, week_data
from kam_xl.metrics.programs import program_roi
from kam_xl.metrics.rollup import GROUPINGS, next_period, rollup, store_ranks
from kam_xl.model.entries import (
    FIELD_KIND,
    Entries,
    StoreEntries,
    build_entries,
    enum_kind,
    field_kind,
)
from kam_xl.model.parsing import ParseError, parse_date
from kam_xl.model.plan import Plan
from kam_xl.plan.load import plan_of
from kam_xl.plan.meta import Meta, read_meta, require_hq
from kam_xl.progress import Progress
from kam_xl.reviewing.account_sheet import account_sheet
from kam_xl.reviewing.links import link_store_names
from kam_xl.reviewing.program_sheet import program_sheet
from kam_xl.reviewing.scorecards import next_period_sheet, rollup_sheet, store_sheet
from kam_xl.reviewing.summary import account_summary, account_weeks
from kam_xl.reviewing.tracker import problems_sheet, read_tracker
from kam_xl.reviewing.trend_sheet import review_trends
from kam_xl.reviewing.voice import voice_frame, voice_sheet
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.find import check_no_tab_under_reserved_names, scan_store_tabs
from kam_xl.storetabs.layout import ACTION_ROWS
from kam_xl.xlsx.cachevalues import cache_values
from kam_xl.xlsx.filebook import FileBook, release_memory
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive
from kam_xl.xlsx.spec import SheetSpec

MAX_LISTED = 20  # unreadable cells listed one by one in the warnings
NUMBER_FIELDS = frozenset(name for name, kind in FIELD_KIND.items() if kind == "number")


@dataclass
class ReviewResult:
    """What review computed, as plain data: frames indexed by their key and a JSON-able summary."""

    language: str
    as_of_week: int  # A: the review week 1..n (0 when nothing is entered)
    as_of_week_id: str | None
    computed_at: str  # ISO date-time
    stores: pd.DataFrame  # one row per store: every metric, rank_in_sr/region/account, flag_count
    rollups: dict[str, pd.DataFrame]  # "sr_id", "region", "store_tier", "account" -> one row per group
    flags: pd.DataFrame  # one row per flag (kam_xl.flags.FLAG_COLUMNS)
    next_period: pd.DataFrame  # per store: <kpi>_current/_forecast/_suggested, share_gap_units
    weeks: pd.DataFrame  # the account's weekly units: target, actual, reporting target, attainment, stores
    summary: dict  # the account summary (headline numbers), JSON-able
    warnings: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # the scorecard sheets written
    book: Path | None = None
    backup: Path | None = None
    saved: bool = False  # False: the scorecards were already in the workbook as computed, nothing was written
    forced: list[str] = field(default_factory=list)  # what --force overrode, in words
    programs: pd.DataFrame = field(default_factory=pd.DataFrame)  # per-program ROI (metrics.programs)
    voice: pd.DataFrame = field(default_factory=pd.DataFrame)  # what the stores said (reviewing.voice)
    tracker: dict = field(default_factory=dict)  # what the KAM typed on the problem tracker (reviewing.tracker)
    months: pd.DataFrame = field(default_factory=pd.DataFrame)  # sell-in vs sell-out and stock by month (channel)


def review(
    path: str | Path,
    as_of: object = None,
    progress: Progress | None = None,
    *,
    wait: float | None = DEFAULT_WAIT,
    force: bool = False,
    db: str | Path | None = None,
) -> ReviewResult:
    """Compute the scorecards of the HQ workbook at `path` and write them into it (atomically, with a backup).

    Holds the workbook's lock from before reading to after saving (kam_xl.xlsx.guard: waits up to `wait`
    seconds for another kam command; an open workbook is refused unless `force`). When the scorecards are
    the same as those in the workbook (the computed-at stamp aside) nothing is written (`saved` is False)."""
    with (
        exclusive(path, command="review", wait=wait, force=force) as guard,
        recording(path, db, "review") as rec,
        bulk_work(),
    ):
        book = FileBook(path, progress)
        result = review_book(book, as_of, progress, history=rec)
    result.book, result.saved, result.forced = Path(path), book.saved, guard.forced
    result.history = rec  # kam_xl.history.record.Recorder: what went into the history database
    return result


def review_book(
    book: Book,
    as_of: object = None,
    progress: Progress | None = None,
    computed_at: datetime | None = None,
    history=None,
) -> ReviewResult:
    """Read the plan and the store tabs of a Book, compute every metric and write the scorecard sheets.

    `as_of` is a week id ("2026-W45"), a week number of the plan (1..n) or a date (the week holding
    it); by default the last week with anything entered. Only the scorecard sheets are written.
    """
    inputs = read_inputs(book, progress, as_of)
    result = compute_review(inputs.plan, inputs.targets, inputs.entries, inputs.week, computed_at)
    result.warnings = inputs.warnings
    result.tracker = read_tracker(book, inputs.plan.language)
    trends, _ = review_trends(inputs.plan, inputs.targets, inputs.entries, result, history)  # stages the history
    write_review(book, inputs, result, [trends])
    return result


@dataclass
class ReviewInputs:
    """What review reads from a workbook: the plan, its targets, the entries, warnings, where tabs start."""

    plan: Plan
    targets: Targets
    entries: Entries
    warnings: list[str]
    first_tab: str
    week: int | None = None  # the as-of week asked for (None: the last week with anything entered)
    tabs: dict[str, str] = field(default_factory=dict)  # store id -> its tab, as found by its store-id cell


def read_inputs(book: Book, progress: Progress | None = None, as_of: object = None) -> ReviewInputs:
    """The plan, its targets and the active stores' entries; a wrong `as_of` fails before the tabs are read.
    KamError when the workbook is an SR file, or a store tab cannot be read without guessing."""
    require_hq(read_meta(book, tabs=False), book)
    plan = plan_of(book)
    week = week_position(plan, as_of)
    entries, warnings, first_tab, tabs = read_store_entries(book, plan, progress)
    release_memory()  # what reading thousands of tabs freed goes back before computing and writing
    targets = Targets.from_allocation(allocate_plan(plan))
    return ReviewInputs(plan, targets, entries, warnings, first_tab, week, tabs)


def write_review(book: Book, inputs: ReviewInputs, result: ReviewResult, extra: list[SheetSpec] = ()) -> None:
    """Put the scorecard sheets (replacing earlier ones) after the plan sheets, before the store tabs; save.

    Each sheet is built, given its values and turned into XML before the next is built (5,000 store rows per
    sheet: holding every sheet's cells at once would double the memory a big review needs)."""
    result.sheets = []
    for build in [*scorecard_builders(inputs.plan, result), *(lambda spec=spec: spec for spec in extra)]:
        spec = build()
        link_store_names([spec], inputs.tabs, inputs.plan.language)
        cache_values([spec])  # the scorecards' own formulas (totals, ratios of sums) with their values
        book.put_sheet(spec)
        result.sheets.append(spec.title)
        del spec
    result.backup = book.save(order=result.sheets, before=inputs.first_tab)


def compute_review(
    plan: Plan,
    targets: Targets,
    entries: Entries,
    as_of: object = None,
    computed_at: datetime | None = None,
) -> ReviewResult:
    """Every number of the review (docs/metrics.md) for the entries, with nothing read or written."""
    week = week_position(plan, as_of)
    data = week_data(plan, entries, week)
    table = store_metrics(plan, targets, entries, week, data=data)
    found = flags(plan, targets, entries, table, week, data=data)
    stores = table.join(store_ranks(table, plan))
    stores["flag_count"] = found["store_id"].value_counts().reindex(stores.index, fill_value=0).to_numpy(dtype=float)
    rollups = {by: _with_flag_counts(rollup(table, plan, by), stores, by) for by in GROUPINGS}
    rollups["sr_id"].insert(0, "sr_name", stores.groupby("sr_id", sort=False)["sr_name"].first())
    weeks = account_weeks(plan, targets, data)
    proposal = next_period(plan, targets, table)
    at = (computed_at or datetime.now()).isoformat(timespec="seconds")
    result = ReviewResult(
        plan.language,
        data.review_week,
        _week_id(plan, data),
        at,
        stores,
        rollups,
        found,
        proposal,
        weeks,
        {},
    )
    result.programs = program_roi(plan, entries, data)
    months = channel_by_month(plan, data)
    result.months = pd.DataFrame({k: v for k, v in months.items() if k != "month"}, index=pd.Index(months["month"]))
    result.voice = voice_frame(plan, entries, data.review_week)
    result.summary = account_summary(plan, result)
    return result


def _with_flag_counts(frame: pd.DataFrame, stores: pd.DataFrame, by: str) -> pd.DataFrame:
    keys = stores[by] if by in stores.columns else pd.Series(frame.index[0], index=stores.index)
    frame["flag_count"] = stores["flag_count"].groupby(keys.to_numpy()).sum().reindex(frame.index).to_numpy()
    return frame


def _week_id(plan: Plan, data: WeekData) -> str | None:
    return plan.weeks[data.review_week - 1].id if data.review_week else None


# ---------------------------------------------------------------------------
# --as-of
# ---------------------------------------------------------------------------


def week_position(plan: Plan, as_of: object) -> int | None:
    """The plan week (1..n) of `as_of`: a week id ("2026-W45"), a week number, or a date in the week."""
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    weeks = plan.weeks
    number = _week_number(as_of)
    if number is not None:
        if 1 <= number <= len(weeks):
            return number
        raise KamError(f"--as-of {as_of}: the plan's weeks are numbered 1 to {len(weeks)}")
    wanted = str(as_of).strip().casefold().replace(" ", "")
    for position, week in enumerate(weeks, start=1):
        if week.id.casefold() == wanted:
            return position
    short = _SHORT_WEEK_ID.fullmatch(wanted)  # "W44": the plan's one week of that ISO number (without the year)
    if short:
        found = [p for p, week in enumerate(weeks, start=1) if week.id.casefold().endswith(f"-w{int(short[1]):02d}")]
        if len(found) == 1:
            return found[0]
    day = _as_date(as_of, plan)
    for position, week in enumerate(weeks, start=1):
        if week.start <= day <= week.end:
            return position
    raise KamError(f"--as-of {as_of}: {day} is outside the plan's weeks ({weeks[0].start} to {weeks[-1].end})")


_SHORT_WEEK_ID = re.compile(r"w(?:k)?([0-9]{1,2})")
_SAID_NUMBER = re.compile(r"(?:第([0-9]{1,3})周|week([0-9]{1,3}))")  # "第5周", "week 5" (spaces taken out)


def _week_number(as_of: object) -> int | None:
    if isinstance(as_of, bool):
        return None
    if isinstance(as_of, (int, np.integer)):
        return int(as_of)
    text = str(as_of).strip()
    if text.isdecimal() and len(text) <= 3:  # full-width digits too
        return int(text)
    said = _SAID_NUMBER.fullmatch(text.casefold().replace(" ", ""))
    return int(said[1] or said[2]) if said else None


def _as_date(as_of: object, plan: Plan) -> date:
    try:
        day = parse_date(as_of)
    except ParseError:
        day = None
    if day is None:
        raise KamError(
            f"--as-of {as_of}: give a week id such as {plan.weeks[0].id} (or {plan.weeks[0].id[-3:]}), a week number "
            f"1 to {len(plan.weeks)} (or 第1周) or a date (YYYY-MM-DD)"
        )
    return day


# ---------------------------------------------------------------------------
# Reading the store tabs
# ---------------------------------------------------------------------------


def read_store_entries(
    book: Book, plan: Plan, progress: Progress | None = None, keep=None
) -> tuple[Entries, list[str], str, dict[str, str]]:
    """The active stores' entries, warnings about what could not be used, the first store tab's name and each
    store's tab (store id -> sheet name, found by the tab's store-id cell: a tab renamed by hand is followed)
    (`keep(key)`, when given, chooses the fields read: the others stay blank)."""
    meta = read_meta(book)
    scan = scan_store_tabs(book, meta, progress, keep)
    tabs, typed = scan.tabs, scan.entries
    check_no_tab_under_reserved_names(tabs, "review")
    if not tabs:
        raise KamError("the workbook has no store tabs yet: run `kam generate BOOK` first")
    warnings = _plan_warnings(plan, meta, tabs) + scan.notes + [f"{extra} (not counted)" for extra in scan.extra]
    unread = {sid: keys for sid, values in typed.items() if (keys := _unreadable(values))}
    warnings += _unread_warnings(tabs, unread, plan.language)
    stores = plan.active_stores
    per_store = {s.store_id: _readable(typed.get(s.store_id, {}), unread.get(s.store_id, ())) for s in stores}
    programs = {s.store_id: [p.id for p in plan.programs_for(s)] for s in stores}
    entries = build_entries(per_store, [w.id for w in plan.weeks], programs, ACTION_ROWS)
    return entries, warnings, scan.first_tab(book.sheet_names()), {sid: name for sid, (name, _) in tabs.items()}


def _unreadable(values: StoreEntries) -> list[tuple]:
    """Keys whose value is not of the field's type (kept as typed by the reader, left out by review)."""
    return [
        key
        for key, value in values.items()  # most values are plain numbers: checked before calling _fits
        if not (type(value) is float and value >= 0 and key[-1] in NUMBER_FIELDS) and not _fits(key, value)
    ]


def _fits(key: tuple, value: object) -> bool:
    kind = field_kind(key)
    if kind == "number":
        return isinstance(value, float) and value >= 0
    if kind == "date":
        return isinstance(value, date)
    if kind == "yes_no":
        return isinstance(value, bool)
    if kind == "enum":
        return value in ENUMS[enum_kind(key)]
    return True


def _readable(values: StoreEntries, unread) -> StoreEntries:
    left_out = set(unread)
    return {key: value for key, value in values.items() if key not in left_out} if left_out else values


def _unread_warnings(tabs: dict, unread: dict[str, list], lang: str = "en") -> list[str]:
    lines = []
    for store_id, keys in unread.items():
        name, record = tabs[store_id]
        cells = field_cells(record.cells)
        lines += [
            say("warn_unread", lang, where=f"{name}!{cells.get(key, '?')}", kind=say(f"kind_{field_kind(key)}", lang))
            for key in keys
        ]
    if len(lines) > MAX_LISTED:
        lines = lines[:MAX_LISTED] + [say("warn_unread_more", lang, count=len(lines) - MAX_LISTED)]
    return lines


def _plan_warnings(plan: Plan, meta: Meta, tabs: dict) -> list[str]:
    warnings, lang = [], plan.language
    if meta.values.get("fingerprint") and meta.values["fingerprint"] != plan.fingerprint():
        warnings.append(say("warn_plan_changed", lang))
    missing = [s.store_id for s in plan.active_stores if s.store_id not in tabs]
    if missing:
        shown = say("list_sep", lang).join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        warnings.append(say("warn_no_tab", lang, count=len(missing), stores=shown))
    return warnings


def headline(summary: dict) -> list[tuple[str, str]]:
    """The account's headline numbers in words, in the workbook's language (for `kam demo` and `kam review`)."""
    lang = summary.get("language") or "en"

    def say(key: str, **values) -> str:
        return console_text(key, lang).format(**values) if values else console_text(key, lang)

    kpis = {k["measure"]: k for k in summary["kpis"]}
    facts = [(say("h_as_of"), _as_of_words(summary, say)), (say("h_score"), _score_words(summary, say))]
    for measure in ("units", "value"):
        if measure in kpis:
            facts.append((say(f"h_{measure}"), _attainment_words(kpis[measure], say)))
    quadrants = ("、" if lang == "zh" else " · ").join(
        f"{say('h_none') if k == 'none' else review_text(k, lang)} {n}" for k, n in summary["quadrants"].items()
    )
    opportunities = summary["quadrants"].get("star", 0) + summary["quadrants"].get("untapped", 0)
    facts += [
        (
            say("h_share"),
            say(
                "h_share_value",
                ours=_pct(summary["share"]),
                theirs=_pct(summary["competitor_share"]),
                competitor=summary["competitor"] or say("h_main_competitor"),
            ),
        ),
        (say("h_gain"), _money(summary["retailer_gain"], summary["currency"])),
        (
            say("h_roi"),
            say(
                "h_with_rag",
                value=f"{_money(summary['investment'], summary['currency'])} → {_pct(summary['roi'])}",
                rag=say(summary["roi_rag"]),
            )
            if summary.get("roi_rag")
            else f"{_money(summary['investment'], summary['currency'])} → {_pct(summary['roi'])}",
        ),
        (say("h_quadrants"), quadrants),
        (
            say("h_relationship"),
            say(
                "h_relationship_value",
                now=_level(summary["relationship"]["evidence"], lang, say),
                target=_level(summary["relationship"]["target"], lang, say),
            ),
        ),
        (
            say("h_problems"),
            say("h_problems_value", problems=sum(summary["flags"].values()), opportunities=opportunities),
        ),
    ]
    return facts


def _as_of_words(summary: dict, say) -> str:
    if not summary["as_of_week"]:
        return say("h_no_entries")
    return say("h_as_of_value", week=summary["as_of_week_id"], number=summary["as_of_week"], weeks=summary["weeks"])


def _score_words(summary: dict, say) -> str:
    score = summary["score"]
    return (
        say("h_no_score") if score is None else say("h_with_rag", value=f"{score:.1f}", rag=say(summary["score_rag"]))
    )


def _attainment_words(kpi: dict, say) -> str:
    return say("h_with_rag", value=_pct(kpi["attainment"]), rag=say(kpi["rag"]) if kpi["rag"] else say("h_no_data"))


def _level(key: str | None, lang: str, say) -> str:
    return enum_label("relationship", key, lang) if key else say("h_none")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _money(value: float | None, currency: str) -> str:
    return "–" if value is None else f"{currency} {value:,.0f}"


def scorecard_sheets(plan: Plan, result) -> list[SheetSpec]:
    """Every sheet review writes, in workbook order."""
    return [build() for build in scorecard_builders(plan, result)]


def scorecard_builders(plan: Plan, result) -> list:
    """scorecard_sheets one at a time: a function building each sheet, in workbook order."""
    return [
        lambda: account_sheet(plan, result),
        lambda: store_sheet(plan, result),
        *(lambda by=by: rollup_sheet(plan, result, by) for by in ("sr_id", "region", "store_tier")),
        lambda: problems_sheet(plan, result, result.tracker),
        lambda: program_sheet(plan, result),
        lambda: voice_sheet(plan, result),
        lambda: next_period_sheet(plan, result),
    ]

"""`kam next-period`: the next period's HQ workbook, built from this one and its review (docs/workflow.md).

What is carried (docs/workbook.md, "The next period"): the plan sheets; a calendar of the new period (season
weights by week of year); baselines from the ending period's run-rate (kam_xl.metrics.baselines); the sum KPIs'
targets from the Next period sheet as the KAM left it (kam_xl.reviewing.proposal); the store actions still open;
the relationship level and evidence with the level history; the programs still running. Stores marked inactive
are left out. `kam generate` then makes the new workbook's store tabs, with the open actions in them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl.bulk import bulk_work
from kam_xl.errors import AllocationError, KamError
from kam_xl.lang.console import say
from kam_xl.metrics.allocation import allocate_kpi
from kam_xl.metrics.baselines import FULL_WEEKS, run_rate_baselines
from kam_xl.metrics.measures import relationship_level, week_data
from kam_xl.model.entries import ACTION_FIELDS, Entries
from kam_xl.model.parsing import ParseError, parse_date
from kam_xl.model.plan import Plan, Week
from kam_xl.plan.carried import carried_sheet
from kam_xl.plan.load import plan_of
from kam_xl.plan.meta import meta_sheet, new_meta, read_meta, require_hq
from kam_xl.plan.sheets import plan_sheets
from kam_xl.progress import Progress
from kam_xl.reviewing.proposal import read_proposal
from kam_xl.reviewing.run import read_store_entries
from kam_xl.storetabs.layout import ACTION_ROWS
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, app_of, check_new_workbook_name, exclusive, owner_files
from kam_xl.xlsx.writer import new_package

MAX_WEEKS = 104  # --weeks: at most two years
CLOSED_ACTION = frozenset({"done", "dropped"})
MEASURES = (("units", "base_units"), ("value", "base_value"), ("category", "category_units"))
BASELINE_FIELDS = frozenset(measure for measure, _ in MEASURES)


@dataclass
class NextPeriodResult:
    """The new workbook and what went into it."""

    book: Path
    out: Path
    period_start: date
    period_end: date
    weeks: int
    stores: int  # stores in the new plan (all active)
    dropped_stores: list[str] = field(default_factory=list)  # marked inactive in the ending plan: left out
    programs: list[str] = field(default_factory=list)  # kept (still running in the new period)
    dropped_programs: list[str] = field(default_factory=list)  # ended before the new period starts
    actions: int = 0  # open store actions carried into the new store tabs
    action_rows: dict[str, int] = field(default_factory=dict)  # store id -> action rows filled by them
    targets: dict[str, float] = field(default_factory=dict)  # sum KPI id -> HQ target of the new period
    baselines: pd.DataFrame | None = None  # per store: old and new baselines, weeks reported
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None
    forced: list[str] = field(default_factory=list)
    lang: str = "en"  # the plan's language: the words of lines()

    def lines(self) -> list[str]:
        """What was made, in words (the command line), in the plan's language."""
        lang = self.lang
        sep = say("list_sep", lang)

        def listed(ids: list[str]) -> str:
            return sep.join(ids) or say("none", lang)

        lines = [
            say(
                "next_made",
                lang,
                out=self.out,
                start=self.period_start,
                end=self.period_end,
                weeks=self.weeks,
                stores=self.stores,
                name=self.out.name,
            ),  # fmt: skip
            say("next_targets", lang, targets=sep.join(f"{k} {v:,.0f}" for k, v in self.targets.items())),
            say(
                "next_baselines",
                lang,
                stores=len(self.baselines) if self.baselines is not None else 0,
                weeks=FULL_WEEKS,
            ),  # fmt: skip
            say("next_actions", lang, count=self.actions),
            say("next_programs", lang, kept=listed(self.programs), dropped=listed(self.dropped_programs)),
        ]
        if self.dropped_stores:
            lines.append(say("next_inactive", lang, stores=listed(self.dropped_stores)))
        return lines + self.notes

    def as_dict(self) -> dict:
        return {
            "book": str(self.book),
            "out": str(self.out),
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "weeks": self.weeks,
            "stores": self.stores,
            "dropped_stores": self.dropped_stores,
            "programs": self.programs,
            "dropped_programs": self.dropped_programs,
            "actions": self.actions,
            "targets": self.targets,
            "notes": self.notes,
            "backup": str(self.backup) if self.backup else None,
            "forced": self.forced,
        }


def next_period(
    book: str | Path,
    out: str | Path,
    start: object = None,
    weeks: int | None = None,
    progress: Progress | None = None,
    *,
    force: bool = False,
    wait: float | None = DEFAULT_WAIT,
) -> NextPeriodResult:
    """Write the next period's HQ workbook at `out` from the reviewed HQ workbook `book`.

    `start` is the first day of the new period (a date or text YYYY-MM-DD; default: the day after the last
    week), `weeks` its number of weeks (default: as many as now). KamError (nothing written) when the workbook
    has no review yet (no Next period sheet), when a target there cannot be read, when `out` exists (unless
    `force`: it is replaced, its content kept as a backup beside it) or is the workbook itself. The new
    workbook is written atomically, with its store tabs."""
    book, out = Path(book), Path(out)
    check_new_workbook_name(out)  # said before the workbook is read
    if out.exists() and out.resolve() == book.resolve():
        raise KamError(f"--out {out} is the workbook itself: give another file name for the next period's workbook")
    source = FileBook(book, progress)  # read as saved (saves are atomic): no lock needed to read it
    require_hq(read_meta(source, tabs=False), source)
    plan = plan_of(source)
    first, count = _calendar_span(plan, start, weeks)
    proposal = read_proposal(source, plan)
    entries, _, _, _ = read_store_entries(source, plan, progress, keep=carried_field)
    history = read_meta(source, tabs=False).values.get("relationship_history", "")
    carried = Carried(plan, entries, proposal, first, count, history)
    carried.notes += [
        f"{book.name} is open in {app_of(owner)}: what is not saved there is not in the next period (save it and "
        "run the command again with --force if it matters)"
        for owner in owner_files(book)
    ]
    with exclusive(out, command="next-period", wait=wait, force=force, new=True) as guard, bulk_work():
        if out.exists() and not force:
            raise KamError(
                f"{out} exists already — give another file name for the next period's workbook, or add --force to "
                "replace it (its content is kept as a backup beside it)"
            )
        backup = new_package(carried.sheets()).save(out)
    result = carried.result(book, out)
    result.backup, result.lang = backup, plan.language
    result.forced = guard.forced + ([f"{out} existed: replaced because of --force"] if backup else [])
    return result


def carried_field(key: tuple) -> bool:
    """The fields of the store tabs next-period reads: the weekly measures of the baselines and the actions."""
    return key[0] == "action" or (key[0] == "week" and key[2] in BASELINE_FIELDS)


def _calendar_span(plan: Plan, start: object, weeks: int | None) -> tuple[date, int]:
    """The new period's first day and number of weeks; KamError for a start or a number that cannot be."""
    last = plan.weeks[-1].end if plan.weeks else plan.account.period_end
    if start is None or (isinstance(start, str) and not start.strip()):
        first = last + timedelta(days=1)
    else:
        try:
            first = parse_date(start)
        except ParseError as exc:
            first, why = None, str(exc)
        else:
            why = "blank"
        if first is None:
            raise KamError(f"--start {start}: give the first day of the next period as a date YYYY-MM-DD ({why})")
        if first <= plan.account.period_start:
            raise KamError(
                f"--start {start}: the next period must start after the ending one starts "
                f"({plan.account.period_start}); the default is the day after its last week "
                f"({last + timedelta(days=1)})"
            )
    count = len(plan.weeks) if weeks is None else weeks
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= MAX_WEEKS:
        raise KamError(f"--weeks {weeks}: give the number of weeks of the next period, 1 to {MAX_WEEKS}")
    return first, int(count)


def new_calendar(plan: Plan, first: date, count: int) -> tuple[Week, ...]:
    """`count` weeks of 7 days from `first`; each week's season weight (and note) is that of the ending plan's
    week with the same week of the year (ISO week number of its first day), 1.0 where there is none."""
    season = {w.start.isocalendar()[1]: (w.season_weight, w.note) for w in plan.weeks}
    weeks = []
    for offset in range(count):
        monday = first + timedelta(weeks=offset)
        iso_year, iso_week, _ = monday.isocalendar()
        weight, note = season.get(iso_week, (1.0, ""))
        middle = monday + timedelta(days=3)
        weeks.append(
            Week(f"{iso_year}-W{iso_week:02d}", monday, monday + timedelta(days=6), f"{middle.year}-{middle.month:02d}",
                 weight, note)
        )  # fmt: skip
    return tuple(weeks)


class Carried:
    """The next period's plan and the values carried into its store tabs, computed from the ending period."""

    def __init__(self, plan: Plan, entries: Entries, proposal: pd.DataFrame, first: date, count: int, history: str):
        self.old, self.notes = plan, []
        weeks = new_calendar(plan, first, count)
        self.baselines = store_baselines(plan, entries)
        self.dropped_stores = [s.store_id for s in plan.stores if not s.active]
        self.programs = running_programs(plan, weeks[0].start)
        self.dropped_programs = [p.id for p in plan.programs if p.id not in {k.id for k in self.programs}]
        self.plan = self._new_plan(plan, proposal, weeks)
        self.actions = open_actions(entries, {s.store_id for s in self.plan.stores})
        self.history = level_history(plan, history)

    def _new_plan(self, plan: Plan, proposal: pd.DataFrame, weeks: tuple[Week, ...]) -> Plan:
        kept = {p.id for p in self.programs}
        units = next((k for k in plan.kpis if k.is_sum and k.measure == "units"), None)
        targets = {k.id: _sum_target(k.id, proposal, plan) for k in plan.kpis if k.is_sum}
        stores = []
        rows = self.baselines.to_dict("index")  # one dict per store: plain lookups, no pandas per store
        mine = proposal[units.id].to_dict() if units is not None and units.id in proposal else {}
        for store in plan.active_stores:
            row = rows[store.store_id]
            changes = {column: row[f"new_{m}"] for m, column in MEASURES if row[f"new_{m}"] == row[f"new_{m}"]}
            if units is not None:  # the units KPI is shared by the KAM's store targets: a manual weight per store
                suggested = mine.get(store.store_id)
                changes["weight_override"] = (
                    float(suggested)
                    if suggested is not None and suggested == suggested
                    else float(changes.get("base_units", store.base_units) * len(weeks))
                )
            stores.append(replace(store, **{k: float(v) for k, v in changes.items()}))
        kpis = []
        for k in plan.kpis:
            if k is units:
                k = replace(k, hq_target=float(sum(s.weight_override for s in stores)), basis="manual",
                            min_growth=None, max_growth=None)  # fmt: skip
            elif k.is_sum and targets.get(k.id) is not None:
                k = replace(k, hq_target=targets[k.id])
            kpis.append(k)
        needs = tuple(
            replace(n, answer=tuple(a for a in n.answer if a in kept or a not in {p.id for p in plan.programs}))
            for n in plan.needs
        )
        account = replace(plan.account, period_start=weeks[0].start, period_end=weeks[-1].end)
        new = replace(plan, account=account, kpis=tuple(kpis), programs=self.programs, stores=tuple(stores),
                      weeks=weeks, needs=needs)  # fmt: skip
        return self._feasible(new)

    def _feasible(self, plan: Plan) -> Plan:
        """The plan, with the growth caps of a sum KPI that cannot hold its HQ target over the new baselines
        removed (noted): the KAM's targets win over caps set against the old baselines. AllocationError for any
        other reason the plan cannot be allocated."""
        kpis = list(plan.kpis)
        for i, kpi in enumerate(kpis):
            if not kpi.is_sum or kpi.hq_target is None:
                continue
            try:
                allocate_kpi(plan, kpi)
            except AllocationError as exc:
                if kpi.min_growth is None and kpi.max_growth is None:
                    raise
                self.notes.append(say("next_caps", plan.language, kpi=kpi.id, why=exc))
                kpis[i] = replace(kpi, min_growth=None, max_growth=None)
                plan = replace(plan, kpis=tuple(kpis))
                allocate_kpi(plan, kpis[i])
        return plan

    def sheets(self) -> list:
        """The new workbook's sheets: the plan sheets, _meta with the previous period and the level history, and
        the open actions for `kam generate` to put into the new store tabs (kam_xl.plan.carried)."""
        lang = self.plan.language
        specs = plan_sheets(self.plan, lang)
        old = self.old.account
        meta = new_meta(
            lang,
            self.plan.account.name,
            role="hq",
            previous_period=f"{old.period_start.isoformat()}/{old.period_end.isoformat()}",
            relationship_history=self.history,
        )
        return [meta_sheet(meta) if spec.role == "meta" else spec for spec in specs] + [carried_sheet(self.actions)]

    def result(self, book: Path, out: Path) -> NextPeriodResult:
        plan = self.plan
        return NextPeriodResult(
            book,
            out,
            plan.account.period_start,
            plan.account.period_end,
            len(plan.weeks),
            len(plan.stores),
            self.dropped_stores,
            [p.id for p in self.programs],
            self.dropped_programs,
            sum(1 for values in self.actions.values() for key in values if key[2] == "text"),
            {sid: max(key[1] for key in values) for sid, values in self.actions.items() if values},
            {k.id: float(k.hq_target) for k in plan.kpis if k.is_sum and k.hq_target is not None},
            self.baselines,
            self.notes,
        )


def running_programs(plan: Plan, start: date) -> tuple:
    """The programs still running on `start`, each limited to the regions that keep an active store (a program
    whose regions all lost their stores applies to none, and is dropped)."""
    regions = {s.region.casefold() for s in plan.active_stores}
    kept = []
    for program in plan.programs:
        where = tuple(r for r in program.regions if r.casefold() in regions)
        if program.end >= start and (where or not program.regions):
            kept.append(replace(program, regions=where) if where != program.regions else program)
    return tuple(kept)


def _sum_target(kpi_id: str, proposal: pd.DataFrame, plan: Plan) -> float | None:
    """The HQ target of a sum KPI: the sum of the stores' next-period targets on the Next period sheet."""
    if kpi_id not in proposal.columns:
        return None
    active = [s.store_id for s in plan.active_stores]
    return float(proposal[kpi_id].reindex(active).fillna(0.0).sum())


def store_baselines(plan: Plan, entries: Entries) -> pd.DataFrame:
    """Per active store: the old weekly baselines, the weeks reported and the new baselines
    (kam_xl.metrics.baselines) of units, value and category units."""
    data = week_data(plan, entries)
    stores = [s.store_id for s in plan.active_stores]
    old = plan.store_frame().reindex(stores)
    position = data.stores.get_indexer(stores)
    frame = pd.DataFrame(index=pd.Index(stores, name="store_id"))
    n_weeks = len(plan.weeks)
    for measure, column in MEASURES:
        grid = np.full((len(stores), n_weeks), np.nan)
        found = position >= 0
        grid[found] = np.where(data.entered(measure), data.values[measure], np.nan)[position[found]]
        before = pd.to_numeric(old[column], errors="coerce").to_numpy(dtype=float)
        new, reported = run_rate_baselines(grid, before)
        frame[f"old_{measure}"] = before
        frame[f"weeks_{measure}"] = reported
        frame[f"new_{measure}"] = new
    return frame


def open_actions(entries: Entries, stores: set[str]) -> dict[str, dict]:
    """Per store of the new plan: its store actions not Done or Dropped, renumbered from 1 in their order, as the
    values of the new tab's action rows (text, owner, due date, status, result)."""
    actions = entries.actions
    keep = actions["text"].map(lambda v: v is not None and str(v).strip() != "") & ~actions["status"].isin(
        CLOSED_ACTION
    )
    out: dict[str, dict] = {}
    for record in actions[keep & actions["store_id"].isin(stores)].sort_values(["store_id", "row"]).to_dict("records"):
        values = out.setdefault(record["store_id"], {})
        number = len(values) // len(ACTION_FIELDS) + 1
        if number > ACTION_ROWS:
            continue
        for name in ACTION_FIELDS:
            value = record[name]
            values[("action", number, name)] = None if value is None or value != value else value
    return {sid: {k: v for k, v in values.items() if v is not None} for sid, values in out.items()}


def level_history(plan: Plan, history: str) -> str:
    """The relationship level history (JSON, kept in _meta): the earlier entries and the ending period's level
    as set, the level its evidence reaches, and the target."""
    try:
        entries = json.loads(history) if history else []
    except ValueError:
        entries = []
    account = plan.account
    entries = [e for e in entries if isinstance(e, dict)] + [
        {
            "period": f"{account.period_start.isoformat()}/{account.period_end.isoformat()}",
            "level": account.relationship_now,
            "evidence": relationship_level(plan.evidence),
            "target": account.relationship_target,
        }
    ]
    return json.dumps(entries, separators=(",", ":"), ensure_ascii=False)

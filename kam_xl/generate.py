"""The generate stage: one plan tab per store, refreshed in place, keeping every value typed before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .allocation import Allocation, allocate_plan, explain
from .cell_map import field_cells, read_entries
from .entries import ACTION_FIELDS, PROGRAM_FIELDS, WEEK_FIELDS, FieldKey, StoreEntries
from .errors import KamError
from .i18n import SHEETS, sheet_name
from .meta import Meta, TabRecord, meta_sheet, new_meta, read_meta
from .plan import Plan, Store
from .plan_reader import load_plan
from .progress import Progress, every
from .store_tab import ACTION_ROWS, LAYOUT_VERSION, STATUS_CELL, STORE_ID_CELL, KpiTarget, TabContext, build_tab
from .tabnames import tab_names
from .texts import tab_text
from .xlsx.book_writer import write_sheets
from .xlsx.package import Package
from .xlsx.read import cell_at, open_book, read_grid
from .xlsx.spec import split_ref


@dataclass
class GenerateResult:
    book: Path
    written: list[str] = field(default_factory=list)  # store ids whose tab was (re)built
    kept_inactive: list[str] = field(default_factory=list)  # store ids that left the plan, tab kept
    removed: list[str] = field(default_factory=list)  # store ids whose empty tab was removed
    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)  # store id -> (old, new) tab name
    backup: Path | None = None


def system_sheet_names() -> set[str]:
    """Names of every sheet kam_xl itself owns, in both languages (store tabs may not take them)."""
    return {name for pair in SHEETS.values() for name in pair}


def existing_tabs(book, meta: Meta) -> dict[str, tuple[str, TabRecord]]:
    """store id -> (sheet name, record) of the tabs in the workbook; a renamed tab is found by its store-id cell."""
    names = set(book.sheet_names)
    found: dict[str, tuple[str, TabRecord]] = {}
    lost = []
    for record in meta.tabs:
        if record.tab in names:
            found[record.store_id] = (record.tab, record)
        else:
            lost.append(record)
    if lost:
        candidates = names - system_sheet_names() - {t for t, _ in found.values()}
        row, col = split_ref(STORE_ID_CELL)
        by_id = {}
        for name in candidates:
            store_id = cell_at(read_grid(book, name), row, col)
            if store_id is not None:
                by_id[str(store_id)] = name
        for record in lost:
            if record.store_id in by_id:
                found[record.store_id] = (by_id[record.store_id], record)
    return found


def read_tab_entries(book, tabs: dict[str, tuple[str, TabRecord]], progress: Progress | None = None
                     ) -> dict[str, StoreEntries]:
    tick = every(progress, "reading store tabs", len(tabs))
    entries = {}
    for done, (store_id, (name, record)) in enumerate(tabs.items(), start=1):
        entries[store_id] = read_entries(read_grid(book, name), record.cells)
        tick(done)
    return entries


def layout_keys(plan: Plan, store: Store) -> set[FieldKey]:
    """The input fields the store's tab will have."""
    keys: set[FieldKey] = {("agreed",), ("comment", "sr"), ("comment", "manager")}
    keys |= {("week", w.id, f) for w in plan.weeks for f in WEEK_FIELDS}
    keys |= {("program", p.id, f) for p in plan.programs_for(store) for f in PROGRAM_FIELDS}
    keys |= {("action", n, f) for n in range(1, ACTION_ROWS + 1) for f in ACTION_FIELDS}
    return keys


def tab_context(plan: Plan, allocation: Allocation, store: Store, tab: str, entries: StoreEntries) -> TabContext:
    lang = plan.language
    targets = []
    for kpi in plan.kpis:
        if kpi.is_sum and kpi.id in allocation.kpis:
            row = allocation.kpis[kpi.id].loc[store.store_id]
            targets.append(KpiTarget(kpi, float(row["target"]), explain(row, lang), float(row["weight"]),
                                     float(row["share"]), str(row["bound"] or "")))
        else:
            targets.append(KpiTarget(kpi, allocation.store_target(kpi.id, store.store_id),
                                     tab_text("tier_target", lang).format(tier=store.store_tier)))
    weeks = {}
    for kpi in plan.kpis:
        if kpi.is_sum and kpi.id in allocation.weeks:
            weeks.setdefault(kpi.measure, [float(v) for v in allocation.weeks[kpi.id].loc[store.store_id]])
    keys = layout_keys(plan, store)
    retired = [(key, value) for key, value in entries.items() if key not in keys]
    main = plan.main_competitor
    return TabContext(store, tab, lang, plan.account, tuple(targets), weeks, plan.weeks, plan.programs_for(store),
                      main.name if main else "", "", entries, retired)


def tab_fingerprint(ctx: TabContext) -> str:
    """A short hash of everything a tab is built from except what was typed into it."""
    payload = {
        "layout": LAYOUT_VERSION, "lang": ctx.lang, "store": asdict(ctx.store), "account": asdict(ctx.account),
        "targets": [(t.kpi.id, asdict(t.kpi), t.target) for t in ctx.targets], "weeks": [asdict(w) for w in ctx.weeks],
        "week_targets": ctx.week_targets, "programs": [asdict(p) for p in ctx.programs],
        "competitor": ctx.main_competitor,
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def generate(path: str | Path, sr: str | None = None, region: str | None = None,
             progress: Progress | None = None) -> GenerateResult:
    """Add or refresh the store tabs of the HQ workbook at `path` (atomically, with a backup)."""
    path = Path(path)
    plan = load_plan(path)
    book = open_book(path)
    meta = read_meta(book)
    tabs = existing_tabs(book, meta)
    entries = read_tab_entries(book, tabs, progress)
    allocation = allocate_plan(plan)
    chosen = [s for s in plan.active_stores if (sr is None or s.sr_id == sr) and (region is None or s.region == region)]
    if (sr or region) and not chosen:
        raise KamError(f"no active store matches {'SR ' + sr if sr else ''}{' and ' if sr and region else ''}"
                       f"{'region ' + region if region else ''}")
    result = GenerateResult(path)
    reserved = (set(book.sheet_names) - {name for name, _ in tabs.values()}) | system_sheet_names()
    names = tab_names([(s.store_id, s.name) for s in plan.active_stores], reserved=reserved,
                      existing={sid: name for sid, (name, _) in tabs.items()})
    specs, records = [], {}
    tick = every(progress, "laying out store tabs", len(chosen))
    for done, store in enumerate(chosen, start=1):
        ctx = tab_context(plan, allocation, store, names[store.store_id], entries.get(store.store_id, {}))
        ctx.fingerprint = tab_fingerprint(ctx)
        layout = build_tab(ctx)
        specs.append(layout.spec)
        records[store.store_id] = TabRecord(store.store_id, ctx.tab_name, store.sr_id, "active", ctx.fingerprint,
                                            layout.cells)
        old = tabs.get(store.store_id)
        if old and old[0] != ctx.tab_name:
            result.renamed[store.store_id] = (old[0], ctx.tab_name)
        result.written.append(store.store_id)
        tick(done)
    active_ids = {s.store_id for s in plan.active_stores}
    untouched, inactive, removed = [], [], []
    for store_id, (name, record) in tabs.items():
        if store_id in records:
            continue
        if store_id in active_ids:
            untouched.append(TabRecord(store_id, name, record.sr_id, record.status, record.fingerprint, record.cells))
        elif entries.get(store_id):
            inactive.append(TabRecord(store_id, name, record.sr_id, "inactive", record.fingerprint, record.cells))
        else:
            removed.append(name)
            result.removed.append(store_id)
    result.kept_inactive = [r.store_id for r in inactive]
    order = {s.store_id: i for i, s in enumerate(plan.stores)}
    all_records = sorted([*records.values(), *untouched], key=lambda r: order.get(r.store_id, 10**9)) + inactive
    new = new_meta(plan.language, plan.account.name, fingerprint=plan.fingerprint(),
                   generated_at=datetime.now().isoformat(timespec="seconds"), role="hq")
    new.tabs = all_records
    host = Package.open(path)
    replaced = [tabs[sid][0] for sid in records if sid in tabs]
    host.remove_sheets([*replaced, *removed])
    for record in inactive:
        host.set_cells(record.tab, {STATUS_CELL: tab_text("inactive", plan.language)})
    write_sheets(host, [*specs, meta_sheet(new)], progress=progress, order=[r.tab for r in all_records])
    result.backup = host.save(path)
    return result


def meta_name(lang: str) -> str:
    return sheet_name("meta", lang)

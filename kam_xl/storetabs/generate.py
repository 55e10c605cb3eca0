"""The generate stage: one plan tab per store, refreshed in place, keeping every value typed before."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kam_xl.book import Book
from kam_xl.bulk import bulk_work
from kam_xl.errors import KamError, PlanError
from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import SHEETS
from kam_xl.memo import ByIdentity
from kam_xl.metrics.allocation import Allocation, allocate_plan, explain
from kam_xl.model.entries import ACTION_FIELDS, PROGRAM_FIELDS, WEEK_FIELDS, FieldKey, StoreEntries
from kam_xl.model.plan import Plan, Store
from kam_xl.parallel import shared_map, sharing
from kam_xl.plan.carried import carried_sheet_name, read_carried
from kam_xl.plan.load import read_plan_from
from kam_xl.plan.meta import CARRIED_KEYS, TabRecord, meta_sheet, new_meta, read_meta, require_hq
from kam_xl.progress import Progress, every
from kam_xl.storetabs.find import TabError, scan_store_tabs, system_sheet_names
from kam_xl.storetabs.layout import (
    ACTION_ROWS,
    LAYOUT_VERSION,
    STATUS_CELL,
    KpiTarget,
    TabContext,
    build_tab,
)
from kam_xl.storetabs.names import tab_names
from kam_xl.storetabs.storelinks import refresh_store_links
from kam_xl.xlsx.cachevalues import cache_values
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive

CACHE_BATCH = 512  # at most this many tabs evaluated together (memory stays flat, numpy stays busy)


@dataclass
class GenerateResult:
    book: Path | None
    written: list[str] = field(default_factory=list)  # store ids whose tab was (re)built
    kept_inactive: list[str] = field(default_factory=list)  # store ids that left the plan, tab kept
    removed: list[str] = field(default_factory=list)  # store ids whose empty tab was removed
    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)  # store id -> (old, new) tab name
    # (old id, new id): a store that left the plan with its data, and a new store of the same name (an ID changed?)
    id_changed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows followed, cell maps recovered from the tabs
    backup: Path | None = None
    saved: bool = False  # False: every tab was up to date, the workbook was not written (and no backup made)
    forced: list[str] = field(default_factory=list)  # what --force overrode, in words


def same_name_new_ids(inactive: list[TabRecord], new_ids: list[str], names: dict[str, str]) -> list[tuple[str, str]]:
    """(old id, new id) for each tab kept inactive whose name after its store ID is the one a new store's tab gets:
    most likely the store's ID was changed in the Stores sheet, which leaves its values on the old tab."""
    found = []
    for record in inactive:
        old = _name_part(record.tab, record.store_id)
        twin = next((sid for sid in new_ids if _same_name(old, _name_part(names.get(sid, ""), sid))), None)
        if twin is not None:
            found.append((record.store_id, twin))
    return found


def _name_part(tab: str, store_id: str) -> str:
    return tab[len(store_id) :].strip() if tab.startswith(store_id) else ""


def _same_name(a: str, b: str) -> bool:
    """Equal, or one the other cut short by Excel's 31-character limit (IDs of different length)."""
    short, long = sorted((a.casefold(), b.casefold()), key=len)
    return len(short) >= 4 and long.startswith(short)


def layout_keys(plan: Plan, store: Store) -> set[FieldKey]:
    """The input fields the store's tab will have."""
    keys: set[FieldKey] = {("agreed",), ("comment", "sr"), ("comment", "manager")}
    keys |= {("week", w.id, f) for w in plan.weeks for f in WEEK_FIELDS}
    keys |= {("program", p.id, f) for p in plan.programs_for(store) for f in PROGRAM_FIELDS}
    keys |= {("action", n, f) for n in range(1, ACTION_ROWS + 1) for f in ACTION_FIELDS}
    return keys


class StoreTargets:
    """Each store's KPI targets with their trace and week targets, looked up once per plan."""

    def __init__(self, plan: Plan, allocation: Allocation):
        self.plan, self.lang = plan, plan.language
        self.rows = {k.id: allocation.kpi_rows(k.id) for k in plan.kpis if k.id in allocation.shares}
        self.weeks = {}
        for k in plan.kpis:
            if k.id in allocation.week_arrays and k.measure not in self.weeks:
                self.weeks[k.measure] = allocation.week_rows(k.id)
        self.rates = {k: allocation.rate_values(k) for k in allocation.rates}

    def targets(self, store: Store) -> tuple[KpiTarget, ...]:
        out = []
        for kpi in self.plan.kpis:
            row = self.rows.get(kpi.id, {}).get(store.store_id)
            if row is not None:
                out.append(
                    KpiTarget(
                        kpi,
                        float(row["target"]),
                        explain(row, self.lang),
                        float(row["weight"]),
                        float(row["share"]),
                        str(row["bound"] or ""),
                    )
                )
            else:
                value = self.rates.get(kpi.id, {}).get(store.store_id)
                value = None if value is None or value != value else float(value)
                out.append(KpiTarget(kpi, value, tab_text("tier_target", self.lang).format(tier=store.store_tier)))
        return tuple(out)

    def week_targets(self, store: Store) -> dict[str, list[float]]:
        return {measure: by_store[store.store_id] for measure, by_store in self.weeks.items()}


def tab_context(plan: Plan, targets: StoreTargets, store: Store, tab: str, entries: StoreEntries) -> TabContext:
    keys = layout_keys(plan, store) if entries else set()  # a tab with nothing typed retires nothing
    retired = [(key, value) for key, value in entries.items() if key not in keys]
    main = plan.main_competitor
    return TabContext(
        store,
        tab,
        plan.language,
        plan.account,
        targets.targets(store),
        targets.week_targets(store),
        plan.weeks,
        plan.programs_for(store),
        main.name if main else "",
        "",
        entries,
        retired,
        promoter_days=plan.promoter_days(store),
        home=SHEETS["stores"][0 if plan.language == "en" else 1],
    )


def tab_fingerprint(ctx: TabContext) -> str:
    """A short hash of everything a tab is built from except what was typed into it."""
    parts = [
        repr(LAYOUT_VERSION),
        repr(ctx.lang),
        repr(ctx.store),
        _shared_repr(ctx.account),
        repr(ctx.targets),
        _shared_repr(ctx.weeks),
        repr(ctx.week_targets),
        repr(ctx.programs),
        repr(ctx.main_competitor),
    ]
    payload = "(" + ", ".join(parts) + ")"  # the repr of the tuple of the parts
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


_REPRS: ByIdentity[str] = ByIdentity()


def _shared_repr(part: object) -> str:
    """The repr of a part every tab of a plan shares (its account, its weeks: frozen), made once per object."""
    return _REPRS.get(part, lambda: repr(part))


def generate(
    path: str | Path,
    sr: str | None = None,
    region: str | None = None,
    progress: Progress | None = None,
    *,
    wait: float | None = DEFAULT_WAIT,
    force: bool = False,
) -> GenerateResult:
    """Add or refresh the store tabs of the HQ workbook at `path` (atomically, with a backup).

    Holds the workbook's lock from before reading to after saving (kam_xl.xlsx.guard: waits up to `wait`
    seconds for another kam command; an open workbook is refused unless `force`). When every tab is up to
    date the workbook is not written and no backup made (`saved` is False)."""
    with exclusive(path, command="generate", wait=wait, force=force) as guard, bulk_work():
        book = FileBook(path, progress)
        result = generate_tabs(book, sr=sr, region=region, progress=progress)
    result.book, result.saved, result.forced = Path(path), book.saved, guard.forced
    return result


def generate_tabs(
    book: Book,
    sr: str | None = None,
    region: str | None = None,
    progress: Progress | None = None,
    carried: dict[str, StoreEntries] | None = None,
) -> GenerateResult:
    """Add or refresh the store tabs of a Book; every value typed into a tab before is kept.

    Existing tabs are found by their store-id cell, their inputs by their rows' keys (rows moved by hand are
    followed; a lost or damaged _meta is rebuilt from the tabs). KamError, before anything is written, when
    the workbook is an SR file, when two sheets are one store, or when a tab holds values that could not be
    carried over (a row without its key, a key twice). The _carried sheet (kam_xl.plan.carried, written by
    `kam next-period`) and `carried` give values for the tabs of stores that have none yet, as if typed there;
    the sheet is removed once every store it names has its tab.
    """
    meta = read_meta(book)
    require_hq(meta, book)
    plan, problems, reader = read_plan_from(book)
    if any(p.is_error for p in problems):
        raise PlanError(problems)
    scan = scan_store_tabs(book, meta, progress)
    if scan.extra:
        raise TabError(
            "values that regenerating would lose:\n"
            + "\n".join(scan.extra[:20])
            + "\nnothing was written; run the command again once they are moved"
        )
    tabs, entries = scan.tabs, scan.entries
    carried = {**read_carried(book), **(carried or {})}
    entries = {**{sid: values for sid, values in carried.items() if sid not in tabs}, **entries}
    allocation = allocate_plan(plan)
    chosen = [s for s in plan.active_stores if (sr is None or s.sr_id == sr) and (region is None or s.region == region)]
    if (sr or region) and not chosen:
        raise KamError(
            f"no active store matches {'SR ' + sr if sr else ''}{' and ' if sr and region else ''}"
            f"{'region ' + region if region else ''}"
        )
    result = GenerateResult(None, notes=list(scan.notes))
    reserved = (set(book.sheet_names()) - {name for name, _ in tabs.values()}) | system_sheet_names()
    names = tab_names(
        [(s.store_id, s.name) for s in plan.active_stores],
        reserved=reserved,
        existing={sid: name for sid, (name, _) in tabs.items()},
    )
    active_ids = {s.store_id for s in plan.active_stores}
    untouched, inactive, removed = [], [], []
    for store_id, (name, record) in tabs.items():
        if store_id in active_ids and any(s.store_id == store_id for s in chosen):
            continue
        if store_id in active_ids:
            untouched.append(TabRecord(store_id, name, record.sr_id, record.status, record.fingerprint, record.cells))
        elif entries.get(store_id):
            inactive.append(TabRecord(store_id, name, record.sr_id, "inactive", record.fingerprint, record.cells))
        else:
            removed.append(name)
            result.removed.append(store_id)
    result.kept_inactive = [r.store_id for r in inactive]
    result.id_changed = same_name_new_ids(
        inactive, [s.store_id for s in plan.active_stores if s.store_id not in tabs], names
    )
    renamed = [tabs[s.store_id][0] for s in chosen if s.store_id in tabs and tabs[s.store_id][0] != names[s.store_id]]
    book.remove_sheets(renamed + removed)  # a tab keeping its name is replaced by put_sheet (or kept if unchanged)
    inactive_text = tab_text("inactive", plan.language)
    for record in inactive:
        if book.cell_values(record.tab, [STATUS_CELL])[STATUS_CELL] != inactive_text:
            book.set_cells(record.tab, {STATUS_CELL: inactive_text})
    records = _write_tabs(book, plan, allocation, chosen, names, tabs, entries, result, progress)
    if carried_sheet_name() in book.sheet_names() and not [
        sid for sid in carried if sid in active_ids and sid not in records and sid not in tabs
    ]:
        book.remove_sheets([carried_sheet_name()])  # every store it was for has its tab now
    order = {s.store_id: i for i, s in enumerate(plan.stores)}
    all_records = sorted([*records.values(), *untouched], key=lambda r: order.get(r.store_id, 10**9)) + inactive
    meta = new_meta(
        plan.language,
        plan.account.name,
        fingerprint=plan.fingerprint(),
        generated_at=datetime.now().isoformat(timespec="seconds"),
        role="hq",
        **{key: meta.values[key] for key in CARRIED_KEYS if meta.values.get(key)},
    )
    meta.tabs = all_records
    book.put_sheet(meta_sheet(meta))
    stores = reader.tables.get("stores")
    if stores is not None:
        refresh_store_links(book, stores.sheet, stores, meta, plan.language)
    result.backup = book.save(order=[r.tab for r in all_records])
    return result


def even_batches(items: list, largest: int) -> list[list]:
    """The items in an even number of batches of equal size (±1), none larger than `largest`: the formulas of
    a batch are evaluated together (fewer, larger batches cost less), and two processes share them evenly."""
    if not items:
        return []
    pairs = -(-len(items) // (2 * largest))
    count = min(len(items), 2 * pairs)
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        out.append(items[start:end])
        start = end
    return out


HELPER_LEAD = 0.03  # this process takes 3 % more of each pair of batches than the forked helper (see lighter_helper)


def lighter_helper(batches: list[list]) -> list[list]:
    """The batches with a few items of each helper's batch (the odd ones, kam_xl.parallel) moved to the end of the
    batch before it, in order: the forked helper works ~8 % slower than this process (its first writes to the
    memory both share copy pages), and this process would otherwise wait for it. Measured on 1,000 tabs: 1.47 →
    1.43 s."""
    out = [list(batch) for batch in batches]
    for index in range(1, len(out), 2):
        moved = min(round(len(out[index]) * HELPER_LEAD), len(out[index]) - 1)
        if moved > 0:
            out[index - 1] += out[index][:moved]
            out[index] = out[index][moved:]
    return out


def _write_tabs(
    book: Book,
    plan: Plan,
    allocation: Allocation,
    chosen: list[Store],
    names: dict[str, str],
    tabs: dict,
    entries: dict,
    result: GenerateResult,
    progress: Progress | None,
) -> dict[str, TabRecord]:
    """Build, evaluate and put every chosen store's tab, in batches of CACHE_BATCH tabs; on a file the batches
    are shared with a second core (kam_xl.parallel: each batch becomes finished sheet bytes there)."""
    records: dict[str, TabRecord] = {}
    store_targets = StoreTargets(plan, allocation)
    tick = every(progress, "writing store tabs", len(chosen))
    writer = book.sheet_writer() if isinstance(book, FileBook) else None

    def batch_of_tabs(stores: list[Store]) -> list[tuple[TabRecord, object]]:
        made, specs = [], []
        for store in stores:
            ctx = tab_context(plan, store_targets, store, names[store.store_id], entries.get(store.store_id, {}))
            ctx.fingerprint = tab_fingerprint(ctx)
            layout = build_tab(ctx)
            specs.append(layout.spec)
            made.append(TabRecord(store.store_id, ctx.tab_name, store.sr_id, "active", ctx.fingerprint, layout.cells))
        cache_values(specs)  # every formula's value as the tab stands (for readers that do not recalculate)
        sheets = specs if writer is None else [writer.serialise_packed(spec) for spec in specs]
        return list(zip(made, sheets, strict=True))

    # Tabs of one layout side by side (a store's programs give its tab's rows): a batch then holds fewer layouts,
    # each evaluated once (kam_xl.xlsx.cachevalues) and written from its first tab (kam_xl.xlsx.sheetdata). The tabs'
    # order in the workbook is the plan's all the same (FileBook.save's order).
    by_layout = sorted(chosen, key=lambda store: len(plan.programs_for(store)))
    batches = even_batches(by_layout, CACHE_BATCH)
    if writer is not None and sharing(batches):
        batches = lighter_helper(batches)
    done = 0
    for batch in shared_map(batch_of_tabs, batches) if writer is not None else map(batch_of_tabs, batches):
        for record, sheet in batch:
            if writer is None:
                book.put_sheet(sheet)
            else:
                writer.add_serialised(sheet)
            records[record.store_id] = record
            old = tabs.get(record.store_id)
            if old and old[0] != record.tab:
                result.renamed[record.store_id] = (old[0], record.tab)
            result.written.append(record.store_id)
            done += 1
            tick(done)
    place = {store.store_id: index for index, store in enumerate(chosen)}
    result.written.sort(key=lambda store_id: place.get(store_id, len(place)))
    return records

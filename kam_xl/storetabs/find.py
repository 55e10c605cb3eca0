"""Finding the store tabs of a workbook (by _meta, or by their store-id cell) and reading their inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from kam_xl.errors import KamError
from kam_xl.lang.words import SHEETS
from kam_xl.model.entries import StoreEntries
from kam_xl.plan.meta import Meta, TabRecord
from kam_xl.progress import Progress, every
from kam_xl.storetabs.cellmap import read_entries
from kam_xl.storetabs.layout import STORE_ID_CELL
from kam_xl.storetabs.locate import TabLayoutError, cell_map_of, discover_keys, find_store_id, locate
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import split_ref

REPLACEABLE = (  # kam's sheets that a run rewrites whole: a store tab renamed to one of these would be lost
    "collect_log", "sc_account", "sc_store", "sc_sr", "sc_region", "sc_tier", "sc_problems", "sc_next", "my_stores",
)  # fmt: skip


def _plan_like() -> set[str]:
    """kam's sheet names that a store tab is never found under (the plan sheets, _meta…): all but REPLACEABLE."""
    return {name for key, pair in SHEETS.items() if key not in REPLACEABLE for name in pair}


def check_no_tab_under_reserved_names(tabs: dict[str, tuple[str, TabRecord]], step: str) -> None:
    """TabError when a store tab carries the name of a sheet `step` rewrites whole (a tab renamed by hand to
    "Collect log" or "Store scorecard"): writing that sheet would destroy the tab."""
    reserved = {name for key in REPLACEABLE for name in SHEETS[key]}
    taken = [(sid, name) for sid, (name, _) in tabs.items() if name in reserved]
    if taken:
        store, name = taken[0]
        raise TabError(
            f"the sheet {name!r} is the store tab of {store} (renamed by hand?) — rename it back, or run "
            f"`kam generate`, which does; {step} needs that name for its own sheet"
        )


def system_sheet_names() -> set[str]:
    """Names of every sheet kam_xl itself owns, in both languages (store tabs may not take them)."""
    return {name for pair in SHEETS.values() for name in pair}


def existing_tabs(book, meta: Meta) -> dict[str, tuple[str, TabRecord]]:
    """store id -> (sheet name, record) of the tabs in the workbook; a renamed tab is found by its store-id cell."""
    names = set(book.sheet_names())
    found: dict[str, tuple[str, TabRecord]] = {}
    lost = []
    for record in meta.tabs:
        if record.tab in names:
            found[record.store_id] = (record.tab, record)
        else:
            lost.append(record)
    if lost:
        candidates = names - _plan_like() - {t for t, _ in found.values()}
        row, col = split_ref(STORE_ID_CELL)
        by_id = {}
        for name in candidates:
            store_id = cell_at(book.grid(name), row, col)
            if store_id is not None:
                by_id[str(store_id)] = name
        for record in lost:
            if record.store_id in by_id:
                found[record.store_id] = (by_id[record.store_id], record)
    return found


READ_AHEAD = 32  # tabs read ahead of the one being looked at


class TabError(KamError):
    """Store tabs that cannot be read without guessing (a key twice, two tabs of one store...)."""


@dataclass
class StoreTabs:
    """The store tabs of a workbook found by their store-id cell, and what was typed into each."""

    tabs: dict[str, tuple[str, TabRecord]]  # store id -> (sheet name, record; rebuilt from the tab if lost)
    entries: dict[str, StoreEntries]
    notes: list[str] = field(default_factory=list)  # what was followed or recovered, for the report
    extra: list[str] = field(default_factory=list)  # rows holding values but no key of their own

    def first_tab(self, sheet_order: list[str]) -> str | None:
        """The name of the first store tab in workbook order."""
        names = {name for name, _ in self.tabs.values()}
        return next((name for name in sheet_order if name in names), None)


def scan_store_tabs(book, meta: Meta, progress: Progress | None = None, keep=None) -> StoreTabs:
    """Every store tab of the workbook, identified by its store-id cell (not its name), with its entries.

    Rows and columns moved by hand are followed by their keys; a tab whose _meta record is lost or whose
    cell map is damaged is read from its own key cells. TabError (naming the sheet and row, and what to do)
    when two sheets are the same store or a tab cannot be read without guessing — nothing is written then.
    `keep(key)`, when given, chooses the fields read (cellmap.read_entries).
    """
    lang = meta.language
    records = {record.store_id: record for record in meta.tabs}
    recorded = {record.tab for record in meta.tabs}
    lost = any(record.tab not in book.sheet_names() for record in meta.tabs) or not meta.tabs
    plan_like = _plan_like()
    names = [
        name
        for name in book.sheet_names()
        if name in recorded or (name not in plan_like and (lost or name not in system_sheet_names()))
    ]
    tick = every(progress, "reading store tabs", len(names))
    book.prefetch(names[:READ_AHEAD])
    found = StoreTabs({}, {})
    problems = []
    for done, name in enumerate(names, start=1):
        book.prefetch(names[done - 1 + READ_AHEAD : done + READ_AHEAD])
        grid = book.grid(name)
        store_id, _, _ = find_store_id(grid)
        if store_id is not None:
            problems += _add_tab(found, name, store_id, grid, records.get(store_id), lang, keep)
        book.forget(name)
        tick(done)
    if problems:
        raise TabError("\n".join(problems))
    return found


def _add_tab(
    found: StoreTabs, name: str, store_id: str, grid, record: TabRecord | None, lang: str, keep=None
) -> list[str]:
    if store_id in found.tabs:
        return [
            f"sheets {found.tabs[store_id][0]!r} and {name!r} are both store {store_id} (C3): delete the copy, "
            "or give the copy its own store's ID, then run the command again"
        ]
    cells = record.cells if record and record.cells.get("week") else None
    try:
        if cells is None:
            cells = cell_map_of(locate(grid, discover_keys(grid, lang), lang), store_id)
            found.notes.append(f"{name}: the cell map in _meta was missing or damaged; read from the tab's key cells")
        followed: list = []
        entries = read_entries(grid, cells, lang, followed, keep)
        for located in followed:
            found.notes += [f"{name}: {what}" for what in located.moved]
            found.extra += [
                f"{name} › row {row}: holds values but no {what} of its own (an inserted row?) — move them into the "
                f"{what}'s own row, or delete the row"
                for row, what in located.extra
            ]
    except TabLayoutError as exc:
        where = f" › row {exc.row}" if exc.row else ""
        return [
            f"{name}{where}: {exc} — undo the change (every week, program and action must appear once, under "
            "its table's header), then run the command again"
        ]
    if record is None:
        record = TabRecord(store_id, name, "", "active", "", cells)
    elif record.cells is not cells:
        record = TabRecord(record.store_id, name, record.sr_id, record.status, record.fingerprint, cells)
    elif record.tab != name:
        record = TabRecord(record.store_id, name, record.sr_id, record.status, record.fingerprint, record.cells)
    found.tabs[store_id] = (name, record)
    found.entries[store_id] = entries
    return []


def read_tab_entries(
    book, tabs: dict[str, tuple[str, TabRecord]], progress: Progress | None = None, lang: str = "en"
) -> dict[str, StoreEntries]:
    """What was typed into each tab (read ahead in a background thread, a window of tabs at a time)."""
    tick = every(progress, "reading store tabs", len(tabs))
    names = [name for name, _ in tabs.values()]
    book.prefetch(names[:READ_AHEAD])
    entries = {}
    for done, (store_id, (name, record)) in enumerate(tabs.items(), start=1):
        book.prefetch(names[done - 1 + READ_AHEAD : done + READ_AHEAD])
        entries[store_id] = read_entries(book.grid(name), record.cells, lang)
        book.forget(name)
        tick(done)
    return entries

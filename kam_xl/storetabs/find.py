"""Finding the store tabs of a workbook (by _meta, or by their store-id cell) and reading their inputs."""

from __future__ import annotations

from kam_xl.lang.words import SHEETS
from kam_xl.model.entries import StoreEntries
from kam_xl.plan.meta import Meta, TabRecord
from kam_xl.progress import Progress, every
from kam_xl.storetabs.cellmap import read_entries
from kam_xl.storetabs.layout import STORE_ID_CELL
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import split_ref


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
        candidates = names - system_sheet_names() - {t for t, _ in found.values()}
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


def read_tab_entries(
    book, tabs: dict[str, tuple[str, TabRecord]], progress: Progress | None = None
) -> dict[str, StoreEntries]:
    """What was typed into each tab (read ahead in a background thread, a window of tabs at a time)."""
    tick = every(progress, "reading store tabs", len(tabs))
    names = [name for name, _ in tabs.values()]
    book.prefetch(names[:READ_AHEAD])
    entries = {}
    for done, (store_id, (name, record)) in enumerate(tabs.items(), start=1):
        book.prefetch(names[done - 1 + READ_AHEAD : done + READ_AHEAD])
        entries[store_id] = read_entries(book.grid(name), record.cells)
        book.forget(name)
        tick(done)
    return entries

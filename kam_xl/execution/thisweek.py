"""The "This week" sheet of an SR workbook: one row per store, the week's inputs in one grid.

The grid's cells are the inputs; the store tabs' log cells of that week read them with
=IF(INDEX(col, MATCH($C$3, ids, 0))="","",INDEX(col, MATCH($C$3, ids, 0))) — one place per number, found by
the store id (so sorting or filtering the grid changes nothing), no macros. Collect reads the grid by store
id and header label for the cells of the tabs that still hold that formula (docs/workbook.md).
"""

from __future__ import annotations

from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import fold, sheet_name
from kam_xl.model.entries import WEEK_FIELDS, StoreEntries, tab_value
from kam_xl.model.plan import Plan, Store, Week
from kam_xl.plan.meta import TabRecord
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.layout import STORE_ID_CELL, log_labels
from kam_xl.storetabs.locate import cell_key
from kam_xl.xlsx.spec import SheetSpec, column_letter, quote_sheet

WEEK_CELL = "C3"  # the week the grid is for
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
COLUMNS = ("store_id", "store", *WEEK_FIELDS)  # A, B, then the inputs in the weekly log's order
_STYLE = {  # as on the store tab's weekly log
    **{name: "input_int" for name in ("units", "sell_in", "visits", "category", "competitor", "stock")},
    **{name: "input" for name in ("promoter_present", "promoter_planned", "competitor_activity", "comment")},
    "display": "input_center",
}


def default_week(plan: Plan, entries: dict[str, StoreEntries]) -> Week:
    """The week after the last one HQ has sell-out units for (the first week when none)."""
    ids = [w.id for w in plan.weeks]
    entered = [
        ids.index(key[1]) for values in entries.values() for key in values if key[-1] == "units" and key[1] in ids
    ]
    return plan.weeks[min(max(entered, default=-1) + 1, len(ids) - 1)]


def this_week_sheet(plan: Plan, week: Week, stores: list[Store], entries: dict[str, StoreEntries]) -> SheetSpec:
    """The grid of `week` for `stores`, prefilled with what HQ has for it (the plan's promoter days too)."""
    lang = plan.language
    labels = {"store_id": tab_text("store_id", lang), "store": tab_text("store", lang)} | log_labels(lang)
    sheet = SheetSpec(sheet_name("this_week", lang), role="this_week", protected=False, freeze=f"C{FIRST_ROW}")
    sheet.widths = {1: 10, 2: 28} | {c: 11 for c in range(3, len(COLUMNS) + 1)}
    sheet.set(
        1, 1, f"{tab_text('this_week_title', lang)} · {week.id} ({week.start:%Y-%m-%d} – {week.end:%Y-%m-%d})", "title"
    )
    sheet.set(2, 1, tab_text("this_week_note", lang), "stamp")
    sheet.set(3, 1, tab_text("week", lang), "label")
    sheet.put(WEEK_CELL, week.id, "id")
    for col, name in enumerate(COLUMNS, start=1):
        sheet.set(HEADER_ROW, col, labels[name], "header")
    sheet.heights[HEADER_ROW] = 45
    for row, store in enumerate(stores, start=FIRST_ROW):
        sheet.set(row, 1, store.store_id, "id")
        sheet.set(row, 2, store.name)
        values = entries.get(store.store_id, {})
        for col, name in enumerate(WEEK_FIELDS, start=3):
            key = ("week", week.id, name)
            shown = tab_value(key, values[key], lang) if values.get(key) is not None else None
            sheet.set(row, col, shown, _STYLE.get(name, "input_num"))
    last = FIRST_ROW + max(len(stores), 1) - 1
    sheet.autofilter = f"A{HEADER_ROW}:{column_letter(len(COLUMNS))}{last}"
    return sheet


def tab_formulas(record: TabRecord, week: Week, stores: int, cached: StoreEntries, lang: str) -> dict:
    """The tab's log cells of `week` as formulas reading the grid: A1 cell -> (formula, cached value)."""
    cells = field_cells(record.cells)
    grid = quote_sheet(sheet_name("this_week", lang))
    last = FIRST_ROW + max(stores, 1) - 1
    ids = f"{grid}!$A${FIRST_ROW}:$A${last}"
    own = f"${STORE_ID_CELL[0]}${STORE_ID_CELL[1:]}"  # the tab's store id
    out = {}
    for col, name in enumerate(WEEK_FIELDS, start=3):
        key = ("week", week.id, name)
        if key not in cells:
            continue
        letter = column_letter(col)
        value = f"INDEX({grid}!${letter}${FIRST_ROW}:${letter}${last},MATCH({own},{ids},0))"
        shown = tab_value(key, cached[key], lang) if cached.get(key) is not None else ""
        out[cells[key]] = (f'=IF({value}="","",{value})', shown)
    return out


def read_this_week(grid: list[list], sheet: str, lang: str) -> tuple[str, dict[str, dict[str, tuple[str, object]]]]:
    """(week id, store id -> field -> (cell, value)) of a "This week" grid: rows found by their store id,
    columns by their header (so a sorted, filtered or re-ordered grid reads the same)."""

    def at(row: int, col: int) -> object:
        try:
            value = grid[row - 1][col - 1]
        except IndexError:
            return None
        return None if value == "" else value

    week = cell_key(at(3, 3))
    labels = {fold(label): name for name, label in log_labels(lang).items() if name in WEEK_FIELDS}
    header = grid[HEADER_ROW - 1] if len(grid) >= HEADER_ROW else []
    columns = {
        labels[fold(str(v))]: col for col, v in enumerate(header, start=1) if isinstance(v, str) and fold(v) in labels
    }
    rows: dict[str, dict[str, tuple[str, object]]] = {}
    for row in range(FIRST_ROW, len(grid) + 1):
        store_id = cell_key(at(row, 1))
        if store_id and store_id not in rows:
            rows[store_id] = {
                name: (f"{quote_sheet(sheet)}!{column_letter(col)}{row}", at(row, col)) for name, col in columns.items()
            }
    return week, rows

"""The Stores sheet's link column: a link to each store's tab, written by `kam generate`, never read as input.

The KAM fills and sorts the Stores sheet, so a link fixed to a row would point at the wrong store after a
sort. Each link cell is instead a formula that finds its target from the store id in its own row:

    =IFERROR(HYPERLINK("#'"&SUBSTITUTE(INDEX(_meta!$B$f:$B$l,MATCH($A7&"",_meta!$A$f:$A$l,0)),"'","''")&"'!A1",
                       INDEX(_meta!$B$f:$B$l,MATCH($A7&"",_meta!$A$f:$A$l,0))),"")

— the tab name comes from _meta's store-tab records (rows f..l, which generate writes in the same run),
the link shows it, and a row without a tab (blank, a new store before the next generate) shows nothing.
Sorting the rows (with or without the link column) keeps every link right: the formula reads the id of
whatever row it sits in. INDEX, MATCH, SUBSTITUTE, IFERROR and HYPERLINK compute alike in Excel 2010, WPS
and LibreOffice. The column sits right of the plan's columns (its header in either language finds it again;
`kam init` writes it styled), outside the sheet's autofilter, so a sort there leaves it in place.
"""

from __future__ import annotations

from kam_xl.lang.texts import tab_text
from kam_xl.plan.meta import Meta, tab_rows
from kam_xl.xlsx.spec import Formula, column_letter, quote_sheet

HEADER_KEY = "stores_tab_link"
META_SHEET = "_meta"


def link_header(lang: str) -> str:
    """The link column's header in a language."""
    return tab_text(HEADER_KEY, lang)


def is_link_header(value: object) -> bool:
    """Whether a header cell is the link column's (in either language)."""
    return isinstance(value, str) and value.strip() in (link_header("en"), link_header("zh"))


def link_formula(row: int, id_col: int, first: int, last: int) -> str:
    """The link formula of a Stores row whose store id is in column `id_col`; _meta's records in rows first..last."""
    meta = quote_sheet(META_SHEET)
    tab = f'INDEX({meta}!$B${first}:$B${last},MATCH(${column_letter(id_col)}{row}&"",{meta}!$A${first}:$A${last},0))'
    target = f'"#\'"&SUBSTITUTE({tab},"\'","\'\'")&"\'!A1"'
    return f'=IFERROR(HYPERLINK({target},{tab}),"")'


def link_column(header: list) -> int:
    """The link column of a header row (1-based): the one headed by the link header, else the first after the
    last header cell in use."""
    for col, value in enumerate(header, start=1):
        if is_link_header(value):
            return col
    used = [col for col, value in enumerate(header, start=1) if value not in (None, "")]
    return (max(used) if used else 0) + 1


def refresh_store_links(book, sheet: str, table, meta: Meta, lang: str) -> int:
    """Write the link column of the Stores sheet `sheet` (plan table `table`: header row, store-id column, record
    rows) for the _meta `meta` as it will be saved; only cells whose formula differs are written. Returns how
    many cells were written."""
    id_col = table.columns.get("store_id")
    first, last = tab_rows(meta)
    if id_col is None or last < first or not table.record_rows:
        return 0
    grid = book.grid(sheet)
    header = grid[table.header_row - 1] if len(grid) >= table.header_row else []
    col = link_column(list(header))
    letter = column_letter(col)
    tabs = {record.store_id: record.tab for record in meta.tabs}
    ids = {
        row: _id_text(grid[row - 1][id_col - 1] if id_col <= len(grid[row - 1]) else None)
        for row in range(table.header_row + 1, min(len(grid), max(table.record_rows)) + 1)
    }
    existing = book.formulas(sheet)
    wanted = {}
    for row in range(table.header_row + 1, max(table.record_rows) + 1):
        text = link_formula(row, id_col, first, last)
        if existing.get(f"{letter}{row}") != text:
            wanted[f"{letter}{row}"] = Formula(text, tabs.get(ids.get(row, ""), ""))
    head = f"{letter}{table.header_row}"
    if not is_link_header(header[col - 1] if col <= len(header) else None):
        book.set_cells(sheet, {head: link_header(lang)})
    if wanted:
        book.set_formulas(sheet, wanted)
    return len(wanted)


def _id_text(value: object) -> str:
    """A store id cell as MATCH($A7&"") sees it: text as it is, a whole number without decimals."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

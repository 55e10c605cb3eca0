"""Links from the review's store rows to the store tabs: the store's name in the Store scorecard and on the
Problems & opportunities sheet opens its tab (HYPERLINK formulas, so they work in Excel, WPS and LibreOffice)."""

from __future__ import annotations

from kam_xl.lang.texts import review_text
from kam_xl.lang.words import sheet_name
from kam_xl.reviewing.scorecards import GROUP_ROW
from kam_xl.storetabs.names import tab_link
from kam_xl.xlsx.spec import SheetSpec

LINKED = ("sc_store", "sc_problems")  # the sheets whose store rows link to the tabs


def link_store_names(specs: list[SheetSpec], tabs: dict[str, str], lang: str) -> None:
    """Turn the store-name cell of every store row of the linked sheets into a link to that store's tab
    (`tabs`: store id -> sheet name); the shown text stays the name. In place."""
    titles = {sheet_name(key, lang) for key in LINKED}
    header = GROUP_ROW + 1
    for spec in (s for s in specs if s.title in titles):
        heads = {value: col for (row, col), (value, _) in spec.cells.items() if row == header}
        id_col, name_col = heads.get(review_text("store_id", lang)), heads.get(review_text("store_name", lang))
        if id_col is None or name_col is None:
            continue
        row = header + 1
        while (row, id_col) in spec.cells:
            store_id, (name, style) = spec.cells[(row, id_col)][0], spec.cells.get((row, name_col), (None, ""))
            if store_id in tabs and isinstance(name, str):
                spec.cells[(row, name_col)] = (tab_link(tabs[store_id], name), style)
            row += 1

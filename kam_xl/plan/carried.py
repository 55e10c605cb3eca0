"""The hidden _carried sheet: values `kam next-period` carries into store tabs not made yet (the ending period's
open store actions), which `kam generate` types into each store's new tab when it makes it."""

from __future__ import annotations

from datetime import date

from kam_xl.errors import KamError
from kam_xl.lang.words import sheet_name
from kam_xl.model.entries import StoreEntries, key_from_text, key_text, normalise
from kam_xl.model.parsing import ParseError
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec

HEADER = ("store_id", "field", "value")
_NOTE = "kam_xl: values for store tabs not generated yet; do not edit / 系统数据：待生成门店页的结转内容，请勿修改"


def carried_sheet_name() -> str:
    return sheet_name("carried", "en")


def carried_sheet(values: dict[str, StoreEntries]) -> SheetSpec:
    """The hidden sheet: a note, a header, then one row per store and field (the field as its key text)."""
    sheet = SheetSpec(carried_sheet_name(), role="carried", state="hidden", widths={1: 12, 2: 22, 3: 60})
    sheet.set(1, 1, _NOTE, "note")
    sheet.row_values(2, 1, HEADER, "label")
    row = 2
    for store_id, fields in values.items():
        for key, value in fields.items():
            row += 1
            sheet.row_values(row, 1, [store_id, key_text(key)])
            sheet.set(row, 3, value, "fixed_date" if isinstance(value, date) else "text")
    return sheet


def read_carried(book) -> dict[str, StoreEntries]:
    """The values the _carried sheet holds, per store ({} when the workbook has none). KamError naming the cell
    when one cannot be read."""
    name = carried_sheet_name()
    if name not in book.sheet_names():
        return {}
    grid = book.grid(name)
    out: dict[str, StoreEntries] = {}
    for row in range(3, len(grid) + 1):
        store_id, field = cell_at(grid, row, 1), cell_at(grid, row, 2)
        if store_id is None or field is None:
            continue
        key = key_from_text(str(field))
        try:
            if key is None:
                raise ParseError(f"not a field ({field})")
            value = normalise(key, cell_at(grid, row, 3))
        except ParseError as exc:
            raise KamError(f"{name}!C{row}: {exc} — delete the sheet's row, or run `kam next-period` again") from None
        if value is not None:
            text = str(int(store_id)) if isinstance(store_id, float) and store_id.is_integer() else str(store_id)
            out.setdefault(text, {})[key] = value
    return out

"""The named cell styles as openpyxl style objects, made once per workbook and shared by cells."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from kam_xl.xlsx import styles

FONT = {
    "name": "Calibri",
    "size": 11,
    "family": 2,
    "scheme": "minor",
}  # named: LibreOffice shows nameless fonts as serif
_THIN = Side(style="thin", color="BFBFBF")
_ALIGN = {
    "wrap": Alignment(wrap_text=True, vertical="top"),
    "center": Alignment(horizontal="center", vertical="center"),
    "center_wrap": Alignment(horizontal="center", vertical="center", wrap_text=True),
}


def new_workbook() -> Workbook:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "kam_xl"
    return workbook


class StyleBook:
    """The openpyxl style of each named style, made once per workbook and shared by cells."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self._arrays: dict[str, object] = {}

    def apply(self, cell: WriteOnlyCell, key: str) -> None:
        array = self._arrays.get(key)
        if array is None:
            _set_style(cell, styles.CELL[key])
            self._arrays[key] = cell._style
        else:
            cell._style = array


def _set_style(cell: WriteOnlyCell, style: dict) -> None:
    font = style.get("font")
    if font:
        cell.font = Font(**{**FONT, **font})
    fill = style.get("fill")
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if style.get("number_format"):
        cell.number_format = style["number_format"]
    if style.get("align"):
        cell.alignment = _ALIGN[style["align"]]
    if style.get("border"):
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    if style.get("locked") is False:
        cell.protection = Protection(locked=False)

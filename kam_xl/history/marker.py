"""The `_history` sheet of an HQ workbook: the token of the last run recorded for it in the history database.

Read without SQLAlchemy (split writes the token into each SR file: what the file started from), written by
kam_xl.history.record.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec

MARKER_SHEET = "_history"
_NOTE = (
    "kam_xl: the last run recorded in the history database (do not edit) / 已记入历史数据库的最近一次运行（请勿修改）"
)


@dataclass(frozen=True)
class Marker:
    """The `_history` sheet: the token of the last run recorded for this workbook, and where."""

    token: str
    database: str
    account: str
    period: str
    time: str


def read_marker(book) -> Marker | None:
    """The workbook's marker, or None (no `_history` sheet, or an empty one)."""
    if MARKER_SHEET not in book.sheet_names():
        return None
    grid = book.grid(MARKER_SHEET)
    values = {str(cell_at(grid, r, 1)): cell_at(grid, r, 2) for r in range(2, len(grid) + 1)}
    token = values.get("token")
    if not token:
        return None
    return Marker(*(str(values.get(k) or "") for k in ("token", "database", "account", "period", "time")))


def marker_sheet(marker: Marker) -> SheetSpec:
    sheet = SheetSpec(MARKER_SHEET, role="history", state="hidden", widths={1: 14, 2: 60})
    sheet.set(1, 1, _NOTE, "note")
    names = ("token", "database", "account", "period", "time")
    for row, (key, value) in enumerate(zip(names, astuple(marker)), start=2):
        sheet.set(row, 1, key, "label")
        sheet.set(row, 2, value)
    return sheet

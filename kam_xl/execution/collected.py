"""The files collect has already merged, by content hash, kept in the HQ workbook's hidden `_collected` sheet.

Collecting the same file again (same bytes) is skipped, so a correction the KAM made in HQ after the first
collect stands until the SR sends a file with new content; and a rejected cell is logged once per file.
"""

from __future__ import annotations

from dataclasses import dataclass

from kam_xl.lang.words import sheet_name
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec

COLUMNS = ("sha256", "file", "sr", "time", "outcome")
_NOTE = "kam_xl: files already collected (do not edit) / 已回收文件（请勿修改）"


@dataclass(frozen=True)
class Collected:
    """One file merged before: its content hash, name, SR, when, and how it went."""

    sha256: str
    file: str
    sr: str
    time: str
    outcome: str


def read_collected(book) -> dict[str, Collected]:
    """sha256 -> record of every file collected into the workbook before (none without the sheet)."""
    name = sheet_name("collected", "en")
    if name not in book.sheet_names():
        return {}
    grid = book.grid(name)
    out = {}
    for row in range(3, len(grid) + 1):
        values = [cell_at(grid, row, col) for col in range(1, len(COLUMNS) + 1)]
        if values[0]:
            record = Collected(*("" if v is None else str(v) for v in values))
            out[record.sha256] = record
    return out


def collected_sheet(records: list[Collected]) -> SheetSpec:
    """The hidden `_collected` sheet holding `records` (text only)."""
    sheet = SheetSpec(
        sheet_name("collected", "en"), role="collected", state="hidden", widths={1: 66, 2: 30, 3: 10, 4: 20, 5: 40}
    )
    sheet.set(1, 1, _NOTE, "note")
    sheet.row_values(2, 1, COLUMNS, "label")
    for row, record in enumerate(records, start=3):
        sheet.row_values(row, 1, [record.sha256, record.file, record.sr, record.time, record.outcome])
    return sheet

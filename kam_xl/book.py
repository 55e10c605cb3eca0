"""The Book: a workbook as every stage sees it — read sheet values, put whole sheets, set cells, save.

Every stage (generate, split, collect, review, e-mail) works on a Book, so the same code runs on a
file and on the workbook open in Excel. Two implementations:

* `kam_xl.xlsx.filebook.FileBook` — an .xlsx file: python-calamine reads, part-level edits, atomic save.
* `kam_xl.excel.xlbook.XlBook` — the workbook open in Excel, through xlwings.

Cells are A1 references; values are None (empty), bool, int/float, str, date/datetime. A Book raises
`kam_xl.errors.WorkbookError` for a sheet it does not have or a file it cannot read or write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kam_xl.xlsx.spec import Formula, SheetSpec


class Book(Protocol):
    """What a stage may do with a workbook."""

    def sheet_names(self) -> list[str]:
        """Sheet names in tab order, hidden ones included."""

    def grid(self, name: str) -> list[list]:
        """A sheet's values as rows of cells (None for empty); WorkbookError when there is no such sheet."""

    def forget(self, name: str) -> None:
        """Drop what was read of a sheet (reading thousands of tabs keeps memory flat)."""

    def prefetch(self, names: list[str], threads: int = 2) -> None:
        """Start reading these sheets in the background (a hint; a Book may ignore it)."""

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add the sheet, or replace the sheet of the same name, when the book is saved."""

    def remove_sheets(self, names: list[str]) -> None:
        """Remove these sheets with everything only they use."""

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]:
        """Write values into cells of a sheet (text stays text); return the cells' old values."""

    def set_formulas(self, sheet: str, formulas: dict[str, Formula]) -> None:
        """Put live formulas into cells of a sheet ("D20" -> Formula with its cached value), keeping each cell's
        style."""

    def cell_values(self, sheet: str, refs: list[str]) -> dict[str, object]:
        """The current values of some cells of a sheet, changes through this Book included."""

    def formulas(self, sheet: str) -> dict[str, str]:
        """The formulas of a sheet by cell ({} where the application computes them itself, as Excel does)."""

    def set_formula_values(self, sheet: str, values: dict[str, object]) -> None:
        """Set cached values of formula cells, for readers that do not recalculate (a no-op in Excel)."""

    def filled_cells(self, sheet: str) -> set[str]:
        """The references of the cells of a sheet that hold a value or a formula now."""

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None:
        """Write every change (a file: atomically, with a backup; nothing at all when nothing changed, see
        FileBook.saved); `order` sorts the named sheets, new sheets go `before` that sheet. Returns the backup's
        path, if one was made."""

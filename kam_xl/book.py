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

from kam_xl.xlsx.spec import SheetSpec


class Book(Protocol):
    """What a stage may do with a workbook."""

    def sheet_names(self) -> list[str]: ...

    def grid(self, name: str) -> list[list]: ...

    def forget(self, name: str) -> None: ...

    def prefetch(self, names: list[str], threads: int = 2) -> None: ...

    def put_sheet(self, spec: SheetSpec) -> None: ...

    def remove_sheets(self, names: list[str]) -> None: ...

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]: ...

    def cell_values(self, sheet: str, refs: list[str]) -> dict[str, object]: ...

    def filled_cells(self, sheet: str) -> set[str]: ...

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None: ...



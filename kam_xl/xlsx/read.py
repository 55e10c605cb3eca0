"""Opening workbooks for reading with python-calamine, after checking they are safe to open."""

from __future__ import annotations

import zipfile
from pathlib import Path

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.safezip import CFB_MAGIC, check_not_bomb

MAX_UNPACKED = 2_000_000_000  # bytes a workbook may unpack to
MAX_RATIO = 200  # compression ratio above which a large member is treated as a zip bomb


def check_xlsx(path: str | Path, max_unpacked: int = MAX_UNPACKED) -> Path:
    """The path, if it names a readable .xlsx that is not encrypted and not a zip bomb."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path}: file not found — check the path and the file name")
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == CFB_MAGIC:
        raise WorkbookError(
            f"{path.name}: encrypted with a password, or an old .xls file; save it as .xlsx without a password"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WorkbookError(
            f"{path.name}: not an .xlsx workbook (or damaged); save it from Excel as 'Excel Workbook (*.xlsx)'"
        ) from None
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise WorkbookError(f"{path.name}: not an Excel workbook (no xl/workbook.xml)")
    check_not_bomb(path.name, infos, max_size=max_unpacked, max_ratio=MAX_RATIO)
    return path


def open_book(path: str | Path, max_unpacked: int = MAX_UNPACKED):
    """A python-calamine workbook for fast reading of cell values."""
    from python_calamine import CalamineWorkbook  # imported here: xlwings Lite may not have it

    path = check_xlsx(path, max_unpacked)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise WorkbookError(f"{path.name}: cannot be read ({exc})") from None


def read_grid(book, sheet: str) -> list[list]:
    """All cell values of a sheet from A1, as rows of values ('' for empty cells)."""
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise WorkbookError(f"{sheet}: cannot be read ({exc})") from None


def cell_at(grid: list[list], row: int, col: int) -> object:
    """The value at 1-based (row, col), or None when the grid does not reach it or the cell is empty."""
    if row - 1 < len(grid):
        line = grid[row - 1]
        if col - 1 < len(line):
            value = line[col - 1]
            return None if value == "" else value
    return None

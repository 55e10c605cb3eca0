"""Opening workbooks for reading with python-calamine, after checking they are safe to open."""

from __future__ import annotations

import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from ..errors import WorkbookError

MAX_UNPACKED = 1_000_000_000  # bytes a workbook may unpack to
MAX_RATIO = 200  # compression ratio above which a large member is treated as a zip bomb
_CFB = b"\xd0\xcf\x11\xe0"


def check_xlsx(path: str | Path, max_unpacked: int = MAX_UNPACKED) -> Path:
    """The path, if it names a readable .xlsx that is not encrypted and not a zip bomb."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == _CFB:
        raise WorkbookError(f"{path.name}: encrypted with a password, or an old .xls file; "
                            "save it as .xlsx without a password")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path.name}: not an .xlsx workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(f"{path.name}: the workbook is damaged ({exc})") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise WorkbookError(f"{path.name}: not an Excel workbook (no xl/workbook.xml)")
    total = sum(info.file_size for info in infos)
    if total > max_unpacked:
        raise WorkbookError(f"{path.name}: unpacks to {total:,} bytes, more than the {max_unpacked:,} allowed")
    for info in infos:
        if info.file_size > 5_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WorkbookError(f"{path.name}: part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}"
                                " times: refused as a possible zip bomb")
    return path


def open_book(path: str | Path) -> CalamineWorkbook:
    """A calamine workbook for fast reading of cell values."""
    path = check_xlsx(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise WorkbookError(f"{path.name}: cannot be read ({exc})") from None


def read_grid(book: CalamineWorkbook, sheet: str) -> list[list]:
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

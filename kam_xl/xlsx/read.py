"""Opening workbooks for reading with python-calamine, after checking they are safe to open."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.safezip import CFB_MAGIC, check_not_bomb
from kam_xl.xlsx.scan import check_reach

MAX_UNPACKED = 2_000_000_000  # bytes a workbook may unpack to
MAX_RATIO = 200  # compression ratio above which a large member is treated as a zip bomb


def check_xlsx(path: str | Path, max_unpacked: int = MAX_UNPACKED) -> Path:
    """The path, if it names a readable .xlsx that is not encrypted and not a zip bomb."""
    path = Path(path)
    check_xlsx_bytes(_read(path), path.name, max_unpacked)
    return path


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise WorkbookError(f"{path}: file not found — check the path and the file name")
    return path.read_bytes()


def check_xlsx_bytes(
    data: bytes, name: str, max_unpacked: int = MAX_UNPACKED, handle=None, exact: bool = False
) -> None:
    """WorkbookError unless `data` is a readable .xlsx that is not encrypted, not a zip bomb and has no sheet
    reaching absurdly far (scan.check_reach; `exact`: every sheet scanned cell by cell). `handle`, when given, is
    the open file whose first bytes `data` are: its zip is read from there."""
    if data[:4] == CFB_MAGIC:
        raise WorkbookError(
            f"{name}: encrypted with a password, or an old .xls file; save it as .xlsx without a password"
        )
    try:
        with zipfile.ZipFile(handle if handle is not None else io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if "xl/workbook.xml" not in {info.filename for info in infos}:
                raise WorkbookError(f"{name}: not an Excel workbook (no xl/workbook.xml)")
            check_not_bomb(name, infos, max_size=max_unpacked, max_ratio=MAX_RATIO)
            check_reach(archive, infos, name, exact)
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise WorkbookError(
            f"{name}: not an .xlsx workbook (or damaged); save it from Excel as 'Excel Workbook (*.xlsx)'"
        ) from None


def open_book(path: str | Path, max_unpacked: int = MAX_UNPACKED, exact: bool = False):
    """A python-calamine workbook for fast reading of cell values (`exact`: every sheet's reach checked cell by
    cell first, for files from outside).

    It reads the file's bytes once and holds no file handle: nothing to close, and a file replaced on disk
    while it is read (another command saving it) does not mix two versions."""
    path = Path(path)
    data = _read(path)
    check_xlsx_bytes(data, path.name, max_unpacked, exact=exact)
    return book_of_bytes(data, path.name)


def open_file_book(path: str | Path, max_unpacked: int = MAX_UNPACKED):
    """A python-calamine workbook reading the file where it is (for big workbooks: the file's bytes are never
    all in memory, each sheet is decompressed when it is read). The same checks as open_book run first, on the
    zip's central directory. It holds the file open until close() (or until it is garbage): a file replaced on
    disk meanwhile by an atomic save (a new file renamed over it) is still read as it was when opened."""
    from python_calamine import CalamineWorkbook  # imported here: xlwings Lite may not have it

    path = Path(path)
    check_xlsx_file(path, max_unpacked)
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types for damaged files (or panics)
        if not _reader_failed(exc):
            raise
        raise WorkbookError(f"{path.name}: cannot be read ({exc})") from None


_CHECKED: dict[str, tuple] = {}  # path -> identity of the file last found sound (a command opens it several times)


def check_xlsx_file(path: Path, max_unpacked: int = MAX_UNPACKED) -> None:
    """check_xlsx_bytes for a file, reading only its first bytes, its zip's central directory and the head of each
    sheet (once per file as it is on disk)."""
    if not path.is_file():
        raise WorkbookError(f"{path}: file not found — check the path and the file name")
    info = path.stat()
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, max_unpacked)
    if _CHECKED.get(str(path)) == identity:
        return
    with path.open("rb") as handle:
        check_xlsx_bytes(handle.read(4), path.name, max_unpacked, handle=handle)
    if len(_CHECKED) > 256:
        _CHECKED.clear()
    _CHECKED[str(path)] = identity


def _reader_failed(exc: BaseException) -> bool:
    """Whether python-calamine failed on the file: its own errors, or a Rust panic (pyo3's PanicException is a
    BaseException, which no `except Exception` catches: it would end the command with a traceback)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def book_of_bytes(data: bytes, name: str):
    """A python-calamine workbook over a file's bytes (`name` is used in errors)."""
    from python_calamine import CalamineWorkbook  # imported here: xlwings Lite may not have it

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine raises its own error types for damaged files (or panics)
        if not _reader_failed(exc):
            raise
        raise WorkbookError(f"{name}: cannot be read ({exc})") from None


def read_grid(book, sheet: str, file: str = "") -> list[list]:
    """All cell values of a sheet from A1, as rows of values ('' for empty cells); WorkbookError naming the
    sheet (and the `file`, when given) when it cannot be read."""
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except BaseException as exc:
        if not _reader_failed(exc):
            raise
        where = f"{file}, sheet {sheet!r}" if file else f"sheet {sheet!r}"
        raise WorkbookError(
            f"{where} cannot be read ({exc}) — the file is damaged: open it in Excel and save it again, or use an "
            "earlier copy (kam keeps *.kam-backup-*.xlsx beside each workbook it changes)"
        ) from None


def cell_at(grid: list[list], row: int, col: int) -> object:
    """The value at 1-based (row, col), or None when the grid does not reach it or the cell is empty."""
    if row - 1 < len(grid):
        line = grid[row - 1]
        if col - 1 < len(line):
            value = line[col - 1]
            return None if value == "" else value
    return None

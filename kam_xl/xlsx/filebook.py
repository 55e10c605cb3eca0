"""FileBook: the Book protocol (kam_xl.book) on an .xlsx file.

Values are read with python-calamine (in read-ahead threads: it releases the GIL); changes are made on
the package's parts (kam_xl.xlsx.package) and written by one atomic save.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from kam_xl.errors import WorkbookError
from kam_xl.progress import Progress
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import open_file_book, read_grid
from kam_xl.xlsx.spec import Formula, SheetSpec

if TYPE_CHECKING:
    from kam_xl.xlsx.writer import SheetWriter


_MANY_SHEETS = 100  # sheets read, after which the memory their reading freed is given back (release_memory)


def release_memory() -> None:
    """Give the memory freed so far back to the system (glibc keeps what threads and big lists freed in its arenas;
    after reading thousands of tabs that is hundreds of MB). Elsewhere nothing to do."""
    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl...): nothing to give back this way
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _identity(path: Path) -> tuple:
    """What tells one file at `path` from another that replaced it (device, inode, size, modified time)."""
    info = path.stat()
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class FileBook:
    """An .xlsx file: values read with python-calamine, changes made on its parts, saved atomically."""

    def __init__(self, path: str | Path, progress: Progress | None = None):
        self.path = Path(path)
        self.progress = progress
        self._reader = open_file_book(self.path)  # reads the file where it is: big workbooks stay on disk
        self._opened = _identity(self.path)
        self._names: tuple[str, ...] | None = None
        self._package: Package | None = None
        self._opening: Future | None = None  # the package being opened in the background (preload)
        self._writer = None  # a kam_xl.xlsx.writer.SheetWriter once a sheet is put
        self._grids: dict[str, list[list]] = {}
        self._sheets_read = 0  # grids read so far (forgotten ones too)
        self._pending: dict[str, Future] = {}
        self._pool: ThreadPoolExecutor | None = None  # read-ahead threads, each with its own reader
        self._stopped: ThreadPoolExecutor | None = None  # read-ahead threads told to end (write phase)
        self._local = threading.local()
        self.saved = False  # whether the last save() wrote the file (False: nothing had changed)

    def sheet_names(self) -> list[str]:
        """Sheet names in tab order as saved on disk, hidden ones included."""
        if self._names is None:
            self._names = tuple(self._main_reader().sheet_names)  # asked once per tab by some readers: kept
        return list(self._names)

    def grid(self, name: str) -> list[list]:
        """The values of a sheet as saved on disk (changes made through this Book are not seen)."""
        if name not in self._grids:
            self._sheets_read += 1
            pending = self._pending.pop(name, None)
            self._grids[name] = pending.result() if pending else read_grid(self._main_reader(), name, self.path.name)
        return self._grids[name]

    def _main_reader(self):
        if self._reader is None:
            self._reader = open_file_book(self.path)  # after a save: the file as it is now
        return self._reader

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = self._names = None

    def prefetch(self, names: list[str], threads: int = 2) -> None:
        """Start reading these sheets' values in the background, in this order (python-calamine releases
        the GIL, so the caller can work on the first sheets while the next ones are read)."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._grids and name not in self._pending]
        if not wanted:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kam-read")
        for name in wanted:
            self._pending[name] = self._pool.submit(self._read_ahead, name, self._part_to_warm(name))

    def _part_to_warm(self, name: str) -> str | None:
        """The part of a sheet the read-ahead decompresses too, when the package is open (a command writing it)."""
        if self._package is None:
            return None
        try:
            return self._package.sheet_part(name)
        except WorkbookError:
            return None

    def _read_ahead(self, name: str, part: str | None = None) -> list[list]:
        if part is not None:  # first: grid() waits for both, and the part is written only after that
            with contextlib.suppress(WorkbookError, OSError):  # the caller meets it when it reads the part itself
                self._package.warm(part)
        if not hasattr(self._local, "reader"):
            reader = open_file_book(self.path)  # one reader per thread (closed when the thread ends)
            if _identity(self.path) != self._opened:
                raise WorkbookError(f"{self.path} was replaced while it was being read — run the command again")
            self._local.reader = reader
        return read_grid(self._local.reader, name, self.path.name)

    def _stop_reading_ahead(self) -> None:
        """Let the read-ahead threads finish what was asked and end (their readers go with them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._stopped, self._pool = self._pool, None

    def after_fork(self) -> None:
        """In a forked helper (kam_xl.parallel): the parent's read-ahead threads and open readers are not this
        process's; it opens its own when it reads (the package's members are read through their own opening)."""
        self._reader = self._names = None
        self._pool = self._stopped = self._opening = None
        self._pending = {}
        self._grids = {}
        self._local = threading.local()
        if self._package is not None:
            self._package.after_fork()

    def forget(self, name: str) -> None:
        """Drop a sheet's values read so far (reading thousands of tabs keeps memory flat)."""
        self._grids.pop(name, None)
        pending = self._pending.pop(name, None)
        if pending:
            pending.cancel()

    def preload(self) -> None:
        """Start opening the file as a Package in a background thread, for a command that will change it and has
        other work to do first (collect reads the SR files meanwhile). The package is lazy: its parts are
        decompressed when first read."""
        if self._package is None and self._opening is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-open")
            self._opening = pool.submit(Package.open, self.path, lazy=True)
            pool.shutdown(wait=False)  # the thread ends when the package is open

    @property
    def package(self) -> Package:
        """The file as a Package, opened (and checked) when first needed."""
        if self._package is None:
            opening, self._opening = self._opening, None
            if opening is not None:  # opened by preload (lazily too)
                self._package = opening.result()
            else:
                self._stop_reading_ahead()  # the write phase: the read-ahead readers are no longer needed
                self._release_after_reading()
                self._package = Package.open(self.path, lazy=True)  # parts decompressed only when needed
        return self._package

    def _release_after_reading(self) -> None:
        """release_memory, once many sheets were read (a collect's or a review's thousands of tabs): after reading
        a plan's few sheets there is little to give back, and a full collection costs ~20 ms."""
        if self._sheets_read >= _MANY_SHEETS:
            release_memory()

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add the sheet, or replace the sheet of the same name (it goes where `save` says). Its XML is kept
        compressed until the save, which copies it as it is (a review's sheets are 66 MB of XML, 7 MB so)."""
        writer = self.sheet_writer()
        writer.add_serialised(writer.serialise_packed(spec))

    def sheet_writer(self) -> SheetWriter:
        """The writer put_sheet uses: its serialise(spec) makes a sheet's bytes anywhere (another process too),
        add_serialised(sheet) puts them into this workbook."""
        if self._writer is None:
            from kam_xl.xlsx.writer import SheetWriter  # openpyxl's styles: only when sheets are written

            self._writer = SheetWriter(self.package)
        return self._writer

    def remove_sheets(self, names: list[str]) -> None:
        """Remove these sheets with everything only they use."""
        if names:
            self.package.remove_sheets(names)

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]:
        """Write values into cells of a sheet; return their old values (see Package.set_cells)."""
        return self.package.set_cells(sheet, values)

    def set_formulas(self, sheet: str, formulas: dict[str, Formula]) -> None:
        """Put live formulas (with their cached values) into cells of a sheet, keeping each cell's style."""
        if formulas:
            self.package.set_formulas(sheet, {ref: (f.text, f.value) for ref, f in formulas.items()})

    def cell_values(self, sheet: str, refs: list[str]) -> dict[str, object]:
        """Current values of some cells, changes through this Book included (a date comes as its serial)."""
        return self.package.cell_values(sheet, refs) if refs else {}

    def formulas(self, sheet: str) -> dict[str, str]:
        """The formulas of a sheet as it stands now, by cell (shared formulas expanded)."""
        return self.package.formula_cells(sheet)

    def set_formula_values(self, sheet: str, values: dict[str, object]) -> None:
        """Set the cached values of formula cells (their formulas stay)."""
        if values:
            self.package.set_formula_values(sheet, values)

    def filled_cells(self, sheet: str) -> set[str]:
        """The cells of a sheet that hold something now."""
        return self.package.filled_cells(sheet)

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None:
        """Write every change atomically, keeping a backup of the old file; returns the backup's path.

        When nothing changed (no part differs from the file as it was read) nothing is written and no backup
        made: `saved` says which happened."""
        self.saved = False
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._writer is not None:
            self._writer.finish(before=before, order=order)
            self._writer = None
        elif order:
            self.package.reorder_sheets(order)
        if self._package is None or not self._package.is_modified():
            return None
        if self._stopped is not None:
            self._stopped.shutdown(wait=True)  # their readers closed with them
            self._stopped = None
        self._close_reader()  # the file is about to be replaced: no handle of ours stays open on it
        self._release_after_reading()
        backup = self._package.save(self.path)
        self.saved = True
        return backup

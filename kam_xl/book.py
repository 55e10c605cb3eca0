"""A workbook as the stages see it: read sheet values, put whole sheets, set cells, save.

Every stage (generate, split, collect, review) works on a Book, so the same code runs on a file
(FileBook: python-calamine to read, the part-level Package to write, atomic save) and on the
workbook open in Excel (the xlwings adapter in kam_xl/xl_adapter.py implements the same methods).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from .progress import Progress
from .xlsx.book_writer import SheetWriter
from .xlsx.package import Package
from .xlsx.read import open_book, read_grid
from .xlsx.spec import SheetSpec


class Book(Protocol):
    def sheet_names(self) -> list[str]: ...

    def grid(self, name: str) -> list[list]: ...

    def forget(self, name: str) -> None: ...

    def prefetch(self, names: list[str], threads: int = 2) -> None: ...

    def put_sheet(self, spec: SheetSpec) -> None: ...

    def remove_sheets(self, names: list[str]) -> None: ...

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]: ...

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None: ...


class FileBook:
    """An .xlsx file: values read with python-calamine, changes made on its parts, saved atomically."""

    def __init__(self, path: str | Path, progress: Progress | None = None):
        self.path = Path(path)
        self.progress = progress
        self._reader = open_book(self.path)
        self._package: Package | None = None
        self._writer: SheetWriter | None = None
        self._grids: dict[str, list[list]] = {}

    def sheet_names(self) -> list[str]:
        return list(self._reader.sheet_names)

    def grid(self, name: str) -> list[list]:
        """The values of a sheet as saved on disk (changes made through this Book are not seen)."""
        if name not in self._grids:
            self._grids[name] = read_grid(self._reader, name)
        return self._grids[name]

    def prefetch(self, names: list[str], threads: int = 2) -> None:
        """Read many sheets' values at once, in threads (python-calamine releases the GIL)."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._grids]
        if len(wanted) < 2 * threads:
            return
        chunks = [wanted[i::threads] for i in range(threads)]

        def read(chunk: list[str]) -> dict[str, list[list]]:
            reader = open_book(self.path)  # one reader per thread
            return {name: read_grid(reader, name) for name in chunk}

        with ThreadPoolExecutor(max_workers=threads) as pool:
            for grids in pool.map(read, chunks):
                self._grids.update(grids)

    def forget(self, name: str) -> None:
        """Drop a sheet's values read so far (reading thousands of tabs keeps memory flat)."""
        self._grids.pop(name, None)

    @property
    def package(self) -> Package:
        if self._package is None:
            self._package = Package.open(self.path)
        return self._package

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add the sheet, or replace the sheet of the same name (it goes where `save` says)."""
        if self._writer is None:
            self._writer = SheetWriter(self.package)
        self._writer.add(spec)

    def remove_sheets(self, names: list[str]) -> None:
        if names:
            self.package.remove_sheets(names)

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]:
        return self.package.set_cells(sheet, values)

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None:
        """Write every change atomically (a timestamped backup is kept); returns the backup's path."""
        if self._writer is not None:
            self._writer.finish(before=before, order=order)
            self._writer = None
        elif order:
            self.package.reorder_sheets(order)
        if self._package is None:
            return None
        return self._package.save(self.path)

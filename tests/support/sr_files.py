"""Helpers of the split/collect tests: generated demo books, split folders and the inputs of a workbook."""

from __future__ import annotations

import shutil
from pathlib import Path

from kam_xl.execution.split import split
from kam_xl.model.entries import StoreEntries
from kam_xl.plan.meta import read_meta
from kam_xl.storetabs.find import existing_tabs, read_tab_entries
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import cell_at


def generated_copy(source: Path, folder: Path, name: str = "hq.xlsx") -> Path:
    """A copy of the demo workbook `source` in `folder`, with its store tabs generated."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    shutil.copy(source, path)
    generate(path)
    return path


def split_copy(source: Path, folder: Path) -> tuple[Path, list[Path]]:
    """(HQ workbook with tabs, SR files) in `folder`, made from the demo workbook `source`."""
    book = generated_copy(source, folder)
    return book, [item.path for item in split(book, folder / "sr").files]


def inputs(path: Path) -> dict[str, StoreEntries]:
    """Every store tab's typed inputs (store id -> field key -> value) of the workbook at `path`."""
    book = FileBook(path)
    return read_tab_entries(book, existing_tabs(book, read_meta(book)))


def set_meta_value(path: Path, key: str, value: str) -> None:
    """Change one key of an SR file's _meta (as a person editing the hidden sheet would)."""
    grid = FileBook(path).grid("_meta")
    row = next(r for r in range(1, len(grid) + 1) if cell_at(grid, r, 1) == key)
    package = Package.open(path)
    package.set_cells("_meta", {f"B{row}": value})
    package.save(path, backup=False)


def meta_row_of(path: Path, store_id: str) -> int:
    """The _meta row of a store tab's record in the workbook at `path`."""
    grid = FileBook(path).grid("_meta")
    return next(r for r in range(1, len(grid) + 1) if cell_at(grid, r, 1) == store_id)


def first_tab(path: Path) -> tuple[str, dict]:
    """(sheet name, cell map) of the first store tab of the workbook at `path`."""
    record = read_meta(FileBook(path)).tabs[0]
    return record.tab, record.cells

"""kam's xlsx layer on 988 workbooks saved by Microsoft Excel (XlsxWriter's comparison corpus, read from
../shared/fixtures/excel-saved or env KAM_EXCEL_SAVED; skipped when absent, required in CI): kam's readers give
openpyxl's values and filled cells, and a patch changes exactly the cells patched and keeps the sheet valid
(tolerances between the readers: tests/support/corpus.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import book_of_bytes
from tests.support.corpus import patch_differences, reader_differences
from tests.support.schema import REPO, fixtures_dir

_FOLDER = Path(os.environ.get("KAM_EXCEL_SAVED") or REPO.parent / "shared" / "fixtures" / "excel-saved")
FILES = sorted(_FOLDER.glob("*.xls[xm]")) if _FOLDER.is_dir() else []


@pytest.fixture(scope="module")
def folder() -> Path:
    return fixtures_dir("excel-saved", "KAM_EXCEL_SAVED")


def test_the_corpus_is_there(folder):
    assert len(list(folder.glob("*.xlsx"))) >= 988


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl about headers and extensions it does not read
@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_kam_reads_and_patches_a_workbook_excel_saved(path):
    data = path.read_bytes()
    assert reader_differences(data) == []
    assert patch_differences(data) == []


def test_escapes_are_undone_once_as_excel_does(folder):
    """XlsxWriter's escape test: the strings it wrote, read back by kam's readers exactly (Excel's rule)."""
    data = (folder / "shared_strings02.xlsx").read_bytes()
    written = ["_", "_x", "_x0", "_x00", "_x000", "_x0000", "_x0000_", "_x005F_", "_x000G_", "_X0000_",
               "_x000a_", "_x000A_", "_x0000__x0000_", "__x0000__"]  # fmt: skip
    grid = book_of_bytes(data, "escapes").get_sheet_by_name("Sheet1").to_python()
    assert sorted(row[0] for row in grid) == sorted(written)
    refs = [f"A{row}" for row in range(1, len(written) + 1)]
    assert sorted(Package.open(data).cell_values("Sheet1", refs).values()) == sorted(written)

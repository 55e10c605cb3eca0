"""Recalculating workbooks in headless LibreOffice and finding error cells (the 'real spreadsheet' check)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The soffice binary; in CI (KAM_REQUIRE_LIBREOFFICE or CI set) its absence is a failure."""
    binary = soffice()
    if binary:
        return binary
    if os.environ.get("KAM_REQUIRE_LIBREOFFICE") or os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required but not installed: apt-get install -y libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed")


def _profile() -> Path:
    folder = Path(tempfile.gettempdir()) / f"kam-lo-profile-{os.getpid()}"
    settings = folder / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(_XCU, encoding="utf-8")
    return folder


def recalculate(book: Path, out_dir: Path, timeout: int = 900) -> Path:
    """A copy of `book` that LibreOffice opened, fully recalculated and saved as .xlsx."""
    binary = require_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        binary,
        f"-env:UserInstallation={_profile().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        str(out_dir),
        str(book),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    result = out_dir / (book.stem + ".xlsx")
    if done.returncode != 0 or not result.exists():
        raise AssertionError(f"LibreOffice could not convert {book}: {done.stdout} {done.stderr}")
    return result


def error_cells(book: Path, sheets: list[str] | None = None) -> list[tuple[str, str, object]]:
    """Every cell whose computed value is a spreadsheet error, as (sheet, cell, value)."""
    workbook = openpyxl.load_workbook(book, data_only=True, read_only=True)
    found = []
    try:
        for sheet in workbook.worksheets:
            if sheets is not None and sheet.title not in sheets:
                continue
            for row in sheet.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "e":
                        found.append((sheet.title, cell.coordinate, cell.value))
    finally:
        workbook.close()
    return found


def computed_values(book: Path, sheet: str) -> dict[str, object]:
    """Every non-empty computed value of one sheet, by cell reference."""
    workbook = openpyxl.load_workbook(book, data_only=True, read_only=True)
    try:
        return {
            cell.coordinate: cell.value
            for row in workbook[sheet].iter_rows()
            for cell in row
            if getattr(cell, "value", None) is not None
        }
    finally:
        workbook.close()

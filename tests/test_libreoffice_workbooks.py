"""Real spreadsheet check: demo workbooks open and recalculate in headless LibreOffice with no error cell."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.storetabs.generate import generate
from tests.support.libreoffice import error_cells, recalculate

pytestmark = pytest.mark.libreoffice


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_plan_and_store_tabs_recalculate_without_errors(tmp_path, lang):
    book = tmp_path / f"demo-{lang}.xlsx"
    assert main(["init", str(book), "--demo", "--stores", "300", "--lang", lang]) == 0
    assert main(["validate", str(book)]) == 0
    plan_only = recalculate(book, tmp_path / "plan")
    assert error_cells(plan_only) == []

    tabs = tmp_path / f"tabs-{lang}.xlsx"
    shutil.copy(book, tabs)
    result = generate(tabs)
    assert len(result.written) >= 290
    recalculated = recalculate(tabs, tmp_path / "tabs")
    assert error_cells(recalculated) == []
    values = openpyxl.load_workbook(recalculated, data_only=True, read_only=True)
    first = values[values.sheetnames[8]]
    assert first["C3"].value == result.written[0]
    formulas = openpyxl.load_workbook(tabs, read_only=True)[values.sheetnames[8]]
    assert any(str(c.value).startswith("=") for row in formulas.iter_rows() for c in row if c.value)

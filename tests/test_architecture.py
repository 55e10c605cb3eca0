"""The architecture rules hold on the source, and each rule fails when it is broken on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.architecture import (
    check_all,
    check_cycles,
    check_layers,
    check_libraries,
    check_private_names,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_source_follows_every_rule():
    violations = check_all(ROOT)
    assert not violations, "\n".join(map(str, violations))


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the source folders that a test can break."""
    for folder in ("kam_xl", "lite", "tests", "benchmarks"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def append(tree: Path, relative: str, code: str) -> None:
    path = tree / relative
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code + "\n", encoding="utf-8")


def test_openpyxl_outside_xlsx_is_reported(tree):
    append(tree, "kam_xl/reviewing/scorecards.py", "import openpyxl")
    assert [v.rule for v in check_libraries(tree)] == ["library"]


def test_xlwings_outside_excel_is_reported(tree):
    append(tree, "kam_xl/execution/collect.py", "from xlwings import Book")
    found = check_libraries(tree)
    assert len(found) == 1 and "xlwings" in found[0].message and found[0].path == "kam_xl/execution/collect.py"


def test_a_lower_stage_importing_a_higher_one_is_reported(tree):
    append(tree, "kam_xl/metrics/flags.py", "def late():\n    from kam_xl.reviewing.run import review\n")
    found = check_layers(tree)
    assert len(found) == 1 and "metrics" in found[0].message and "reviewing" in found[0].message


def test_xlsx_importing_a_stage_is_reported(tree):
    append(tree, "kam_xl/xlsx/package.py", "from kam_xl.storetabs.names import tab_names")
    assert [v.rule for v in check_layers(tree)] == ["layer"]


def test_an_import_cycle_is_reported_even_inside_a_function(tree):
    append(tree, "kam_xl/xlsx/spec.py", "def late():\n    from kam_xl.xlsx.sheetxml import sheet_xml\n")
    found = check_cycles(tree)
    assert len(found) == 1 and "kam_xl.xlsx.sheetxml" in found[0].message and "kam_xl.xlsx.spec" in found[0].message


def test_a_private_name_import_is_reported(tree):
    append(tree, "kam_xl/execution/split.py", "from kam_xl.xlsx.package import _prepared_sheet")
    found = check_private_names(tree)
    assert len(found) == 1 and "_prepared_sheet" in found[0].message


def test_reading_a_private_name_off_an_imported_module_is_reported(tree):
    append(tree, "tests/test_parsing.py", "from kam_xl.model import parsing\nparsing._SPACES\n")
    found = check_private_names(tree)
    assert len(found) == 1 and found[0].message == "reads parsing._SPACES"

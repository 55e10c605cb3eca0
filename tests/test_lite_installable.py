"""kam-xl's core stays installable in xlwings Lite (Pyodide): every core dependency, and every dependency of
those, is in the Pyodide distribution (tests/data/pyodide-314.0.8-packages.txt) or a pure-Python wheel.

Offline, from the metadata of the installed kam-xl (what setuptools writes into the wheel too) and the wheels this
venv installed from PyPI; tests/test_wheel.py runs the same check on the built wheel against PyPI itself.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.lite import core_requirements, installed_pure, lite_problems, load_pyodide

ROOT = Path(__file__).resolve().parents[1]
PYODIDE = load_pyodide()


def installed_metadata() -> str:
    """METADATA of the installed kam-xl (a kam_xl.egg-info left in the source tree by a build is passed over)."""
    texts = [dist.read_text("METADATA") for dist in metadata.distributions(name="kam-xl")]
    return next(text for text in texts if text)


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_the_package_list_is_the_stated_pyodide_release():
    assert (PYODIDE.release, PYODIDE.python) == ("314.0.8", "3.14.2")
    assert {"numpy", "pandas", "lxml", "python-calamine", "rich"} <= set(PYODIDE.packages)
    assert "css-inline" not in PYODIDE.packages and "openpyxl" not in PYODIDE.packages


def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_installed_metadata_is_what_pyproject_declares():
    """So the checks below see what the wheel declares (`make venv` reinstalls when pyproject.toml changes)."""
    project = pyproject()
    declared = {str(Requirement(line)) for line in project["dependencies"]}
    assert {str(Requirement(line)) for line in core_requirements(installed_metadata())} == declared


def test_the_core_needs_no_extra_and_no_xlwings():
    core = names(core_requirements(installed_metadata()))
    assert not core & {"jinja2", "css-inline", "matplotlib", "pillow", "xlwings"}
    assert core >= {"pandas", "numpy", "openpyxl", "lxml", "python-calamine", "filelock"}


def test_every_core_dependency_and_its_dependencies_install_in_pyodide():
    assert lite_problems(core_requirements(installed_metadata()), PYODIDE, installed_pure) == []


def test_the_core_ranges_admit_the_versions_pyodide_ships():
    for line in core_requirements(installed_metadata()):
        requirement = Requirement(line)
        shipped = PYODIDE.packages.get(canonicalize_name(requirement.name))
        if shipped:
            assert requirement.specifier.contains(shipped), (line, shipped)


def test_a_rust_only_dependency_in_the_core_is_reported():
    """css-inline (a Rust extension, no Pyodide build) added to the core: the check fails and names it."""
    text = installed_metadata().replace("Requires-Dist:", "Requires-Dist: css-inline>=0.14,<1\nRequires-Dist:", 1)
    assert "css-inline>=0.14,<1" in core_requirements(text)
    problems = lite_problems(core_requirements(text), PYODIDE, installed_pure)
    assert len(problems) == 1 and problems[0].startswith("css-inline")
    assert "neither in Pyodide 314.0.8 nor a pure-Python wheel" in problems[0]


def test_a_dependency_that_brings_a_compiled_one_is_reported():
    """The closure counts: a pure package whose own dependency is compiled and not in Pyodide fails too."""

    def finder(requirement):
        return ["css-inline>=0.14"] if requirement.name == "wrapper" else installed_pure(requirement)

    problems = lite_problems(["wrapper>=1"], PYODIDE, finder)
    assert len(problems) == 1 and "css-inline" in problems[0] and "needed by wrapper" in problems[0]


def test_a_range_that_excludes_pyodides_version_is_reported():
    problems = lite_problems(["pandas>=2.1,<3", "numpy>=1.26,<3"], PYODIDE, installed_pure)
    assert len(problems) == 1 and "Pyodide 314.0.8 has pandas 3.0.2, outside the range" in problems[0]


def test_markers_are_read_as_pyodide_sees_them():
    requires = ['pywin32>=300; sys_platform == "win32"', 'tomli>=1; python_version < "3.11"', "filelock>=3.20.3"]
    assert lite_problems(requires, PYODIDE, installed_pure) == []


def test_the_extras_are_declared():
    extras = pyproject()["optional-dependencies"]
    assert names(extras["mail"]) == {"jinja2", "css-inline", "matplotlib", "pillow"}
    assert names(extras["excel"]) == {"xlwings"}
    assert extras["all"] == ["kam-xl[mail,excel,postgres,parquet]"]
    assert names(extras["postgres"]) == {"psycopg"} and names(extras["parquet"]) == {"pyarrow"}
    assert "build" in names(extras["test"])

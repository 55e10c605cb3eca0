"""The built package, as an account manager's IT installs it: sdist and wheel built with `python -m build`, the
wheel installed (not editable) into fresh venvs from PyPI, and `kam` run there from an empty folder, so nothing
of the source tree is on the path.

- the wheel holds every file kam_xl reads at run time and no top-level package but kam_xl;
- with the core alone: init, validate, generate, split, collect, review run; email and demo exit 2 saying
  "install kam-xl[mail]"; `import kam_xl.excel.udfs` works without xlwings;
- with kam-xl[all]: `kam demo` runs the whole loop, e-mails included;
- the wheel's core Requires-Dist, followed through PyPI, installs in Pyodide 314.0.8 (xlwings Lite), and the
  same check fails when css-inline is added to the core.

Slow (two venvs, packages from PyPI or pip's cache) and needs PyPI: `make test-wheel` runs it (KAM_WHEEL_TESTS=1);
CI runs it after `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.lite import core_requirements, lite_problems, load_pyodide, pypi_pure, wheel_metadata

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.wheel,
    pytest.mark.skipif(
        os.environ.get("KAM_WHEEL_TESTS") != "1", reason="builds and installs the wheel from PyPI: make test-wheel"
    ),
]
# Files kam_xl reads at run time, beside its modules (pyproject.toml's package-data).
DATA_FILES = ("mail/templates/", "excel/kam_macros.bas", "excel/kam-udf-selftest.xlsx")


def run(command: list, cwd: Path, timeout: float = 900, **env) -> subprocess.CompletedProcess:
    """A command with a clean environment: no PYTHONPATH, nothing of this venv or source tree."""
    clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(cwd)), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**clean, **env}
    )


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"{done.args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build`: the sdist, then the wheel built from the sdist (so the sdist is checked too)."""
    out = tmp_path_factory.mktemp("dist")
    ok(run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out))
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (found,) = dist.glob("kam_xl-*-py3-none-any.whl")
    return found


def venv(folder: Path, wheel: Path, extras: str = "") -> Path:
    """A fresh venv with the wheel installed (dependencies from PyPI); returns its bin folder."""
    ok(run([sys.executable, "-m", "venv", folder], cwd=folder.parent))
    bin_dir = folder / "bin"
    ok(run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            f"{wheel}{extras}"], cwd=folder.parent))  # fmt: skip
    return bin_dir


@pytest.fixture(scope="module")
def core(tmp_path_factory, wheel) -> Path:
    return venv(tmp_path_factory.mktemp("core") / "venv", wheel)


@pytest.fixture(scope="module")
def everything(tmp_path_factory, wheel) -> Path:
    return venv(tmp_path_factory.mktemp("all") / "venv", wheel, "[all]")


def test_the_wheel_holds_kam_xl_and_every_file_it_reads(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"kam_xl", wheel.name.split("-py3")[0] + ".dist-info"}
    source = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "kam_xl").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert source <= set(names), sorted(source - set(names))
    for data in DATA_FILES:
        assert any(name.startswith(f"kam_xl/{data}") for name in names), data
    assert len([n for n in names if n.startswith("kam_xl/mail/templates/")]) >= 10


def test_the_sdist_holds_the_sources_and_data_files(dist):
    (sdist,) = dist.glob("kam_xl-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "kam_xl/__init__.py", "kam_xl/cli.py"} <= names
    for data in DATA_FILES:
        assert any(name.startswith(f"kam_xl/{data}") for name in names), data


def test_the_core_alone_runs_the_core_commands(core, tmp_path):
    python, kam = core / "python", core / "kam"
    where = ok(run([python, "-c", "import kam_xl, importlib.util as u; print(kam_xl.__file__); "
                    "print([m for m in ('xlwings', 'jinja2', 'css_inline', 'matplotlib', 'PIL') if u.find_spec(m)])"],
                   cwd=tmp_path))  # fmt: skip
    location, extras = where.splitlines()
    assert "site-packages" in location and not location.startswith(str(ROOT)), location
    assert extras == "[]"
    book = tmp_path / "account.xlsx"
    ok(run([kam, "init", book, "--demo", "--stores", "24"], cwd=tmp_path))
    ok(run([kam, "validate", book], cwd=tmp_path))
    ok(run([kam, "generate", book], cwd=tmp_path))
    ok(run([kam, "split", book, "--out", tmp_path / "sr"], cwd=tmp_path))
    ok(run([kam, "collect", book, tmp_path / "sr"], cwd=tmp_path))
    assert "scorecards written" in ok(run([kam, "review", book], cwd=tmp_path))


@pytest.mark.parametrize("command", [["email", "account.xlsx", "--out", "mails"], ["demo", "--out", "demo"]])
def test_the_core_alone_says_which_extra_email_needs(core, tmp_path, command):
    ok(run([core / "kam", "init", tmp_path / "account.xlsx", "--demo", "--stores", "12"], cwd=tmp_path))
    done = run([core / "kam", *command], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "install kam-xl[mail]" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr + done.stdout


def test_the_udfs_import_with_the_core_alone(core, tmp_path):
    out = ok(run([core / "python", "-c", "import kam_xl.excel.udfs as u; print(u.KAM_ATTAINMENT(45, 50))"], tmp_path))
    assert out.strip() == "0.9"
    done = run([core / "python", "-c", "import kam_xl.excel.macros"], cwd=tmp_path)
    assert done.returncode == 1 and "install kam-xl[excel]" in done.stderr


def test_the_installed_package_finds_its_data_files(everything, tmp_path):
    out = ok(run([everything / "python", "-c",
                  "from importlib.resources import files; f = files('kam_xl'); "
                  "print(all((f / p).is_file() for p in ('excel/kam_macros.bas', 'excel/kam-udf-selftest.xlsx', "
                  "'mail/templates/sr.html'))); import kam_xl.excel.selftest as s; print(s.PATH.is_file())"],
                 cwd=tmp_path))  # fmt: skip
    assert out.split() == ["True", "True"]


def test_kam_demo_runs_from_the_installed_wheel_with_all_extras(everything, tmp_path):
    out = ok(run([everything / "kam", "demo", "--out", tmp_path / "demo"], cwd=tmp_path))
    assert "e-mails" in out
    assert (tmp_path / "demo" / "account.xlsx").is_file()
    assert len(list((tmp_path / "demo" / "sr-files").glob("*.xlsx"))) >= 8
    assert (tmp_path / "demo" / "emails" / "index.html").is_file()
    assert len(list((tmp_path / "demo" / "emails").rglob("*.eml"))) >= 10
    # the classic Excel side is there too: the UDF module with xlwings' decorators, the macros module
    ok(run([everything / "python", "-c", "import kam_xl.excel.udfs, kam_xl.excel.macros, xlwings"], tmp_path))


def test_the_wheels_core_installs_in_pyodide(wheel):
    """The built wheel's core Requires-Dist, each followed through PyPI as micropip would."""
    pyodide = load_pyodide()
    requires = core_requirements(wheel_metadata(wheel))
    assert lite_problems(requires, pyodide, pypi_pure(pyodide.python)) == []


def test_the_same_check_fails_with_css_inline_in_the_core(wheel):
    pyodide = load_pyodide()
    requires = [*core_requirements(wheel_metadata(wheel)), "css-inline>=0.14,<1"]
    problems = lite_problems(requires, pyodide, pypi_pure(pyodide.python))
    assert len(problems) == 1 and problems[0].startswith("css-inline"), problems
    assert (
        "(needed by kam-xl): neither in Pyodide 314.0.8 nor a pure-Python wheel (py3-none-any) on PyPI" in problems[0]
    )

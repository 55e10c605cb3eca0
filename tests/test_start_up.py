"""Each command imports what it uses and no more (issue 17: start-up time): `--version` and `validate` load
neither pandas nor openpyxl, `collect --db none` does not load SQLAlchemy or pandas. Run in a fresh interpreter,
so what the test process imported does not count."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.sr_files import split_copy

HEAVY = ("pandas", "openpyxl", "sqlalchemy", "matplotlib", "jinja2")


def _loaded_by(args: list[str]) -> set[str]:
    """The heavy packages a fresh `kam ARGS` process has imported when its command returns."""
    code = (
        "import sys, json\n"
        "from kam_xl.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.stdout.strip(), done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_version_loads_nothing_heavy():
    assert _loaded_by(["--version"]) == set()


def test_validate_loads_neither_pandas_nor_openpyxl(demo_book_factory):
    assert _loaded_by(["--quiet", "validate", str(demo_book_factory("en", 12))]) & {"pandas", "openpyxl"} == set()


@pytest.mark.parametrize("db", ["none", "off"])
def test_collect_without_history_loads_neither_sqlalchemy_nor_pandas(demo_book_factory, tmp_path, db):
    book, files = split_copy(demo_book_factory("en", 12), tmp_path)
    loaded = _loaded_by(["--quiet", "collect", str(book), *map(str, files), "--db", db])
    assert loaded & {"sqlalchemy", "pandas", "matplotlib", "jinja2"} == set()


def test_generate_loads_no_pandas(demo_book_factory, tmp_path):
    book = tmp_path / "hq.xlsx"
    book.write_bytes(demo_book_factory("zh", 12).read_bytes())
    assert "pandas" not in _loaded_by(["--quiet", "generate", str(book), "--force"])
    assert "pandas" not in _loaded_by(["--quiet", "generate", str(book)])  # every tab up to date: nothing written

"""The core works without the optional parts: with Jinja2, css-inline, matplotlib, pillow and xlwings made
unimportable, every core module imports, the UDFs work, the core commands run, and `kam email` / `kam demo`
exit 2 saying which extra to install (never an ImportError traceback).

Each case runs in a fresh Python whose import system refuses those packages (as an install without the extras
would); tests/test_wheel.py does the same from a real install of the wheel in a clean venv.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kam_xl.errors import EXTRAS, MissingExtraError, require_extra

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = [module for modules in EXTRAS.values() for module in modules]
NEED_XLWINGS = {"kam_xl.excel.xlbook", "kam_xl.excel.macros"}


def prelude(blocked: list[str]) -> str:
    """Python code that makes these top-level packages unimportable, as an install without them."""
    return textwrap.dedent(
        f"""
        import sys

        class NotInstalled:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {blocked!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, NotInstalled())
        """
    )


def run_without(blocked: list[str], code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", prelude(blocked) + textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
    )


def run_without_extras(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_without(BLOCKED, code, cwd, *args)


def core_modules() -> list[str]:
    modules = []
    for path in sorted((ROOT / "kam_xl").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(".".join(parts))
    return [m for m in modules if m not in NEED_XLWINGS and m != "kam_xl.__main__"]


def test_every_core_module_imports_and_loads_no_extra(tmp_path):
    done = run_without_extras(
        """
        import importlib, json
        for name in sys.argv[1:]:
            importlib.import_module(name)
        loaded = sorted({m.split(".")[0] for m in sys.modules} & set(BLOCKED))
        print(json.dumps(loaded))
        """.replace("BLOCKED", repr(BLOCKED)),
        tmp_path,
        *core_modules(),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_udfs_work_without_xlwings(tmp_path):
    done = run_without_extras(
        """
        import kam_xl.excel.udfs as udfs
        assert udfs.xw.__name__ == "_NoXlwings", udfs.xw
        print(udfs.KAM_ATTAINMENT(45, 50), udfs.KAM_RAG(0.95), udfs.KAM_ALLOCATE(10, [[1], [1]]))
        print(udfs.KAM_TARGET("S001", "K1"))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "0.9 Amber [[5], [5]]"
    assert second.startswith("#N/A KAM_TARGET reads the open workbook")


def test_the_macros_without_xlwings_name_the_extra(tmp_path):
    done = run_without_extras(
        """
        from kam_xl.errors import MissingExtraError
        try:
            import kam_xl.excel.macros
        except MissingExtraError as exc:
            assert isinstance(exc, ImportError)
            print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "install kam-xl[excel]" in done.stdout and "xlwings not installed" in done.stdout


def test_the_core_commands_run_and_email_and_demo_name_the_mail_extra(tmp_path):
    done = run_without_extras(
        """
        import json
        from kam_xl.cli import main
        book = "account.xlsx"
        codes = {
            "init": main(["--quiet", "init", book, "--demo", "--stores", "24"]),
            "generate": main(["--quiet", "generate", book]),
            "split": main(["--quiet", "split", book, "--out", "sr"]),
            "collect": main(["--quiet", "collect", book, "sr"]),
            "review": main(["--quiet", "review", book]),
            "email": main(["email", book, "--out", "mails"]),
            "demo": main(["demo", "--out", "demo"]),
        }
        print(json.dumps(codes))
        """,
        tmp_path,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "init": 0,
        "generate": 0,
        "split": 0,
        "collect": 0,
        "review": 0,
        "email": 2,
        "demo": 2,
    }, done.stderr
    errors = " ".join(done.stderr.split())
    assert errors.count("install kam-xl[mail]") == 2, errors
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "mails").exists() and not (tmp_path / "demo").exists()  # nothing made before the check


def test_lite_main_imports_with_xlwings_and_no_mail_extra(tmp_path):
    """lite/main.py, as xlwings Lite runs it: xlwings is there (Lite's own), the mail packages are not."""
    pytest.importorskip("xlwings")
    done = run_without(
        [m for m in BLOCKED if m != "xlwings"],
        """
        import runpy
        names = runpy.run_path(sys.argv[1])
        print(sorted(n for n in names if n.startswith(("KAM_", "kam_"))))
        """,
        tmp_path,
        str(ROOT / "lite" / "main.py"),
    )
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip()
    assert "'kam_generate'" in found and "'kam_review'" in found and "'KAM_ATTAINMENT'" in found
    assert "KAM_TARGET" not in found


def test_require_extra_names_the_missing_packages(monkeypatch):
    require_extra("mail", "e-mail")  # installed here: no error
    monkeypatch.setitem(sys.modules, "css_inline", None)
    with pytest.raises(MissingExtraError, match=r"\(css-inline not installed\): install kam-xl\[mail\]"):
        require_extra("mail", "e-mail")

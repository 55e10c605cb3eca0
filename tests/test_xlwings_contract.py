"""Every xlwings class, method and property kam_xl touches exists in the installed xlwings, with a compatible
signature."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import xlwings
import xlwings.main

import kam_xl.excel.udfs as K
from tests.support.fake_xlwings import MIRRORS

# The list is what tests/support/fake_xlwings.py implements (the macros run against the fake, so they
# can touch nothing else); an xlwings upgrade that drops or renames one of them fails here.
DUNDERS = ("__getitem__", "__iter__", "__len__")


def touched(fake: type) -> list[str]:
    return sorted(name for name in vars(fake) if not name.startswith("_") or name in DUNDERS)


CASES = [(fake, name) for fake in MIRRORS for name in touched(fake)]


def kind(member) -> str:
    if isinstance(member, property):
        return "property"
    if isinstance(member, classmethod):
        return "classmethod"
    return "method" if callable(member) else "attribute"


def compatible(fake_function, real_function) -> list[str]:
    """What the fake's calls would pass that the real signature does not take (empty when compatible)."""
    fake = inspect.signature(fake_function).parameters
    real = inspect.signature(real_function).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in real.values())
    problems = []
    for name, parameter in fake.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) or name in (
            "self",
            "cls",
        ):
            continue
        if name not in real and not takes_any:
            problems.append(f"no parameter {name!r}")
        elif (
            name in real and real[name].kind is parameter.KEYWORD_ONLY and parameter.kind is not parameter.KEYWORD_ONLY
        ):
            problems.append(f"{name!r} is keyword-only in xlwings")
    required = [
        n
        for n, p in real.items()
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self"
    ]
    problems += [f"xlwings requires {n!r}" for n in required if n not in fake]
    return problems


@pytest.mark.parametrize(("fake", "name"), CASES, ids=[f"{MIRRORS[f]}.{n}" for f, n in CASES])
def test_the_member_exists_in_xlwings_with_a_compatible_signature(fake, name):
    real_class = getattr(xlwings.main, MIRRORS[fake])
    assert hasattr(real_class, name), f"xlwings.{MIRRORS[fake]} has no {name}"
    ours, theirs = inspect.getattr_static(fake, name), inspect.getattr_static(real_class, name)
    assert kind(ours) == kind(theirs), f"{name}: {kind(ours)} in the fake, {kind(theirs)} in xlwings"
    if isinstance(ours, property):
        assert ours.fset is None or theirs.fset is not None, f"{name} cannot be set in xlwings"
    elif isinstance(ours, classmethod):
        assert compatible(ours.__func__, theirs.__func__) == []
    else:
        assert compatible(ours, theirs) == []


def test_the_top_level_names_kam_xl_uses_exist():
    for name in ("Book", "Sheet", "Range", "App", "func", "arg", "ret", "script"):
        assert hasattr(xlwings, name), name


UDF_SOURCE = Path(xlwings.__file__).with_name("udfs.py")


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    return {
        node.name: node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }


def test_classic_udf_decorators_take_what_kam_udfs_passes():
    """xlwings.udfs needs pywin32, so on Linux it is read, not imported: the decorators' signatures,
    the `doc` and `category` options and the hidden `caller` argument KAM_TARGET relies on."""
    source = UDF_SOURCE.read_text(encoding="utf-8")
    functions = _functions(UDF_SOURCE)
    assert [a.arg for a in functions["xlfunc"].args.args] == ["f"] and functions["xlfunc"].args.kwarg
    assert [a.arg for a in functions["xlarg"].args.args] == ["arg", "convert"] and functions["xlarg"].args.kwarg
    assert '("vba", "doc")' in source and '"category"' in source
    assert 'info["name"] == "caller"' in source and 'arg["name"] == "caller"' in source
    assert "keyword arguments" in source  # xlwings refuses keyword-only UDF parameters (test_udfs checks ours)
    assert list(inspect.signature(K.KAM_TARGET).parameters)[-1] == "caller"


def test_the_udf_module_uses_only_the_bsd_part_of_xlwings():
    root = Path(K.__file__).parents[2]
    for path in [*root.joinpath("kam_xl").rglob("*.py"), root / "lite" / "main.py"]:
        text = path.read_text(encoding="utf-8")
        assert "xlwings.pro" not in text, path

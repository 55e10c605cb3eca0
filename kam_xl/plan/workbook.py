"""The plan stage: a new HQ workbook (empty or demo) and checking the plan in one."""

from __future__ import annotations

from pathlib import Path

from kam_xl.errors import Problem
from kam_xl.lang.words import check_language
from kam_xl.model.plan import Plan
from kam_xl.plan.demo import DEFAULT_SEED, DEFAULT_STORES, demo_plan
from kam_xl.plan.load import read_plan
from kam_xl.plan.sheets import plan_sheets
from kam_xl.xlsx.writer import new_package


def init_workbook(
    path: str | Path,
    lang: str = "en",
    demo: bool = False,
    stores: int = DEFAULT_STORES,
    seed: int = DEFAULT_SEED,
) -> Plan | None:
    """Write a new HQ workbook at `path` (a backup is kept if it existed); returns the demo plan."""
    check_language(lang)
    plan = demo_plan(stores, lang, seed) if demo else None
    write_plan_workbook(path, plan, lang)
    return plan


def write_plan_workbook(path: str | Path, plan: Plan | None, lang: str) -> None:
    new_package(plan_sheets(plan, lang)).save(Path(path))


def validate(path: str | Path) -> list[Problem]:
    """Every problem of the plan in the workbook (errors and warnings)."""
    _, problems, _ = read_plan(path)
    return problems

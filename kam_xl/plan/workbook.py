"""The plan stage: a new HQ workbook (empty or demo) and checking the plan in one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.errors import KamError, Problem
from kam_xl.lang.words import check_language
from kam_xl.model.plan import Plan
from kam_xl.plan.demo import DEFAULT_SEED, DEFAULT_STORES, check_demo_size, demo_plan
from kam_xl.plan.load import read_plan_from
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive


@dataclass
class InitResult:
    """The new workbook, its demo plan (None for the empty template) and the backup of a file it replaced."""

    book: Path
    plan: Plan | None = None
    backup: Path | None = None
    forced: list[str] = field(default_factory=list)  # what --force overrode, in words


def init_workbook(
    path: str | Path,
    lang: str = "en",
    demo: bool = False,
    stores: int = DEFAULT_STORES,
    seed: int = DEFAULT_SEED,
    *,
    force: bool = False,
    wait: float | None = DEFAULT_WAIT,
) -> InitResult:
    """Write a new HQ workbook at `path` (with `demo`, a demo account of `stores` stores).

    An existing file is refused (KamError: a new workbook would replace its plan and everything collected)
    unless `force`: then it is replaced and its content kept as the newest backup beside it. The workbook's
    lock is held meanwhile (kam_xl.xlsx.guard: `wait` seconds for another kam command, an open workbook is
    refused unless `force`).
    """
    check_language(lang)
    if demo:
        check_demo_size(stores, seed)
    path = Path(path)
    with exclusive(path, command="init", wait=wait, force=force, new=True) as guard:
        if path.exists() and not force:
            raise KamError(
                f"{path} exists already — `kam init` makes a new workbook and would replace it, with its plan and "
                "everything collected; give another file name, or add --force to replace it (its content is kept "
                "as a backup beside it)"
            )
        plan = demo_plan(stores, lang, seed) if demo else None
        backup = write_plan_workbook(path, plan, lang)
        forced = guard.forced + ([f"{path} existed: replaced because of --force"] if backup else [])
    return InitResult(path, plan, backup, forced)


def write_plan_workbook(path: str | Path, plan: Plan | None, lang: str) -> Path | None:
    """Write the plan sheets as a new workbook at `path`; returns the backup of a file it replaced."""
    from kam_xl.plan.sheets import plan_sheets  # writing needs openpyxl's styles; validate does not
    from kam_xl.xlsx.writer import new_package

    return new_package(plan_sheets(plan, lang)).save(Path(path))


def validate(path: str | Path) -> list[Problem]:
    """Every problem of the plan in the workbook (errors and warnings); KamError for an SR's workbook."""
    from kam_xl.plan.meta import read_meta, require_hq
    from kam_xl.xlsx.filebook import FileBook

    book = FileBook(path)
    require_hq(read_meta(book, tabs=False), book)
    _, problems, _ = read_plan_from(book)
    return problems

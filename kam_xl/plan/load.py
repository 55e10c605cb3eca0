"""Reading the plan out of an HQ workbook (any Book) and checking it: the entry point of every stage."""

from __future__ import annotations

from pathlib import Path

from kam_xl.errors import PlanError, Problem
from kam_xl.lang.words import language_of_sheet_names
from kam_xl.model.plan import Plan
from kam_xl.plan.checks import check_plan
from kam_xl.plan.reader import PLAN_SHEETS, PlanReader, sheet_names_by_key


def read_plan_from(book) -> tuple[Plan, list[Problem], PlanReader]:
    """The plan in a Book (kam_xl.book), every problem found in it, and where each table sits."""
    sheet_names = book.sheet_names()
    names = sheet_names_by_key(sheet_names)
    lang = language_of_sheet_names(sheet_names) or "en"
    grids = {key: book.grid(names[key]) for key in PLAN_SHEETS if key in names}
    reader = PlanReader(grids, names, lang)
    plan = reader.read()
    check_plan(plan, reader)
    return plan, reader.problems, reader


def read_plan(path: str | Path) -> tuple[Plan, list[Problem], PlanReader]:
    """The plan in the HQ workbook at `path`, every problem found in it, and where each table sits."""
    from kam_xl.xlsx.filebook import FileBook

    return read_plan_from(FileBook(path))


def plan_of(book) -> Plan:
    """The plan in a Book; raises PlanError listing every error when there is any."""
    plan, problems, _ = read_plan_from(book)
    if any(p.is_error for p in problems):
        raise PlanError(problems)
    return plan


def load_plan(path: str | Path) -> Plan:
    """The plan in an HQ workbook; raises PlanError listing every error when there is any."""
    from kam_xl.xlsx.filebook import FileBook

    return plan_of(FileBook(path))

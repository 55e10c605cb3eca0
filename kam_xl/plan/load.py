"""Reading the plan out of an HQ workbook (any Book) and checking it: the entry point of every stage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kam_xl.errors import PlanError, Problem
from kam_xl.lang.checks import check_text
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
    reader.problems[:] = uncalculated(book, reader.problems, lang)
    return plan, reader.problems, reader


def uncalculated(book, problems: list[Problem], lang: str = "en") -> list[Problem]:
    """The problems, each one about a cell that reads blank because it holds a formula saved without its result
    (by a program that does not calculate) said as such: the message about a blank would mislead."""
    formulas: dict[str, dict[str, str]] = {}
    out, said = [], set()
    for problem in problems:
        if problem.cell and problem.value in (None, "") and problem.sheet in book.sheet_names():
            if problem.sheet not in formulas:
                formulas[problem.sheet] = book.formulas(problem.sheet)
            formula = formulas[problem.sheet].get(problem.cell)
            if formula:
                if (problem.sheet, problem.cell) in said:
                    continue  # one line a cell (an error and a warning about the same blank)
                said.add((problem.sheet, problem.cell))
                problem = replace(problem, message=check_text("uncalculated", lang, formula=formula))
        out.append(problem)
    return out


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

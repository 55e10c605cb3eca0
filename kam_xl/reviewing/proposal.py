"""Reading back the review's Next period sheet as the KAM edited it: the next period's target per store and KPI.

The sheet is written by review (scorecards.next_period_sheet); its "Suggested next period" columns are input
cells. `kam next-period` reads them here, so what the KAM typed there becomes the new plan's targets.
"""

from __future__ import annotations

import math

import pandas as pd

from kam_xl.errors import KamError
from kam_xl.lang.texts import review_text
from kam_xl.lang.words import sheet_name
from kam_xl.model.parsing import ParseError, parse_number
from kam_xl.model.plan import Plan
from kam_xl.reviewing.scorecards import GROUP_ROW, next_period_columns
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import column_letter

MAX_LISTED = 20


def next_sheet_name(plan: Plan) -> str:
    """The Next period sheet's name in the plan's language."""
    return sheet_name("sc_next", plan.language)


def no_review_message(book_name: str, plan: Plan) -> str:
    """Why there is nothing to carry forward yet, in English and Chinese, naming the sheet."""
    en, zh = sheet_name("sc_next", "en"), sheet_name("sc_next", "zh")
    sheet = next_sheet_name(plan)
    return (
        f"{book_name} has no review yet: the sheet '{sheet}' is missing — run `kam review {book_name}`, set the "
        f"targets of the next period in the yellow cells of '{sheet}', then run `kam next-period` again / "
        f"{book_name} 尚未回顾：缺少“{zh if sheet != en else en}”工作表——请先运行 `kam review {book_name}`，"
        f"在该表的黄色单元格中确定下期目标，再运行 `kam next-period`"
    )


def target_cells(book, plan: Plan) -> dict[tuple[str, str], tuple[int, int]]:
    """Where the Next period sheet holds each store's next-period target of each sum KPI: (store id, KPI id) ->
    (row, column). KamError naming the sheet when there is none (no review yet), naming the header cell when
    the sheet is not laid out as review wrote it."""
    name = next_sheet_name(plan)
    if name not in book.sheet_names():
        path = getattr(book, "path", None)
        raise KamError(no_review_message(path.name if path else "the workbook", plan))
    grid = book.grid(name)
    columns = next_period_columns(plan)
    header = GROUP_ROW + 1
    wanted = {
        c.key[: -len("_suggested")]: position
        for position, c in enumerate(columns, start=1)
        if c.key.endswith("_suggested")
    }
    label = review_text("suggested", plan.language)
    problems = []
    for kpi_id, col in wanted.items():
        found = cell_at(grid, header, col)
        group = cell_at(grid, GROUP_ROW, _group_start(columns, col))
        if str(found or "").strip() != label or not str(group or "").startswith(f"{kpi_id} "):
            problems.append(
                f"{name}!{column_letter(col)}{header}: expected the header '{label}' of {kpi_id} here, found "
                f"{found!r} — run `kam review` again to rebuild the sheet"
            )
    if problems:
        raise KamError("\n".join(problems))
    total = review_text("total", plan.language)
    cells = {}
    row = header + 1
    while (store_id := cell_at(grid, row, 1)) is not None and str(store_id) != total:
        for kpi_id, col in wanted.items():
            cells[(_text(store_id), kpi_id)] = (row, col)
        row += 1
    return cells


def read_proposal(book, plan: Plan) -> pd.DataFrame:
    """The next period's target per store (index: store id) and sum KPI (columns: KPI ids), whole numbers
    (half up), as the KAM left them in the Next period sheet. KamError naming the sheet when there is none;
    naming each cell that is not a number of 0 or more."""
    cells = target_cells(book, plan)
    name = next_sheet_name(plan)
    grid = book.grid(name)
    frame: dict[str, dict[str, float]] = {}
    problems = []
    formulas = None  # read only when a target is blank: a formula saved without its result reads as blank
    for (store_id, kpi_id), (row, col) in cells.items():
        ref = f"{column_letter(col)}{row}"
        value, problem = _target(cell_at(grid, row, col), f"{name}!{ref}")
        frame.setdefault(kpi_id, {})[store_id] = value
        if problem:
            if cell_at(grid, row, col) in (None, ""):
                formulas = book.formulas(name) if formulas is None else formulas
                if ref in formulas:
                    problem = (
                        f"{name}!{ref}: the formula {formulas[ref]} was saved without its result (by a program that "
                        "does not calculate) — open the workbook in Excel or LibreOffice and save it, or type the "
                        "number"
                    )
            problems.append(problem)
    if problems:
        more = len(problems) - MAX_LISTED
        raise KamError(
            "the next period's targets cannot be read:\n"
            + "\n".join(problems[:MAX_LISTED] + ([f"... and {more} more"] if more > 0 else []))
        )
    stores = list(dict.fromkeys(store_id for store_id, _ in cells))
    return pd.DataFrame(frame, index=pd.Index(stores, name="store_id"), dtype=float)


def _group_start(columns, col: int) -> int:
    start = col
    while start > 1 and columns[start - 2].group == columns[col - 1].group:
        start -= 1
    return start


def _target(raw: object, where: str) -> tuple[float, str | None]:
    try:
        value = parse_number(raw)
    except ParseError:
        value = math.nan
    if value is None or not math.isfinite(value) or value < 0:
        shown = "blank" if value is None else repr(raw)
        return math.nan, f"{where}: the next period's target must be a number of 0 or more ({shown})"
    return float(math.floor(value + 0.5)), None


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

"""Builds kam_xl/excel/kam-udf-selftest.xlsx (shipped in the package, beside kam_macros.bas): every KAM_ function
with known inputs, TRUE in Excel when it matches."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import kam_xl.excel.udfs as K
from kam_xl.plan.demo import demo_plan
from kam_xl.plan.sheets import plan_sheets
from kam_xl.xlsx.spec import Formula, SheetSpec, column_letter
from kam_xl.xlsx.writer import new_package

# Run `python -m kam_xl.excel.selftest [PATH]`. The expected values are what the Python functions return for the
# inputs exactly as xlwings passes them (ranges as rows of values, blank cells as None), so the sheet
# checks the Excel side: the add-in, the argument conversion and the results coming back.
TITLE = "UDF self-test"
PATH = Path(__file__).resolve().with_name("kam-udf-selftest.xlsx")
FIRST_ROW = 6
INPUT_COL = 8  # column H onwards holds the ranges the cases read
DEMO_STORES = 12  # the smallest demo account whose plan has no errors (KAM_TARGET reads it)
BLANK = object()  # an argument that is a reference to an empty cell


@dataclass
class Case:
    """One check: a function, its arguments (scalars, BLANK, or ranges as rows of values) and an INDEX."""

    what: str
    function: object
    args: tuple
    index: int | None = None  # check the n-th value of an array result
    total: bool = False  # check the sum of an array result


@dataclass
class Layout:
    """The self-test sheet being laid out: cases from FIRST_ROW, input ranges from column H."""

    sheet: SheetSpec
    next_input: int = 1
    blank_ref: str = field(default="$G$1")

    def range_ref(self, rows: list[list]) -> str:
        top = self.next_input
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    self.sheet.set(top + r, INPUT_COL + c, value, "input")
        self.next_input += len(rows) + 1
        last_col = column_letter(INPUT_COL + len(rows[0]) - 1)
        return f"${column_letter(INPUT_COL)}${top}:${last_col}${top + len(rows) - 1}"


def literal(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return "" if value is None else repr(value)


def argument(layout: Layout, value) -> tuple[str, object]:
    """(formula text, what xlwings passes) of one argument."""
    if value is BLANK:
        return layout.blank_ref, None
    if isinstance(value, list):
        return layout.range_ref(value), value
    return literal(value), value


def cases(plan) -> list[Case]:
    store, week = plan.active_stores[0].store_id, plan.weeks[2].id
    levels = [[e.level.replace("_", " ").capitalize()] for e in plan.evidence]
    met = [["Y" if e.met else "N"] for e in plan.evidence]
    return [
        Case("attainment", K.KAM_ATTAINMENT, (95, 100)),
        Case("attainment, blank actual", K.KAM_ATTAINMENT, (BLANK, 100)),
        Case("attainment, target 0", K.KAM_ATTAINMENT, (5, 0)),
        Case("attainment, text", K.KAM_ATTAINMENT, ("abc", 100)),
        Case(
            "attainment, weeks with actuals",
            K.KAM_ATTAINMENT,
            ([[10], [None], [5]], [[8], [9], [7]]),
        ),
        Case("attainment, lower is better", K.KAM_ATTAINMENT, (90, 100, "lower")),
        Case("RAG", K.KAM_RAG, (0.95,)),
        Case("RAG, Chinese, default thresholds", K.KAM_RAG, (1, None, None, "zh")),
        Case(
            "score",
            K.KAM_SCORE,
            (
                [[1.3], [0.8], [None], [1.0]],
                [[0.3], [0.2], [0.15], [0.35]],
                [[1.2], [1.2], [1.2], [None]],
            ),
        ),
        Case("allocate, 4th item", K.KAM_ALLOCATE, (101, [[3], [2], [None], [5]]), index=4),
        Case("allocate, total", K.KAM_ALLOCATE, (101, [[3], [2], [None], [5]]), total=True),
        Case(
            "allocate, max",
            K.KAM_ALLOCATE,
            (100, [[1], [1], [1]], BLANK, [[10], [None], [None]]),
            index=2,
        ),
        Case("allocate, impossible", K.KAM_ALLOCATE, (100, [[1], [1]], [[60], [60]])),
        Case(
            "run-rate, weekly",
            K.KAM_RUNRATE,
            ([[10], [12], [None], [None]], [[1.5], [1.0], [1.0], [1.2]]),
        ),
        Case("run-rate, nothing elapsed", K.KAM_RUNRATE, (10, 13, 0)),
        Case("growth", K.KAM_GROWTH, (120, 100)),
        Case("share, weeks with both", K.KAM_SHARE, ([[10], [5], [None]], [[100], [None], [50]])),
        Case("ROI", K.KAM_ROI, (1500, 1000)),
        Case("ROI, no investment", K.KAM_ROI, (100, 0)),
        Case("quadrant", K.KAM_QUADRANT, (0.9, 1.1)),
        Case("quadrant, Chinese", K.KAM_QUADRANT, (0.5, 0.5, None, "zh")),
        Case("relationship", K.KAM_RELATIONSHIP, (levels, met)),
        Case("target of a store", K.KAM_TARGET, (store, "K1")),
        Case("target of a week", K.KAM_TARGET, (store, "K1", week)),
        Case("target, unknown store", K.KAM_TARGET, ("NOPE", "K1")),
    ]


def expected(case: Case, values: list, plan) -> object:
    """What the function gives for the arguments as xlwings passes them (KAM_TARGET: from this plan)."""
    if case.function is K.KAM_TARGET:
        return _target(plan, values)
    found = case.function(*values)
    if isinstance(found, list) and (case.index or case.total):
        flat = [row[0] for row in found]
        return sum(v for v in flat if v is not None) if case.total else flat[case.index - 1]
    return found


def _target(plan, values: list) -> object:
    from kam_xl.metrics.allocation import allocate_plan

    store, kpi, week = (values + [None])[:3]
    if store not in {s.store_id for s in plan.active_stores}:
        return "#N/A"
    allocation = allocate_plan(plan)
    return allocation.store_target(kpi, store) if week is None else float(allocation.weeks[kpi].at[store, week])


def check(result: str, wanted: object) -> Formula:
    """TRUE when the result cell shows what is expected (errors are checked by their #CODE!)."""
    if wanted is None:
        return Formula(f'=IFERROR({result}="",FALSE)')
    if isinstance(wanted, str) and wanted.startswith("#"):
        code = wanted.split(" ")[0]
        return Formula(f'=IFERROR(LEFT({result},{len(code)})="{code}",FALSE)')
    if isinstance(wanted, str):
        return Formula(f'=IFERROR(EXACT({result},"{wanted}"),FALSE)')
    return Formula(f"=IFERROR(ABS({result}-{wanted!r})<=1E-9*MAX(1,ABS({wanted!r})),FALSE)")


def call(case: Case, texts: list[str]) -> Formula:
    inner = f"{case.function.__name__}({','.join(texts)})"
    if case.total:
        return Formula(f"=SUM({inner})")
    return Formula(f"=INDEX({inner},{case.index})" if case.index else f"={inner}")


def selftest_sheet(plan) -> SheetSpec:
    sheet = SheetSpec(
        TITLE,
        role="selftest",
        protected=False,
        freeze=f"A{FIRST_ROW}",
        widths={1: 34, 2: 52, 3: 16, 4: 16, 5: 10, 6: 2, 7: 4},
    )
    layout = Layout(sheet)
    sheet.set(1, 1, "kam_xl UDF self-test", "title")
    sheet.set(
        2,
        1,
        "Import Functions (xlwings ribbon), then Ctrl+Alt+F9: every row, and B3, must read TRUE.",
        "note",
    )
    sheet.set(3, 1, "All passed", "label")
    sheet.row_values(FIRST_ROW - 1, 1, ["Case", "Formula", "Result", "Expected", "OK"], "header")
    row = FIRST_ROW
    for case in cases(plan):
        texts, values = zip(*(argument(layout, value) for value in case.args))
        formula = call(case, list(texts))
        wanted = expected(case, list(values), plan)
        sheet.set(row, 1, case.what)
        sheet.set(row, 2, formula.text[1:], "note")
        sheet.set(row, 3, formula, "calc")
        sheet.set(
            row,
            4,
            wanted if not isinstance(wanted, str) or not wanted.startswith("#") else wanted.split()[0],
        )
        sheet.set(row, 5, check(f"C{row}", wanted), "calc_center")
        row += 1
    sheet.set(3, 2, Formula(f"=AND(E{FIRST_ROW}:E{row - 1})"), "calc_center")
    return sheet


def selftest_specs() -> list[SheetSpec]:
    """The self-test sheet, then a small demo plan (KAM_TARGET reads it) with the xlwings.conf sheet."""
    plan = demo_plan(DEMO_STORES)
    return [selftest_sheet(plan), *plan_sheets(plan, plan.language)]


def build(path: Path = PATH) -> Path:
    new_package(selftest_specs()).save(path, backup=False)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else PATH))

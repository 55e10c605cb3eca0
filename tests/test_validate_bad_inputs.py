"""Each kind of bad plan input, injected into a demo workbook, is reported at its exact cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.plan.load import read_plan


@dataclass
class Where:
    """Cells of the clean demo workbook, by table, record index and field."""

    reader: object

    def cell(self, table: str, index: int, field: str) -> str:
        return self.reader.tables[table].cell(index, field)

    def sheet(self, table: str) -> str:
        return self.reader.names[table]

    def account(self, field: str) -> str:
        return self.reader.account_cells[field]


def _set(book, where: Where, table: str, index: int, field: str, value):
    book[where.sheet(table)][where.cell(table, index, field)] = value
    return where.sheet(table), where.cell(table, index, field)


def _set_account(book, where: Where, field: str, value):
    book[where.sheet("account")][where.account(field)] = value
    return where.sheet("account"), where.account(field)


def dup_store(b, w):
    first = b[w.sheet("stores")][w.cell("stores", 0, "store_id")].value
    return _set(b, w, "stores", 1, "store_id", first), "duplicate"


def store_without_sr(b, w):
    return _set(b, w, "stores", 4, "sr_id", None), "SR ID is required"


def sr_two_emails(b, w):
    return _set(b, w, "stores", 1, "sr_email", "someone.else@example.com"), "another e-mail"


def baseline_text(b, w):
    return _set(b, w, "stores", 2, "base_units", "lots"), "not a number"


def baseline_formula_without_result(b, w):  # saved by a program that does not calculate (openpyxl here)
    return _set(b, w, "stores", 2, "base_units", "=10*7"), "the formula =10*7 was saved without its result"


def baseline_negative(b, w):
    return _set(b, w, "stores", 3, "base_value", -5), "must be between"


def bad_email(b, w):
    return _set(b, w, "stores", 5, "manager_email", "wang at store"), "not an e-mail"


def program_reversed(b, w):
    start = b[w.sheet("programs")][w.cell("programs", 0, "start")].value
    return _set(b, w, "programs", 0, "end", start - timedelta(days=3)), "ends before it starts"


def program_bad_date(b, w):
    return _set(b, w, "programs", 1, "start", "2026-02-30"), "not a real date"


def program_unknown_tier(b, w):
    return _set(b, w, "programs", 2, "tiers", "A, D"), "unknown store tier"


def program_unknown_region(b, w):
    return _set(b, w, "programs", 2, "regions", "Atlantis"), "unknown region"


def weights_not_100(b, w):
    sheet, _ = _set(b, w, "objectives", 0, "weight", 0.25)
    return (sheet, w.reader.tables["objectives"].column_range("weight")), "add up to 95.0%"


def amber_above_green(b, w):
    return _set(b, w, "objectives", 3, "amber", 1.2), "amber threshold is above"


def weeks_overlap(b, w):
    start = b[w.sheet("calendar")][w.cell("calendar", 1, "start")].value
    return _set(b, w, "calendar", 2, "start", start), "overlaps"


def weeks_gap(b, w):
    sheet = b[w.sheet("calendar")]
    start = sheet[w.cell("calendar", 5, "start")].value
    _set(b, w, "calendar", 5, "end", start + timedelta(days=7))
    for index in range(6, 13):
        for field in ("start", "end"):
            old = sheet[w.cell("calendar", index, field)].value
            sheet[w.cell("calendar", index, field)] = old + timedelta(days=1)
    return _set(b, w, "calendar", 5, "start", start + timedelta(days=1)), "gap of 1 day"


def unknown_basis(b, w):
    return _set(b, w, "objectives", 0, "basis", "Gut feeling"), "not one of the allowed values"


def missing_sheet(b, w):
    del b[w.sheet("calendar")]
    return (w.sheet("calendar"), None), "sheet is missing"


def missing_column(b, w):
    sheet, cell = _set(b, w, "stores", 0, "sr_email", None)
    b[sheet][cell.rstrip("0123456789") + "1"] = "Something else"
    return (sheet, None), "column 'SR e-mail' is missing"


def store_tier_unknown(b, w):
    return _set(b, w, "stores", 6, "store_tier", "D"), "allowed: A, B, C"


def rate_kpi_without_tier_target(b, w):
    return _set(b, w, "objectives", 2, "target_b", None), "needs a target for tier B"


def sum_kpi_without_target(b, w):
    return _set(b, w, "objectives", 1, "hq_target", None), "needs an HQ target"


def period_reversed(b, w):
    return _set_account(b, w, "period_end", date(2026, 1, 1)), "ends before it starts"


def relationship_unknown(b, w):
    return _set_account(b, w, "relationship_now", "Best friend"), "not one of the allowed values"


def need_unknown_program(b, w):
    return _set(b, w, "needs", 0, "answer", "P01, P99"), "unknown program ID"


def two_main_competitors(b, w):
    yes = b[w.sheet("competition")][w.cell("competition", 0, "main")].value
    return _set(b, w, "competition", 2, "main", yes), "only one competitor"


def season_weight_zero(b, w):
    return _set(b, w, "calendar", 4, "season_weight", 0), "above 0"


def category_below_baseline(b, w):
    return _set(b, w, "stores", 7, "category_units", 0.5), "below our own baseline"


def growth_reversed(b, w):
    return _set(b, w, "objectives", 0, "min_growth", 0.6), "min growth is above max growth"


def target_infeasible(b, w):
    target = b[w.sheet("objectives")][w.cell("objectives", 0, "hq_target")].value
    return _set(b, w, "objectives", 0, "hq_target", target * 10), "max growth allows at most"


def duplicate_kpi(b, w):
    return _set(b, w, "objectives", 4, "id", "K1"), "duplicate"


def active_unreadable(b, w):
    return _set(b, w, "stores", 8, "active", "maybe"), "Y or N is needed"


def program_unknown_kpi(b, w):
    return _set(b, w, "programs", 3, "kpi", "K42"), "unknown KPI ID"


def management_email_bad(b, w):
    return _set_account(b, w, "management_emails", "boss@example.com, nobody"), "not an e-mail"


def tier_factor_zero(b, w):
    return _set_account(b, w, "tier_factor_b", 0), "tier factor B must be above 0"


def week_reversed(b, w):
    start = b[w.sheet("calendar")][w.cell("calendar", 3, "start")].value
    return _set(b, w, "calendar", 3, "end", start - timedelta(days=1)), "ends before it starts"


def sum_kpi_rate_measure(b, w):
    share = b[w.sheet("objectives")][w.cell("objectives", 2, "measure")].value
    return _set(b, w, "objectives", 0, "measure", share), "a sum KPI must measure"


CASES = [
    dup_store,
    store_without_sr,
    sr_two_emails,
    baseline_formula_without_result,
    baseline_text,
    baseline_negative,
    bad_email,
    program_reversed,
    program_bad_date,
    program_unknown_tier,
    program_unknown_region,
    weights_not_100,
    amber_above_green,
    weeks_overlap,
    weeks_gap,
    unknown_basis,
    missing_sheet,
    missing_column,
    store_tier_unknown,
    rate_kpi_without_tier_target,
    sum_kpi_without_target,
    period_reversed,
    relationship_unknown,
    need_unknown_program,
    two_main_competitors,
    season_weight_zero,
    category_below_baseline,
    growth_reversed,
    target_infeasible,
    duplicate_kpi,
    active_unreadable,
    program_unknown_kpi,
    management_email_bad,
    tier_factor_zero,
    week_reversed,
    sum_kpi_rate_measure,
]


@pytest.fixture(scope="module")
def clean(demo_book_factory):
    path = demo_book_factory("en", 120)
    _, problems, reader = read_plan(path)
    assert not [p for p in problems if p.is_error]
    return path, Where(reader)


def test_there_are_at_least_20_kinds():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_reported_at_its_cell(case, clean, tmp_path, capsys):
    source, where = clean
    book = openpyxl.load_workbook(source)
    (sheet, cell), fragment = case(book, where)
    path = tmp_path / "bad.xlsx"
    book.save(path)
    code = main(["validate", str(path)])
    printed = capsys.readouterr()
    assert code == 1, printed.out
    lines = [line for line in printed.out.splitlines() if fragment in line]
    assert lines, f"no message containing {fragment!r} in:\n{printed.out}"
    expected = f"{sheet}!{cell}:" if cell else f"{sheet}"
    assert any(line.startswith(expected) for line in lines), f"expected {expected} in {lines}"
    assert "Traceback" not in printed.out + printed.err

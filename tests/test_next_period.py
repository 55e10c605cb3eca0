"""kam next-period: the next period's workbook from a reviewed one — baselines by the documented rule (a hand-worked
example of four stores), targets from the Next period sheet as the KAM edited it, open actions in the new store tabs,
the calendar, programs and relationship history carried; the demo's two periods; and the mistakes it refuses."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.metrics.allocation import allocate_plan
from kam_xl.metrics.baselines import run_rate_baselines
from kam_xl.plan.demo import demo_plan
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.plan.workbook import write_plan_workbook
from kam_xl.reviewing.carry import next_period
from kam_xl.reviewing.run import review
from kam_xl.reviewing.trend_sheet import sheet_title
from kam_xl.storetabs.find import scan_store_tabs
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from tests.support.email_books import generated_book
from tests.support.fill import write_entries
from tests.support.libreoffice import error_cells, recalculate

# The hand-worked example (docs/metrics.md, "Baselines of the next period"): weekly units reported per store.
MANY = "S1"  # six weeks reported: the mean of the six, the old baseline forgotten
FEW = "S2"  # two weeks reported: half the mean of the two, half the old baseline
NEW = "S3"  # opened at the end of the period, nothing reported: keeps the plan's baseline
CLOSED = "S4"  # marked inactive (closed): left out of the next period
UNITS = {MANY: [12, 14, 16, 18, 20, 22], FEW: [30, 34], NEW: []}
OLD_UNITS = {MANY: 10.0, FEW: 20.0, NEW: 15.0, CLOSED: 25.0}
PRICE = 100.0  # value = units × 100 every week, old value baselines = old units × 90
EXPECTED_UNITS = {MANY: 17.0, FEW: 0.5 * 32.0 + 0.5 * 20.0, NEW: 15.0}  # (12+…+22)/6; f = 2/4; unchanged
EXPECTED_VALUE = {MANY: 1700.0, FEW: 0.5 * 3200.0 + 0.5 * 1800.0, NEW: 1350.0}


def four_store_plan():
    plan = demo_plan(4)
    stores = tuple(
        replace(
            store,
            store_id=sid,
            base_units=OLD_UNITS[sid],
            base_value=OLD_UNITS[sid] * 90.0,
            category_units=OLD_UNITS[sid] * 4,
            active=sid != CLOSED,
        )
        for sid, store in zip((MANY, FEW, NEW, CLOSED), plan.stores)
    )
    weeks = len(plan.weeks)
    active = [s for s in stores if s.active]
    kpis = tuple(
        replace(
            k,
            hq_target=float(
                round(sum(s.base_units if k.measure == "units" else s.base_value for s in active) * weeks * 1.1)
            ),
        )  # fmt: skip
        if k.is_sum
        else k
        for k in plan.kpis
    )
    programs = tuple(replace(p, regions=()) for p in plan.programs)  # every region: four stores do not cover them
    return replace(plan, stores=stores, kpis=kpis, programs=programs)


def four_store_entries(plan) -> dict:
    weeks = plan.weeks
    entries = {sid: {} for sid in UNITS}
    for sid, units in UNITS.items():
        for week, value in zip(weeks, units):
            entries[sid][("week", week.id, "units")] = float(value)
            entries[sid][("week", week.id, "value")] = float(value) * PRICE
            entries[sid][("week", week.id, "category")] = float(value) * 4
    due = weeks[3].end
    entries[MANY].update(
        {
            ("action", 1, "text"): "Move the phones to the entrance table",
            ("action", 1, "owner"): "store",
            ("action", 1, "due"): due,
            ("action", 1, "status"): "open",
            ("action", 2, "text"): "Fix the price tags",
            ("action", 2, "owner"): "sr",
            ("action", 2, "status"): "done",
            ("action", 3, "text"): "Agree a weekend demo day",
            ("action", 3, "status"): "dropped",
            ("action", 4, "text"): "Train the new floor staff",
            ("action", 4, "owner"): "hq",
            ("action", 4, "due"): due + timedelta(days=30),
        }
    )
    entries[FEW].update(
        {
            ("action", 1, "text"): "Clear old stock from the back room",
            ("action", 1, "owner"): "sr",
            ("action", 1, "status"): "open",
            ("action", 1, "result"): "half done",
        }
    )
    return entries


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Path:
    """The four stores' HQ workbook: generated, six weeks entered, reviewed (without a history database)."""
    folder = tmp_path_factory.mktemp("four")
    book = folder / "four.xlsx"
    plan = four_store_plan()
    write_plan_workbook(book, plan, "en")
    generate(book)
    write_entries(book, four_store_entries(plan))
    review(book, db="none")
    return book


def copy(source: Path, folder: Path, name: str = "hq.xlsx") -> Path:
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target


def next_sheet_targets(book: Path) -> tuple[openpyxl.Workbook, dict[tuple[str, str], str]]:
    """The workbook (openpyxl) and the cell of each (store, KPI) target on its Next period sheet, found by the
    headers a person sees: the KPI's group header and the 'Suggested next period' column header."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Next period"]
    groups, cells = {}, {}
    for cell in sheet[5]:
        if cell.value:
            groups[cell.column] = str(cell.value).split(" ")[0]
    header = {c.column: c.value for c in sheet[6]}
    for col, label in header.items():
        if label != "Suggested next period":
            continue
        kpi = groups[max(c for c in groups if c <= col)]
        for row in range(7, sheet.max_row + 1):
            sid = sheet.cell(row, 1).value
            if sid in UNITS:
                cells[(sid, kpi)] = sheet.cell(row, col).coordinate
    return workbook, cells


def test_the_baseline_rule_on_its_own():
    nan = float("nan")
    weekly = [[12, 14, 16, 18, 20, 22], [30, 34, nan, nan, nan, nan], [nan] * 6, [5, nan, nan, nan, nan, nan]]
    new, weeks = run_rate_baselines(weekly, [10.0, 20.0, 15.0, nan])
    assert new.tolist() == [17.0, 26.0, 15.0, 5.0]  # a store without an old baseline keeps its run-rate
    assert weeks.tolist() == [6, 2, 0, 1]


def test_baselines_calendar_programs_and_history(reviewed, tmp_path):
    out = tmp_path / "next.xlsx"
    result = next_period(reviewed, out)
    old, new = load_plan(reviewed), load_plan(out)
    assert [s.store_id for s in new.stores] == [MANY, FEW, NEW]
    assert result.dropped_stores == [CLOSED]
    for store in new.stores:
        assert store.active
        assert store.base_units == pytest.approx(EXPECTED_UNITS[store.store_id])
        assert store.base_value == pytest.approx(EXPECTED_VALUE[store.store_id])
        assert store.category_units == pytest.approx(EXPECTED_UNITS[store.store_id] * 4)
    # the calendar: as many weeks, from the day after the last one, season weights by week of the year
    assert len(new.weeks) == len(old.weeks)
    assert new.weeks[0].start == old.weeks[-1].end + timedelta(days=1)
    assert all(b.start - a.start == timedelta(days=7) for a, b in zip(new.weeks, new.weeks[1:]))
    old_season = {w.start.isocalendar()[1]: w.season_weight for w in old.weeks}
    for week in new.weeks:
        assert week.season_weight == old_season.get(week.start.isocalendar()[1], 1.0)
    assert (new.account.period_start, new.account.period_end) == (new.weeks[0].start, new.weeks[-1].end)
    # programs that ended are dropped, running ones kept
    assert {p.id for p in new.programs} == {p.id for p in old.programs if p.end >= new.weeks[0].start}
    assert set(result.dropped_programs) == {p.id for p in old.programs if p.end < new.weeks[0].start}
    # relationship level and evidence carried, the level history kept in _meta
    assert new.account.relationship_now == old.account.relationship_now
    assert new.evidence == old.evidence
    history = json.loads(read_meta(FileBook(out)).values["relationship_history"])
    assert history[-1]["level"] == old.account.relationship_now
    assert history[-1]["period"] == f"{old.account.period_start}/{old.account.period_end}"
    assert main(["validate", str(out), "-q"]) == 0


def test_the_kams_edit_on_the_next_period_sheet_becomes_the_new_targets(reviewed, tmp_path):
    book = copy(reviewed, tmp_path)
    workbook, cells = next_sheet_targets(book)
    sheet = workbook["Next period"]
    sheet[cells[(MANY, "K1")]] = 777
    sheet[cells[(FEW, "K2")]] = 123456.4  # rounded to a whole number
    edited = {key: sheet[ref].value for key, ref in cells.items()}
    workbook.save(book)
    out = tmp_path / "next.xlsx"
    assert main(["next-period", str(book), "--out", str(out), "-q"]) == 0
    plan = load_plan(out)
    allocation = allocate_plan(plan)
    units = {sid: edited[(sid, "K1")] for sid in UNITS}
    assert plan.kpi("K1").hq_target == sum(units.values())
    assert allocation.kpis["K1"]["target"].to_dict() == units  # each store's target is the KAM's number
    assert plan.kpi("K2").hq_target == sum(round(edited[(sid, "K2")]) for sid in UNITS)
    assert units[MANY] == 777


def test_open_actions_are_in_the_new_store_tabs(reviewed, tmp_path):
    out = tmp_path / "next.xlsx"
    result = next_period(reviewed, out)
    assert result.actions == 3
    assert main(["generate", str(out), "-q"]) == 0  # generate makes the tabs, with the open actions in them
    book = FileBook(out)
    assert "_carried" not in book.sheet_names()  # used up: every store it named has its tab
    assert json.loads(read_meta(book).values["relationship_history"])[-1]["level"]  # kept by generate
    assert main(["generate", str(out), "-q"]) == 0  # generating again keeps them
    book = FileBook(out)
    entries = scan_store_tabs(book, read_meta(book)).entries
    old = four_store_entries(four_store_plan())
    moved = {(MANY, 1): (MANY, 1), (MANY, 2): (MANY, 4), (FEW, 1): (FEW, 1)}  # done and dropped ones left out
    for (sid, row), (old_sid, old_row) in moved.items():
        for field in ("text", "owner", "due", "status", "result"):
            assert entries[sid].get(("action", row, field)) == old[old_sid].get(("action", old_row, field))
    assert not any(key[0] == "action" and key[1] > 2 for key in entries[MANY])
    assert not any(key[0] == "action" for key in entries[NEW])
    assert not any(key[0] == "week" for values in entries.values() for key in values)  # a new period: no weeks


@pytest.mark.libreoffice
def test_the_new_workbook_recalculates_without_error_cells(reviewed, tmp_path):
    out = tmp_path / "next.xlsx"
    next_period(reviewed, out)
    assert error_cells(recalculate(out, tmp_path / "lo")) == []
    generate(out)
    assert error_cells(recalculate(out, tmp_path / "lo-tabs")) == []


def test_start_and_weeks(reviewed, tmp_path):
    out = tmp_path / "next.xlsx"
    assert main(["next-period", str(reviewed), "--out", str(out), "--start", "2027-02-01", "--weeks", "5", "-q"]) == 0
    plan = load_plan(out)
    assert [w.start for w in plan.weeks] == [date(2027, 2, 1) + timedelta(weeks=i) for i in range(5)]


def test_mistakes_exit_2_with_a_message_and_write_nothing(reviewed, tmp_path, capsys):
    fresh = generated_book(tmp_path / "fresh", "zh", 24)  # generated, never reviewed
    out = tmp_path / "next.xlsx"
    assert main(["next-period", str(fresh), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "下期建议" in message and "no review yet" in message and "kam review" in message
    assert not out.exists()
    for argv, words in (
        (["--start", "2026-13-45"], "--start 2026-13-45"),
        (["--start", "next monday"], "--start next monday"),
        (["--start", "2020-01-06"], "must start after"),
        (["--weeks", "0"], "--weeks 0"),
    ):
        assert main(["next-period", str(reviewed), "--out", str(out), *argv]) == 2
        assert words in capsys.readouterr().err
        assert not out.exists()
    out.write_bytes(b"not mine")
    assert main(["next-period", str(reviewed), "--out", str(out)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert out.read_bytes() == b"not mine"
    assert main(["next-period", str(reviewed), "--out", str(reviewed)]) == 2
    assert "the workbook itself" in capsys.readouterr().err
    assert main(["next-period", str(reviewed), "--out", str(out), "--force", "-q"]) == 0
    assert load_plan(out).stores  # replaced; the old content kept as a backup beside it
    assert [p.read_bytes() for p in tmp_path.glob("next.kam-backup-*")] == [b"not mine"]


def test_the_demo_runs_two_periods(tmp_path):
    folder = tmp_path / "demo"
    assert main(["demo", "--out", str(folder), "--stores", "20", "--periods", "2", "-q"]) == 0
    first, second = folder / "account.xlsx", folder / "account-period-2.xlsx"
    plan1, plan2 = load_plan(first), load_plan(second)
    assert plan2.account.period_start == plan1.account.period_end + timedelta(days=1)
    # the demo's KAM raised the first store's units target by 20 % on the Next period sheet: it is the new target
    workbook, _ = next_sheet_targets(first)
    sheet = workbook["Next period"]
    rows = {sheet.cell(r, 1).value: r for r in range(7, sheet.max_row + 1)}
    col = next(c.column for c in sheet[6] if c.value == "Suggested next period")
    store = plan1.active_stores[0].store_id
    edited = sheet.cell(rows[store], col).value
    suggested_change = sheet.cell(rows[store], col + 1).value
    assert allocate_plan(plan2).kpis["K1"]["target"][store] == edited
    assert suggested_change is not None
    # period 2's Trends compare with period 1 through the shared history database
    grid = FileBook(second).grid(sheet_title("en"))
    header = next(i for i, row in enumerate(grid) if row and row[0] == "Week")
    at = grid[header].index("Growth vs previous period")
    previous = grid[header].index("Units, previous period")
    rows = [r for r in grid[header + 1 :] if r and isinstance(r[0], str) and r[0][:2] == "20"][:9]
    assert rows and all(isinstance(r[previous], float) and isinstance(r[at], float) for r in rows)
    assert rows[0][at] == pytest.approx(rows[0][2] / rows[0][previous] - 1)
    assert main(["validate", str(second), "-q"]) == 0
    for sr_file in (folder / "sr-files-2").glob("*.xlsx"):  # the carried actions' sheet never reaches an SR
        assert "_carried" not in FileBook(sr_file).sheet_names()


def test_a_target_typed_as_a_formula_saved_without_its_result_is_said_as_such(reviewed, tmp_path, capsys):
    book = copy(reviewed, tmp_path)
    workbook, cells = next_sheet_targets(book)
    workbook["Next period"][cells[(MANY, "K1")]] = f"={cells[(FEW, 'K1')]}*2"  # openpyxl saves no result
    workbook.save(book)
    out = tmp_path / "next.xlsx"
    assert main(["next-period", str(book), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert (
        f"Next period!{cells[(MANY, 'K1')]}: the formula ={cells[(FEW, 'K1')]}*2 was saved without its result"
        in message
    )
    assert not out.exists()

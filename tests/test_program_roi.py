"""Per-program ROI worked by hand: 2 programs overlapping in weeks 2-3, 4 stores, 4 weeks; the metric, the
Program ROI sheet and the management e-mail's section show the same numbers."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import date
from email import policy

import pytest

from kam_xl.metrics.measures import week_data
from kam_xl.metrics.programs import program_roi, roi_rag, verdict
from kam_xl.model.entries import build_entries
from kam_xl.plan.workbook import write_plan_workbook
from kam_xl.reviewing.run import review
from kam_xl.reviewing.scorecards import GROUP_ROW
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from tests import test_metrics as hand
from tests.support.fill import write_entries
from tests.test_review import hand_plan

STORES = ("S1", "S2", "S3", "S4")
BASE = {"S1": 10, "S2": 5, "S3": 8, "S4": 20}  # weekly baseline units (hand plan)
BASE_VALUE = {"S1": 1000, "S2": 400, "S3": 800, "S4": 2000}
UNITS = {  # W1..W4; S4 has no W4 entry
    "S1": (12, 14, 16, 10),  # uplift 2, 4, 6, 0
    "S2": (5, 7, 3, 9),  # 0, 2, -2, 4
    "S3": (10, 10, 10, 10),  # 2, 2, 2, 2
    "S4": (20, 26, 30, None),  # 0, 6, 10, –
}
STATUS = {  # (status, actual cost) per store for P1 (weeks 1-3) and P2 (weeks 2-4)
    "S1": {"P1": ("done", 150.0), "P2": ("done", None)},  # P2 at the plan's 50
    "S2": {"P1": ("dropped", None), "P2": ("done", 80.0)},
    "S3": {"P1": ("done", None), "P2": ("agreed", None)},  # P1 at the plan's 100; P2 not done: no cost
    "S4": {"P1": ("planned", None), "P2": ("done", 60.0)},
}
# Shared uplift worked on paper (a week with both programs running gives each half):
#   S1: P1 = 2 + 4/2 + 6/2 = 7,  P2 = 4/2 + 6/2 + 0 = 5
#   S2: P1 dropped,               P2 = 2 − 2 + 4 = 4 (W1: no program)
#   S3: P1 = 2 + 1 + 1 = 4,       P2 = 1 + 1 + 2 = 4
#   S4: P1 = 0 + 3 + 5 = 8,       P2 = 3 + 5 = 8
# P1: 19 units, margin 190 (10 per unit), cost 150 + 100 = 250, ROI −60/250 = −24 %, moves units → Change
# P2: 21 units, margin 210, cost 50 + 80 + 60 = 190, ROI 20/190 = 10.5 % → Keep
EXPECTED = {
    "P1": dict(stores=3, stores_done=2, weeks=9, cost=250, units=19, margin=190, roi=-60 / 250, verdict="change"),
    "P2": dict(stores=4, stores_done=3, weeks=11, cost=190, units=21, margin=210, roi=20 / 190, verdict="keep"),
}
LOSING = {"P1": 2, "P2": 1}  # P1: S1 (70 < 150), S3 (40 < 100); P2: S2 (40 < 80); S1's P2 breaks even (50 = 50)


def program_plan():
    plan = hand_plan()
    programs = (
        replace(plan.programs[0], start=date(2026, 1, 5), end=date(2026, 1, 25)),  # W1-W3
        replace(plan.programs[1], start=date(2026, 1, 12), end=date(2026, 2, 1)),  # W2-W4
    )
    account = replace(plan.account, management_emails=("boss@example.com",))
    kpis = tuple(replace(k, hq_target=215.0) if k.measure == "units" else k for k in plan.kpis)  # 1.25 × 43 × 4
    return replace(plan, stores=plan.stores[:4], programs=programs, account=account, kpis=kpis)


def values() -> dict[str, dict]:
    out = {}
    for sid in STORES:
        typed = {}
        for week, units in zip(hand.WEEKS, UNITS[sid]):
            if units is not None:
                typed[("week", week.id, "units")] = float(units)
                typed[("week", week.id, "value")] = float(BASE_VALUE[sid] + (units - BASE[sid]) * 100)
        for pid, (status, cost) in STATUS[sid].items():
            typed[("program", pid, "status")] = status
            if cost is not None:
                typed[("program", pid, "cost")] = cost
        out[sid] = typed
    return out


def check(frame) -> None:
    for pid, want in EXPECTED.items():
        row = frame.loc[pid]
        assert row["stores"] == want["stores"]
        assert row["stores_done"] == want["stores_done"]
        assert row["weeks"] == want["weeks"]
        assert row["cost"] == pytest.approx(want["cost"])
        assert row["incremental_units"] == pytest.approx(want["units"])
        assert row["incremental_value"] == pytest.approx(want["units"] * 100)
        assert row["incremental_margin"] == pytest.approx(want["margin"])
        assert row["roi"] == pytest.approx(want["roi"])
        assert row["verdict"] == want["verdict"]
        assert row["stores_losing"] == LOSING[pid]


def test_program_roi_by_hand():
    plan = program_plan()
    entries = build_entries(values(), [w.id for w in plan.weeks], {s: ("P1", "P2") for s in STORES}, action_rows=5)
    frame = program_roi(plan, entries, week_data(plan, entries))
    check(frame)
    # the programs' uplift adds up to the stores' uplift in the weeks a program ran (S2's W1 had none)
    assert frame["incremental_units"].sum() == pytest.approx(12 + 4 + 8 + 16)


@pytest.mark.parametrize(
    ("weeks", "cost", "units", "roi", "want"),
    [
        (0, 0.0, 0.0, float("nan"), "wait"),
        (3, 100.0, 10.0, 0.0, "keep"),
        (3, 100.0, 10.0, -0.5, "change"),
        (3, 100.0, -4.0, -1.4, "stop"),
        (3, 0.0, 5.0, float("nan"), "wait"),
        (3, 0.0, -5.0, float("nan"), "stop"),
    ],
)
def test_verdict_rule(weeks, cost, units, roi, want):
    assert verdict(weeks, cost, units, roi) == want


def test_account_roi_rag_follows_the_stores_and_programs_that_lose_money():
    assert roi_rag(-0.01, 10, 1, 0) == "red"
    assert roi_rag(0.02, 119, 72, 0) == "amber"  # the demo's case: ROI above 0, most stores losing
    assert roi_rag(0.02, 10, 1, 1) == "amber"  # a program does not pay back
    assert roi_rag(0.02, 10, 2, 0) == "green"
    assert roi_rag(None, 0, 0, 0) is None


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    path = tmp_path_factory.mktemp("program-roi") / "programs.xlsx"
    write_plan_workbook(path, program_plan(), "en")
    generate(path)
    write_entries(path, values())
    return path, review(path)


def test_program_roi_sheet_shows_the_hand_worked_numbers(reviewed):
    path, result = reviewed
    check(result.programs)
    grid = FileBook(path).grid("Program ROI")
    header = grid[GROUP_ROW]
    rows = {row[0]: dict(zip(header, row)) for row in grid[GROUP_ROW + 1 :] if row and row[0] in EXPECTED}
    for pid, want in EXPECTED.items():
        row = rows[pid]
        assert row["Stores"] == want["stores"] and row["Stores done"] == want["stores_done"]
        assert row["Cost (CNY)"] == pytest.approx(want["cost"])
        assert row["Extra units"] == pytest.approx(want["units"])
        assert row["Extra margin (CNY)"] == pytest.approx(want["margin"])
        assert row["ROI"] == pytest.approx(want["roi"])
        assert row["Verdict"] == want["verdict"].capitalize()
        assert row["Stores losing money"] == LOSING[pid]
    assert rows["P1"]["Dates"] == "5 Jan – 25 Jan 2026"


def test_management_email_shows_the_hand_worked_numbers(reviewed, tmp_path):
    from kam_xl.mail.batch import build_emails

    path, _ = reviewed
    batch = build_emails(path, tmp_path / "mail", to="hq")
    message = email.message_from_bytes((batch.folder / batch[0].file).read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    section = text.split("== Per-program ROI ==")[1].split("==")[0]
    p1 = next(line for line in section.splitlines() if line.startswith("* P1 "))
    p2 = next(line for line in section.splitlines() if line.startswith("* P2 "))
    assert "CNY 250 → 19 / CNY 190" in p1 and "ROI -24%" in p1 and p1.endswith("Change")
    assert "CNY 190 → 21 / CNY 210" in p2 and "ROI 11%" in p2 and p2.endswith("Keep")
    assert "We ask you to decide: keep P2; change P1." in text  # the ask of the headline

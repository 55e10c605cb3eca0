"""Sell-in, channel stock, sell-through, month-end push and visit coverage on a hand-worked account: every
figure below was computed on paper (docs/metrics.md), then read from the review and from the store tabs'
live formulas after LibreOffice recalculated them."""

from __future__ import annotations

import math
import zipfile

import numpy as np
import pytest

from kam_xl.lang.texts import review_text, tab_text
from kam_xl.metrics.channel import channel_by_month, expected_stock, month_end_weeks, monthly_channel
from kam_xl.metrics.measures import store_metrics, week_data
from kam_xl.model.entries import build_entries
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.plan.workbook import write_plan_workbook
from kam_xl.reviewing.run import review
from kam_xl.storetabs.generate import generate
from kam_xl.storetabs.layout import LOG
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.read import cell_at
from tests.support.fill import write_entries
from tests.support.libreoffice import error_cells, recalculate, require_soffice
from tests.test_metrics import PLAN, STORES, TARGETS, WEEKS
from tests.test_review import hand_plan
from tests.test_review_libreoffice import tab_review

# Weeks W1-W4; W3 ends January and W4 ends the calendar (both month-end weeks).
# S1 (tier A, 2 visits a week): a seasonal peak in W3 — sell-in follows sell-out, so no push.
# S2 (tier B, 1 a week): ships 40 into the store in January's last week while selling its usual 10: a push.
# S3 (tier B): one visit in W1 and nothing else; S4-S6: nothing at all.
WEEK_INPUTS = {
    "S1": {
        "units": (10, 10, 40, 10),
        "sell_in": (10, 10, 40, 10),
        "stock": (30, None, None, 28),
        "visits": (2, 2, 1, 2),
    },
    "S2": {
        "units": (10, 10, 10, 10),
        "sell_in": (5, 5, 40, None),
        "stock": (None, 20, None, 45),
        "visits": (1, 0, 1, None),
    },
    "S3": {"visits": (1, None, None, None)},
}
NAN = math.nan
HAND = {  # column -> store -> value (NaN = blank)
    # S1: 70 sold, closing stock 28: 70 / 98. S2: 40 sold, closing 45: 40 / 85.
    "sell_through": {"S1": 70 / 98, "S2": 40 / 85, "S3": NAN, "S4": NAN},
    "sell_in_actual": {"S1": 70, "S2": 50, "S3": 0, "S4": 0},
    # S1: expected W4 = 30 (W1 count) + 10 - 10 + 40 - 40 + 10 - 10 = 30; counted 28: -2.
    # S2: W3 = 20 (W2 count) + 40 - 10 = 50; W4 = 50 + 0 - 10 = 40 (W3 not counted); counted 45: +5.
    "stock_gap": {"S1": -2, "S2": 5, "S3": NAN, "S4": NAN},
    # S2 W3: sell-in 40 >= 2 x 12.5 (50 over 4 weeks), units 10 < 2 x 10: a push. S1 W3: sell-in 40 >= 2 x 17.5
    # but units 40 >= 2 x 17.5 too: a peak, not a push.
    "push_weeks": {"S1": 0, "S2": 1, "S3": 0, "S4": 0},
    # planned: the tier's visits a week x the last week with units or visits (S3: W1 only; S4: none).
    "visits_made": {"S1": 7, "S2": 2, "S3": 1, "S4": 0},
    "visits_planned": {"S1": 8, "S2": 4, "S3": 1, "S4": 0},
    "coverage": {"S1": 7 / 8, "S2": 2 / 4, "S3": 1.0, "S4": NAN},
}
EXPECTED_STOCK = {"S1": (NAN, 30, 30, 30), "S2": (NAN, NAN, 50, 40)}


def channel_values() -> dict[str, dict]:
    """The typed inputs by field key, per store (every store of the plan, most of them empty)."""
    out: dict[str, dict] = {sid: {} for sid in STORES}
    for sid, fields in WEEK_INPUTS.items():
        for name, values in fields.items():
            for week, value in zip(WEEKS, values):
                if value is not None:
                    out[sid][("week", week.id, name)] = float(value)
    return out


def same(got, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return got is None or got == "" or (isinstance(got, float) and math.isnan(got))
    return got is not None and got != "" and got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_month_end_weeks_come_from_the_calendar():
    assert month_end_weeks(PLAN).tolist() == [False, False, True, True]


def test_expected_stock_starts_at_a_count_and_carries_on_when_a_week_is_not_counted():
    values = channel_values()
    arrays = {
        name: np.array([[values[s].get(("week", w.id, name), NAN) for w in WEEKS] for s in ("S1", "S2")])
        for name in ("units", "sell_in", "stock")
    }
    got = expected_stock(arrays["units"], arrays["sell_in"], arrays["stock"])
    for row, sid in enumerate(("S1", "S2")):
        assert all(same(g, w) for g, w in zip(got[row].tolist(), EXPECTED_STOCK[sid])), (sid, got[row])


def test_monthly_channel_by_hand():
    """Two stores, five weeks (Jan, Jan, Feb, Feb, Feb), review week 4 (week 5 does not count).
    Store 1: stock 50 counted in W1; W2 = 50 + 30 - 10 = 70 expected; W3 = 70 + 0 - 10 = 60 expected; W4 counted
    40. Store 2 never counts (no channel stock). January: sell-in 30 + 10 = 40, sell-out 10 + 10 + 5 = 25, ratio
    1.6, closing 70 (S1 in W2), cover 70 / (25 / 2) = 5.6. February (W3-W4): sell-in 20, sell-out 30, ratio 2/3,
    closing 40 (S1's count in W4), cover 40 / (30 / 2). March has no week: blank."""
    units = np.array([[10, 10, 10, 10, 99], [5, NAN, 5, 5, 99]], dtype=float)
    sell_in = np.array([[NAN, 30, NAN, 20, 99], [10, NAN, NAN, NAN, 99]], dtype=float)
    stock = np.array([[50, NAN, NAN, 40, 99], [NAN] * 5], dtype=float)
    got = monthly_channel(["Jan", "Jan", "Feb", "Feb", "Feb"], units, sell_in, stock, upto=4)
    assert got["month"] == ["Jan", "Feb"]
    want = {
        "sell_in": (40, 20),
        "sell_out": (25, 30),
        "in_out_ratio": (1.6, 20 / 30),
        "closing_stock": (70, 40),
        "weeks_of_cover": (5.6, 40 / 15),
    }
    for key, values in want.items():
        assert got[key].tolist() == pytest.approx(list(values)), key
    later = monthly_channel(["Jan", "Jan", "Feb", "Feb", "Feb"], units, sell_in, stock, upto=2)
    assert later["sell_in"].tolist()[0] == 40 and math.isnan(later["sell_in"][1])  # no week of Feb to date
    nothing = monthly_channel(["Jan"] * 5, np.full((1, 5), NAN), np.full((1, 5), NAN), np.full((1, 5), NAN), 5)
    assert nothing["sell_out"].tolist() == [0] and math.isnan(nothing["in_out_ratio"][0])
    assert math.isnan(nothing["closing_stock"][0]) and math.isnan(nothing["weeks_of_cover"][0])


def test_monthly_channel_adds_up_to_the_store_figures():
    """The hand account: the months' sell-in and sell-out add up to the stores' totals; the last month closes
    on the stores' latest channel stock (S1 counted 28 in W4, S2 45)."""
    entries = build_entries(channel_values(), [w.id for w in WEEKS], {}, action_rows=0)
    table = store_metrics(PLAN, TARGETS, entries)
    months = channel_by_month(PLAN, week_data(PLAN, entries, None))
    assert np.nansum(months["sell_in"]) == pytest.approx(table["sell_in_actual"].sum())
    assert np.nansum(months["sell_out"]) == pytest.approx(70 + 40)
    assert months["closing_stock"][-1] == pytest.approx(28 + 45)


def test_the_review_computes_the_hand_worked_figures():
    entries = build_entries(channel_values(), [w.id for w in WEEKS], {}, action_rows=0)
    table = store_metrics(PLAN, TARGETS, entries)
    for column, expected in HAND.items():
        for sid, want in expected.items():
            assert same(float(table.at[sid, column]), want), (column, sid, table.at[sid, column], want)


@pytest.mark.libreoffice
def test_the_store_tabs_formulas_give_the_same_figures_after_libreoffice(tmp_path):
    require_soffice()
    path = tmp_path / "channel.xlsx"
    write_plan_workbook(path, hand_plan(), "en")
    generate(path)
    write_entries(path, channel_values())
    result = review(path)
    recalculated = recalculate(path, tmp_path / "recalculated")
    plan, book = load_plan(path), FileBook(recalculated)
    push = tab_text("push", "en")
    assert error_cells(recalculated) == []
    for record in read_meta(book).tabs:
        grid, sid = book.grid(record.tab), record.store_id
        tab = tab_review(grid, plan)
        for column, expected in HAND.items():
            assert same(tab[column], expected[sid] if sid in expected else HAND[column]["S4"]), (sid, column)
            assert same(tab[column], float(result.stores.at[sid, column])), (sid, column)
        rows = record.cells["week"]["rows"]
        for week, want in zip(WEEKS, EXPECTED_STOCK.get(sid, (NAN,) * 4)):
            assert same(cell_at(grid, rows[week.id], LOG["expected_stock"]), want), (sid, week.id)
        flags = [cell_at(grid, rows[w.id], LOG["push"]) or None for w in WEEKS]
        assert flags == ([None, None, push, None] if sid == "S2" else [None] * 4), (sid, flags)


def test_account_summary_shows_the_months_as_metrics_compute_them(tmp_path):
    """The Account summary's month table holds monthly_channel's numbers for the hand account:
    January (W1-W3): sell-in 60 + 50 = 110, sell-out 60 + 30 = 90; closing stock S1 30 (W1 count, then 30 + 10 -
    10, 30 + 40 - 40) + S2 50 (W2 count 20 + 40 - 10) = 80, cover 80 / (90 / 3). February (W4): sell-in 10,
    sell-out 20, closing 28 + 45 counted, cover 73 / 20."""
    path = tmp_path / "hand.xlsx"
    write_plan_workbook(path, hand_plan(), "en")
    generate(path)
    write_entries(path, channel_values())
    result = review(path)
    grid = FileBook(path).grid("Account summary")
    head = next(r for r in range(1, len(grid) + 1) if cell_at(grid, r, 2) == review_text("cm_sell_in", "en"))
    rows = [[cell_at(grid, head + i, c) for c in range(1, 7)] for i in (1, 2)]
    want = [["2026-01", 110, 90, 110 / 90, 80, 80 / 30], ["2026-02", 10, 20, 0.5, 73, 73 / 20]]
    months = [w.month for w in hand_plan().weeks]
    assert [row[0] for row in rows] == list(dict.fromkeys(months))
    for got, expected, month in zip(rows, want, result.months.index):
        assert got[1:] == pytest.approx(expected[1:]), got
        assert got[1:] == pytest.approx(result.months.loc[month].tolist())
    assert cell_at(grid, head + 3, 1) in (None, "")  # two months, nothing more
    charts = chart_parts(path)
    title = review_text("chart_channel", "en")
    chart = next(xml for xml in charts if title in xml)
    assert f"$B${head + 1}:$B${head + 2}" in chart and f"$C${head + 1}:$C${head + 2}" in chart


def chart_parts(path) -> list[str]:
    """The XML of every chart part of a workbook."""
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/charts/chart")]

"""Trends: the weekly parts the review records add up to the review's own numbers, and the Trends sheet compares
each week with the previous period and the same period a year before when the history database has them."""

from __future__ import annotations

import shutil
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from kam_xl.execution.collect import collect
from kam_xl.history import store as S
from kam_xl.history.query import change_since_last_review, weekly
from kam_xl.history.store import open_database
from kam_xl.plan.load import load_plan
from kam_xl.reviewing.run import review
from kam_xl.reviewing.trend_sheet import sheet_title
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.xlsx.filebook import FileBook
from tests.support.history import identity
from tests.support.sr_files import split_copy


@pytest.fixture(scope="module")
def collected(demo_book_factory, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trends")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=6, seed=8)
    collect(book, [folder / "sr"], db="none")
    return book


def test_the_weekly_parts_add_up_to_the_review(collected, tmp_path, db_url):
    book = tmp_path / "hq.xlsx"
    shutil.copy(collected, book)
    result = review(book, db=db_url)
    assert sheet_title("en") in FileBook(book).sheet_names()
    account, period = identity(book)
    database = open_database(db_url)
    parts = weekly(database, account, period)
    total = result.rollups["account"].iloc[0]
    mine = parts[parts["level"] == "account"]
    assert mine["units"].sum() == pytest.approx(total["units_actual"])
    assert mine["units_target"].sum() == pytest.approx(total["units_target_to_date"])
    assert mine["share_units"].sum() / mine["share_category"].sum() == pytest.approx(total["share"])
    assert mine["week"].tolist() == list(range(1, result.as_of_week + 1))
    for level in ("region", "sr_id", "store_tier"):  # every level sums to the account, week by week
        by_week = parts[parts["level"] == level].groupby("week")["units"].sum()
        assert by_week.to_numpy() == pytest.approx(mine.set_index("week")["units"].to_numpy())
    last = mine.iloc[-1]
    investment = last["investment_to_date"]
    assert investment == pytest.approx(total["investment"])  # the demo's programs done carry their date done
    database.close()


def test_growth_vs_the_previous_period_and_last_year(collected, tmp_path, db_url):
    book = tmp_path / "hq.xlsx"
    shutil.copy(collected, book)
    review(book, db=db_url)
    account, period = identity(book)
    plan = load_plan(book)
    database = open_database(db_url)
    with database.engine.begin() as conn:  # the same figures recorded as two earlier periods of the account
        for weeks, name in ((13, "previous"), (52, "year")):
            start = plan.account.period_start - timedelta(weeks=weeks)
            key = f"{start.isoformat()}/{name}"
            row = conn.execute(sa.select(S.periods).where(S.periods.c.period == period)).mappings().one()
            conn.execute(sa.insert(S.periods).values({**row, "period": key, "start": start}))
            for w in conn.execute(sa.select(S.weekly).where(S.weekly.c.period == period)).mappings().all():
                halved = {**w["parts"], "units": w["parts"]["units"] / 2}
                conn.execute(sa.insert(S.weekly).values({**w, "period": key, "parts": halved}))
    database.close()
    review(book, db=db_url)
    grid = FileBook(book).grid(sheet_title("en"))
    header = next(i for i, row in enumerate(grid) if row and row[0] == "Week")
    columns = grid[header]
    rows = [r for r in grid[header + 1 :] if r and isinstance(r[0], str) and r[0].startswith("20")]
    rows = rows[: len([1 for r in rows if r[0]])]
    growth_prev = columns.index("Growth vs previous period")
    growth_year = columns.index("Growth vs last year")
    values = [(r[growth_prev], r[growth_year]) for r in rows if isinstance(r[growth_prev], float)]
    assert values and np.allclose(values, 1.0)  # units now = 2 × units then
    assert "previous period" in str(grid[2][0])


def test_the_change_since_the_last_review(collected, tmp_path, db_url):
    book = tmp_path / "hq.xlsx"
    shutil.copy(collected, book)
    first = review(book, as_of=4, db=db_url)
    second = review(book, db=db_url)
    account, period = identity(book)
    database = open_database(db_url)
    change = change_since_last_review(database, account, period, second.as_of_week)
    database.close()
    assert change["since_week"] == first.as_of_week == 4
    units = change["numbers"]["units_actual"]
    assert units["now"] == pytest.approx(second.summary["units_actual"])
    assert units["then"] == pytest.approx(first.summary["units_actual"])
    assert units["change"] == pytest.approx(units["now"] - units["then"])

"""Reading the history back: periods, weekly parts, scorecards, the change since the last review, entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from kam_xl.history import store as S
from kam_xl.history.store import Database, HistoryError, short
from kam_xl.history.values import decode

YEAR_TOLERANCE = 10  # days: "the same period a year before" starts 52 weeks (±10 days) before this one


@dataclass(frozen=True)
class PeriodRow:
    account: str
    period: str
    start: date
    end: date
    language: str
    currency: str
    facts: dict


def _read(database: Database, what: str, work):
    try:
        with database.engine.connect() as conn:
            return work(conn)
    except SQLAlchemyError as exc:
        raise HistoryError(f"history database {database.label}: reading {what} failed ({short(exc)})") from None


def periods(database: Database, account: str | None = None) -> list[PeriodRow]:
    """Every reviewed (account, period), oldest first."""
    p = S.periods
    query = sa.select(p.c.account, p.c.period, p.c.start, p.c.end, p.c.language, p.c.currency, p.c.facts)
    if account is not None:
        query = query.where(p.c.account == account)
    query = query.order_by(p.c.account, p.c.start)
    return _read(database, "the periods", lambda conn: [PeriodRow(*row) for row in conn.execute(query)])


def earlier_periods(database: Database, account: str, start: date) -> tuple[PeriodRow | None, PeriodRow | None]:
    """(the previous period: the latest one starting before `start`; the one starting a year before)."""
    rows = [r for r in periods(database, account) if r.start < start]
    previous = rows[-1] if rows else None
    year = start - timedelta(weeks=52)
    near = [r for r in rows if abs((r.start - year).days) <= YEAR_TOLERANCE]
    last_year = min(near, key=lambda r: abs((r.start - year).days)) if near else None
    return previous, last_year


def weekly(database: Database, account: str, period: str, level: str | None = None) -> pd.DataFrame:
    """The weekly parts review recorded: level, group_key, week, week_id, week_start and one column per part."""
    w = S.weekly
    query = sa.select(w.c.level, w.c.group_key, w.c.week, w.c.week_id, w.c.week_start, w.c.parts).where(
        w.c.account == account, w.c.period == period
    )
    if level is not None:
        query = query.where(w.c.level == level)
    rows = _read(database, "the weekly series", lambda conn: conn.execute(query.order_by(w.c.week)).all())
    records = [
        {"level": a, "group_key": b, "week": c, "week_id": d, "week_start": e, **(f or {})} for a, b, c, d, e, f in rows
    ]
    return pd.DataFrame(records)


def scorecards(database: Database, account: str, period: str, as_of_week: int | None = None) -> dict:
    """{level: {group: numbers}} of the review at `as_of_week` (default: the latest recorded)."""
    sc = S.scorecards

    def work(conn):
        week = as_of_week
        if week is None:
            week = conn.execute(
                sa.select(sa.func.max(sc.c.as_of_week)).where(sc.c.account == account, sc.c.period == period)
            ).scalar()
        if week is None:
            return {}
        out: dict = {}
        query = sa.select(sc.c.level, sc.c.group_key, sc.c.numbers).where(
            sc.c.account == account, sc.c.period == period, sc.c.as_of_week == week
        )
        for level, group, numbers in conn.execute(query):
            out.setdefault(level, {})[group] = numbers
        return out

    return _read(database, "the scorecards", work)


def review_weeks(database: Database, account: str, period: str) -> list[int]:
    sc = S.scorecards
    query = (
        sa.select(sc.c.as_of_week)
        .where(sc.c.account == account, sc.c.period == period, sc.c.level == "summary")
        .order_by(sc.c.as_of_week)
    )
    return _read(database, "the reviews", lambda conn: [int(r[0]) for r in conn.execute(query)])


CHANGE_NUMBERS = (
    "score",
    "result_attainment",
    "execution_score",
    "share",
    "competitor_share",
    "share_gap_vs_competitor",
    "investment",
    "roi",
    "retailer_gain",
    "units_actual",
    "value_actual",
)


def change_since_last_review(database: Database, account: str, period: str, as_of_week: int) -> dict | None:
    """The account's headline numbers and flag counts now, at the review before `as_of_week`, and the change
    (None when no earlier review of the period was recorded). For the e-mails and the Trends sheet."""
    earlier = [w for w in review_weeks(database, account, period) if w < as_of_week]
    if not earlier:
        return None
    now = scorecards(database, account, period, as_of_week).get("summary", {}).get(account)
    then = scorecards(database, account, period, earlier[-1]).get("summary", {}).get(account)
    if not now or not then:
        return None
    numbers = {}
    for name in CHANGE_NUMBERS:
        a, b = now.get(name), then.get(name)
        numbers[name] = {
            "now": a,
            "then": b,
            "change": (a - b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None,
        }
    flags = {}
    for kind in sorted(set(now.get("flags", {})) | set(then.get("flags", {}))):
        a, b = now.get("flags", {}).get(kind, 0), then.get("flags", {}).get(kind, 0)
        flags[kind] = {"now": a, "then": b, "change": a - b}
    return {"since_week": earlier[-1], "as_of_week": as_of_week, "numbers": numbers, "flags": flags}


def entries(database: Database, account: str | None = None, period: str | None = None) -> pd.DataFrame:
    """The latest value of every key (account, period, store, week, field), typed, with when and from where."""
    e = S.entries
    query = sa.select(
        e.c.account, e.c.period, e.c.store_id, e.c.week, e.c.field, e.c.kind, e.c.number, e.c.text, e.c.recorded_at,
        e.c.source,
    )  # fmt: skip
    if account is not None:
        query = query.where(e.c.account == account)
    if period is not None:
        query = query.where(e.c.period == period)
    rows = _read(database, "the entries", lambda conn: conn.execute(query.order_by(e.c.id)).all())
    latest = {}
    for row in rows:
        latest[(row[0], row[1], row[2], row[3], row[4])] = row
    records = [
        {
            "account": r[0],
            "period": r[1],
            "store_id": r[2],
            "week_id": r[3] or None,
            "field": r[4],
            "kind": r[5],
            "number": r[6] if r[5] in ("number", "bool") else None,
            "text": r[7] if r[5] not in ("number", "bool", "blank") else None,
            "value": decode(r[5], r[6], r[7]),
            "recorded_at": r[8],
            "source": r[9],
        }
        for r in latest.values()
        if r[5] != "blank"
    ]
    return pd.DataFrame(records)


def table(database: Database, table: sa.Table, account: str | None = None, period: str | None = None) -> pd.DataFrame:
    """A whole table (optionally one account and period) as a DataFrame."""
    query = sa.select(table)
    if account is not None:
        query = query.where(table.c.account == account)
    if period is not None:
        query = query.where(table.c.period == period)
    rows = _read(database, table.name, lambda conn: conn.execute(query).mappings().all())
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in table.columns])

"""Helpers of the history tests: what the database claims and what the workbook holds, as comparable codes."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kam_xl.history import store as S
from kam_xl.history.record import latest_values, period_key
from kam_xl.history.store import open_database
from kam_xl.history.values import BLANK, encode, split_key
from kam_xl.plan.load import load_plan
from tests.support.sr_files import inputs


def identity(book: Path) -> tuple[str, str]:
    plan = load_plan(book)
    return plan.account.name, period_key(plan)


def claims(db: str, book: Path) -> dict:
    """(store, week, field) -> (kind, number, text): the latest committed value of every key of the workbook's
    account and period — what the database claims."""
    database = open_database(db)
    try:
        with database.engine.connect() as conn:
            return latest_values(conn, *identity(book))
    finally:
        database.close()


def holds(book: Path, before: dict | None = None) -> dict:
    """(store, week, field) -> code of every value in the workbook's store tabs (only those that differ from
    `before`, the inputs of the workbook before any collect, when given: the collected values)."""
    out = {}
    for store_id, values in inputs(book).items():
        for key, value in values.items():
            if before is not None and before.get(store_id, {}).get(key) == value:
                continue
            code = encode(key, value)
            if code != BLANK:
                out[(store_id, *split_key(key))] = code
    return out


def count(db: str, table: sa.Table) -> int:
    database = open_database(db)
    try:
        with database.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
    finally:
        database.close()


def runs(db: str) -> list[tuple]:
    database = open_database(db)
    try:
        with database.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(S.runs.c.command, S.runs.c.token, S.runs.c.rows))]
    finally:
        database.close()

"""Where the history database is, its tables, and the migrations that bring any older schema up to date.

The database is chosen by `--db PATH_OR_URL`, else the KAM_DB environment variable, else the file
`kam-history.sqlite` beside the HQ workbook. A plain path (or `sqlite:///PATH`) is an SQLite file; a
`postgresql://user@host/db` URL is a PostgreSQL server (through psycopg). `none` or `off` turns recording off.

Schema versions (kam_schema.version):
  1  kam_runs (one row per recording run), kam_entries (every accepted field value, append-only)
  2  kam_periods, kam_stores, kam_targets, kam_scorecards, kam_weekly (what review records)
Opening a database applies the missing migrations in order, in one transaction; a database made by a newer
kam_xl is refused rather than guessed at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from kam_xl.history.target import DB_ENV, DEFAULT_NAME, OFF, HistoryError, choose  # noqa: F401 — named here too

SCHEMA_VERSION = 2
BUSY_SECONDS = 60  # how long SQLite waits for another writer of the same file

metadata = sa.MetaData()
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY
_KEY = sa.String(200)

schema = sa.Table(
    "kam_schema", metadata, sa.Column("key", sa.String(40), primary_key=True), sa.Column("value", sa.Text)
)

runs = sa.Table(
    "kam_runs",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("token", sa.String(40), nullable=False, unique=True),
    sa.Column("account", _KEY, nullable=False),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("command", sa.String(20), nullable=False),  # collect, import, catch-up, review
    sa.Column("book", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
)

entries = sa.Table(
    "kam_entries",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("run_id", _ID, sa.ForeignKey("kam_runs.id"), nullable=False),
    sa.Column("account", _KEY, nullable=False),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("store_id", _KEY, nullable=False),
    sa.Column("week", sa.String(40), nullable=False),  # the week id of a weekly-log field, '' for the others
    sa.Column("field", _KEY, nullable=False),  # units, value, ... or program|P01|status, action|3|due, agreed
    sa.Column("kind", sa.String(10), nullable=False),  # number, bool, date, enum, text, raw, blank
    sa.Column("number", sa.Float),
    sa.Column("text", sa.Text),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # the SR file (or the workbook, for a catch-up)
    sa.Index("kam_entries_key", "account", "period", "store_id", "week", "field"),
)

periods = sa.Table(
    "kam_periods",
    metadata,
    sa.Column("account", _KEY, primary_key=True),
    sa.Column("period", sa.String(40), primary_key=True),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("currency", sa.String(10), nullable=False),
    sa.Column("fingerprint", sa.String(40), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),  # KPIs, relationship levels, weeks: what the portfolio shows
    sa.Column("recorded_at", sa.String(32), nullable=False),
)

stores = sa.Table(
    "kam_stores",
    metadata,
    sa.Column("account", _KEY, primary_key=True),
    sa.Column("period", sa.String(40), primary_key=True),
    sa.Column("store_id", _KEY, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("city_tier", sa.String(20)),
    sa.Column("store_tier", sa.String(5)),
    sa.Column("format", sa.String(40)),
    sa.Column("sr_id", _KEY),
    sa.Column("sr_name", sa.Text),
    sa.Column("base_units", sa.Float),
    sa.Column("base_value", sa.Float),
    sa.Column("category_units", sa.Float),
    sa.Column("active", sa.Boolean),
)

targets = sa.Table(
    "kam_targets",
    metadata,
    sa.Column("account", _KEY, primary_key=True),
    sa.Column("period", sa.String(40), primary_key=True),
    sa.Column("store_id", _KEY, primary_key=True),
    sa.Column("kpi", sa.String(40), primary_key=True),
    sa.Column("week", sa.String(40), primary_key=True),  # '' for the full-period target
    sa.Column("target", sa.Float),
)

scorecards = sa.Table(
    "kam_scorecards",
    metadata,
    sa.Column("account", _KEY, primary_key=True),
    sa.Column("period", sa.String(40), primary_key=True),
    sa.Column("as_of_week", sa.Integer, primary_key=True),
    sa.Column("level", sa.String(20), primary_key=True),  # store, sr_id, region, store_tier, account
    sa.Column("group_key", _KEY, primary_key=True),
    sa.Column("as_of_week_id", sa.String(40)),
    sa.Column("numbers", sa.JSON, nullable=False),  # metric -> number or word, as the review computed them
    sa.Column("recorded_at", sa.String(32), nullable=False),
)

weekly = sa.Table(
    "kam_weekly",
    metadata,
    sa.Column("account", _KEY, primary_key=True),
    sa.Column("period", sa.String(40), primary_key=True),
    sa.Column("level", sa.String(20), primary_key=True),  # account, region, sr_id, store_tier
    sa.Column("group_key", _KEY, primary_key=True),
    sa.Column("week", sa.Integer, primary_key=True),  # 1..n within the period
    sa.Column("week_id", sa.String(40), nullable=False),
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("parts", sa.JSON, nullable=False),  # the summed parts of that week (trends recompute the ratios)
)

VERSION_TABLES = {1: (schema, runs, entries), 2: (periods, stores, targets, scorecards, weekly)}


def _create(version: int) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for table in VERSION_TABLES[version]:
            table.create(conn, checkfirst=True)

    return step


MIGRATIONS: dict[int, Callable[[Connection], None]] = {v: _create(v) for v in VERSION_TABLES}


@dataclass
class Database:
    """An open history database: its engine and its URL with the password hidden (for messages)."""

    engine: Engine
    label: str

    def close(self) -> None:
        self.engine.dispose()


def url_of(target: str | os.PathLike) -> URL:
    """The SQLAlchemy URL of a path or URL (postgresql:// goes through psycopg 3)."""
    text = str(target)
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().absolute()))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise HistoryError(f"--db {text!r} is not a database URL or a file path ({exc})") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise HistoryError(
            f"--db {url.render_as_string(hide_password=True)}: kam_xl keeps its history in SQLite (a file path) "
            "or PostgreSQL (postgresql://user@host/database)"
        )
    return url


def label_of(url: URL) -> str:
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def open_database(target: str | os.PathLike, *, create: bool = True) -> Database:
    """Connect and bring the schema up to date (HistoryError, exit 2, when that cannot be done)."""
    url = url_of(target)
    label = label_of(url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.parent.is_dir():
            raise HistoryError(f"history database {label}: the folder {path.parent} does not exist — check --db")
        if not create and not path.is_file():
            raise HistoryError(f"history database {label}: no such file — check --db (or KAM_DB)")
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS})
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    database = Database(engine, label)
    try:
        with engine.begin() as conn:
            migrate(conn)
    except HistoryError:
        database.close()
        raise
    except (SQLAlchemyError, OSError) as exc:
        database.close()
        raise HistoryError(
            f"history database {label} cannot be opened: {short(exc)} — check --db (or KAM_DB)"
        ) from None
    return database


def schema_version(conn: Connection) -> int:
    """The schema version of the database (0: no kam_xl tables yet)."""
    if not sa.inspect(conn).has_table(schema.name):
        return 0
    value = conn.execute(sa.select(schema.c.value).where(schema.c.key == "version")).scalar()
    return int(value or 0)


def migrate(conn: Connection, up_to: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the database lacks, in order (within the caller's transaction); the new version."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"the history database has schema version {version}, made by a newer kam_xl (this one knows up to "
            f"{SCHEMA_VERSION}) — upgrade kam_xl, or give another --db"
        )
    for step in range(version + 1, up_to + 1):
        MIGRATIONS[step](conn)
        if step == 1:
            conn.execute(sa.insert(schema).values(key="version", value="1"))
        else:
            conn.execute(sa.update(schema).where(schema.c.key == "version").values(value=str(step)))
    return max(version, up_to)


def short(exc: BaseException) -> str:
    """A database error in one line, without SQLAlchemy's long background links."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__

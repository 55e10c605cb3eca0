"""Recording into the history database, transactionally with the workbook's atomic save.

The protocol (one command, holding the workbook's lock):

1. `recording(book, db, command)` opens the database (migrating it if needed) before the workbook is changed;
   a database that cannot be opened stops the command (HistoryError, exit 2), nothing written. It first lets
   the database **catch up** with the workbook (see 5).
2. Right before the workbook is saved, the command calls `stage_collect` / `stage_review`: the rows are written
   in an open transaction, and for a collect a hidden `_history` sheet with the run's token is put into the
   workbook. A failing database write raises HistoryError here, so the workbook is never replaced.
3. The workbook is replaced atomically (kam_xl.xlsx.safezip). If that fails, the transaction is rolled back:
   the database never claims what the workbook lacks.
4. Only after the replace does the transaction commit.
5. A kill (or a failing commit) between 3 and 4 leaves a workbook whose `_history` token the database does not
   know. The next command that records (collect, review) sees that and records the difference between the
   workbook's store tabs and the database's latest values, under that token (`catch_up`). A workbook collected
   before history existed (collected files, no marker) is loaded the same way.

A value is recorded only when it differs from the latest recorded value of its key (account, period, store,
week, field) or from the last one its own command (collect, import) brought: collecting the same values again
adds nothing; a changed value adds a row with its time and source file. What a command's files last brought is
the base of collect's three-way merge (`Recorder.collected_before`).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from kam_xl.history import store as S
from kam_xl.history.marker import MARKER_SHEET, Marker, marker_sheet, read_marker  # noqa: F401 — named here too
from kam_xl.history.store import Database, HistoryError, choose, open_database, short
from kam_xl.history.values import BLANK, Ancestors, Encoded, Key, coded, encode, split_key
from kam_xl.lang.words import language_of_sheet_names
from kam_xl.model.plan import Plan
from kam_xl.plan.meta import read_meta
from kam_xl.plan.reader import PlanReader, sheet_names_by_key
from kam_xl.storetabs.find import existing_tabs, read_tab_entries
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.read import cell_at

if TYPE_CHECKING:
    import pandas as pd

COLLECTED_SHEET = "_collected"


def period_key(plan: Plan) -> str:
    """The period's key in the database: its first and last day, ISO 8601 ('2026-10-01/2026-12-31')."""
    return f"{plan.account.period_start.isoformat()}/{plan.account.period_end.isoformat()}"


def book_identity(book) -> tuple[str, str]:
    """(account, period key) from the workbook's Account sheet alone (collect does not need the rest of the plan)."""
    sheets = book.sheet_names()
    names = sheet_names_by_key(sheets)
    if "account" not in names:
        raise HistoryError("the workbook has no Account sheet: the history database keys everything by account")
    reader = PlanReader({"account": book.grid(names["account"])}, names, language_of_sheet_names(sheets) or "en")
    values = reader.read_account()
    name, start, end = values.get("name"), values.get("period_start"), values.get("period_end")
    if not name or not isinstance(start, date) or not isinstance(end, date):
        raise HistoryError(
            "the Account sheet needs the account's name and the plan period's start and end: the history database "
            "keys everything by them — fill them in (kam validate BOOK says where), or collect with --db none"
        )
    return str(name), f"{start.isoformat()}/{end.isoformat()}"


def now() -> str:
    return datetime.now().isoformat(sep=" ", timespec="seconds")


# ---------------------------------------------------------------------------
# The marker in the workbook
# ---------------------------------------------------------------------------


def has_collected_files(book) -> bool:
    if COLLECTED_SHEET not in book.sheet_names():
        return False
    return any(cell_at(book.grid(COLLECTED_SHEET), r, 1) for r in range(3, len(book.grid(COLLECTED_SHEET)) + 1))


# ---------------------------------------------------------------------------
# Reading the latest values
# ---------------------------------------------------------------------------


def latest_values(conn, account: str, period: str) -> dict[Key, Encoded]:
    """(store, week, field) -> the latest recorded (kind, number, text); keys whose latest is blank are left out."""
    e = S.entries
    query = (
        sa.select(e.c.store_id, e.c.week, e.c.field, e.c.kind, e.c.number, e.c.text)
        .where(e.c.account == account, e.c.period == period)
        .order_by(e.c.id)
    )
    out: dict[Key, Encoded] = {}
    for store_id, week, name, kind, number, text in conn.execute(query):
        out[(store_id, week, name)] = (kind, number, text)
    return {key: value for key, value in out.items() if value[0] != "blank"}


MANY_STORES = 500  # more stores than this: read the whole period rather than name each one in the query


def collected_values(
    conn, account: str, period: str, command: str, up_to_run: int, stores: Collection[str] | None = None
) -> Ancestors:
    """What the files of `command` (collect: SR files; import: reports) last brought, per field, in its runs up to
    `up_to_run` (the run the workbook's marker names, so a workbook put back from a backup is weighed against
    what it held), with the run that recorded each; and the period's runs by token. Only `stores`' fields when
    given (a collect of a few SR files reads only their stores)."""
    e, r = S.entries, S.runs
    query = (
        sa.select(e.c.store_id, e.c.week, e.c.field, e.c.kind, e.c.number, e.c.text, e.c.run_id)
        .join(r, r.c.id == e.c.run_id)
        .where(e.c.account == account, e.c.period == period, r.c.command == command, e.c.run_id <= up_to_run)
        .order_by(e.c.id)
    )
    if stores is not None and len(stores) <= MANY_STORES:
        query = query.where(e.c.store_id.in_(sorted(stores)))
    rows = conn.execute(query)
    values = {(store, week, name): ((kind, number, text), run) for store, week, name, kind, number, text, run in rows}
    runs = conn.execute(sa.select(r.c.token, r.c.id).where(r.c.account == account, r.c.period == period))
    return Ancestors(values, {token: run for token, run in runs})


def run_id_of(conn, token: str) -> int | None:
    return conn.execute(sa.select(S.runs.c.id).where(S.runs.c.token == token)).scalar()


def run_exists(conn, token: str) -> bool:
    return conn.execute(sa.select(S.runs.c.id).where(S.runs.c.token == token)).first() is not None


def _add_run(conn, token: str, account: str, period: str, command: str, book: str, rows: int) -> int:
    result = conn.execute(
        sa.insert(S.runs).values(
            token=token, account=account, period=period, command=command, book=book, recorded_at=now(), rows=rows
        )
    )
    return int(result.inserted_primary_key[0])


ENTRY_COLUMNS = ("run_id", "account", "period", "store_id", "week", "field", "kind", "number", "text", "recorded_at",
                 "source")  # fmt: skip


def _insert_entries(conn, run_id: int, account: str, period: str, rows: list[tuple], stamp: str) -> None:
    """Many entry rows at once, straight through the driver's executemany (SQLAlchemy's per-row parameter
    processing costs more than the database here); the placeholder follows the driver's paramstyle."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {S.entries.name} ({', '.join(ENTRY_COLUMNS)}) VALUES ({', '.join([mark] * len(ENTRY_COLUMNS))})"
    conn.exec_driver_sql(
        sql,
        [
            (run_id, account, period, store_id, week, name, kind, number, text, stamp, source)
            for store_id, week, name, (kind, number, text), source in rows
        ],
    )


# ---------------------------------------------------------------------------
# The recorder
# ---------------------------------------------------------------------------


@dataclass
class Recorder:
    """One command's recording: disabled (database None) or an open connection with at most one transaction."""

    database: Database | None
    book_path: Path | None = None
    command: str = ""
    warnings: list[str] = field(default_factory=list)
    recorded: int = 0  # entry rows (collect) or scorecard rows (review) written by this command
    caught_up: int = 0  # rows recorded by the catch-up at the start
    token: str | None = None
    brought: Ancestors | None = None  # what collected_before read, if it did (stage_collect records against it)
    _conn: object = None
    _tx: object = None

    @property
    def enabled(self) -> bool:
        return self.database is not None

    @property
    def label(self) -> str:
        return self.database.label if self.database else ""

    def _begin(self):
        if self._conn is None:
            self._conn = self.database.engine.connect()
        if self._tx is None:
            self._tx = self._conn.begin()
        return self._conn

    def _fail(self, what: str, exc: BaseException) -> HistoryError:
        self.rollback()
        return HistoryError(
            f"history database {self.label}: {what} failed ({short(exc)}) — nothing was saved; check the database "
            "(or give another --db, or --db none to collect without history)"
        )

    # -- catch-up ---------------------------------------------------------------------------------------------

    def catch_up(self, path: str | os.PathLike | None = None) -> int:
        """Record what the workbook holds and the database lacks, when its marker names a run the database does
        not have (a kill between the workbook's replace and the commit) or when files were collected before
        history was recorded; committed at once. The number of rows recorded."""
        if not self.enabled or (path or self.book_path) is None:
            return 0
        book = FileBook(Path(path or self.book_path))
        marker = read_marker(book)
        if marker is None and not has_collected_files(book):
            return 0
        try:
            if marker is not None:
                with self.database.engine.connect() as conn:
                    if run_exists(conn, marker.token):
                        return 0
            meta = read_meta(book)
            if meta.role == "sr" or not meta.tabs:
                return 0
            account, period = book_identity(book)
            with self.database.engine.begin() as conn:
                if marker is None and self._has_entry_runs(conn, account, period):
                    return 0
                workbook = read_tab_entries(book, existing_tabs(book, meta), lang=meta.language)
                known = latest_values(conn, account, period)
                source = f"catch-up from {book.path.name}"
                rows, seen = [], set()
                for store_id, values in workbook.items():
                    for key, value in values.items():
                        week, name = split_key(key)
                        coded = encode(key, value)
                        seen.add((store_id, week, name))
                        if coded != BLANK and known.get((store_id, week, name)) != coded:
                            rows.append((store_id, week, name, coded, source))
                rows += [(*key, BLANK, source) for key in known if key not in seen]  # cleared in the workbook
                token = marker.token if marker is not None else str(uuid.uuid4())
                run_id = _add_run(conn, token, account, period, "catch-up", str(book.path), len(rows))
                _insert_entries(conn, run_id, account, period, rows, now())
        except SQLAlchemyError as exc:
            raise HistoryError(
                f"history database {self.label}: catching up with {book.path.name} failed ({short(exc)}) — nothing "
                "was changed; check the database (or --db none to go on without history)"
            ) from None
        self.caught_up = len(rows)
        return len(rows)

    @staticmethod
    def _has_entry_runs(conn, account: str, period: str) -> bool:
        r = S.runs
        query = sa.select(r.c.id).where(
            r.c.account == account, r.c.period == period, r.c.command.in_(("collect", "import", "catch-up"))
        )
        return conn.execute(query.limit(1)).first() is not None

    # -- collect ----------------------------------------------------------------------------------------------

    def collected_before(self, book, stores: Collection[str] | None = None) -> Ancestors:
        """What this command's files (SR files, or reports for import) brought into this workbook until its last
        recorded run (see collected_values); empty without a database or a marker (a workbook never recorded, or
        recorded in another database)."""
        if not self.enabled:
            return Ancestors()
        marker = read_marker(book)
        if marker is None:
            return Ancestors()
        try:
            account, period = book_identity(book)
            with self.database.engine.connect() as conn:
                run = run_id_of(conn, marker.token)
                if run is None:
                    return Ancestors()
                self.brought = collected_values(conn, account, period, self.command, run, stores)
                return self.brought
        except (SQLAlchemyError, HistoryError) as exc:
            self.warnings.append(
                f"history database {self.label}: what the files brought last could not be read ({short(exc)}); "
                "this run does not keep a KAM's correction against a file that still holds the old value"
            )
            return Ancestors()

    def stage_collect(self, book, report) -> int:
        """Write the values this collect accepted (report.files[*].accepted: (store, key, value)) that differ from
        the latest recorded ones or from this command's own last ones (collected_before, when it was read), in the
        open transaction, and put the run's token into the workbook. Called right
        before the workbook is saved; HistoryError (nothing saved) when the database write fails."""
        if not self.enabled:
            return 0
        account, period = book_identity(book)
        try:
            conn = self._begin()
            known = latest_values(conn, account, period)
            own = None if self.brought is None else {at: code for at, (code, _) in self.brought.values.items()}
            rows = []
            for result in report.files:
                source = result.path.name
                for store_id, key, value in getattr(result, "accepted", ()):
                    if key[0] == "week":
                        week, name = key[1], key[2]
                    else:
                        week, name = split_key(key)
                    code = coded(key, value)
                    at = (store_id, week, name)
                    if code != BLANK and (known.get(at) != code or (own is not None and own.get(at) != code)):
                        known[at] = code  # also when another command's value is the same: the next merge's base
                        if own is not None:
                            own[at] = code
                        rows.append((store_id, week, name, code, source))
            if not rows:
                return 0
            self.token = str(uuid.uuid4())
            command = self.command or "collect"  # or "import" (a report; earlier versions recorded it as collect)
            run_id = _add_run(conn, self.token, account, period, command, str(self.book_path or ""), len(rows))
            _insert_entries(conn, run_id, account, period, rows, now())
        except SQLAlchemyError as exc:
            raise self._fail("recording the collected values", exc) from None
        book.put_sheet(marker_sheet(Marker(self.token, self.label, account, period, now())))
        self.recorded = len(rows)
        return len(rows)

    # -- review -----------------------------------------------------------------------------------------------

    def stage_review(self, plan: Plan, targets, result, weekly: pd.DataFrame | None = None) -> int:
        """Write the review's numbers in the open transaction: the period and its stores and targets (when the
        plan changed), every scorecard row of the as-of week (store, SR, region, tier, account and the account
        summary) and the period's weekly parts per group. Replaces what an earlier review of the same week wrote."""
        if not self.enabled:
            return 0
        account, period = plan.account.name, period_key(plan)
        stamp = now()
        try:
            conn = self._begin()
            fresh_plan = self._put_period(conn, plan, account, period, stamp)
            if fresh_plan:
                self._put_stores_and_targets(conn, plan, targets, account, period)
            rows = scorecard_rows(plan, result, account, period, stamp)
            sc = S.scorecards
            conn.execute(
                sa.delete(sc).where(
                    sc.c.account == account, sc.c.period == period, sc.c.as_of_week == result.as_of_week
                )
            )
            if rows:
                conn.execute(sa.insert(sc), rows)
            if weekly is not None:
                wk = S.weekly
                conn.execute(sa.delete(wk).where(wk.c.account == account, wk.c.period == period))
                parts = weekly_rows(weekly, account, period)
                if parts:
                    conn.execute(sa.insert(wk), parts)
        except SQLAlchemyError as exc:
            raise self._fail("recording the review", exc) from None
        self.recorded = len(rows)
        return len(rows)

    def _put_period(self, conn, plan: Plan, account: str, period: str, stamp: str) -> bool:
        """Write the period's row; True when the plan is new or changed (stores and targets are rewritten)."""
        p = S.periods
        old = conn.execute(sa.select(p.c.fingerprint).where(p.c.account == account, p.c.period == period)).scalar()
        fingerprint = plan.fingerprint()
        conn.execute(sa.delete(p).where(p.c.account == account, p.c.period == period))
        conn.execute(
            sa.insert(p).values(
                account=account,
                period=period,
                start=plan.account.period_start,
                end=plan.account.period_end,
                language=plan.language,
                currency=plan.account.currency,
                fingerprint=fingerprint,
                facts=plan_facts(plan),
                recorded_at=stamp,
            )
        )
        return old != fingerprint

    def _put_stores_and_targets(self, conn, plan: Plan, targets, account: str, period: str) -> None:
        s, t = S.stores, S.targets
        conn.execute(sa.delete(s).where(s.c.account == account, s.c.period == period))
        conn.execute(sa.delete(t).where(t.c.account == account, t.c.period == period))
        conn.execute(
            sa.insert(s),
            [
                {
                    "account": account,
                    "period": period,
                    "store_id": x.store_id,
                    "name": x.name,
                    "city": x.city,
                    "region": x.region,
                    "city_tier": x.city_tier,
                    "store_tier": x.store_tier,
                    "format": x.format,
                    "sr_id": x.sr_id,
                    "sr_name": x.sr_name,
                    "base_units": clean(x.base_units),
                    "base_value": clean(x.base_value),
                    "category_units": clean(x.category_units),
                    "active": bool(x.active),
                }
                for x in {st.store_id: st for st in plan.stores}.values()
            ],
        )
        rows = target_rows(plan, targets, account, period)
        if rows:
            conn.execute(sa.insert(t), rows)

    # -- ending -----------------------------------------------------------------------------------------------

    def commit(self) -> None:
        """Commit after the workbook was replaced; a failure is kept as a warning (the next run catches up)."""
        if self._tx is None:
            return
        tx, self._tx = self._tx, None
        try:
            tx.commit()
        except SQLAlchemyError as exc:
            self.warnings.append(
                f"history database {self.label}: the workbook was saved but recording it failed ({short(exc)}); "
                "the next collect or review records it"
            )

    def rollback(self) -> None:
        if self._tx is not None:
            tx, self._tx = self._tx, None
            with suppress(SQLAlchemyError):
                tx.rollback()

    def close(self) -> None:
        self.rollback()
        if self._conn is not None:
            with suppress(SQLAlchemyError):
                self._conn.close()
            self._conn = None
        if self.database is not None:
            self.database.close()


@contextmanager
def recording(
    book: str | os.PathLike | None, db: str | os.PathLike | None, command: str, *, catch_up: bool = True
) -> Iterator[Recorder]:
    """The recorder of one command on the workbook `book` (see the module's docstring); commits when the block
    ends without an exception (after the workbook's save), rolls back otherwise."""
    target = choose(book, db)
    new_file = new_sqlite_file(target)
    recorder = Recorder(None if target is None else open_database(target), Path(book) if book else None, command)
    try:
        if catch_up:
            recorder.catch_up()
        yield recorder
    except BaseException:
        recorder.rollback()
        recorder.close()
        if new_file is not None:  # a command that stopped leaves nothing behind, not even an empty database
            for leftover in (new_file, new_file.with_name(new_file.name + "-journal")):
                with suppress(OSError):
                    leftover.unlink()
        raise
    else:
        recorder.commit()
    finally:
        recorder.close()


def new_sqlite_file(target: str | None) -> Path | None:
    """The SQLite file `target` names when it does not exist yet (this command would create it), else None."""
    if target is None:
        return None
    url = S.url_of(target)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    path = Path(url.database)
    return None if path.exists() else path


# ---------------------------------------------------------------------------
# Rows of the review
# ---------------------------------------------------------------------------


def clean(value: object) -> object:
    """A value fit for a JSON or float column: numpy scalars as Python ones, NaN and NaT as None."""
    if value is None:
        return None
    import numpy as np  # imported here: a collect records no frames
    import pandas as pd

    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def plan_facts(plan: Plan) -> dict:
    acc = plan.account
    main = plan.main_competitor
    return clean(
        {
            "supplier": acc.supplier,
            "kam": acc.kam_name,
            "relationship_now": acc.relationship_now,
            "relationship_target": acc.relationship_target,
            "margin_per_unit": acc.margin_per_unit,
            "retailer_margin": acc.retailer_margin,
            "execution_threshold": acc.execution_threshold,
            "competitor": main.name if main else None,
            "kpis": [
                {
                    "id": k.id,
                    "name": k.name,
                    "type": k.type,
                    "measure": k.measure,
                    "direction": k.direction,
                    "hq_target": k.hq_target,
                    "tier_targets": dict(k.tier_targets),
                    "weight": k.weight,
                    "cap": k.cap,
                    "green": k.green,
                    "amber": k.amber,
                    "group": k.group,
                }
                for k in plan.kpis
            ],
            "weeks": [
                {"id": w.id, "start": w.start, "end": w.end, "month": w.month, "season": w.season_weight}
                for w in plan.weeks
            ],
            "programs": [
                {"id": p.id, "name": p.name, "type": p.type, "start": p.start, "end": p.end, "cost": p.cost_per_store}
                for p in plan.programs
            ],
        }
    )


def target_rows(plan: Plan, targets, account: str, period: str) -> list[dict]:
    """Each store's full-period target per KPI (week '') and week targets per sum KPI."""
    rows = []
    full = targets.full
    for kpi_id in full.columns:
        for store_id, value in full[kpi_id].items():
            rows.append({"account": account, "period": period, "store_id": store_id, "kpi": kpi_id, "week": "",
                         "target": clean(value)})  # fmt: skip
    for kpi_id, frame in targets.weekly.items():
        stacked = frame.stack(future_stack=True) if hasattr(frame, "stack") else frame
        for (store_id, week_id), value in stacked.items():
            rows.append({"account": account, "period": period, "store_id": store_id, "kpi": kpi_id,
                         "week": str(week_id), "target": clean(value)})  # fmt: skip
    return rows


def scorecard_rows(plan: Plan, result, account: str, period: str, stamp: str) -> list[dict]:
    """One row per store and per group of every roll-up, plus the account summary, as JSON numbers."""
    base = {
        "account": account,
        "period": period,
        "as_of_week": int(result.as_of_week),
        "as_of_week_id": result.as_of_week_id,
        "recorded_at": stamp,
    }
    rows = []
    frames = {"store": result.stores, **result.rollups}
    for level, frame in frames.items():
        records = frame.to_dict(orient="index")
        for group_key, numbers in records.items():
            rows.append({**base, "level": level, "group_key": str(group_key), "numbers": clean(numbers)})
    rows.append({**base, "level": "summary", "group_key": account, "numbers": clean(result.summary)})
    problems = getattr(result, "flags", None)
    if problems is not None and len(problems):
        counts = problems.groupby("kind").size().sort_values(ascending=False)
        rows.append({**base, "level": "problems", "group_key": account, "numbers": clean(counts.to_dict())})
    return rows


def weekly_rows(weekly: pd.DataFrame, account: str, period: str) -> list[dict]:
    """kam_weekly rows from a frame with columns level, group_key, week, week_id, week_start and the parts."""
    fixed = ("level", "group_key", "week", "week_id", "week_start")
    parts = [c for c in weekly.columns if c not in fixed]
    rows = []
    for record in weekly.to_dict(orient="records"):
        rows.append(
            {
                "account": account,
                "period": period,
                "level": record["level"],
                "group_key": str(record["group_key"]),
                "week": int(record["week"]),
                "week_id": str(record["week_id"]),
                "week_start": record["week_start"],
                "parts": clean({p: record[p] for p in parts}),
            }
        )
    return rows

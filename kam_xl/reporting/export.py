"""`kam export`: the account's data as long, typed tables that pandas, Power BI or Tableau read directly.

Tables (one file each, `DIR/<table>.parquet` or `.csv`), every row carrying account and period:

  stores      one row per store of the plan: ids, names, region, SR, tiers, baselines, active
  targets     store × KPI: the period target (week_id blank) and, for sum KPIs, each week's target
  entries     store × week × field of the weekly log, and store × field of the other inputs (programs,
              actions, comments): value_number / value_text / value_date / value_flag, typed by `kind`
  scorecards  level × group × metric: every number of the review (value) or word (text: RAG, quadrant)
  programs    store × program: the plan's program (dates, cost per store) and what the store tab says
  problems    one row per flag of the review (from a workbook) or per kind with its count (from a database)

Parquet through pyarrow; CSV (UTF-8 with a byte-order mark, for Excel) through kam_xl.csvfile, so text a
spreadsheet would run as a formula starts with an apostrophe.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl.csvfile import csv_text
from kam_xl.errors import KamError
from kam_xl.history import query as Q
from kam_xl.history import store as S
from kam_xl.history.record import period_key
from kam_xl.history.store import choose, open_database
from kam_xl.history.values import encode, split_key
from kam_xl.model.entries import ACTION_FIELDS, PROGRAM_FIELDS, WEEK_FIELDS
from kam_xl.progress import Progress
from kam_xl.reviewing.run import compute_review, read_inputs
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive_folder
from kam_xl.xlsx.safezip import atomic_write

FORMATS = ("parquet", "csv")
TABLES = ("stores", "targets", "entries", "scorecards", "programs", "problems")
LEVELS = {"store": "store_id", "sr_id": "sr_id", "region": "region", "store_tier": "store_tier", "account": "account"}


@dataclass
class ExportResult:
    folder: Path
    format: str
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "format": self.format, "files": {k: str(v) for k, v in self.files.items()},
                "rows": self.rows}  # fmt: skip


def export(
    book: str | Path | None = None,
    out: str | Path = "kam-export",
    *,
    db: str | Path | None = None,
    format: str = "parquet",
    period: str | None = None,
    progress: Progress | None = None,
    wait: float | None = DEFAULT_WAIT,
) -> ExportResult:
    """Write the tables of the HQ workbook `book` (or, without a book, of every account in the history database
    `db`) into the folder `out`. KamError (exit 2) for an unknown format or when neither is given."""
    if format not in FORMATS:
        raise KamError(f"--format {format}: use parquet or csv")
    if book is None and db is None:
        raise KamError("give the HQ workbook (kam export BOOK --out DIR) or a history database (--db PATH_OR_URL)")
    if format == "parquet":
        parquet_writer()  # a missing pyarrow is said before anything is read
    tables = tables_of_book(Path(book)) if book is not None else tables_of_database(choose(None, db), period)
    result = ExportResult(Path(out), format)
    with exclusive_folder(out, command="export", wait=wait):
        data = {name: to_parquet(tables[name]) if format == "parquet" else to_csv(tables[name]) for name in TABLES}
        theirs = [f"{name}.{format}" for name in TABLES if not replaceable(Path(out) / f"{name}.{format}")]
        if theirs:
            raise KamError(
                f"{out} holds {', '.join(theirs)}, which kam export did not write — give another "
                "--out folder, or move those files away; nothing was written"
            )
        for name in TABLES:
            path = Path(out) / f"{name}.{format}"
            atomic_write(path, data[name], backup=False)
            result.files[name], result.rows[name] = path, len(tables[name])
    return result


_OURS = ["account", "period"]  # the first columns of every table kam export writes


def replaceable(path: Path) -> bool:
    """Whether the file at `path` may be replaced by a table: absent, or a table kam export wrote (its first
    columns are account and period, whichever kam version wrote it); a person's own file of that name is not."""
    if not path.exists() and not path.is_symlink():
        return True
    if not path.is_file() or path.is_symlink():
        return False
    try:
        if path.suffix == ".parquet":
            _, pq = parquet_writer()
            return pq.read_schema(path).names[:2] == _OURS
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8-sig").rstrip("\r\n")
        return first.split(",")[:2] == _OURS
    except (OSError, ValueError, KamError):  # unreadable, or not a parquet file: not ours
        return False


# ---------------------------------------------------------------------------
# From a workbook
# ---------------------------------------------------------------------------


def tables_of_book(path: Path) -> dict[str, pd.DataFrame]:
    """The tables of an HQ workbook: the plan, what the store tabs hold and the review's numbers."""
    book = FileBook(path)
    inputs = read_inputs(book)
    plan = inputs.plan
    result = compute_review(plan, inputs.targets, inputs.entries)
    ids = {"account": plan.account.name, "period": period_key(plan)}
    stores = plan.store_frame(active_only=False).reset_index(drop=True)
    stores = stores.rename(columns={"name": "store_name"})
    targets = target_table(inputs.targets, plan)
    entries = entry_table(inputs.entries, plan)
    scorecards = scorecard_table({"store": result.stores, **result.rollups})
    programs = program_table(inputs.entries, plan)
    problems = result.flags.copy()
    tables = {"stores": stores, "targets": targets, "entries": entries, "scorecards": scorecards, "programs": programs,
              "problems": problems}  # fmt: skip
    return {name: with_ids(frame, ids) for name, frame in tables.items()}


def with_ids(frame: pd.DataFrame, ids: dict) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    for position, (key, value) in enumerate(ids.items()):
        if key not in frame.columns:
            frame.insert(position, key, value)
    return frame


def target_table(targets, plan) -> pd.DataFrame:
    rows = []
    for kpi_id in targets.full.columns:
        for store_id, value in targets.full[kpi_id].items():
            rows.append((store_id, kpi_id, None, None, value))
    starts = {w.id: w.start for w in plan.weeks}
    for kpi_id, frame in targets.weekly.items():
        for store_id, row in frame.iterrows():
            for week_id, value in row.items():
                rows.append((store_id, kpi_id, week_id, starts.get(week_id), value))
    frame = pd.DataFrame(rows, columns=["store_id", "kpi_id", "week_id", "week_start", "target"])
    frame["target"] = frame["target"].astype(float)
    return frame


ENTRY_COLUMNS = ["store_id", "week_id", "week_start", "field", "kind", "value_number", "value_text", "value_date",
                 "value_flag"]  # fmt: skip


def _entry_row(store_id, key, value, starts) -> tuple:
    week, name = split_key(key)
    kind, number, text = encode(key, value)
    return (
        store_id,
        week or None,
        starts.get(week),
        name,
        kind,
        number if kind == "number" else None,
        text if kind in ("text", "enum", "raw") else None,
        date.fromisoformat(text) if kind == "date" else None,
        bool(number) if kind == "bool" else None,
    )


def entry_table(entries, plan) -> pd.DataFrame:
    """Every input typed into the store tabs, one row per store × week × field (weekly log) or store × field."""
    starts = {w.id: w.start for w in plan.weeks}
    rows = []
    weekly = entries.weekly
    for field_name in WEEK_FIELDS:
        column = weekly[field_name]
        for store_id, week_id, value in zip(weekly["store_id"], weekly["week_id"], column):
            if field_name == "display" and isinstance(value, float) and not np.isnan(value):
                value = bool(value)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            rows.append(_entry_row(store_id, ("week", week_id, field_name), value, starts))
    for record in entries.programs.to_dict(orient="records"):
        for name in PROGRAM_FIELDS:
            value = record[name]
            if value is not None and not (isinstance(value, float) and np.isnan(value)):
                rows.append(_entry_row(record["store_id"], ("program", record["program_id"], name), value, starts))
    for record in entries.actions.to_dict(orient="records"):
        for name in ACTION_FIELDS:
            value = record[name]
            if value is not None and not (isinstance(value, float) and np.isnan(value)):
                rows.append(_entry_row(record["store_id"], ("action", int(record["row"]), name), value, starts))
    for record in entries.stores.to_dict(orient="records"):
        for key, column in ((("agreed",), "agreed"), (("comment", "sr"), "sr_comment"),
                            (("comment", "manager"), "manager_comment")):  # fmt: skip
            value = record[column]
            if value is not None and not (isinstance(value, float) and np.isnan(value)):
                rows.append(_entry_row(record["store_id"], key, value, starts))
    return typed_entries(pd.DataFrame(rows, columns=ENTRY_COLUMNS))


def typed_entries(frame: pd.DataFrame) -> pd.DataFrame:
    frame["value_number"] = frame["value_number"].astype(float)
    frame["value_flag"] = frame["value_flag"].astype("boolean")
    return frame


def scorecard_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every metric of every level and group, long: value (a number) or text (a word such as a RAG)."""
    parts = []
    for level, frame in frames.items():
        long = frame.copy()
        long.index = long.index.astype(str).rename("group_key")
        numeric = [c for c in long.columns if pd.api.types.is_numeric_dtype(long[c]) and long[c].dtype != bool]
        words = [c for c in long.columns if c not in numeric]
        numbers = long[numeric].astype(float).reset_index().melt(id_vars="group_key", var_name="metric")
        numbers["text"] = None
        texts = long[words].astype(object).reset_index().melt(id_vars="group_key", var_name="metric", value_name="text")
        texts["text"] = [
            None if v is None or (isinstance(v, float) and np.isnan(v)) else _text(v) for v in texts["text"]
        ]
        texts["value"] = np.nan
        both = pd.concat([numbers, texts[["group_key", "metric", "value", "text"]]], ignore_index=True)
        both.insert(0, "level", level)
        parts.append(both)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["level", "group_key", "metric",
                                                                                    "value", "text"])  # fmt: skip
    out["value"] = out["value"].astype(float)
    out["text"] = out["text"].astype(object)
    return out


def _text(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def program_table(entries, plan) -> pd.DataFrame:
    catalogue = pd.DataFrame(
        [(p.id, p.name, p.type, p.start, p.end, float(p.cost_per_store)) for p in plan.programs],
        columns=["program_id", "program_name", "program_type", "start", "end", "cost_per_store"],
    ).drop_duplicates("program_id")
    rows = entries.programs.astype({"program_id": object}).merge(catalogue, on="program_id", how="left")
    rows["cost"] = rows["cost"].astype(float)
    rows["done_on"] = [v if isinstance(v, date) else None for v in rows["done_on"]]
    return rows[["store_id", "program_id", "program_name", "program_type", "start", "end", "cost_per_store", "status",
                 "cost", "done_on", "note"]]  # fmt: skip


# ---------------------------------------------------------------------------
# From the history database
# ---------------------------------------------------------------------------


def tables_of_database(target: str | None, period: str | None = None) -> dict[str, pd.DataFrame]:
    """The same tables from the history database: every account and period it holds (or one period)."""
    if target is None:
        raise KamError("--db none: give the history database to export from")
    database = open_database(target, create=False)
    try:
        stores = Q.table(database, S.stores, period=period).rename(columns={"name": "store_name"})
        targets = Q.table(database, S.targets, period=period).rename(columns={"kpi": "kpi_id", "week": "week_id"})
        targets["week_id"] = targets["week_id"].replace("", None)
        entries = Q.entries(database, period=period)
        entries = _entries_from_db(entries)
        scorecards = _scorecards_from_db(database, period)
        programs = entries[entries["field"].str.startswith("program|")].copy() if len(entries) else entries
        problems = _problems_from_db(database, period)
    finally:
        database.close()
    return {"stores": stores, "targets": targets, "entries": entries, "scorecards": scorecards,
            "programs": programs, "problems": problems}  # fmt: skip


def _entries_from_db(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["account", "period", *ENTRY_COLUMNS, "recorded_at", "source"])
    out = pd.DataFrame(
        {
            "account": frame["account"],
            "period": frame["period"],
            "store_id": frame["store_id"],
            "week_id": frame["week_id"],
            "week_start": None,
            "field": frame["field"],
            "kind": frame["kind"],
            "value_number": [v if k == "number" else None for k, v in zip(frame["kind"], frame["number"])],
            "value_text": [v if k in ("text", "enum", "raw") else None for k, v in zip(frame["kind"], frame["text"])],
            "value_date": [v if k == "date" else None for k, v in zip(frame["kind"], frame["value"])],
            "value_flag": [bool(v) if k == "bool" else None for k, v in zip(frame["kind"], frame["number"])],
            "recorded_at": frame["recorded_at"],
            "source": frame["source"],
        }
    )
    return typed_entries(out)


def _scorecards_from_db(database, period: str | None) -> pd.DataFrame:
    parts = []
    for row in Q.periods(database):
        if period is not None and row.period != period:
            continue
        cards = Q.scorecards(database, row.account, row.period)
        frames = {
            level: pd.DataFrame.from_dict(groups, orient="index") for level, groups in cards.items() if level in LEVELS
        }
        long = scorecard_table(frames)
        parts.append(with_ids(long, {"account": row.account, "period": row.period}))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["account", "period", "level", "group_key", "metric", "value", "text"])
    )


def _problems_from_db(database, period: str | None) -> pd.DataFrame:
    rows = []
    for row in Q.periods(database):
        if period is not None and row.period != period:
            continue
        counts = Q.scorecards(database, row.account, row.period).get("problems", {}).get(row.account, {})
        rows += [(row.account, row.period, kind, int(n)) for kind, n in counts.items()]
    return pd.DataFrame(rows, columns=["account", "period", "kind", "count"])


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def parquet_writer():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise KamError("--format parquet needs pyarrow: pip install pyarrow (or use --format csv)") from None
    return pa, pq


def to_parquet(frame: pd.DataFrame) -> bytes:
    pa, pq = parquet_writer()
    table = pa.Table.from_pandas(_objects_typed(frame), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _objects_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns made uniform for Arrow: dates stay dates, anything mixed becomes text."""
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        kinds = {type(v) for v in column if v is not None and not (isinstance(v, float) and np.isnan(v))}
        if kinds <= {date}:
            frame[name] = [v if isinstance(v, date) else None for v in column]
        elif kinds and not kinds <= {str}:
            frame[name] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else _text(v) for v in column]
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    rows = [list(frame.columns)]
    for record in frame.itertuples(index=False, name=None):
        rows.append([_csv_value(v) for v in record])
    return ("\ufeff" + csv_text(rows)).encode("utf-8")


def _csv_value(value: object) -> object:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):  # a number stays a number (csv writes its shortest repr)
        return "" if np.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return (
            value.isoformat()[:10]
            if not isinstance(value, datetime) or value.time() == datetime.min.time()
            else (value.isoformat())
        )
    return value

"""`kam import`: the retailer's own sell-out report (a spreadsheet or CSV per week from its supplier portal)
into the store tabs' weekly logs — with collect's checks, log, lock, atomic save and refresh of cached values.

A report is rows of: the store (the retailer's store code, mapped to the store through the "Retailer store
code" column of the Stores sheet; or the store id or name), the week (a week id of the plan, or a date:
rows of one store and week are then added up, and the stock is the last day's), and any of units, value,
sell-in and stock. Headers are found in either language (or named in a --map file). A row that cannot be
placed (unknown store, a week outside the plan, two rows for one store and week) is logged by its row and
the rest is imported; the same report imported again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from kam_xl.book import Book
from kam_xl.bulk import bulk_work
from kam_xl.errors import KamError
from kam_xl.execution.collect import (
    REPORTED_AS,
    CollectReport,
    FileResult,
    Touched,
    hq_places,
    hq_state,
    merge_cell,
    merged_entry,
    refresh_cached_values,
    save_merge,
    three_way,
)
from kam_xl.execution.collected import read_collected
from kam_xl.execution.log import LogEntry, shown
from kam_xl.execution.srfile import CellProblem, HqTabs, file_digest
from kam_xl.history.optional import recording
from kam_xl.lang.console import say
from kam_xl.lang.words import fold, sheet_name
from kam_xl.model.entries import WEEK_FIELDS, key_text
from kam_xl.model.parsing import ParseError, clean_text, parse_date, parse_number
from kam_xl.model.plan import Plan
from kam_xl.plan.load import plan_of
from kam_xl.progress import Progress
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import open_book, read_grid
from kam_xl.xlsx.scan import all_uncached_formulas
from kam_xl.xlsx.spec import column_letter, split_ref

HEADERS = {  # field -> headers a retailer's report uses for it (compared ignoring case and spaces)
    "store": (
        "store code",
        "store",
        "store id",
        "shop code",
        "shop",
        "outlet",
        "门店编码",
        "门店代码",
        "门店",
        "门店编号",
    ),
    "week": ("week", "week id", "周", "周次"),
    "date": ("date", "day", "sales date", "日期", "销售日期"),
    "units": ("units", "qty", "quantity", "units sold", "sell-out units", "sell-out", "销量", "数量", "销售数量"),
    "value": ("value", "amount", "sales", "sales value", "revenue", "销售额", "金额", "销售金额"),
    "sell_in": ("sell-in", "sell in", "sell-in units", "shipped", "receipts", "进货", "到货", "进货数量"),
    "stock": ("stock", "inventory", "on hand", "stock on hand", "库存", "库存数量"),
}
SUMMED = ("units", "value", "sell_in")  # added up over the days of a week; stock is the last day's
HEADER_SEARCH = 20  # rows searched for the header row


@dataclass
class ReportRow:
    """One data row of the report: where it is, the store and week it names, and its values."""

    number: int
    store: str
    week: str
    day: date | None
    values: dict[str, object]


@dataclass
class Report:
    """A retailer report read into rows, with the problems found while reading."""

    path: Path
    sheet: str
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # rows left out on purpose (a total row)
    digest: str = ""
    sr_id: str = ""  # collect's record of merged files has an SR; a report has none


def import_report(
    path: str | Path,
    report: str | Path,
    mapping: str | Path | None = None,
    progress: Progress | None = None,
    *,
    wait=DEFAULT_WAIT,
    force: bool = False,
    db: str | Path | None = None,
) -> CollectReport:
    """Import the retailer's report into the HQ workbook at `path` (the `kam import` step). KamError (exit 2,
    nothing written) when the report cannot be read or has no store, week/date or value columns."""
    with (
        exclusive(path, command="import", wait=wait, force=force) as guard,
        recording(path, db, "import") as rec,
        bulk_work(),
    ):
        book = FileBook(path, progress)
        outcome = import_into(
            book,
            Path(report),
            Path(mapping) if mapping else None,
            on_save=rec.stage_collect,
            imported_before=rec.collected_before,
        )
    outcome.book, outcome.forced, outcome.history = Path(path), guard.forced, rec
    return outcome


def import_into(
    book: Book, path: Path, mapping: Path | None = None, *, on_save=None, imported_before=None
) -> CollectReport:
    """Import a report into a Book: every value into its store's weekly log, checked and logged like collect.
    `imported_before(book, stores)` gives what earlier reports brought (the history database): a value the KAM changed
    in HQ since stands against a report that still has the old one (collect.three_way)."""
    hq = hq_state(book)
    plan = plan_of(book)
    outcome = CollectReport(lang=hq.lang)
    stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
    columns, codes = read_mapping(mapping)
    report = read_report(path, plan, columns, codes)
    report.digest = file_digest(path)
    seen = read_collected(book)
    if report.digest in seen:
        earlier = seen[report.digest]
        reason = say("why_imported", hq.lang, time=earlier.time, file=earlier.file)
        outcome.files.append(FileResult(path, "", "skipped", reason))
        return outcome
    if imported_before is not None:
        hq = replace(hq, collected=imported_before(book, {row.store for row in report.rows}))
    result = FileResult(path, "", "unchanged")
    outcome.files.append(result)
    for row, problem in report.problems:
        outcome.entries.append(LogEntry("rejected", path.name, problem, sheet=report.sheet, cell=f"A{row}"))
        result.rejected += 1
    for row, note in report.notes:
        outcome.entries.append(LogEntry("note", path.name, note, sheet=report.sheet, cell=f"A{row}"))
    by_store = weekly_values(report, outcome, result)
    touched: list[Touched] = []
    for store_id, values in by_store.items():
        _merge_store(book, hq, report, store_id, values, result, outcome.entries, touched)
    refresh_cached_values(book, touched)
    result.stores = len(by_store)
    if result.new or result.changed:
        result.status = "merged"
        outcome.entries.append(merged_entry(path.name, result, hq.lang))
    outcome.entries = [_stamped(entry, stamp) for entry in outcome.entries]
    save_merge(book, hq, outcome, seen, [report], stamp, on_save)
    return outcome


def _stamped(entry: LogEntry, stamp: str) -> LogEntry:
    return replace(entry, time=stamp)


# ---------------------------------------------------------------------------
# Reading the report
# ---------------------------------------------------------------------------


_MAP_TITLES = {"field", "storeid", "store_id", "字段", "门店编号"}  # folded titles of a mapping file's second column


def read_mapping(path: Path | None) -> tuple[dict[str, str], dict[str, str]]:
    """(report header -> field, retailer store code -> store id) from a --map file: JSON
    {"columns": {...}, "stores": {...}} or a CSV of two columns (a header and a field name, or a code and a
    store id)."""
    if path is None:
        return {}, {}
    if not path.is_file():
        raise KamError(f"--map {path}: file not found — give a .json or .csv mapping file")
    text = _csv_text(path)
    columns, codes = {}, {}
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise KamError(f"--map {path}: not valid JSON ({exc})") from None
        shape = '{"columns": {"report header": "field", ...}, "stores": {"retailer code": "store id", ...}}'
        if not isinstance(data, dict) or not all(isinstance(data.get(k) or {}, dict) for k in ("columns", "stores")):
            raise KamError(f"--map {path}: not a mapping kam reads — write it as {shape}")
        columns = {fold(k): str(v) for k, v in (data.get("columns") or {}).items()}
        codes = {clean_text(k): clean_text(v) for k, v in (data.get("stores") or {}).items()}
    else:
        for number, row in enumerate(csv.reader(io.StringIO(text))):
            if number == 0 and len(row) >= 2 and fold(row[1]) in _MAP_TITLES:
                continue  # the file's own header row ("header,field" / "code,store id")
            if len(row) >= 2 and row[0].strip():
                target = row[1].strip()
                if target in HEADERS:
                    columns[fold(row[0])] = target
                else:
                    codes[clean_text(row[0])] = clean_text(target)
    unknown = sorted({v for v in columns.values() if v not in HEADERS})
    if unknown:
        raise KamError(f"--map {path}: unknown field(s) {', '.join(unknown)} — use {', '.join(HEADERS)}")
    return columns, codes


def _grid(path: Path) -> tuple[str, list[tuple[str, list[list]]]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise KamError(f"{path}: file not found — check the path of the retailer's report")
    if suffix == ".csv":
        text = _csv_text(path)
        # separated by commas, or by tabs (Excel's "Unicode Text"): read_report takes the one with a header row
        return "csv", [("", [list(row) for row in csv.reader(io.StringIO(text), delimiter=d)]) for d in ",\t"]
    if suffix not in (".xlsx", ".xlsm"):
        raise KamError(f"{path.name}: kam import reads .xlsx, .xlsm or .csv — save the report as one of those")
    reader = open_book(path, exact=True)  # a file from outside: every sheet's reach checked cell by cell
    sheets = [(name, read_grid(reader, name)) for name in reader.sheet_names]
    _mark_uncalculated(path, sheets)
    return "xlsx", sheets


def _mark_uncalculated(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    """Put a CellProblem where a cell holds a formula saved without its result (read as empty otherwise): such a
    value is rejected with the reason, never taken as blank."""
    package = Package.open(path)
    for name, grid in sheets:
        for ref in all_uncached_formulas(package.sheet_xml(name), f"{path.name}, sheet {name!r}"):
            row, col = split_ref(ref)
            if row <= len(grid) and col <= len(grid[row - 1]):
                grid[row - 1][col - 1] = CellProblem(_UNCALCULATED, f"formula in {ref}")


_UNCALCULATED = (
    "a formula saved without its result (by a program that does not calculate) — open the report in Excel or "
    "LibreOffice and save it, then import it again"
)


def _csv_text(path: Path) -> str:
    """A CSV file's text: UTF-16 when it starts with its byte order mark, else UTF-8 (with or without one), else
    GB18030 (what Excel writes on a Chinese Windows)."""
    data = path.read_bytes()
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise KamError(f"{path.name}: not a text CSV file — save the report as CSV (UTF-8) or .xlsx")


def _header_map(row: list, columns: dict[str, str]) -> dict[str, int]:
    known = {fold(word): name for name, words in HEADERS.items() for word in words}
    known.update(columns)
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        if isinstance(value, str) and fold(value) in known:
            found.setdefault(known[fold(value)], index)
    return found


def _not_a_kam_workbook(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    """KamError when the "report" is a workbook kam made (it has a _meta sheet): an SR's file is collected, an HQ
    workbook is not a report."""
    meta = next((grid for name, grid in sheets if name == sheet_name("meta", "en")), None)
    if meta is None:
        return
    values = {str(row[0]).strip(): row[1] for row in meta if len(row) > 1 and row[0]}
    if values.get("role") == "sr":
        raise KamError(
            f"{path.name} is the SR workbook of {values.get('sr_id') or '?'}, not a retailer's report — bring its "
            "figures in with `kam collect HQ.xlsx " + path.name + "`"
        )
    raise KamError(
        f"{path.name} is a kam HQ workbook, not a retailer's report — give the sell-out report the retailer sent "
        "(.xlsx or .csv with store, week or date, and units or value columns)"
    )


def read_report(path: Path, plan: Plan, columns: dict[str, str], codes: dict[str, str]) -> Report:
    """The report's rows, each with its store and week resolved against the plan (problems per row)."""
    kind, sheets = _grid(path)
    _not_a_kam_workbook(path, sheets)
    for sheet, grid in sheets:
        header = _header_row(grid, columns)
        if header is not None:
            return _rows(path, sheet, grid, *header, plan, codes)
    if kind == "csv" and _header_row([row.split(";") for row in _csv_text(path).splitlines()], columns):
        raise KamError(
            f"{path.name}: its columns are separated by semicolons (;), as Excel writes CSV where the decimal "
            "separator is a comma — numbers such as 1.234,5 would be misread: save the report as .xlsx, or as "
            "CSV with commas and decimal points"
        )
    raise KamError(
        f"{path.name}: no header row with a store column, a week or date column and a units/value column in its "
        f"first {HEADER_SEARCH} rows — name them (e.g. Store code, Week, Units) or give --map"
    )


def _header_row(grid: list[list], columns: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """(index, column of each field) of the first row naming a store, a week or date and a measure."""
    for row_index, row in enumerate(grid[:HEADER_SEARCH]):
        heads = _header_map(list(row), columns)
        if "store" in heads and ("week" in heads or "date" in heads) and heads.keys() & set(WEEK_FIELDS):
            return row_index, heads
    return None


def _store_index(plan: Plan, codes: dict[str, str]) -> dict[str, str]:
    index = {}
    for store in plan.stores:
        for key in (store.name, store.store_id, store.retailer_code):
            if key:
                index[fold(clean_text(key))] = store.store_id
    for code, target in codes.items():  # a code given its store by ID (or by the store's code or name)
        store_id = index.get(fold(clean_text(target)))
        if store_id is None:
            raise KamError(
                f"--map: store code {code!r} is mapped to {target!r}, which is no store ID, code or name of the "
                "plan — correct the mapping file"
            )
        index[fold(code)] = store_id
    return index


def _rows(path, sheet, grid, header, heads, plan: Plan, codes) -> Report:
    report = Report(path, sheet or "report")
    stores = _store_index(plan, codes)
    weeks = {fold(w.id): w for w in plan.weeks}
    for offset, row in enumerate(grid[header + 1 :], start=header + 2):
        cells = list(row) + [None] * 32
        if all(v in (None, "") for v in row):
            continue
        raw_store = cells[heads["store"]]
        store = stores.get(fold(clean_text(raw_store))) if raw_store not in (None, "") else None
        total = None if store is not None else next((v for v in row if _is_total(v)), None)
        if total is not None:
            what = f"a total row ({clean_text(total)}): not imported — each store's own rows are"
            report.notes.append((offset, what))
            continue
        if store is None:
            report.problems.append(
                (
                    offset,
                    f"store {shown(raw_store)!r} is not in the plan (no store with this "
                    "retailer code, ID or name) — add its code to the Stores sheet, or --map it",
                )
            )
            continue
        week, day = _week_of(cells, heads, weeks, plan)
        if week is None:
            given = cells[heads.get("week", heads.get("date", 0))]
            report.problems.append(
                (
                    offset,
                    f"week or date {shown(given)!r} is outside the plan's weeks "
                    f"({plan.weeks[0].id} to {plan.weeks[-1].id})",
                )
            )
            continue
        values = {name: cells[index] for name, index in heads.items() if name in WEEK_FIELDS or name in SUMMED}
        report.rows.append(ReportRow(offset, store, week, day, values))
    return report


_TOTALS = {  # folded: spaces gone, lower case
    "total", "totals", "grandtotal", "sum", "subtotal", "sub-total",
    "合计", "总计", "小计", "合計", "總計", "小計", "汇总",
}  # fmt: skip


def _is_total(value: object) -> bool:
    """Whether a cell labels a total or subtotal row ("Total", "Grand total", "合计", "小计:")."""
    return isinstance(value, str) and fold(clean_text(value)).rstrip(":：") in _TOTALS


def _week_of(cells, heads, weeks, plan: Plan) -> tuple[str | None, date | None]:
    if "week" in heads and cells[heads["week"]] not in (None, ""):
        found = weeks.get(fold(shown(cells[heads["week"]])))
        if found is not None:
            return found.id, None
    if "date" in heads:
        try:
            day = parse_date(cells[heads["date"]])
        except ParseError:
            day = None
        if day is not None:
            for week in plan.weeks:
                if week.start <= day <= week.end:
                    return week.id, day
    return None, None


# ---------------------------------------------------------------------------
# From rows to each store's week values, then into the tabs
# ---------------------------------------------------------------------------


def weekly_values(report: Report, outcome: CollectReport, result: FileResult) -> dict[str, dict]:
    """store id -> {(week, week id, field): value}: daily rows added up (stock: the last day's); two rows for
    one store and week in a weekly report are both left out and logged."""
    groups: dict[tuple[str, str], list[ReportRow]] = {}
    for row in report.rows:
        groups.setdefault((row.store, row.week), []).append(row)
    out: dict[str, dict] = {}
    for (store, week), rows in groups.items():
        days = [row.day for row in rows]
        if len(rows) > 1 and (None in days or len(set(days)) < len(days)):
            numbers = ", ".join(str(row.number) for row in rows)
            for row in rows:
                outcome.entries.append(
                    LogEntry(
                        "rejected",
                        report.path.name,
                        f"rows {numbers} are all store {store} "
                        f"week {week}: none of them imported — keep one row per store and week",
                        sheet=report.sheet,
                        cell=f"A{row.number}",
                        store=store,
                    )
                )
                result.rejected += 1
            continue
        rows.sort(key=lambda row: row.day or date.min)
        merged: dict[str, object] = {}
        for name in rows[0].values:
            typed = [row.values.get(name) for row in rows if row.values.get(name) not in (None, "")]
            if not typed:
                continue
            if name in SUMMED and len(typed) > 1:
                merged[name] = _sum(typed)
            else:
                merged[name] = typed[-1]
        out.setdefault(store, {}).update({("week", week, name): value for name, value in merged.items()})
        for row in rows:
            out[store].setdefault(("_rows", week), []).append(row.number)
    return out


def _sum(values: list) -> object:
    """The days' values added up, each read as a cell is ("16,208.00", "¥1,200", "3.5万"); when one of them is
    not a number, that one is returned as it is, so the week is rejected (and logged) with it, never a total of
    only some of the days."""
    total = 0.0
    for value in values:
        if isinstance(value, CellProblem):
            return value
        try:
            number = parse_number(value)
        except ParseError:
            return value
        total += number or 0.0
    return total


def _merge_store(book, hq: HqTabs, report: Report, store_id, values, result, entries, touched) -> None:
    sheet = hq.sheets.get(store_id)
    if sheet is None:
        entries.append(
            LogEntry(
                "rejected",
                report.path.name,
                f"store {store_id} has no tab in the HQ workbook — run `kam generate`, then import the report again",
                sheet=report.sheet,
                store=store_id,
            )
        )
        result.rejected += 1
        result.hq_refused += 1  # the report is not recorded as imported: it can be imported again once the tab is made
        return
    grid = book.grid(sheet)
    places = hq_places(grid, hq, store_id)
    if isinstance(places, str):
        entries.append(LogEntry("refused", report.path.name, places, sheet=sheet, store=store_id))
        result.refused_tabs += 1
        result.hq_refused += 1  # not recorded as imported: import it again once the HQ tab is fixed
        return
    writes: dict[tuple[int, int], object] = {}
    for key, raw in values.items():
        if key[0] == "_rows":
            continue
        row_numbers = values.get(("_rows", key[1]), [0])
        where = f"A{row_numbers[0]}"
        place = places.get(key)
        if place is None:
            entries.append(
                LogEntry(
                    "note",
                    report.path.name,
                    f"{key[2]} has no field on the store tab yet: not imported",
                    sheet=report.sheet,
                    cell=where,
                    store=store_id,
                    field=key_text(key),
                )
            )
            continue
        row, col = place
        old = grid[row - 1][col - 1] if row <= len(grid) and col <= len(grid[row - 1]) else None
        old = None if old == "" else old
        what, value = merge_cell(key, raw, old, hq.lang)
        if hq.collected and what in ("new", "changed"):
            what = three_way(hq.collected, store_id, key, what, value, old)
        if what in ("new", "changed", "changed_both"):
            writes[place] = value
            result.accepted.append((store_id, key, value))
        if what in ("same", "new"):
            result.new += what == "new"
            continue
        counted = REPORTED_AS.get(what, what)
        setattr(result, counted, getattr(result, counted) + 1)
        reasons = {
            "changed": "why_report_changed",
            "held": "why_report_held",
            "changed_both": "why_report_changed_both",
        }
        words = {"old": shown(old) or say("blank_value", hq.lang), "new": shown(value)} if what == "held" else {}
        reason = value if what == "rejected" else say(reasons[what], hq.lang, **words) if what in reasons else ""
        entries.append(
            LogEntry(
                REPORTED_AS.get(what, what),
                report.path.name,
                reason,
                sheet=report.sheet,
                cell=where,
                store=store_id,
                field=key_text(key),
                old=shown(old),
                new=shown(raw if what == "rejected" else value),
            )
        )
    if writes:
        book.set_cells(sheet, {f"{column_letter(c)}{r}": v for (r, c), v in writes.items()})
        touched.append(Touched(sheet, grid, writes))
    book.forget(sheet)

"""The collect stage: SR workbooks merged back into the HQ store tabs, checked, logged, saved atomically."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from kam_xl.book import Book
from kam_xl.errors import CollectError, KamError
from kam_xl.execution.log import LogEntry, log_sheet, read_log, shown
from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import enum_labels
from kam_xl.model.entries import FieldKey, checked, enum_kind, normalise, tab_value
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.plan.meta import Meta, TabRecord, read_meta
from kam_xl.progress import Progress, every
from kam_xl.storetabs.cellmap import input_positions, key_text
from kam_xl.storetabs.find import existing_tabs, system_sheet_names
from kam_xl.storetabs.layout import STORE_ID_CELL
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import cell_at, open_book, read_grid
from kam_xl.xlsx.safezip import parse_xml
from kam_xl.xlsx.spec import split_ref

MAX_SR_FILE = 100_000_000  # bytes an SR workbook may be, packed or unpacked (zip bombs are refused)
_CORE = "docProps/core.xml"
_MODIFIED = "{http://purl.org/dc/terms/}modified"
_ID_LABELS = {tab_text("store_id", lang) for lang in ("en", "zh")}


@dataclass
class FileResult:
    """What happened to one SR file: merged (with counts), unchanged, refused or skipped, and why."""

    path: Path
    sr_id: str = ""
    status: str = ""  # "merged", "unchanged", "refused" or "skipped"
    reason: str = ""
    stores: int = 0
    new: int = 0  # values written into empty HQ cells
    changed: int = 0  # HQ values replaced (each one logged old -> new)
    rejected: int = 0
    kept: int = 0  # blank in the file, HQ value kept

    def as_dict(self) -> dict:
        return {
            "file": str(self.path),
            "sr_id": self.sr_id,
            "status": self.status,
            "reason": self.reason,
            "stores": self.stores,
            "new": self.new,
            "changed": self.changed,
            "rejected": self.rejected,
            "kept": self.kept,
        }


@dataclass
class CollectReport:
    """Every file's outcome and every log entry of this run; `saved` is False when nothing changed."""

    book: Path | None = None
    files: list[FileResult] = field(default_factory=list)
    entries: list[LogEntry] = field(default_factory=list)
    saved: bool = False
    backup: Path | None = None
    forced: list[str] = field(default_factory=list)  # what --force overrode, in words (kam_xl.xlsx.guard)

    @property
    def written(self) -> int:
        return sum(f.new + f.changed for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every file merged cleanly; 1 when a file was refused or a value rejected (see the log)."""
        return 1 if any(f.status == "refused" or f.rejected for f in self.files) else 0

    def as_dict(self) -> dict:
        return {
            "book": str(self.book) if self.book else None,
            "saved": self.saved,
            "backup": str(self.backup) if self.backup else None,
            "written": self.written,
            "files": [f.as_dict() for f in self.files],
            "log": [e.as_dict() for e in self.entries],
        }

    def lines(self) -> list[str]:
        """The report for people: one line per file, then every entry other than a file summary."""
        out = [_file_line(f) for f in self.files]
        out += [f"  {entry}" for entry in self.entries if entry.what not in ("merged", "refused", "skipped")]
        out.append(
            f"{self.written} value(s) written; " + ("workbook saved" if self.saved else "nothing changed, not saved")
        )
        return out


def _file_line(result: FileResult) -> str:
    if result.status in ("refused", "skipped"):
        return f"{result.path.name}: {result.status} — {result.reason}"
    return (
        f"{result.path.name} ({result.sr_id}): {result.status}, {result.stores} store(s), {result.new} new, "
        f"{result.changed} changed, {result.rejected} rejected, {result.kept} blank kept"
    )


@dataclass
class SrTab:
    """One store tab of an SR file: the store, the sheet, and each field's SR cell and raw value."""

    store_id: str
    sheet: str
    values: dict[FieldKey, tuple[str, object]]


@dataclass
class SrFile:
    path: Path
    sr_id: str
    saved: tuple  # (docProps modified time, file mtime) — the later file wins among duplicates
    tabs: list[SrTab]
    notes: list[LogEntry]

    def content(self) -> list:
        return sorted((t.store_id, key_text(k), repr(raw)) for t in self.tabs for k, (_, raw) in t.values.items())


@dataclass
class HqState:
    """What collect needs to know about the HQ workbook: account, language, and each store's tab."""

    account: str
    lang: str
    records: dict[str, TabRecord]
    sheets: dict[str, str]


READERS = max(2, min(4, os.cpu_count() or 2))  # threads reading SR files and HQ tabs


def collect(
    path: str | Path, sources: list, progress: Progress | None = None, *, wait=DEFAULT_WAIT, force: bool = False
) -> CollectReport:
    """Merge SR files (or folders of them) into the HQ workbook at `path`; saved atomically with a backup.
    The workbook's lock is held from before reading to after saving (kam_xl.xlsx.guard.exclusive)."""
    with exclusive(path, command="collect", wait=wait, force=force) as guard:
        report = collect_book(FileBook(path, progress), [Path(s) for s in sources], progress=progress)
    report.book, report.forced = Path(path), guard.forced
    return report


def collect_book(book: Book, sources: list[Path], *, progress: Progress | None = None) -> CollectReport:
    """Merge SR files into a Book: same cell of the same store tab, checked, every refusal and change logged.

    A blank cell in an SR file never erases an HQ value (it is reported as kept). Nothing is saved
    when no value changed and the log has nothing new, so collecting the same files again is a no-op.
    """
    hq = hq_state(book)
    stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
    report = CollectReport()
    files = read_sr_files(sr_sources(sources, skip=getattr(book, "path", None)), hq, report, progress)
    chosen = latest_per_sr(files, report)
    tick = every(progress, "merging into the HQ workbook", len(chosen))
    for done, sr_file in enumerate(chosen, start=1):
        report.files.append(merge_file(book, hq, sr_file, report.entries))
        tick(done)
    report.entries = [replace(entry, time=stamp) for entry in report.entries]
    report.files.sort(key=lambda result: result.path.name)
    _save(book, hq, report)
    return report


def hq_state(book: Book) -> HqState:
    meta = read_meta(book)
    if not meta.tabs:
        raise CollectError("the HQ workbook has no store tabs: run `kam generate BOOK.xlsx` before collecting")
    tabs = existing_tabs(book, meta)
    return HqState(
        meta.values.get("account", ""),
        meta.language,
        {s: r for s, (_, r) in tabs.items()},
        {s: name for s, (name, _) in tabs.items()},
    )


def sr_sources(sources: list[Path], skip: Path | None = None) -> list[Path]:
    """The files to collect: files as given, and every .xlsx in the given folders except Office lock
    files (~$*) and kam backups; each file once, never the HQ workbook itself."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found += sorted(p for p in source.iterdir() if p.is_file() and _looks_like_sr_file(p))
        else:
            found.append(source)
    seen = {_identity(skip)} if skip is not None else set()
    unique = []
    for path in found:
        if _identity(path) not in seen:
            seen.add(_identity(path))
            unique.append(path)
    return unique


def _looks_like_sr_file(path: Path) -> bool:
    name = path.name
    return path.suffix.lower() == ".xlsx" and not name.startswith(("~$", ".")) and ".kam-backup-" not in name


def _identity(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def read_sr_files(paths: list[Path], hq: HqState, report: CollectReport, progress: Progress | None) -> list[SrFile]:
    """Every readable SR file (read in parallel: python-calamine releases the GIL); each refused one is
    recorded in the report with its reason, in the order the files were given."""
    tick = every(progress, "reading SR files", len(paths))
    files = []
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for done, (path, outcome) in enumerate(zip(paths, pool.map(lambda p: _try_read(p, hq), paths)), start=1):
            if isinstance(outcome, SrFile):
                files.append(outcome)
            else:
                _refuse(report, path, outcome)
            tick(done)
    return files


def _try_read(path: Path, hq: HqState) -> SrFile | str:
    """The SR file, or why it is refused."""
    try:
        return read_sr_file(path, hq)
    except KamError as exc:
        return _without_name(str(exc), path)
    except Exception as exc:  # a damaged file may break a reader in any way: refuse it, keep going
        return f"cannot be read ({type(exc).__name__}: {exc}) — re-save it in Excel"


def _without_name(message: str, path: Path) -> str:
    """A message without the file's path or name in front (the report names the file already)."""
    message = message.replace(str(path), path.name)
    return message[len(path.name) + 2 :] if message.startswith(f"{path.name}: ") else message


def _refuse(report: CollectReport, path: Path, reason: str, sr_id: str = "", what: str = "refused") -> None:
    report.files.append(FileResult(path, sr_id, what, reason))
    report.entries.append(LogEntry(what, path.name, reason, sr=sr_id))


class _Source:
    """An SR file opened for reading: checked as a package first, values read with python-calamine."""

    def __init__(self, path: Path):
        self.package = Package.open(path, max_size=MAX_SR_FILE)
        for name in self.package.part_names():
            if b"<!DOCTYPE" in self.package.read_part(name):
                raise CollectError(f"part {name} holds a DTD, which no workbook has — refused")
        self.reader = open_book(path)

    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)

    def grid(self, name: str) -> list[list]:
        return read_grid(self.reader, name)


def read_sr_file(path: Path, hq: HqState) -> SrFile:
    """An SR file's identity and raw input values; CollectError (with what to do) refuses the whole file."""
    source = _Source(path)
    meta = read_meta(source)
    sr_id = _sr_identity(meta, hq)
    tabs, notes = _sr_tabs(source, meta, hq, sr_id, path.name)
    return SrFile(path, sr_id, _saved_at(source.package, path), tabs, notes)


def _sr_identity(meta: Meta, hq: HqState) -> str:
    role, account, sr_id = (meta.values.get(key, "") for key in ("role", "account", "sr_id"))
    if not meta.values:
        raise CollectError(
            "not an SR workbook made by `kam split` (no _meta sheet) — ask the SR to "
            "fill the file that was sent to them"
        )
    if role != "sr" or not sr_id:
        what = "the HQ workbook" if role == "hq" else "not an SR workbook"
        raise CollectError(f"{what}, not an SR file made by `kam split` — collect only SR files")
    if account != hq.account:
        raise CollectError(
            f"made for account {account!r}, not {hq.account!r} — collect it into that account's workbook"
        )
    return sr_id


def _sr_tabs(source: _Source, meta: Meta, hq: HqState, sr_id: str, name: str) -> tuple[list[SrTab], list[LogEntry]]:
    """The store tabs of an SR file, found by their store-id cell, and notes on sheets that are not."""
    expected = {record.store_id: record for record in meta.tabs}
    found: dict[str, SrTab] = {}
    notes: list[LogEntry] = []
    for sheet in (s for s in source.sheet_names() if s not in system_sheet_names()):
        grid = source.grid(sheet)
        store_id = store_id_of(grid)
        if store_id is None:
            notes.append(LogEntry("note", name, "not a store tab (no store ID in C3): ignored", sr_id, sheet))
            continue
        record = _checked_record(store_id, sheet, expected, hq, sr_id)
        if store_id in found:
            raise CollectError(
                f"sheets {found[store_id].sheet!r} and {sheet!r} are both store {store_id} "
                "— delete the copy and send the file again"
            )
        found[store_id] = SrTab(store_id, sheet, raw_values(grid, record.cells))
    return list(found.values()), notes + _tab_notes(found, expected, sr_id, name)


def _tab_notes(found: dict[str, SrTab], expected: dict[str, TabRecord], sr_id: str, name: str) -> list[LogEntry]:
    """Notes on tabs renamed in the file (still merged) and tabs missing from it (nothing to merge)."""
    notes = [
        LogEntry(
            "note",
            name,
            f"tab {expected[s].tab!r} was renamed in the file; recognised by its store ID",
            sr_id,
            tab.sheet,
            store=s,
        )
        for s, tab in found.items()
        if tab.sheet != expected[s].tab
    ]
    notes += [
        LogEntry(
            "note",
            name,
            f"the tab of store {s} is missing from the file: nothing merged for it",
            sr_id,
            expected[s].tab,
            store=s,
        )
        for s in sorted(expected.keys() - found.keys())
    ]
    return notes


def store_id_of(grid: list[list]) -> str | None:
    """The store id of a store tab (its locked C3 cell, labelled in A3), or None for any other sheet."""
    row, col = split_ref(STORE_ID_CELL)
    if cell_at(grid, row, 1) not in _ID_LABELS:
        return None
    value = cell_at(grid, row, col)
    return None if value is None else shown(value).strip()


def _checked_record(store_id: str, sheet: str, expected: dict[str, TabRecord], hq: HqState, sr_id: str) -> TabRecord:
    """This file's record of a store tab, after checking the store is this SR's and the plan is current."""
    where = f"sheet {sheet!r} (store {store_id})"
    mine = hq.records.get(store_id)
    if mine is None:
        raise CollectError(f"{where}: no such store in the HQ workbook — the file belongs to another plan")
    if mine.sr_id != sr_id:
        raise CollectError(
            f"{where}: the store belongs to {mine.sr_id}, not to {sr_id} — each SR sends back only their own file"
        )
    record = expected.get(store_id)
    if record is None:
        raise CollectError(
            f"{where}: the tab is not listed in this file's _meta (copied in from another file?) "
            "— send the file as it was split"
        )
    if record.fingerprint != mine.fingerprint:
        raise CollectError(
            f"{where}: made for an earlier plan (version {record.fingerprint}, HQ now has "
            f"{mine.fingerprint}); split again and send the new file"
        )
    return record


def raw_values(grid: list[list], cells: dict) -> dict[FieldKey, tuple[str, object]]:
    return {key: (cell, value_at(grid, row, col)) for key, cell, row, col in input_positions(cells)}


def value_at(grid: list[list], row: int, col: int) -> object:
    """cell_at for the hot loops: the value at 1-based (row, col), None when empty or outside."""
    try:
        value = grid[row - 1][col - 1]
    except IndexError:
        return None
    return None if value == "" else value


def _saved_at(package: Package, path: Path) -> tuple:
    """When the file was last saved: the time its application wrote into docProps, then the file's mtime."""
    stamp = ""
    if _CORE in package.part_names():
        found = parse_xml(package.read_part(_CORE), f"{path.name}: {_CORE}").find(_MODIFIED)
        stamp = (found.text or "").strip() if found is not None else ""
    return stamp, path.stat().st_mtime_ns


def latest_per_sr(files: list[SrFile], report: CollectReport) -> list[SrFile]:
    """One file per SR: the one saved last wins; an identical copy is skipped, a different one refused."""
    by_sr: dict[str, list[SrFile]] = {}
    for sr_file in files:
        by_sr.setdefault(sr_file.sr_id, []).append(sr_file)
    chosen = []
    for sr_id, group in by_sr.items():
        winner = max(group, key=lambda f: (f.saved, f.path.name))
        chosen.append(winner)
        for other in group:
            if other is not winner:
                _duplicate(report, sr_id, other, winner)
    return chosen


def _duplicate(report: CollectReport, sr_id: str, other: SrFile, winner: SrFile) -> None:
    if other.content() == winner.content():
        _refuse(report, other.path, f"same content as {winner.path.name}, merged once", sr_id, "skipped")
        return
    if other.saved[0] != winner.saved[0]:
        why = f"was saved later ({winner.saved[0]} against {other.saved[0] or 'unknown'})"
    elif other.saved[1] != winner.saved[1]:
        why = "is the newer file on disk (both files carry the same save time)"
    else:
        why = "comes later by name (both files carry the same save time)"
    _refuse(
        report,
        other.path,
        f"another file for {sr_id}, {winner.path.name}, {why} and wins; collect this one alone if it is the right one",
        sr_id,
    )


def merge_file(book: Book, hq: HqState, sr_file: SrFile, entries: list[LogEntry]) -> FileResult:
    """Write an SR file's accepted values into the HQ tabs; log rejections, changes and kept values."""
    result = FileResult(sr_file.path, sr_file.sr_id, "unchanged", stores=len(sr_file.tabs))
    entries.extend(sr_file.notes)
    for tab in sr_file.tabs:
        merge_tab(book, hq, sr_file, tab, result, entries)
    if result.new or result.changed:
        result.status = "merged"
        entries.append(
            LogEntry(
                "merged",
                sr_file.path.name,
                f"{result.stores} store(s): {result.new} new, {result.changed} changed, {result.rejected} rejected",
                sr_file.sr_id,
            )
        )
    return result


def merge_tab(
    book: Book,
    hq: HqState,
    sr_file: SrFile,
    tab: SrTab,
    result: FileResult,
    entries: list[LogEntry],
) -> None:
    sheet = hq.sheets[tab.store_id]
    places = {key: cell for key, cell, _, _ in input_positions(hq.records[tab.store_id].cells)}
    filled = book.filled_cells(sheet)
    current = book.cell_values(sheet, [places[key] for key in tab.values if places.get(key) in filled])
    writes: dict[str, object] = {}
    for key, (sr_cell, raw) in tab.values.items():
        hq_cell = places.get(key)
        old = current.get(hq_cell)
        if raw is None and old is None:
            continue
        what, value = merge_cell(key, raw, old, hq.lang) if hq_cell else ("rejected", "no such field in HQ")
        if what in ("new", "changed"):
            writes[hq_cell] = value
        if what == "same":
            continue
        setattr(result, what, getattr(result, what) + 1)
        if what != "new":
            entries.append(_cell_entry(what, sr_file, tab, sr_cell, key, old, raw, value))
    if writes:
        book.set_cells(sheet, writes)


def merge_cell(key: FieldKey, raw: object, old: object, lang: str) -> tuple[str, object]:
    """('same' | 'kept' | 'new' | 'changed', value to write) or ('rejected', reason) for one input cell."""
    if type(raw) is type(old) and raw == old:
        return "same", None
    if is_blank(raw):
        return ("same", None) if is_blank(old) else ("kept", None)
    try:
        value = checked(key, raw)
    except ParseError as exc:
        return "rejected", _reason(key, exc, lang)
    if value is None:
        return ("same", None) if is_blank(old) else ("kept", None)
    if is_blank(old):
        return "new", tab_value(key, value, lang)
    return ("same", None) if _same(key, value, old) else ("changed", tab_value(key, value, lang))


def _same(key: FieldKey, value: object, old: object) -> bool:
    try:
        return normalise(key, old) == value
    except ParseError:
        return False


def _reason(key: FieldKey, exc: ParseError, lang: str) -> str:
    kind = enum_kind(key)
    allowed = f" (allowed: {', '.join(enum_labels(kind, lang))})" if kind else ""
    return f"{exc}{allowed}"


def _cell_entry(
    what: str,
    sr_file: SrFile,
    tab: SrTab,
    cell: str,
    key: FieldKey,
    old: object,
    raw: object,
    value: object,
) -> LogEntry:
    reasons = {
        "kept": "blank in the file: the HQ value is kept (clear it in HQ if it should go)",
        "changed": "the SR file has another value",
    }
    new = shown(raw) if what == "rejected" else shown(value)
    return LogEntry(
        what,
        sr_file.path.name,
        value if what == "rejected" else reasons[what],
        sr_file.sr_id,
        tab.sheet,
        cell,
        tab.store_id,
        key_text(key),
        shown(_as_typed(key, old)),
        new,
    )


def _as_typed(key: FieldKey, value: object) -> object:
    """An HQ cell's value as the field's type (a date field's serial number as a date), for the log."""
    try:
        return normalise(key, value)
    except ParseError:
        return value


def _save(book: Book, hq: HqState, report: CollectReport) -> None:
    """Write the log and save, but only when a value changed or the log learnt something new."""
    earlier = read_log(book, hq.lang)
    known = {entry.signature() for entry in earlier}
    fresh = [e for e in report.entries if e.what in ("changed", "merged") or e.signature() not in known]
    if not fresh and not report.written:
        return
    book.put_sheet(log_sheet(earlier + fresh, hq.lang))
    report.backup = book.save()
    report.saved = True

"""The collect stage: SR workbooks merged back into the HQ store tabs, checked, logged, saved atomically.

Every value goes into the same field of the same store's tab in HQ: the field is found in the SR tab by
its row's key and its column's header (srfile.py), and in the HQ tab the same way. Nothing is guessed:
what cannot be placed is refused and logged with what to do; a blank SR cell never erases an HQ value;
the same file collected again is skipped (collected.py).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from kam_xl.book import Book
from kam_xl.bulk import bulk_work, freeze_more
from kam_xl.errors import CollectError, KamError
from kam_xl.execution.collected import Collected, collected_sheet, read_collected
from kam_xl.execution.log import LogEntry, log_sheet, read_log, shown
from kam_xl.execution.sources import Source, collect_sources
from kam_xl.execution.srfile import CellProblem, HqTabs, SrFile, SrTab, read_sr_file
from kam_xl.history.optional import recording
from kam_xl.history.values import Ancestors, coded, encode, typed
from kam_xl.lang.console import say
from kam_xl.lang.texts import reason_text
from kam_xl.lang.words import enum_labels
from kam_xl.model.entries import FieldKey, checked, enum_kind, key_text, normalise, tab_value
from kam_xl.model.parsing import ParseError, is_blank
from kam_xl.parallel import in_helper, shared_map, sharing
from kam_xl.plan.meta import read_meta
from kam_xl.progress import Progress, every
from kam_xl.storetabs.cellmap import places
from kam_xl.storetabs.find import check_no_tab_under_reserved_names, existing_tabs
from kam_xl.storetabs.locate import TabLayoutError, find_store_id
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive
from kam_xl.xlsx.recalc import Refresh
from kam_xl.xlsx.spec import column_letter


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
    held: int = 0  # HQ value kept: changed in HQ since the file's (unchanged) value was collected (three_way)
    refused_tabs: int = 0  # tabs that could not be placed (each one logged with what to do)
    hq_refused: int = 0  # of those, refused because of the HQ tab (collect the same file again once it is fixed)
    accepted: list = field(default_factory=list, repr=False)  # (store id, field key, value) written: the history

    def as_dict(self) -> dict:
        """The outcome as plain JSON-able data."""
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
            "held": self.held,
            "refused_tabs": self.refused_tabs,
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
    history: object = None  # the history Recorder (kam_xl.history.record): what was recorded, where, warnings
    lang: str = "en"  # the HQ workbook's language: the report's words

    @property
    def written(self) -> int:
        """Values written into HQ cells by this run."""
        return sum(f.new + f.changed for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every file merged cleanly; 1 when a file or a tab was refused or a value rejected (see the log)."""
        return 1 if any(f.status == "refused" or f.rejected or f.refused_tabs for f in self.files) else 0

    def as_dict(self) -> dict:
        """The report as plain JSON-able data (the --json output)."""
        return {
            "book": str(self.book) if self.book else None,
            "saved": self.saved,
            "backup": str(self.backup) if self.backup else None,
            "written": self.written,
            "files": [f.as_dict() for f in self.files],
            "log": [e.as_dict() for e in self.entries],
        }

    def lines(self, lang: str | None = None) -> list[str]:
        """The report for people (in the workbook's language): one line per file, then every entry other than a
        file summary."""
        lang = lang or self.lang
        out = [_file_line(f, lang) for f in self.files]
        out += [
            "  " + entry.line(lang)
            for entry in self.entries
            if entry.sheet or entry.what not in ("merged", "refused", "skipped")
        ]
        out.append(say("written_saved" if self.saved else "written_unsaved", lang, count=self.written))
        return out


def _file_line(result: FileResult, lang: str) -> str:
    if result.status in ("refused", "skipped"):
        return say(f"file_{result.status}", lang, file=result.path.name, reason=result.reason)
    refused = say("tabs_refused", lang, count=result.refused_tabs) if result.refused_tabs else ""
    held = say("values_held", lang, count=result.held) if result.held else ""
    return say(
        "file_merged", lang, file=result.path.name, sr=result.sr_id, status=say(f"status_{result.status}", lang),
        stores=result.stores, new=result.new, changed=result.changed, rejected=result.rejected, kept=result.kept,
        held=held, refused=refused,
    )  # fmt: skip


READERS = max(2, min(4, os.cpu_count() or 2))  # threads reading SR files


def collect(
    path: str | Path,
    sources: list,
    progress: Progress | None = None,
    *,
    wait=DEFAULT_WAIT,
    force: bool = False,
    db: str | Path | None = None,
    earlier_plan: bool = False,
) -> CollectReport:
    """Merge SR files (or folders of them) into the HQ workbook at `path`; saved atomically with a backup.
    With `earlier_plan`, tabs made for an earlier version of their store's plan are merged too (each value by
    its row's key and column's header, as always; noted in the log) instead of refused.
    The workbook's lock is held from before reading to after saving (kam_xl.xlsx.guard.exclusive).

    CollectError (exit 2, nothing written) when `path` is not an HQ workbook with store tabs; BusyError when
    another kam command holds it or it is open in Excel or LibreOffice (unless `force`).
    The accepted values are recorded in the history database `db` (kam_xl.history: committed after the save).
    """
    with (
        exclusive(path, command="collect", wait=wait, force=force) as guard,
        recording(path, db, "collect") as rec,
        bulk_work(),
    ):
        report = collect_book(
            FileBook(path, progress),
            [Path(s) for s in sources],
            progress,
            on_save=rec.stage_collect,
            earlier_plan=earlier_plan,
            collected_before=rec.collected_before,
        )
    report.book, report.forced, report.history = Path(path), guard.forced, rec
    return report


def collect_book(
    book: Book,
    sources: list[Path],
    progress: Progress | None = None,
    *,
    on_save=None,
    earlier_plan: bool = False,
    collected_before=None,
) -> CollectReport:
    """Merge SR files into a Book: same field of the same store tab, checked, every refusal and change logged.

    A blank cell in an SR file never erases an HQ value (it is reported as kept). A file whose content was
    collected before is skipped. Nothing is saved when no value changed and the log has nothing new, so
    collecting the same files again is a no-op. `collected_before(book, stores)` gives what the files brought last
    (the history database's Recorder.collected_before): a value the KAM changed in HQ since stands against a
    newer file that still holds the old one (three_way).
    """
    hq = replace(hq_state(book), earlier_plan=earlier_plan)
    stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
    report = CollectReport(lang=hq.lang)
    seen = read_collected(book)
    freeze_more()  # the HQ's cell maps: read once, kept to the end
    files = read_sr_files(collect_sources(sources, skip=getattr(book, "path", None)), hq, report, progress)
    files = [f for f in files if not _already_collected(f, seen, report, hq.lang)]
    chosen = latest_per_sr(files, report, hq.lang)
    if chosen and collected_before is not None:
        hq = replace(hq, collected=collected_before(book, {tab.store_id for f in chosen for tab in f.tabs}))
    freeze_more()  # the files read stay as they are while they are merged
    merge_files(book, hq, chosen, report, progress)
    report.entries = [replace(entry, time=stamp) for entry in report.entries]
    report.files.sort(key=lambda result: result.path.name)
    save_merge(book, hq, report, seen, chosen, stamp, on_save)
    return report


def hq_state(book: Book) -> HqTabs:
    """The HQ workbook's account, language and store tabs; CollectError when it is not an HQ workbook."""
    meta = read_meta(book)
    label = getattr(book, "path", None)
    label = label.name if label else "the workbook"
    if meta.role == "sr":
        raise CollectError(
            f"{label} is the SR workbook of {meta.values.get('sr_id', '?')}, not the HQ workbook — give the HQ "
            "workbook first: kam collect HQ.xlsx SR-FILES..., kam import HQ.xlsx REPORT"
        )
    if not meta.tabs:
        raise CollectError(f"{label} has no store tabs: run `kam generate BOOK.xlsx` before collecting")
    tabs = existing_tabs(book, meta)
    check_no_tab_under_reserved_names(tabs, "collect")
    return HqTabs(
        meta.values.get("account", ""),
        meta.language,
        {s: r for s, (_, r) in tabs.items()},
        {s: name for s, (name, _) in tabs.items()},
        frozenset({record.store_id for record in meta.tabs} - tabs.keys()),
    )


def read_sr_files(sources: list[Source], hq: HqTabs, report: CollectReport, progress: Progress | None) -> list[SrFile]:
    """Every readable SR file; each refused or skipped one is recorded in the report with its reason, in the order
    the files were given. Files are read by two processes (kam_xl.parallel: a forked helper reads every other
    batch), or by threads in one (python-calamine releases the GIL)."""
    readable = [s.path for s in sources if not s.refused and not s.skipped]
    for source in sources:
        if source.refused:
            _refuse(report, source.path, source.refused)
        elif source.skipped:
            _refuse(report, source.path, source.skipped, what="skipped")
    tick = every(progress, "reading SR files", len(readable))
    batches = _read_batches(readable)
    threads = 1 if sharing(batches) else READERS
    outcomes: dict[Path, SrFile | str] = {}
    for batch in shared_map(lambda paths: _read_batch(paths, hq, threads), batches):
        outcomes.update(batch)
        tick(len(outcomes))
    files = []
    for path in readable:
        outcome = outcomes[path]
        if isinstance(outcome, SrFile):
            files.append(outcome)
        else:
            _refuse(report, path, outcome)
    return files


def _read_batches(paths: list[Path], count: int = 8) -> list[list[Path]]:
    """The files dealt into `count` batches (or one per file), every batch getting big and small ones alike."""
    count = min(count, len(paths))
    return [paths[start::count] for start in range(count)]


def _read_batch(paths: list[Path], hq: HqTabs, threads: int) -> list[tuple[Path, SrFile | str]]:
    if threads < 2 or len(paths) < 2:
        return [(path, _try_read(path, hq)) for path in paths]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(zip(paths, pool.map(lambda p: _try_read(p, hq), paths)))


def _try_read(path: Path, hq: HqTabs) -> SrFile | str:
    """The SR file, or why it is refused."""
    if not path.exists():
        return say("why_not_found", hq.lang)
    try:
        return read_sr_file(path, hq)
    except KamError as exc:
        return _without_name(str(exc), path)
    except MemoryError:
        return "too large to read — delete what is beyond the store tabs' data, save, and send it again"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a damaged file may break a reader in any way (a panic in python-calamine too)
        return f"cannot be read ({type(exc).__name__}: {exc}) — re-save it in Excel"


def _without_name(message: str, path: Path) -> str:
    """A message without the file's path or name in front (the report names the file already)."""
    message = message.replace(str(path), path.name)
    return message[len(path.name) + 2 :] if message.startswith(f"{path.name}: ") else message


def _refuse(report: CollectReport, path: Path, reason: str, sr_id: str = "", what: str = "refused") -> None:
    report.files.append(FileResult(path, sr_id, what, reason))
    report.entries.append(LogEntry(what, path.name, reason, sr=sr_id))


def _already_collected(sr_file: SrFile, seen: dict[str, Collected], report: CollectReport, lang: str = "en") -> bool:
    """Skip a file whose exact content was collected before (a KAM's later corrections in HQ stand)."""
    earlier = seen.get(sr_file.digest)
    if earlier is None:
        return False
    reason = say("why_collected", lang, time=earlier.time, file=earlier.file)
    report.files.append(FileResult(sr_file.path, sr_file.sr_id, "skipped", reason))
    return True


def latest_per_sr(files: list[SrFile], report: CollectReport, lang: str = "en") -> list[SrFile]:
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
                _duplicate(report, sr_id, other, winner, lang)
    return chosen


def _duplicate(report: CollectReport, sr_id: str, other: SrFile, winner: SrFile, lang: str = "en") -> None:
    if other.content() == winner.content():
        _refuse(report, other.path, say("why_same_content", lang, file=winner.path.name), sr_id, "skipped")
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


# ---------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------


READ_AHEAD = 32  # HQ tabs read ahead of the one being merged


def merge_files(book: Book, hq: HqTabs, files: list[SrFile], report: CollectReport, progress: Progress | None) -> None:
    """Merge the chosen files, in order. On a file, two processes share them (kam_xl.parallel): a forked helper
    merges the second half into its copy of the workbook and hands back the sheets it changed; only this process
    saves. Each SR's tabs are their own stores' (srfile.py), so the halves never write into the same sheet."""
    tick = every(progress, "merging into the HQ workbook", len(files))
    batches = _merge_batches(files) if isinstance(book, FileBook) else [files]
    if not sharing(batches):
        batches = [files]  # one process: one batch (its formulas evaluated together)
    else:
        book.package  # noqa: B018 — opened here, before the helper is forked: both work on the same package
    done = 0

    def counted(count: int) -> None:
        nonlocal done
        done += count
        tick(done)

    for results, entries, changes in shared_map(lambda batch: _merge_batch(book, hq, batch, counted), batches):
        if changes is not None:
            book.package.take_sheet_changes(*changes)
            counted(len(results))
        elif len(batches) > 1:
            book.sheet_writer()  # the log's writer (openpyxl's styles) made while the helper finishes its half
        report.files.extend(results)
        report.entries.extend(entries)


MAIN_SHARE = 0.47  # of the tabs, merged by this process (it then writes the log while the helper hands its sheets back)


def _merge_batches(files: list[SrFile]) -> list[list[SrFile]]:
    """The files in two runs, the first of about MAIN_SHARE of the tabs (one run when there is one file)."""
    if len(files) < 2:
        return [files]
    half, seen = sum(len(f.tabs) for f in files) * MAIN_SHARE, 0
    for index, sr_file in enumerate(files[:-1], start=1):
        seen += len(sr_file.tabs)
        if seen >= half:
            return [files[:index], files[index:]]
    return [files[:-1], files[-1:]]


def _merge_batch(book: Book, hq: HqTabs, files: list[SrFile], counted) -> tuple[list, list, tuple | None]:
    """Merge files into the book (their HQ tabs read ahead in threads); returns their results and log entries,
    and in a forked helper the sheets it changed (Package.sheet_changes)."""
    helper = in_helper()
    if helper:
        book.after_fork()
    sheets = [hq.sheets[tab.store_id] for sr_file in files for tab in sr_file.tabs]
    book.prefetch(sheets[:READ_AHEAD])
    refresh = Refresh(book)  # the cached values of the formulas of every tab written into (kam_xl.xlsx.recalc)
    results: list[FileResult] = []
    entries: list[LogEntry] = []
    done_tabs = 0
    with book.package.reading() if isinstance(book, FileBook) else contextlib.nullcontext():
        for sr_file in files:
            book.prefetch(sheets[done_tabs + READ_AHEAD : done_tabs + len(sr_file.tabs) + READ_AHEAD])
            results.append(merge_file(book, hq, sr_file, entries, refresh))
            done_tabs += len(sr_file.tabs)
            if not helper:
                counted(1)
    refresh.finish()
    return results, entries, book.package.sheet_changes(sheets) if helper else None


def merge_file(
    book: Book, hq: HqTabs, sr_file: SrFile, entries: list[LogEntry], refresh: Refresh | None = None
) -> FileResult:
    """Write an SR file's accepted values into the HQ tabs; log refusals, rejections, changes, kept values.
    Each tab's values are handed to `refresh`, which writes them right after setting the cached values of the
    tab's formulas (when it evaluates the tab's batch, at the latest when it finishes); without one, at once."""
    result = FileResult(sr_file.path, sr_file.sr_id, "unchanged", stores=len(sr_file.tabs))
    entries.extend(sr_file.notes)
    entries.extend(sr_file.refused)
    result.refused_tabs = len(sr_file.refused)
    result.hq_refused = sr_file.refused_for_hq
    for tab in sr_file.tabs:
        sheet = hq.sheets[tab.store_id]
        grid = book.grid(sheet)
        places_in_hq = hq_places(grid, hq, tab.store_id)
        if isinstance(places_in_hq, str):
            result.refused_tabs += 1
            result.hq_refused += 1
            entries.append(
                LogEntry("refused", sr_file.path.name, places_in_hq, sr_file.sr_id, sheet, store=tab.store_id)
            )
        else:
            if hq.records[tab.store_id].status == "inactive":  # its values go to a tab the review leaves out
                entries.append(
                    LogEntry(
                        "note",
                        sr_file.path.name,
                        say("why_inactive", hq.lang, store=tab.store_id),
                        sr_file.sr_id,
                        sheet,
                        store=tab.store_id,
                    )
                )
            writes = merge_tab(book, hq, sr_file, tab, places_in_hq, grid, result, entries)
            if writes:
                cells = {f"{column_letter(col)}{row}": value for (row, col), value in writes.items()}
                if refresh is None:
                    book.set_cells(sheet, cells)
                else:  # written right after the tab's formulas get their cached values
                    refresh.add(sheet, grid, writes, cells)
        book.forget(sheet)
    if result.new or result.changed:
        result.status = "merged"
        entries.append(merged_entry(sr_file.path.name, result, hq.lang, sr_file.sr_id))
    return result


def merged_entry(file: str, result: FileResult, lang: str, sr: str = "") -> LogEntry:
    """The log line saying what a file brought: stores, new, changed and rejected values (collect and import)."""
    reason = say(
        "why_merged", lang, stores=result.stores, new=result.new, changed=result.changed, rejected=result.rejected
    )
    return LogEntry("merged", file, reason, sr)


def hq_places(grid: list[list], hq: HqTabs, store_id: str) -> dict[FieldKey, tuple[int, int]] | str:
    """field -> (row, column) of a store's HQ tab, or why the HQ tab cannot take values now. The cell map is
    checked against the tab's keys and headers; rows or columns moved by hand in HQ are followed."""
    sheet, cells = hq.sheets[store_id], hq.records[store_id].cells
    shown_id, _, _ = find_store_id(grid)
    if shown_id != store_id:
        return (
            f"HQ tab {sheet!r}: its store ID (C3) says {shown_id or 'nothing'}, not {store_id} — put it back (or run "
            "`kam generate`), then collect this file again"
        )
    try:
        positions, _ = places(grid, cells, hq.lang)
    except TabLayoutError as exc:
        where = f" › row {exc.row}" if exc.row else ""
        return (
            f"HQ tab {sheet!r}{where}: {exc} — fix the HQ tab (or run `kam generate`, which rebuilds it keeping "
            "every value), then collect this file again"
        )
    return _by_field(positions)


_BY_FIELD: dict[int, tuple] = {}  # the field -> cell dict of each shared positions tuple (one per tab layout)


def _by_field(positions) -> dict[FieldKey, tuple[int, int]]:
    """field -> (row, column) of `positions` (made once for the positions every tab of one layout shares)."""
    if isinstance(positions, tuple):
        kept = _BY_FIELD.get(id(positions))
        if kept is not None and kept[0] is positions:
            return kept[1]
    found = {key: (row, col) for key, row, col in positions}
    if isinstance(positions, tuple):
        if len(_BY_FIELD) >= 1024:  # more layouts than cellmap keeps (a long-lived process): start again
            _BY_FIELD.clear()
        _BY_FIELD[id(positions)] = (positions, found)
    return found


def merge_tab(
    book: Book,
    hq: HqTabs,
    sr_file: SrFile,
    tab: SrTab,
    places_in_hq: dict[FieldKey, tuple[int, int]],
    grid: list[list],
    result: FileResult,
    entries: list[LogEntry],
) -> dict[tuple[int, int], object]:
    """Merge one SR tab's values into its store's HQ tab (at `places_in_hq`; `grid` holds the HQ values);
    returns what is to be written, by (row, column) (the caller writes it)."""
    writes: dict[tuple[int, int], object] = {}
    for key, (sr_cell, raw) in tab.values.items():
        place = places_in_hq.get(key)
        old = _value_at(grid, *place) if place else None
        if raw is None and old is None:
            continue
        what, value = merge_cell(key, raw, old, hq.lang) if place else ("rejected", say("why_no_field", hq.lang))
        if hq.collected and what in ("new", "changed"):
            what = three_way(hq.collected, tab.store_id, key, what, value, old, sr_file.made_from)
        if what in ("new", "changed", "changed_both"):
            writes[place] = value
            result.accepted.append((tab.store_id, key, value))
        if what == "same":
            continue
        counted = REPORTED_AS.get(what, what)
        setattr(result, counted, getattr(result, counted) + 1)
        if what != "new":
            entries.append(_cell_entry(what, sr_file, tab, sr_cell, key, old, raw, value, hq.lang))
    return writes


@dataclass
class Touched:
    """An HQ tab a collect wrote into: its values before (as read) and what was written."""

    sheet: str
    grid: list[list]
    writes: dict[tuple[int, int], object]


def refresh_cached_values(book: Book, touched: list[Touched]) -> None:
    """Give every formula of the tabs written into its value for the new entries (kam_xl.xlsx.recalc),
    so a reader that does not recalculate sees today's numbers."""
    refresh = Refresh(book)
    for tab in touched:
        refresh.add(tab.sheet, tab.grid, tab.writes)
    refresh.finish()


REPORTED_AS = {"changed_both": "changed"}  # three_way's outcomes as the report counts them and the log says them


def three_way(
    collected: Ancestors, store_id: str, key: FieldKey, what: str, value: object, old: object, made_from: str = ""
) -> str:
    """A 'new' or 'changed' value weighed against what this field's files brought last (`collected`, from the
    history database): 'held' when the file still has that value and HQ's differs — the KAM changed (or
    cleared) it since, so HQ's stands; 'changed_both' when HQ and the file both changed it (the file's is
    taken, the log says both); else `what`. A file split from the workbook after that value was collected
    (`made_from`) started from HQ's value, so what it says differently is the SR's change: `what` stands."""
    earlier = collected.of(store_id, key, made_from)
    if earlier is None:
        return what
    if coded(key, value) == earlier:
        return "held"
    if what == "changed" and encode(key, typed(key, old)) != earlier:
        return "changed_both"
    return what


def _value_at(grid: list[list], row: int, col: int) -> object:
    try:
        value = grid[row - 1][col - 1]
    except IndexError:
        return None
    return None if value == "" else value


def merge_cell(key: FieldKey, raw: object, old: object, lang: str) -> tuple[str, object]:
    """('same' | 'kept' | 'new' | 'changed', value to write) or ('rejected', reason) for one input cell."""
    if isinstance(raw, CellProblem):
        return "rejected", raw.reason
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
    return reason_text(f"{exc}{allowed}", lang)


def _cell_entry(
    what: str,
    sr_file: SrFile,
    tab: SrTab,
    cell: str,
    key: FieldKey,
    old: object,
    raw: object,
    value: object,
    lang: str = "en",
) -> LogEntry:
    new = shown(raw) if what == "rejected" else shown(value)
    reasons = {
        "kept": say("why_kept", lang),
        "changed": say("why_changed", lang),
        "held": say("why_held", lang, old=shown(_as_typed(key, old)) or say("blank_value", lang), new=new),
        "changed_both": say("why_changed_both", lang),
    }
    return LogEntry(
        REPORTED_AS.get(what, what),
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


def save_merge(
    book: Book,
    hq: HqTabs,
    report: CollectReport,
    seen: dict[str, Collected],
    merged: list,
    stamp: str,
    on_save=None,
) -> None:
    """Write the log and the record of collected files, and save — only when a value changed or the log learnt
    something new."""
    earlier = read_log(book, hq.lang)
    known = {entry.signature() for entry in earlier}
    fresh = [e for e in report.entries if e.what in ("changed", "merged") or e.signature() not in known]
    outcomes = {r.path: r for r in report.files}
    new_files = [
        Collected(f.digest, f.path.name, f.sr_id, stamp, outcomes[f.path].status)
        for f in merged
        if f.digest not in seen
        and outcomes[f.path].status in ("merged", "unchanged")
        and not outcomes[f.path].hq_refused
    ]
    if not fresh and not report.written:
        return  # nothing to keep: files that changed nothing are not worth a save (they change nothing again)
    book.put_sheet(log_sheet(earlier + fresh, hq.lang))
    if new_files:
        book.put_sheet(collected_sheet([*seen.values(), *new_files]))
    if on_save is not None:  # the history database's rows, in a transaction committed after the save
        on_save(book, report)
    report.backup = book.save()
    report.saved = True

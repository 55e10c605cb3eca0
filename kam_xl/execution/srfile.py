"""Reading one SR workbook for collect: is it safe, whose is it, which store tabs does it really hold, and
what was typed into each input — found by the key of its row and the header of its column.

A whole file is refused only when it cannot be trusted as a whole (not a workbook, encrypted, a zip or
XML bomb, cells reaching absurdly far, not an SR file of this account). A tab is refused on its own when
it cannot be placed (two tabs claim one store, a copied tab, another SR's store, made for an earlier plan,
a key missing or doubled): the rest of the file still merges, and the log says what to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.errors import CollectError, WorkbookError
from kam_xl.execution.log import LogEntry, shown
from kam_xl.execution.thisweek import read_this_week
from kam_xl.history.values import Ancestors
from kam_xl.lang.console import say
from kam_xl.lang.words import sheet_name
from kam_xl.model.entries import FieldKey
from kam_xl.plan.meta import Meta, TabRecord, read_meta
from kam_xl.storetabs.cellmap import places
from kam_xl.storetabs.find import system_sheet_names
from kam_xl.storetabs.locate import TabLayoutError, tab_identity
from kam_xl.xlsx.formulapatch import formula_text, formulas_at
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import open_book, read_grid
from kam_xl.xlsx.safezip import parse_xml
from kam_xl.xlsx.scan import SheetScan, check_area, scan_sheet, uncached_formulas
from kam_xl.xlsx.spec import column_letter

MAX_SR_FILE = 100_000_000  # bytes an SR workbook may be, packed or unpacked (zip bombs are refused)
_CORE = "docProps/core.xml"
_MODIFIED = "{http://purl.org/dc/terms/}modified"


@dataclass(frozen=True)
class CellProblem:
    """An input cell whose content cannot be taken as a value: an error value or a formula with no result."""

    reason: str
    shown: str

    def __str__(self) -> str:
        return self.shown


@dataclass
class SrTab:
    """One store tab of an SR file: the store, the sheet, and each field's SR cell and raw value."""

    store_id: str
    sheet: str
    values: dict[FieldKey, tuple[str, object]]


@dataclass
class SrFile:
    """An SR file ready to merge: who sent it, when it was saved, its content hash, tabs, refusals, notes."""

    path: Path
    sr_id: str
    saved: tuple  # (docProps modified time, file mtime): the later file wins among duplicates
    digest: str  # sha256 of the file's bytes: the same file is collected once
    tabs: list[SrTab]
    notes: list[LogEntry] = field(default_factory=list)
    refused: list[LogEntry] = field(default_factory=list)  # tabs refused on their own
    refused_for_hq: int = 0  # of them, refused for HQ's sake (its tab gone, an earlier plan): not recorded as collected
    made_from: str = ""  # the HQ workbook's history token when `kam split` made the file (its _meta; '' if none)

    def content(self) -> list:
        """What the file says, comparable between two files of one SR."""
        return sorted(
            (t.store_id, "|".join(map(str, k)), repr(raw)) for t in self.tabs for k, (_, raw) in t.values.items()
        )


@dataclass
class HqTabs:
    """What collect knows of the HQ workbook: account, language, each store's record and sheet."""

    account: str
    lang: str
    records: dict[str, TabRecord]
    sheets: dict[str, str]
    gone: frozenset[str] = frozenset()  # stores whose tab _meta lists but the workbook no longer has (deleted)
    earlier_plan: bool = False  # merge tabs made for an earlier version of their store's plan (collect --earlier-plan)
    # what the SR files last brought, as recorded in the history database (empty without one): an HQ value changed
    # since is the KAM's correction, kept against a file still holding that value (collect.three_way)
    collected: Ancestors = field(default_factory=Ancestors)


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Opened:
    """An SR file checked as a package (bombs, DTDs, absurd sheets) before python-calamine reads it."""

    def __init__(self, path: Path):
        self.package = Package.open(path, max_size=MAX_SR_FILE)
        for name in self.package.part_names():
            if b"<!DOCTYPE" in self.package.read_part(name):
                raise CollectError(f"part {name} holds a DTD, which no workbook has — refused")
        self.scans: dict[str, SheetScan] = {}
        for name in self.package.sheet_names():
            try:
                data = self.package.sheet_xml(name)
            except WorkbookError:
                continue  # a sheet without content: calamine reads it as empty
            scan = scan_sheet(data, f"sheet {name!r}")
            check_area(scan, f"sheet {name!r}")
            self.scans[name] = scan
        self.reader = open_book(path)

    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)

    def formulas(self, sheet: str, refs: list[str]) -> dict[str, str]:
        """The formulas of these cells: from the scan's plain texts, else found where they are in the sheet's XML,
        else (anything unusual) from the whole sheet parsed."""
        texts = self.scans[sheet].texts if sheet in self.scans else {}
        found: dict[str, str] | None = {}
        for ref in refs:
            raw = texts.get(ref.encode())
            text = formula_text(raw) if raw else None
            if text is None:
                found = None
                break
            found[ref] = text
        if found is not None:
            return found
        found = formulas_at(self.package.sheet_xml(sheet), refs)
        return found if found is not None else self.package.formula_cells(sheet)

    def grid(self, name: str) -> list[list]:
        return read_grid(self.reader, name)


def read_sr_file(path: Path, hq: HqTabs) -> SrFile:
    """An SR file's identity, tabs and raw input values; CollectError (with what to do) refuses it whole."""
    digest = file_digest(path)
    source = _Opened(path)
    meta = read_meta(source)
    inferred = not meta.values and _inferred_meta(source, hq)
    if inferred:
        meta = inferred
    sr_id = sr_identity(meta, hq)
    made_from = meta.values.get("history_token", "")
    sr_file = SrFile(path, sr_id, _saved_at(source.package, path), digest, [], made_from=made_from)
    sr_file.notes += [
        LogEntry("note", path.name, f"{text}; the tab is read by its own key cells", sr_id) for text in meta.damaged
    ]
    if inferred:
        sr_file.notes.append(
            LogEntry(
                "note",
                path.name,
                "the file's _meta sheet is missing (saved by another app?): "
                f"recognised as {sr_id}'s by its tabs' store IDs and plan versions",
                sr_id,
            )
        )
    _read_tabs(source, meta, hq, sr_file)
    return sr_file


def _inferred_meta(source: _Opened, hq: HqTabs) -> Meta | None:
    """A _meta for a file that lost its own: every store tab whose plan version is its store's in HQ, when they
    all belong to one SR; None when the tabs do not say that unambiguously."""
    records = []
    for sheet in source.sheet_names():
        store_id, _, version = tab_identity(source.grid(sheet))
        mine = hq.records.get(store_id) if store_id else None
        if mine is not None and version == mine.fingerprint:
            records.append(TabRecord(store_id, sheet, mine.sr_id, "active", version, mine.cells))
    owners = {record.sr_id for record in records}
    if len(owners) != 1:
        return None
    meta = Meta({"role": "sr", "account": hq.account, "sr_id": owners.pop(), "language": hq.lang})
    meta.tabs = records
    return meta


def sr_identity(meta: Meta, hq: HqTabs) -> str:
    """The SR id of a file's _meta, after checking it is an SR file of this account."""
    role, account, sr_id = (meta.values.get(key, "") for key in ("role", "account", "sr_id"))
    if not meta.values:
        raise CollectError(
            "not an SR workbook made by `kam split` (no _meta sheet) — ask the SR to fill the file sent to them (a "
            "retailer's sell-out report comes in with `kam import HQ.xlsx REPORT`)"
        )
    if role != "sr" or not sr_id:
        what = "the HQ workbook" if meta.role == "hq" else "not an SR workbook"
        raise CollectError(f"{what}, not an SR file made by `kam split` — collect only SR files")
    if account != hq.account:
        raise CollectError(
            f"made for account {account!r}, not {hq.account!r} — collect it into that account's workbook"
        )
    return sr_id


def _read_tabs(source: _Opened, meta: Meta, hq: HqTabs, sr_file: SrFile) -> None:
    expected = {record.store_id: record for record in meta.tabs}
    claims: dict[str, list[tuple[str, list[list], str, str]]] = {}
    name = sr_file.path.name
    grid_sheet = sheet_name("this_week", hq.lang)
    this_week = (
        read_this_week(source.grid(grid_sheet), grid_sheet, hq.lang) if grid_sheet in source.sheet_names() else None
    )
    for sheet in source.sheet_names():
        if sheet == "_meta":
            continue
        grid = source.grid(sheet)
        store_id, title, version = tab_identity(grid)
        if store_id is None:
            if sheet not in system_sheet_names():
                sr_file.notes.append(LogEntry("note", name, say("why_not_a_tab", hq.lang), sr_file.sr_id, sheet))
            continue
        claims.setdefault(store_id, []).append((sheet, grid, title, version))
    for store_id, tabs in claims.items():
        if len(tabs) > 1:
            tabs = _one_claim(sr_file, store_id, tabs, expected, hq)
            if not tabs:
                continue
        sheet, grid, title, version = tabs[0]
        try:
            record = _checked_record(store_id, title, version, expected, hq, sr_file.sr_id)
            made_for = version or expected[store_id].fingerprint
            if made_for != record.fingerprint:  # taken with --earlier-plan
                sr_file.notes.append(
                    LogEntry(
                        "note",
                        name,
                        f"made for an earlier plan (version {made_for}, HQ now has {record.fingerprint}): merged "
                        "with --earlier-plan, each value by its row's key — split again so that the SR works on the "
                        "current plan",
                        sr_file.sr_id,
                        sheet,
                        store=store_id,
                    )
                )
            cells = next((c for c in (record.cells, expected[store_id].cells) if c.get("week")), {})
            sr_file.tabs.append(_read_tab(source, sheet, grid, store_id, cells, hq, sr_file, this_week))
        except TabRefusal as refusal:
            _refuse_tab(sr_file, sheet, store_id, refusal.row, str(refusal))
            sr_file.refused_for_hq += isinstance(refusal, (HqTabGone, EarlierPlan))
    found = {t.store_id: t for t in sr_file.tabs}
    sr_file.notes += _tab_notes(found, claims, expected, sr_file.sr_id, name, hq.lang)


def _one_claim(sr_file: SrFile, store_id: str, tabs: list, expected, hq: HqTabs) -> list:
    """Of several sheets claiming one store, the one whose title and plan version are the store's own (the
    others are copies, refused); none when that does not single one out (all refused)."""
    genuine = []
    for tab in tabs:
        try:
            _checked_record(store_id, tab[2], tab[3], expected, hq, sr_file.sr_id)
            genuine.append(tab)
        except TabRefusal:
            pass
    sheets = " and ".join(repr(sheet) for sheet, *_ in tabs)
    if len(genuine) == 1:
        for sheet, *_ in tabs:
            if sheet != genuine[0][0]:
                reason = (
                    f"a copy of another store's tab with its store ID (C3) set to {store_id}, whose own tab is "
                    f"{genuine[0][0]!r} — type this store's figures there"
                )
                _refuse_tab(sr_file, sheet, store_id, 3, reason)
        return genuine
    for sheet, *_ in tabs:
        reason = (
            f"sheets {sheets} both say they are store {store_id} — delete the copy (or give it its own store's ID), "
            "save, and send the file again"
        )
        _refuse_tab(sr_file, sheet, store_id, 3, reason)
    return []


class TabRefusal(Exception):
    """One tab of an SR file cannot be merged; the message says why and what to do."""

    def __init__(self, row: int, message: str):
        self.row = row
        super().__init__(message)


def _weeks_of(record: TabRecord) -> set[str]:
    """The week ids of a tab's weekly log, as its cell map records them."""
    rows = (record.cells.get("week") or {}).get("rows") if isinstance(record.cells, dict) else None
    return {str(week) for week in rows} if isinstance(rows, dict) else set()


class HqTabGone(TabRefusal):
    """The store's tab is missing from the HQ workbook: the tab merges once `kam generate` has made it again (so
    the file is not recorded as collected)."""


class EarlierPlan(TabRefusal):
    """The tab was made for an earlier version of its store's plan: refused unless collect --earlier-plan (so the
    file is not recorded as collected: it can be collected again with that option)."""


def _refuse_tab(sr_file: SrFile, sheet: str, store_id: str, row: int, reason: str) -> None:
    where = f" › row {row}" if row else ""
    sr_file.refused.append(
        LogEntry(
            "refused",
            sr_file.path.name,
            f"{sr_file.path.name} › {sheet}{where}: {reason}",
            sr_file.sr_id,
            sheet,
            f"A{row}" if row else "",
            store_id,
        )
    )


def _checked_record(store_id, title, version, expected, hq: HqTabs, sr_id) -> TabRecord:
    """The HQ record of the store a tab claims to be, after checking the claim."""
    mine = hq.records.get(store_id)
    if mine is None and store_id in hq.gone:
        raise HqTabGone(
            3,
            f"the HQ workbook has no tab for store {store_id} any more (deleted by hand?) — run `kam generate` on "
            "the HQ workbook to make it again, then collect this file again",
        )
    if mine is None:
        raise TabRefusal(
            3,
            f"store {store_id} is not in the HQ workbook — the tab belongs to another plan or "
            "its store ID (C3) was changed",
        )
    if mine.sr_id != sr_id:
        raise TabRefusal(
            3,
            f"store {store_id} belongs to {mine.sr_id}, not to {sr_id} — each SR sends back only "
            "their own stores' tabs",
        )
    shown_id = title.split(" · ", 1)[0].strip() if " · " in title else ""
    if shown_id and shown_id != store_id:
        raise TabRefusal(
            1,
            f"the title says store {shown_id} but the store ID (C3) says {store_id} — a copy of "
            f"another store's tab? Type this store's figures in its own tab",
        )
    record = expected.get(store_id)
    if record is None:
        raise TabRefusal(
            3,
            "the tab is not listed in this file's _meta (copied in from another file?) — send the file as it was split",
        )
    made_for = version or record.fingerprint  # the tab's own plan version (P4) first, _meta if it was cleared
    if made_for != mine.fingerprint:
        owner = next((r.store_id for r in hq.records.values() if r.fingerprint == made_for), None)
        if owner is not None and owner != store_id:
            copied = (
                f"the tab's plan version ({made_for}) is store {owner}'s — a copy of that store's tab with its store "
                f"ID changed? Type store {store_id}'s figures in its own tab"
            )
            raise TabRefusal(4, copied)
        theirs, ours = _weeks_of(record), _weeks_of(mine)
        if theirs and ours and not theirs & ours:  # not an earlier version of this plan: another period's
            raise TabRefusal(
                4,
                f"made for another period (weeks {min(theirs)} to {max(theirs)}; this HQ workbook's plan runs "
                f"{min(ours)} to {max(ours)}) — collect it into that period's HQ workbook",
            )
        if hq.earlier_plan:
            return mine
        stale = (
            f"made for an earlier plan (version {made_for}, HQ now has {mine.fingerprint}) — to keep what the SR "
            "typed, collect it again with --earlier-plan (in Excel: KAM Collect Earlier Plan = Y on the "
            "xlwings.conf sheet; each value is taken by its row's key, fields the plan no longer has are "
            "rejected); then split again so that the SR works on the current plan"
        )
        raise EarlierPlan(4, stale)
    return mine


_WITH_REFS: dict[int, tuple] = {}  # the (key, row index, column index, "A1") of each shared positions tuple


def _with_refs(positions) -> tuple | list:
    """(key, row - 1, column - 1, reference) of every position (made once for the positions tuple that every tab
    of one layout shares, cellmap.places)."""
    if isinstance(positions, tuple):
        kept = _WITH_REFS.get(id(positions))
        if kept is not None and kept[0] is positions:
            return kept[1]
    found = tuple((key, row - 1, col - 1, column_letter(col) + str(row)) for key, row, col in positions)
    if isinstance(positions, tuple):
        if len(_WITH_REFS) >= 1024:  # more layouts than cellmap keeps (a long-lived process): start again
            _WITH_REFS.clear()
        _WITH_REFS[id(positions)] = (positions, found)
    return found


def _read_tab(
    source: _Opened, sheet, grid, store_id, cells: dict, hq: HqTabs, sr_file: SrFile, this_week=None
) -> SrTab:
    """The tab's input values, each from the cell its row's key and its column's header point to (`cells`,
    the store's cell map, is the first guess; without one the tab's own keys are used). A log cell that
    still reads the "This week" grid (execution/thisweek.py) is taken from the grid's row of the store."""
    try:
        positions, found = places(grid, cells, hq.lang)
    except TabLayoutError as exc:
        raise TabRefusal(
            exc.row,
            f"{exc} — undo the change in the file (each week, program and action once, "
            "under its table's header), save, and send it again",
        ) from None
    scan = source.scans.get(sheet, SheetScan())
    values = {}
    errors, formulas = scan.errors, scan.formulas
    week = ("week", this_week[0]) if this_week is not None else None
    linked = []  # this week's cells holding a formula
    for key, row, col, ref in _with_refs(positions):
        try:
            raw = grid[row][col]
        except IndexError:
            raw = None
        else:
            if raw == "":
                raw = None
        if errors and ref in errors:
            shown_error = errors[ref]
            raw = CellProblem(
                f"the cell shows the error {shown_error}, not a value — type the figure itself", shown_error
            )
        values[key] = (ref, raw)
        if key[:2] == week and ref in formulas:
            linked.append(key)
    if this_week is not None:
        week_id, rows = this_week
        texts = source.formulas(sheet, [values[key][0] for key in linked]) if linked else {}
        grid_name = sheet_name("this_week", hq.lang)
        for key in linked:  # a cell still reading the grid (not a formula of the SR's own)
            ref = values[key][0]
            if grid_name in (texts.get(ref) or ""):
                values[key] = rows.get(store_id, {}).get(key[2], (ref, None))
    blank_formulas = {ref for ref, raw in values.values() if raw is None and ref in scan.formulas}
    for ref in uncached_formulas(source.package.sheet_xml(sheet), blank_formulas, f"sheet {sheet!r}"):
        key = next(key for key, (where, _) in values.items() if where == ref)
        reason = (
            "a formula without a saved result — type the figure, or open the file in Excel, save it and send it again"
        )
        values[key] = (ref, CellProblem(reason, "=…"))
    name = sr_file.path.name
    if found is not None:
        for what in found.moved:
            sr_file.notes.append(LogEntry("note", name, what, sr_file.sr_id, sheet, store=store_id))
        for row, what in found.extra:
            typed = ", ".join(shown(v) for v in grid[row - 1] if v not in ("", None))[:200]
            sr_file.notes.append(
                LogEntry(
                    "note",
                    name,
                    f"row {row} holds values but no {what} of its own (an inserted row?): not "
                    f"collected — type them in the {what}'s own row ({typed})",
                    sr_file.sr_id,
                    sheet,
                    f"A{row}",
                    store_id,
                )
            )
    return SrTab(store_id, sheet, values)


def _tab_notes(
    found: dict[str, SrTab], claims, expected: dict[str, TabRecord], sr_id: str, name: str, lang: str = "en"
) -> list[LogEntry]:
    """Notes on tabs renamed in the file (still merged) and tabs missing from it (nothing to merge)."""
    notes = [
        LogEntry(
            "note",
            name,
            say("why_renamed", lang, tab=expected[s].tab),
            sr_id,
            tab.sheet,
            store=s,
        )
        for s, tab in found.items()
        if s in expected and tab.sheet != expected[s].tab
    ]
    notes += [
        LogEntry(
            "note",
            name,
            say("why_tab_missing", lang, store=s),
            sr_id,
            expected[s].tab,
            store=s,
        )
        for s in sorted(expected.keys() - claims.keys())
    ]
    return notes


def _saved_at(package: Package, path: Path) -> tuple:
    """When the file was last saved: the time its application wrote into docProps, then the file's mtime."""
    stamp = ""
    if _CORE in package.part_names():
        found = parse_xml(package.read_part(_CORE), f"{path.name}: {_CORE}").find(_MODIFIED)
        stamp = (found.text or "").strip() if found is not None else ""
    return stamp, path.stat().st_mtime_ns

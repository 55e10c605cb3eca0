"""The split stage: one plain workbook per SR holding only that SR's store tabs, summary and metadata."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kam_xl.book import Book
from kam_xl.bulk import bulk_work
from kam_xl.csvfile import csv_text
from kam_xl.errors import KamError
from kam_xl.execution.thisweek import default_week, tab_formulas, this_week_sheet
from kam_xl.execution.written import RECORD, WrittenFiles
from kam_xl.history.marker import read_marker
from kam_xl.lang.texts import SR_README_LINES, tab_text, text
from kam_xl.lang.words import sheet_name
from kam_xl.model.plan import Kpi, Plan, Store, Week
from kam_xl.plan.load import plan_of
from kam_xl.plan.meta import Meta, TabRecord, meta_sheet, new_meta, read_meta, require_hq
from kam_xl.progress import Progress, every
from kam_xl.storetabs.find import existing_tabs, read_tab_entries
from kam_xl.storetabs.layout import HOME_CELL, METRIC_ROWS, REVIEW_COLS
from kam_xl.storetabs.names import tab_link
from kam_xl.xlsx.cachevalues import cache_values
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import DEFAULT_WAIT, exclusive_folder
from kam_xl.xlsx.package import NewSheet, Package
from kam_xl.xlsx.safezip import leftover_temps
from kam_xl.xlsx.seeding import seed_workbook
from kam_xl.xlsx.sheetxml import StyleIndex, sheet_xml
from kam_xl.xlsx.spec import (
    CondFormat,
    Formula,
    SheetSpec,
    column_letter,
    quote_sheet,
    split_ref,
    text_width,
    wrapped_height,
)
from kam_xl.xlsx.writer import SheetWriter

_PLACEHOLDER = "kam_placeholder"
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}
SUMMARY_COLUMNS = (
    "store_id",
    "store",
    "city",
    "tier",
    "units_target",
    "units_target_to_date",
    "units_to_date",
    "attainment",
    "score",
    "score_rag",
    "data_week",
)
SUMMARY_FIRST_ROW = 5
INDEX = "index.csv"


@dataclass
class SrWorkbook:
    """One SR's workbook: who it is for, where it was written and which stores it holds."""

    sr_id: str
    sr_name: str
    sr_email: str
    path: Path
    stores: list[str]

    def as_dict(self) -> dict:
        return {
            "sr_id": self.sr_id,
            "sr_name": self.sr_name,
            "sr_email": self.sr_email,
            "file": str(self.path),
            "stores": list(self.stores),
        }


@dataclass
class SplitResult:
    folder: Path
    files: list[SrWorkbook] = field(default_factory=list)
    index: Path | None = None
    moved: list[Path] = field(default_factory=list)  # files that were in the way, moved aside because of --force
    moved_to: Path | None = None  # the replaced-YYYYmmdd-HHMMSS subfolder they went to

    def as_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "index": str(self.index) if self.index else None,
            "files": [f.as_dict() for f in self.files],
            "moved": [str(p) for p in self.moved],
            "moved_to": str(self.moved_to) if self.moved_to else None,
        }


def split(
    path: str | Path,
    out_dir: str | Path,
    progress: Progress | None = None,
    *,
    force: bool = False,
    wait: float | None = DEFAULT_WAIT,
    week: str | None = None,
) -> SplitResult:
    """Write one workbook per SR of the HQ workbook at `path` into `out_dir`, plus index.csv.

    The folder's lock is held meanwhile (waiting up to `wait` seconds for another kam command). A file in
    the way that split did not write, or that changed since (an SR's returned workbook), is never overwritten:
    KamError names them, or with `force` they are moved into `out_dir/replaced-YYYYmmdd-HHMMSS/` first
    (kam_xl.execution.written)."""
    book = FileBook(path, progress)
    require_hq(read_meta(book, tabs=False), book)  # the wrong workbook is said before the folder is made
    plan_of(book)  # and so is a plan with errors
    with exclusive_folder(out_dir, command="split", wait=wait), bulk_work():
        return split_book(book, out_dir, progress=progress, force=force, label=str(path), week=week)


def split_book(
    book: Book,
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    force: bool = False,
    label: str = "BOOK",
    week: str | None = None,
) -> SplitResult:
    """One plain .xlsx per SR (`<SR id>.xlsx`): README, My stores, their store tabs as in HQ, _meta.

    The caller holds the folder's lock (split does); files in the way are refused or, with `force`, moved aside.
    """
    meta = read_meta(book)
    require_hq(meta, book)
    plan = plan_of(book)
    check_current(plan, meta)
    tabs = existing_tabs(book, meta)
    groups = stores_by_sr(plan, tabs)
    entries = read_tab_entries(book, tabs, progress, plan.language)
    factory = SrPackageFactory(_package_of(book), plan, meta, _week(plan, entries, week), entries)
    factory.history_token = history_token(book)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = file_names(list(groups))
    result = SplitResult(folder)
    written = WrittenFiles(folder)
    targets = [*names.values(), INDEX]
    for name in [*targets, RECORD]:
        for leftover in leftover_temps(folder / name):  # of a killed run: nobody else writes here now
            leftover.unlink(missing_ok=True)
    conflicts = written.conflicts(targets)
    if conflicts and not force:
        raise written.refuse(conflicts, label)
    if conflicts:
        result.moved_to, result.moved = written.move_aside(list(conflicts))
    tick = every(progress, "writing SR workbooks", len(groups))
    for done, (sr_id, stores) in enumerate(groups.items(), start=1):
        records = [_record_named(*tabs[s.store_id]) for s in stores]
        path = written.write(names[sr_id], factory.build(stores, records, names[sr_id]).to_bytes())
        first = stores[0]
        result.files.append(SrWorkbook(sr_id, first.sr_name, first.sr_email, path, [s.store_id for s in stores]))
        tick(done)
    result.index = written.write(INDEX, index_csv(result.files))
    written.finish()
    return result


def _week(plan: Plan, entries: dict, week: str | None) -> Week:
    """The week of the "This week" sheet: `week` (an id of the plan), else the one after HQ's last week."""
    if week is None:
        return default_week(plan, entries)
    found = next((w for w in plan.weeks if w.id == week.strip()), None)
    if found is None:
        raise KamError(f"--week {week}: not a week of the plan's Calendar ({plan.weeks[0].id} to {plan.weeks[-1].id})")
    return found


def check_current(plan: Plan, meta: Meta) -> None:
    """Refuse to split tabs that were generated for another version of the plan (or never generated)."""
    if not meta.tabs:
        raise KamError("the workbook has no store tabs yet: run `kam generate BOOK.xlsx` first, then split")
    if meta.values.get("fingerprint") != plan.fingerprint():
        raise KamError(
            "the plan changed since the store tabs were generated: run `kam generate BOOK.xlsx` "
            "so the tabs match the plan, then split again"
        )


def stores_by_sr(plan: Plan, tabs: dict[str, tuple[str, TabRecord]]) -> dict[str, list[Store]]:
    """The active stores of each SR, in plan order; every one must have its tab."""
    missing = [s.store_id for s in plan.active_stores if s.store_id not in tabs]
    if missing:
        raise KamError(
            f"{len(missing)} active store(s) have no tab ({', '.join(missing[:5])}"
            f"{'…' if len(missing) > 5 else ''}): run `kam generate BOOK.xlsx`, then split again"
        )
    groups: dict[str, list[Store]] = {}
    for store in plan.active_stores:
        groups.setdefault(store.sr_id, []).append(store)
    return groups


def _package_of(book: Book) -> Package:
    package = getattr(book, "package", None)
    if package is None:
        raise KamError("split copies sheets from the workbook file: save the workbook and split the file")
    return package


def _record_named(tab: str, record: TabRecord) -> TabRecord:
    return TabRecord(record.store_id, tab, record.sr_id, record.status, record.fingerprint, record.cells)


def history_token(book) -> str:
    """The HQ workbook's last recorded history run (kam_xl.history.marker; '' when none): an SR workbook made from
    it records it, so collect knows which collected values the workbook started from (collect.three_way)."""
    marker = read_marker(book)
    return marker.token if marker is not None else ""


class SrPackageFactory:
    """Builds SR packages from one fresh donor seeded with the HQ's styles and none of its strings."""

    def __init__(self, hq: Package, plan: Plan, meta: Meta, week: Week | None = None, entries: dict | None = None):
        workbook = seed_workbook(hq, strings=False)
        workbook.create_sheet(_PLACEHOLDER)
        buffer = io.BytesIO()
        workbook.save(buffer)
        base = Package.open(buffer.getvalue())
        writer = SheetWriter(base)
        self.styles: StyleIndex = writer.index
        self.date1904 = writer.date1904
        self.base = base.to_bytes()
        self.hq, self.plan, self.meta = hq, plan, meta
        self.week, self.entries = week, entries or {}
        self.history_token = ""  # the HQ workbook's last recorded run (kam_xl.history.marker), put into each _meta

    def build(self, stores: list[Store], records: list[TabRecord], file_name: str) -> Package:
        """The package of one SR: README, My stores, the store tabs copied from HQ, hidden _meta."""
        package = Package.open(self.base)
        names = [r.tab for r in records]
        package.copy_sheets_from(self.hq, names, drop_cached_values=False)  # the tabs' own values, right as of HQ
        lang, sr = self.plan.language, stores[0]
        summary = my_stores_sheet(self.plan, stores, records)
        cache_values([summary], self._hq_value)
        front = [readme_sheet(self.plan, sr, len(stores), file_name), summary]
        if self.week is not None:  # one grid for the week's inputs, read by the tabs' log cells of that week
            front.append(this_week_sheet(self.plan, self.week, stores, self.entries))
        home = tab_text("back_to_my_stores", lang)  # an SR file has no Stores sheet: each tab links to My stores
        for record in records:
            formulas = {HOME_CELL: (f'=HYPERLINK("#{quote_sheet(summary.title)}!A1","{home}")', home)}
            if self.week is not None:
                cached = self.entries.get(record.store_id, {})
                formulas.update(tab_formulas(record, self.week, len(stores), cached, lang))
            package.set_formulas(record.tab, formulas)
        package.add_sheets([self._sheet(spec) for spec in front], before=names[0])
        package.add_sheets([self._sheet(meta_sheet(self._meta(sr, records)))])
        package.remove_sheets([_PLACEHOLDER])
        package.reorder_sheets([spec.title for spec in front] + names + [sheet_name("meta", lang)])
        return package

    def _hq_value(self, sheet: str, cell: tuple[int, int]) -> object:
        """A cell's value in the HQ workbook (a formula's cached value), for the My stores summary."""
        ref = f"{column_letter(cell[1])}{cell[0]}"
        return self.hq.cell_values(sheet, [ref])[ref]

    def _sheet(self, spec: SheetSpec) -> NewSheet:
        return NewSheet(spec.title, sheet_xml(spec, self.styles, date1904=self.date1904), spec.state)

    def _meta(self, sr: Store, records: list[TabRecord]) -> Meta:
        meta = new_meta(
            self.plan.language,
            self.plan.account.name,
            fingerprint=self.plan.fingerprint(),
            role="sr",
            sr_id=sr.sr_id,
            sr_name=sr.sr_name,
            generated_at=self.meta.values.get("generated_at", ""),
            split_at=datetime.now().isoformat(timespec="seconds"),
            history_token=self.history_token,  # what the file starts from (collect's three-way merge)
        )
        meta.tabs = records
        return meta


def readme_sheet(plan: Plan, sr: Store, stores: int, file_name: str) -> SheetSpec:
    """The SR's README in the workbook's language: what to fill, colours, how to send it back."""
    lang = plan.language
    sheet = SheetSpec(sheet_name("readme", lang), role="readme", widths={1: 4, 2: 110}, tab_color="1F4E78")
    words = {
        "sr": f"{sr.sr_name} ({sr.sr_id})",
        "account": plan.account.name,
        "kam": plan.account.kam_name,
        "kam_email": plan.account.kam_email,
        "file": file_name,
        "stores": stores,
        "my_stores": sheet_name("my_stores", lang),
        "this_week": sheet_name("this_week", lang),
    }
    for row, (style, pair) in enumerate(SR_README_LINES, start=1):
        line = (pair[0] if lang == "en" else pair[1]).format(**words)
        sheet.set(row, 2, line, style)
        if text_width(line) > _README_WIDTH:
            sheet.heights[row] = wrapped_height((line, _README_WIDTH))
    return sheet


_README_WIDTH = 100  # characters per line of the README's text column (110 wide, a margin for bold text)


def review_cells(cells: dict, kpis: tuple[Kpi, ...]) -> dict[str, str]:
    """Where a store tab's live review numbers are, worked out from its cell map (storetabs.layout).

    The metric rows end just above the SR comment; the KPI rows end one row above the metrics.
    """
    metrics_first = split_ref(cells["comment"]["sr"])[0] - len(METRIC_ROWS)
    metric = {key: f"D{metrics_first + offset}" for offset, (key, _) in enumerate(METRIC_ROWS)}
    out = {
        "score": metric["score"],
        "score_rag": metric["score_rag"],
        "data_week": metric["data_week"],
    }
    units = next((i for i, k in enumerate(kpis) if k.measure == "units"), None)
    if units is not None:
        row = metrics_first - 1 - len(kpis) + units
        for name, column in (
            ("units_target", "period_target"),
            ("units_target_to_date", "target_to_date"),
            ("units_to_date", "actual"),
            ("attainment", "attainment"),
        ):
            out[name] = f"{column_letter(REVIEW_COLS[column])}{row}"
    return out


_SUMMARY_STYLE = {
    "store_id": "id",
    "store": "text",
    "city": "text",
    "tier": "text",
    "units_target": "calc_int",
    "units_target_to_date": "calc_int",
    "units_to_date": "calc_int",
    "attainment": "calc_pct",
    "score": "calc_num",
    "score_rag": "calc_center",
    "data_week": "calc_center",
}


def my_stores_sheet(plan: Plan, stores: list[Store], records: list[TabRecord]) -> SheetSpec:
    """The SR's summary: one row per store, linked to its tab, with formulas reading its review block."""
    lang, sr = plan.language, stores[0]
    sheet = SheetSpec(
        sheet_name("my_stores", lang),
        role="my_stores",
        freeze=f"A{SUMMARY_FIRST_ROW}",
        widths={1: 10, 2: 36, 3: 14, 4: 6, **{c: 14 for c in range(5, 12)}},
        tab_color="C00000",
    )
    sheet.set(
        1,
        1,
        text("my_stores_title", lang).format(sr=f"{sr.sr_name} ({sr.sr_id})", account=plan.account.name),
        "title",
    )
    sheet.set(2, 1, text("my_stores_note", lang), "note")
    for col, name in enumerate(SUMMARY_COLUMNS, start=1):
        sheet.set(SUMMARY_FIRST_ROW - 1, col, _summary_label(name, lang), "header")
    for row, (store, record) in enumerate(zip(stores, records), start=SUMMARY_FIRST_ROW):
        _summary_row(sheet, row, store, record, review_cells(record.cells, plan.kpis))
    last = SUMMARY_FIRST_ROW + len(stores) - 1
    _summary_total(sheet, last, lang)
    rag = column_letter(SUMMARY_COLUMNS.index("score_rag") + 1)
    for key in ("green", "amber", "red"):
        sheet.cond_formats.append(
            CondFormat(
                f"{rag}{SUMMARY_FIRST_ROW}:{rag}{last}",
                f'={rag}{SUMMARY_FIRST_ROW}="{tab_text(key, lang)}"',
                key,
            )
        )
    return sheet


_SUMMARY_WORDS = {
    "store_id": "store_id",
    "store": "store",
    "city": "city_region",
    "tier": "tier_format",
    "attainment": "attainment_to_date",
    "score": "score",
    "score_rag": "score_rag",
    "data_week": "data_week",
}


def _summary_label(name: str, lang: str) -> str:
    if name not in _SUMMARY_WORDS:
        return text(name, lang)
    return tab_text(_SUMMARY_WORDS[name], lang).split(" · ")[0]


def _summary_row(sheet: SheetSpec, row: int, store: Store, record: TabRecord, cells: dict[str, str]) -> None:
    where = quote_sheet(record.tab)
    values = {
        "store_id": store.store_id,
        "city": store.city,
        "tier": store.store_tier,
        "store": tab_link(record.tab, store.name),
    }
    for name in SUMMARY_COLUMNS[4:]:
        values[name] = Formula(f"={where}!{cells[name]}") if name in cells else None
    for col, name in enumerate(SUMMARY_COLUMNS, start=1):
        sheet.set(row, col, values[name], _SUMMARY_STYLE[name])


def _summary_total(sheet: SheetSpec, last: int, lang: str) -> None:
    total = last + 1
    sheet.set(total, 1, tab_text("total", lang), "label")
    letters = {name: column_letter(i) for i, name in enumerate(SUMMARY_COLUMNS, start=1)}
    for name in ("units_target", "units_target_to_date", "units_to_date"):
        letter = letters[name]
        sheet.set(
            total,
            SUMMARY_COLUMNS.index(name) + 1,
            Formula(f"=SUM({letter}{SUMMARY_FIRST_ROW}:{letter}{last})"),
            "calc_int",
        )
    done, due = f"{letters['units_to_date']}{total}", f"{letters['units_target_to_date']}{total}"
    sheet.set(
        total,
        SUMMARY_COLUMNS.index("attainment") + 1,
        Formula(f'=IF({due}>0,{done}/{due},"")'),
        "calc_pct",
    )


def file_stem(sr_id: str) -> str:
    """An SR id made safe as a file name on Windows, macOS and Linux."""
    stem = _UNSAFE.sub("_", sr_id).strip(" .")[:80] or "SR"
    if stem.split(".")[0].upper() in _RESERVED or stem.startswith("~"):
        stem = "_" + stem
    return stem


def file_names(sr_ids: list[str]) -> dict[str, str]:
    """`<SR id>.xlsx` for each SR, made unique ignoring case when two ids clean up to the same name."""
    taken: set[str] = set()
    names = {}
    for sr_id in sr_ids:
        stem = name = file_stem(sr_id)
        number = 2
        while name.casefold() in taken:
            name, number = f"{stem}-{number}", number + 1
        taken.add(name.casefold())
        names[sr_id] = f"{name}.xlsx"
    return names


def index_csv(files: list[SrWorkbook]) -> bytes:
    """index.csv (UTF-8 with BOM, so Excel shows Chinese names): who gets which file, for mail merge.

    Formula-like names are neutralised (kam_xl.csvfile), so opening it in Excel never runs them.
    """
    rows = [["sr_id", "sr_name", "sr_email", "file", "stores", "store_ids"]]
    for item in files:
        rows.append([item.sr_id, item.sr_name, item.sr_email, item.path.name, len(item.stores), " ".join(item.stores)])
    return csv_text(rows).encode("utf-8-sig")

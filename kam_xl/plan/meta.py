"""The hidden _meta sheet: what kam_xl knows about a workbook and where every store tab's inputs are."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from kam_xl.errors import KamError
from kam_xl.lang.words import sheet_name
from kam_xl.version import __version__
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec

TEMPLATE_VERSION = 1
TAB_HEADER = ("store_id", "tab", "sr_id", "status", "fingerprint", "cells")
_NOTE = "kam_xl metadata: do not edit / 系统数据，请勿修改"
CARRIED_KEYS = ("previous_period", "relationship_history")  # set by `kam next-period`, kept by generate
VOLATILE_KEYS = frozenset({"generated_at", "split_at"})  # times: a _meta differing only in them is unchanged


@dataclass
class TabRecord:
    """One store tab: which store, its sheet name, SR, status, plan fingerprint and input cells."""

    store_id: str
    tab: str
    sr_id: str
    status: str  # "active" or "inactive"
    fingerprint: str
    cells: dict


@dataclass
class Meta:
    """A workbook's _meta: key/value settings and one record per store tab."""

    values: dict[str, str] = field(default_factory=dict)
    tabs: list[TabRecord] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # records whose cell map could not be read

    @property
    def role(self) -> str:
        """'hq' for an HQ workbook (also one made before roles were recorded), 'sr' for an SR file, '' for
        a workbook without _meta."""
        return self.values.get("role", "hq" if self.values else "")

    def tab_for(self, store_id: str) -> TabRecord | None:
        """The record of a store's tab, or None."""
        return next((t for t in self.tabs if t.store_id == store_id), None)

    @property
    def language(self) -> str:
        """The workbook's language (en when _meta does not say)."""
        return self.values.get("language", "en")


def encode(cells: dict) -> str:
    """A store tab's cell map as compact JSON text (one _meta cell)."""
    return json.dumps(cells, separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> dict:
    """The cell map back from its _meta text ({} when empty)."""
    return json.loads(text) if text else {}


def new_meta(lang: str, account: str, **values: object) -> Meta:
    """A _meta for a new workbook: versions, language, account and any other values given."""
    base = {
        "template_version": TEMPLATE_VERSION,
        "kam_xl_version": __version__,
        "language": lang,
        "account": account,
    }
    base.update(values)
    return Meta({k: "" if v is None else str(v) for k, v in base.items()})


def meta_sheet(meta: Meta) -> SheetSpec:
    """The _meta sheet (hidden): key/value rows, then one row per store tab."""
    sheet = SheetSpec(
        sheet_name("meta", meta.language),
        role="meta",
        state="hidden",
        widths={1: 22, 2: 40, 3: 10, 4: 10, 5: 18, 6: 80},
    )
    sheet.set(1, 1, _NOTE, "note")
    row = 2
    for key, value in meta.values.items():
        sheet.set(row, 1, key)
        sheet.set(row, 2, value)
        if key in VOLATILE_KEYS:
            sheet.volatile.add(f"B{row}")
        row += 1
    row += 1
    sheet.row_values(row, 1, TAB_HEADER, "label")
    for record in meta.tabs:
        row += 1
        sheet.row_values(
            row,
            1,
            [
                record.store_id,
                record.tab,
                record.sr_id,
                record.status,
                record.fingerprint,
                encode(record.cells),
            ],
        )
    return sheet


def tab_rows(meta: Meta) -> tuple[int, int]:
    """The first and last row of the store-tab records on the _meta sheet `meta_sheet` writes (the Stores
    sheet's links look the tab names up there; last < first when there are none)."""
    first = len(meta.values) + 4  # the note, a row per value, a blank row, the header
    return first, first + len(meta.tabs) - 1


def read_meta(book, tabs: bool = True) -> Meta:
    """The _meta of a Book (kam_xl.book); an empty Meta when the workbook has none. Without `tabs`, only its
    values (the tab records, with a cell map each to decode, are left out)."""
    if "_meta" not in book.sheet_names():
        return Meta()
    grid = book.grid("_meta")
    meta = Meta()
    row = 2
    while row <= len(grid) and cell_at(grid, row, 1) != TAB_HEADER[0]:
        key = cell_at(grid, row, 1)
        if key is not None:
            value = cell_at(grid, row, 2)
            meta.values[str(key)] = "" if value is None else _text(value)
        row += 1
    for line in range(row + 1, len(grid) + 1) if tabs else ():
        store_id = cell_at(grid, line, 1)
        if store_id is None:
            continue
        try:
            cells = decode(cell_at(grid, line, 6) or "")
        except ValueError as exc:
            cells = {}  # the tab's own key cells say where its inputs are (storetabs.locate)
            meta.damaged.append(f"_meta!F{line}: the cell map of store {store_id} is damaged ({exc})")
        if not isinstance(cells, dict):
            cells = {}
            meta.damaged.append(f"_meta!F{line}: the cell map of store {store_id} is not a map")
        meta.tabs.append(
            TabRecord(
                _text(store_id),
                _text(cell_at(grid, line, 2)),
                _text(cell_at(grid, line, 3)),
                _text(cell_at(grid, line, 4)),
                _text(cell_at(grid, line, 5)),
                cells,
            )
        )
    return meta


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def require_hq(meta: Meta, book) -> None:
    """KamError (nothing written) when the workbook is an SR file rather than the HQ workbook."""
    if meta.role == "sr":
        path = getattr(book, "path", None)
        name = path.name if path else "this workbook"
        raise KamError(
            f"{name} is the SR workbook of {meta.values.get('sr_id', '?')}, not the HQ workbook — run the command "
            "on the HQ workbook (the SR's figures come in with `kam collect HQ.xlsx SR-FILES`)"
        )


def book_language(path) -> str:
    """The language of the workbook at `path` (its plan language, from _meta or else its sheet names), for the
    words of the command line; "en" when it cannot be read (the command itself then says why)."""
    from kam_xl.lang.words import language_of_sheet_names
    from kam_xl.xlsx.filebook import FileBook

    try:
        book = FileBook(path)
        meta = read_meta(book, tabs=False)
        return meta.values.get("language") or language_of_sheet_names(book.sheet_names()) or "en"
    except Exception:  # any unreadable file: the command reports it; the words stay English
        return "en"

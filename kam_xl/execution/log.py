"""The collect log: every refused file, rejected cell, changed and kept value, kept across runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from kam_xl.lang.texts import tab_text, text
from kam_xl.lang.words import LANGUAGES, sheet_name
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec, column_letter

LOG_COLUMNS = (
    "time",
    "file",
    "sr",
    "sheet",
    "cell",
    "store",
    "field",
    "what",
    "old",
    "new",
    "reason",
)
WHATS = ("refused", "rejected", "changed", "kept", "merged", "skipped", "note")
HEADER_ROW = 4
_WIDTHS = (19, 22, 9, 30, 8, 10, 26, 22, 18, 18, 70)


@dataclass(frozen=True)
class LogEntry:
    """One line of the log; `what` is one of WHATS, values are shown as text."""

    what: str
    file: str
    reason: str = ""
    sr: str = ""
    sheet: str = ""
    cell: str = ""
    store: str = ""
    field: str = ""
    old: str = ""
    new: str = ""
    time: str = ""

    def signature(self) -> tuple:
        """What the entry says, without when: a run that finds the same thing again does not log it twice."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "time")

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        place = " ".join(part for part in (self.file, where, f"({self.field})" if self.field else "") if part)
        change = f" [{self.old} -> {self.new}]" if self.what == "changed" else f" ({self.new})" if self.new else ""
        return f"{self.what}: {place}: {self.reason}{change}"


def shown(value: object) -> str:
    """A cell value as the log shows it (dates as YYYY-MM-DD, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _label(name: str, lang: str) -> str:
    return tab_text(name, lang) if name in ("sr", "store") else text(name, lang)


def _what_keys() -> dict[str, str]:
    """Each `what` word in either language (and the key itself) -> key."""
    words = {key: key for key in WHATS}
    for lang in LANGUAGES:
        words.update({text(f"what_{key}", lang): key for key in WHATS})
    return words


def read_log(book, lang: str) -> list[LogEntry]:
    """The entries already in the workbook's collect log (none when it has no log)."""
    name = sheet_name("collect_log", lang)
    if name not in book.sheet_names():
        return []
    grid = book.grid(name)
    heads = {text("time", other) for other in LANGUAGES}
    start = next((row for row in range(1, len(grid) + 1) if cell_at(grid, row, 1) in heads), None)
    if start is None:
        return []
    words, entries = _what_keys(), []
    for row in range(start + 1, len(grid) + 1):
        values = {name: shown(cell_at(grid, row, col)) for col, name in enumerate(LOG_COLUMNS, start=1)}
        if any(values.values()):
            values["what"] = words.get(values["what"], values["what"])
            entries.append(LogEntry(**values))
    return entries


def log_sheet(entries: list[LogEntry], lang: str) -> SheetSpec:
    """The collect-log sheet holding `entries`, oldest first (every value is text, never a formula)."""
    last = HEADER_ROW + max(len(entries), 1)
    sheet = SheetSpec(
        sheet_name("collect_log", lang),
        role="collect_log",
        freeze=f"A{HEADER_ROW + 1}",
        widths=dict(enumerate(_WIDTHS, start=1)),
        autofilter=f"A{HEADER_ROW}:{column_letter(len(LOG_COLUMNS))}{last}",
    )
    sheet.set(1, 1, text("log_title", lang), "title")
    sheet.set(2, 1, text("log_note", lang), "note")
    sheet.row_values(HEADER_ROW, 1, [_label(name, lang) for name in LOG_COLUMNS], "header")
    words = {key: text(f"what_{key}", lang) for key in WHATS}
    for row, entry in enumerate(entries, start=HEADER_ROW + 1):
        for col, name in enumerate(LOG_COLUMNS, start=1):
            value = getattr(entry, name)
            if name == "what":
                value = words.get(value, value)
            if value:
                sheet.set(row, col, value, "wrap" if name == "reason" else "text")
    return sheet

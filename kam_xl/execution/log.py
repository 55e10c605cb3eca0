"""The collect log: every refused file, rejected cell, changed and kept value, kept across runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from kam_xl.lang.console import say
from kam_xl.lang.numbers import week_words
from kam_xl.lang.texts import tab_text, text
from kam_xl.lang.words import LANGUAGES, sheet_name
from kam_xl.model.entries import key_from_text
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import SheetSpec, column_letter, text_width, wrapped_height

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
    "key",  # hidden: the field's key (week|2026-W47|units), for kam's own reading (mail.rejected)
)
WHATS = ("refused", "rejected", "changed", "kept", "held", "merged", "skipped", "note")
HEADER_ROW = 4
_WIDTHS = (19, 22, 9, 30, 8, 10, 30, 22, 18, 18, 70, 10)
_REASON = LOG_COLUMNS.index("reason")


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
        return self.line("en")

    def line(self, lang: str) -> str:
        """The entry in words: what, where (file, sheet!cell, the field by name and week), why, the values."""
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        field = field_words(self.field, lang)
        field = (f"（{field}）" if lang == "zh" else f"({field})") if field else ""
        sep = "" if lang == "zh" else " "
        place = " ".join(part for part in (self.file, where) if part) + (sep + field if field else "")
        if self.what == "changed":
            change = say("log_change", lang, old=self.old, new=self.new)
        else:
            change = say("log_typed", lang, new=self.new) if self.new else ""
        return say("log_line", lang, what=_what_words(self.what, lang), place=place, reason=self.reason, change=change)


def _what_words(what: str, lang: str) -> str:
    return what if lang == "en" else text(f"what_{what}", lang) if what in WHATS else what


def field_words(key: str, lang: str) -> str:
    """A field key in words: "Units sold, the week of 16 Nov 2026" / "销量，2026年11月16日当周",
    "P03 · Status"; a text that is not a field key stays as it is."""
    parsed = key_from_text(key) if key else None
    if parsed is None:
        return key
    name = parsed[-1] if parsed[0] != "comment" else f"comment_{parsed[1]}"
    label = _field_label(name, lang)
    if parsed[0] == "week":
        when = week_words(_iso_monday(parsed[1]), lang) if _iso_monday(parsed[1]) else str(parsed[1])
        return f"{label}，{when}" if lang == "zh" else f"{label}, {when}"
    if parsed[0] == "program":
        return f"{parsed[1]} · {label}"
    if parsed[0] == "action":
        return say("action_row", lang, row=parsed[1], field=label)
    return label


def _field_label(name: str, lang: str) -> str:
    for lookup in (tab_text, text):
        try:
            return lookup(name, lang)
        except KeyError:
            continue
    return name


def _iso_monday(week_id: str) -> date | None:
    """The Monday of an ISO week id (2026-W47); None for another kind of week id."""
    year, _, week = str(week_id).partition("-W")
    try:
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


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
    if name == "key":
        return say("log_key", lang)
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
            key = values.pop("key")
            values["field"] = key or values["field"]  # a log written before the key column holds the key as field
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
        hidden_cols={len(LOG_COLUMNS)},
        autofilter=f"A{HEADER_ROW}:{column_letter(len(LOG_COLUMNS))}{last}",
    )
    sheet.set(1, 1, text("log_title", lang), "title")
    sheet.set(2, 1, text("log_note", lang), "note")
    sheet.row_values(HEADER_ROW, 1, [_label(name, lang) for name in LOG_COLUMNS], "header")
    words = {key: text(f"what_{key}", lang) for key in WHATS}
    for row, entry in enumerate(entries, start=HEADER_ROW + 1):
        shown_values = []
        for name in LOG_COLUMNS:
            value = getattr(entry, name, "")
            if name == "what":
                value = words.get(value, value)
            elif name == "field":
                value = field_words(value, lang)
            elif name == "key":
                value = entry.field if key_from_text(entry.field) else ""
            shown_values.append(value)
        tall = text_width(entry.reason) > _WIDTHS[_REASON] - 4  # LibreOffice does not grow a row for wrapped text
        if tall:  # the whole row top-aligned, as high as its longest shown text needs (the key column is hidden)
            sheet.heights[row] = wrapped_height(*((v, w - 2) for v, w in zip(shown_values[:-1], _WIDTHS) if v))
        for col, (name, value) in enumerate(zip(LOG_COLUMNS, shown_values), start=1):
            if value:
                sheet.set(row, col, value, "wrap" if tall or name == "reason" else "text")
    return sheet

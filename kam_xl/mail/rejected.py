"""The SR feedback loop: every entry of an SR that collect rejected and that is still blank in HQ, in the SR's
words (tab, cell, what was typed, why, what to type instead), and the refreshed SR workbook with those cells
holding what was typed, so the SR corrects them in place; and every value of theirs that HQ corrected and kept
against their next file (the log's "held"), so the SR knows which figure now stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kam_xl.execution.log import read_log, shown
from kam_xl.lang.numbers import week_words
from kam_xl.lang.texts import reason_text, tab_text
from kam_xl.lang.words import enum_labels
from kam_xl.model.entries import enum_kind, field_kind, key_from_text, normalise
from kam_xl.model.parsing import ParseError
from kam_xl.model.plan import Plan
from kam_xl.plan.meta import TabRecord
from kam_xl.storetabs.cellmap import field_cells

TAB_KEY_FIELDS = {"week": 2, "program": 2, "action": 2}  # the part of the key that is the field name


@dataclass(frozen=True)
class Rejected:
    """One rejected entry still to fix: where it is in the SR's workbook, what was typed, why, what to type."""

    sr_id: str
    store_id: str
    tab: str  # the store tab's name in the refreshed workbook (as in HQ)
    cell: str
    file: str  # the SR file it came from
    field: str  # the field in words
    typed: str
    reason: str
    hint: str


def rejected_entries(book, plan: Plan, tabs: dict[str, tuple[str, TabRecord]], words) -> dict[str, list[Rejected]]:
    """Per SR id, the collect log's rejected entries whose HQ cell is still blank (latest per cell)."""
    lang = plan.language
    latest: dict[tuple[str, str], object] = {}
    for entry in read_log(book, lang):
        if entry.what == "rejected" and entry.store and entry.field:
            latest[(entry.store, entry.field)] = entry
    out: dict[str, list[Rejected]] = {}
    package = getattr(book, "package", None)
    for (store_id, field_text), entry in latest.items():
        key = key_from_text(field_text)
        if key is None or store_id not in tabs:
            continue
        tab, record = tabs[store_id]
        cell = field_cells(record.cells).get(key)
        if cell is None:
            continue
        if package is not None and package.cell_values(tab, [cell])[cell] not in (None, ""):
            continue  # fixed since: HQ has a value there now
        out.setdefault(entry.sr, []).append(
            Rejected(
                entry.sr,
                store_id,
                tab,
                cell,
                entry.file,
                field_words(plan, key, lang),
                entry.new,
                reason_text(entry.reason, lang),
                hint(key, lang, words),
            )
        )
    return out


@dataclass(frozen=True)
class Held:
    """A value HQ corrected and kept against the SR's file: where, the SR's figure and HQ's."""

    sr_id: str
    store_id: str
    tab: str
    cell: str
    field: str  # the field in words
    yours: str
    hq: str


def held_entries(book, plan: Plan, tabs: dict[str, tuple[str, TabRecord]]) -> dict[str, list[Held]]:
    """Per SR id, the collect log's "HQ correction kept" entries (latest per cell) where HQ still differs from
    what the SR's file said."""
    lang = plan.language
    latest: dict[tuple[str, str], object] = {}
    for entry in read_log(book, lang):
        if entry.store and entry.field:
            latest[(entry.store, entry.field)] = entry  # a later change or rejection of the cell ends the story
    out: dict[str, list[Held]] = {}
    package = getattr(book, "package", None)
    for (store_id, field_text), entry in latest.items():
        key = key_from_text(field_text)
        if entry.what != "held" or key is None or store_id not in tabs:
            continue
        tab, record = tabs[store_id]
        cell = field_cells(record.cells).get(key)
        if cell is None:
            continue
        now = package.cell_values(tab, [cell])[cell] if package is not None else entry.old
        typed = normalised(key, now)
        if typed == normalised(key, entry.new):
            continue  # HQ took the SR's figure since
        hq = shown(typed if isinstance(typed, date) else now)  # a date as a date, a list word as shown
        out.setdefault(entry.sr, []).append(
            Held(entry.sr, store_id, tab, cell, field_words(plan, key, lang), entry.new, hq or "—")
        )
    return out


def normalised(key: tuple, value: object) -> object:
    """An HQ cell's value as the log shows the field (a date's serial number as a date)."""
    try:
        return normalise(key, value)
    except ParseError:
        return value


def field_words(plan: Plan, key: tuple, lang: str) -> str:
    """ "Units sold, the week of 16 Nov 2026" / "销量，2026年11月16日当周"."""
    name = key[-1]
    label = tab_text(name, lang) if _has_tab_text(name) else name
    if key[0] == "week":
        week = next((w for w in plan.weeks if w.id == key[1]), None)
        when = week_words(week.start, lang) if week else str(key[1])
        return f"{label}，{when}" if lang == "zh" else f"{label}, {when}"
    if key[0] in ("program", "action"):
        return f"{key[1]} · {label}"
    return label


def _has_tab_text(name: str) -> bool:
    try:
        tab_text(name, "en")
    except KeyError:
        return False
    return True


def hint(key: tuple, lang: str, words) -> str:
    """What to type instead, by the field's kind."""
    kind = field_kind(key)
    if kind == "enum":
        return words("type_one_of", values=("、" if lang == "zh" else ", ").join(enum_labels(enum_kind(key), lang)))
    return words(f"type_{kind}") if kind in ("number", "date", "yes_no") else words("type_text")


def mark_rejected(package, rejected: list[Rejected]) -> None:
    """Put what the SR typed back into the cells of the refreshed workbook, so they can correct it in place."""
    by_tab: dict[str, dict[str, str]] = {}
    for item in rejected:
        by_tab.setdefault(item.tab, {})[item.cell] = item.typed
    for tab, values in by_tab.items():
        package.set_cells(tab, values)

"""Field values as typed database columns — (kind, number, text) — and the keys they are recorded under."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from kam_xl.model.entries import FIELD_KIND, FieldKey, enum_kind, key_from_text, key_text, normalise
from kam_xl.model.parsing import ParseError

Encoded = tuple[str, float | None, str | None]  # (kind, number, text)
BLANK: Encoded = ("blank", None, None)
Key = tuple[str, str, str]  # (store, week, field)


def split_key(key: FieldKey) -> tuple[str, str]:
    """(week, field) of a field key: ('2026-W40', 'units') for the weekly log, ('', 'program|P01|status') else."""
    if key[0] == "week":
        return str(key[1]), str(key[2])
    return "", key_text(key)


def join_key(week: str, field: str) -> FieldKey | None:
    """The field key back from (week, field)."""
    return ("week", week, field) if week else key_from_text(field)


def typed(key: FieldKey, value: object) -> object:
    """A value as the field's type (a list label as its key, a Y/N label as a bool); kept as is when unreadable."""
    if FIELD_KIND.get(key[-1]) == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return normalise(key, value)
    except (ParseError, KeyError, TypeError, ValueError):
        return value


def encode(key: FieldKey, value: object) -> Encoded:
    """The typed value of a field as (kind, number, text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if isinstance(value, bool):
        return ("bool", 1.0 if value else 0.0, None)
    if isinstance(value, (int, float)):
        number = float(value)
        return ("number", number, None) if math.isfinite(number) else ("raw", None, str(value))
    if isinstance(value, datetime):
        return (
            ("date", None, value.date().isoformat())
            if value.time() == datetime.min.time()
            else ("raw", None, value.isoformat())
        )
    if isinstance(value, date):
        return ("date", None, value.isoformat())
    if isinstance(value, str):
        return ("enum" if enum_kind(key) else "text", None, value)
    return ("raw", None, str(value))


def coded(key: FieldKey, value: object) -> Encoded:
    """How a value written into a store tab is recorded: a number as it is, anything else as its field's type."""
    if type(value) is int or type(value) is float:  # a number as the tab holds it: the common case
        return ("number", float(value), None)
    return encode(key, typed(key, value))


def decode(kind: str, number: float | None, text: str | None) -> object:
    """The Python value of a recorded (kind, number, text)."""
    if kind == "number":
        return number
    if kind == "bool":
        return bool(number)
    if kind == "date":
        return date.fromisoformat(text) if text else None
    if kind == "blank":
        return None
    return text


@dataclass(frozen=True)
class Ancestors:
    """What one command's files (SR files for collect, reports for import) last brought into a workbook, per
    field: (value, id of the run that recorded it), and the period's runs by token. The common ancestor of a
    three-way merge of an HQ value and a newer file (kam_xl.execution.collect.three_way)."""

    values: Mapping[Key, tuple[Encoded, int]] = field(default_factory=dict)
    runs: Mapping[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    def of(self, store_id: str, key: FieldKey, made_from: str = "") -> Encoded | None:
        """The value this field's files brought last; None when there is none, or when the file was made (split)
        from the workbook at or after the run that recorded it (`made_from`: the workbook's history token then):
        such a file started from HQ's value, so what it says differently is the SR's own change."""
        earlier = self.values.get((store_id, *split_key(key)))
        if earlier is None or earlier[1] <= self.runs.get(made_from, 0):
            return None
        return earlier[0]

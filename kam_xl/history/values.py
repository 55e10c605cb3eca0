"""Field values as typed database columns — (kind, number, text) — and the keys they are recorded under."""

from __future__ import annotations

import math
from datetime import date, datetime

from kam_xl.model.entries import FIELD_KIND, FieldKey, enum_kind, key_from_text, key_text, normalise
from kam_xl.model.parsing import ParseError

Encoded = tuple[str, float | None, str | None]  # (kind, number, text)
BLANK: Encoded = ("blank", None, None)


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

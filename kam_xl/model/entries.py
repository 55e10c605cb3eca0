"""What SRs and the KAM typed into the store tabs, as plain data: field keys and long DataFrames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kam_xl.lang.words import enum_label
from kam_xl.model import parsing as P

if TYPE_CHECKING:
    import pandas as pd

# The input fields of a store tab. A field key is a tuple:
#   ("agreed",)                       the date the store manager agreed the plan
#   ("week", week_id, field)          one of WEEK_FIELDS
#   ("program", program_id, field)    one of PROGRAM_FIELDS
#   ("action", row_number, field)     one of ACTION_FIELDS (row_number starts at 1)
#   ("comment", who)                  who in COMMENT_FIELDS
WEEK_FIELDS = (
    "units",
    "value",
    "sell_in",
    "visits",
    "category",
    "competitor",
    "display",
    "promoter_present",
    "promoter_planned",
    "stock",
    "competitor_activity",
    "comment",
)
WEEK_NUMBERS = (
    "units",
    "value",
    "sell_in",
    "visits",
    "category",
    "competitor",
    "promoter_present",
    "promoter_planned",
    "stock",
)
NEW_IN_LAYOUT_2 = ("sell_in", "visits")  # week fields a tab of layout 1 has no column for (read as blank)
PROGRAM_FIELDS = ("status", "cost", "done_on", "note")
ACTION_FIELDS = ("text", "owner", "due", "status", "result")
COMMENT_FIELDS = ("sr", "manager")

# The kind of value of each field, used to check and normalise what people type.
FIELD_KIND = {
    **{f: "number" for f in WEEK_NUMBERS},
    "display": "yes_no",
    "competitor_activity": "text",
    "comment": "text",
    "status": "enum",
    "cost": "number",
    "done_on": "date",
    "note": "text",
    "text": "text",
    "owner": "enum",
    "due": "date",
    "result": "text",
    "agreed": "date",
    "sr": "text",
    "manager": "text",
}
ENUM_OF = {
    ("program", "status"): "program_status",
    ("action", "status"): "action_status",
    ("action", "owner"): "owner",
    ("week", "display"): "yes_no",
}

# What the store tabs' data validations allow: numbers from 0 up to these bounds, dates in DATE_RANGE.
NUMBER_LIMITS = {
    "units": 1e7,
    "value": 1e11,
    "category": 1e8,
    "competitor": 1e8,
    "sell_in": 1e7,
    "visits": 21,  # three a day, every day: more is a typing error
    "promoter_present": 14,  # person-days in a week: two promoters every day
    "promoter_planned": 14,
    "stock": 1e8,
    "cost": 1e9,
}
WHOLE_NUMBERS = ("visits",)  # counted, never fractional
DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))
MAX_TEXT = 32_767

FieldKey = tuple
StoreEntries = dict  # FieldKey -> value (typed: float, str, date, canonical enum key, bool)


def field_kind(key: FieldKey) -> str:
    """How a field's value is read: number, int, date, text, list or yes_no."""
    return FIELD_KIND[key[-1]]


def enum_kind(key: FieldKey) -> str | None:
    """The list (lang.words.ENUMS) a field's value comes from, or None."""
    return ENUM_OF.get((key[0], key[-1]))


MEMO_SIZE = 65_536  # typed texts remembered per kind (Y/N, list labels, dates typed as text...)
_MEMO: dict[tuple[str | None, str], tuple[object, str | None]] = {}
_MEMO_KINDS = frozenset({"number", "date", "yes_no", "enum"})  # a text field's value is its own text: not kept


def normalise(key: FieldKey, raw: object) -> object:
    """The typed value of an input cell (canonical keys for lists); raises ParseError when unreadable.

    Text typed into a number, date, yes/no or list field is read once per distinct text and kind (thousands of
    tabs hold the same few "Y", "N" and list labels): the answer, or the ParseError's message, is remembered;
    what it gives is always what `read_value` gives (tests/test_parsing.py)."""
    if type(raw) is not str or FIELD_KIND[key[-1]] not in _MEMO_KINDS:
        return read_value(key, raw)
    memo_key = (ENUM_OF.get((key[0], key[-1])) or FIELD_KIND[key[-1]], raw)
    found = _MEMO.get(memo_key)
    if found is None:
        try:
            found = (read_value(key, raw), None)
        except P.ParseError as exc:
            found = (None, str(exc))
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.clear()
        _MEMO[memo_key] = found
    if found[1] is not None:
        raise P.ParseError(found[1])
    return found[0]


def read_value(key: FieldKey, raw: object) -> object:
    """normalise without remembering: the rule of each kind of field (kam_xl.model.parsing)."""
    kind = field_kind(key)
    if kind == "number":
        value = P.parse_number(raw)
        if value is not None and value < 0:
            raise P.ParseError("must not be negative")
        return value
    if kind == "date":
        return P.parse_date(raw)
    if kind == "yes_no":
        return P.parse_yes_no(raw)
    if kind == "enum":
        return P.parse_enum(enum_kind(key), raw)
    text = P.parse_text(raw)
    return text or None


def checked(key: FieldKey, raw: object) -> object:
    """normalise(key, raw), refused (ParseError) when outside what the tab's validation allows."""
    if (
        type(raw) is float
        and FIELD_KIND[key[-1]] == "number"
        and 0.0 <= raw <= NUMBER_LIMITS[key[-1]]
        and (key[-1] not in WHOLE_NUMBERS or raw.is_integer())
    ):
        return raw  # a plain number in range: what the slow path gives, without its work
    value = normalise(key, raw)
    if value is None:
        return None
    kind = field_kind(key)
    if kind == "number" and value > NUMBER_LIMITS[key[-1]]:
        raise P.ParseError(f"must be at most {NUMBER_LIMITS[key[-1]]:,.0f}")
    if kind == "number" and key[-1] in WHOLE_NUMBERS and not float(value).is_integer():
        raise P.ParseError("must be a whole number")
    if kind == "date" and not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
        raise P.ParseError(f"must be between {DATE_RANGE[0]} and {DATE_RANGE[1]}")
    if kind == "text" and len(value) > MAX_TEXT:
        raise P.ParseError(f"longer than {MAX_TEXT:,} characters")
    return value


def tab_value(key: FieldKey, value: object, lang: str) -> object:
    """A typed value as a store tab shows it: list values as their label, whole numbers as int."""
    enum = enum_kind(key)
    if enum == "yes_no" and isinstance(value, bool):
        return enum_label("yes_no", "yes" if value else "no", lang)
    if enum is not None and value is not None:
        return enum_label(enum, value, lang)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@dataclass
class Entries:
    """Every store's inputs as long DataFrames (blank = NaN / None / NaT).

    weekly:   store_id, week (position 0..n-1), week_id, and one column per WEEK_FIELDS
              (display as 1.0 / 0.0 / NaN)
    programs: store_id, program_id, status (canonical key or None), cost, done_on, note
    actions:  store_id, row, text, owner, due, status (canonical key or None), result
    stores:   store_id, agreed, sr_comment, manager_comment
    """

    weekly: pd.DataFrame
    programs: pd.DataFrame
    actions: pd.DataFrame
    stores: pd.DataFrame


def build_entries(
    per_store: Mapping[str, StoreEntries],
    week_ids: Iterable[str],
    programs_by_store: Mapping[str, Iterable[str]],
    action_rows: int,
) -> Entries:
    """Long frames from each store's typed field values; every week, program and action row has a row."""
    import pandas as pd  # imported here: collect and validate never build frames

    week_ids = list(week_ids)
    programs, actions, stores = [], [], []
    weekly_frame = _weekly_frame(per_store, week_ids)
    for store_id, values in per_store.items():
        for program_id in programs_by_store.get(store_id, ()):
            programs.append(
                {
                    "store_id": store_id,
                    "program_id": program_id,
                    **{f: values.get(("program", program_id, f)) for f in PROGRAM_FIELDS},
                }
            )
        for number in range(1, action_rows + 1):
            actions.append(
                {
                    "store_id": store_id,
                    "row": number,
                    **{f: values.get(("action", number, f)) for f in ACTION_FIELDS},
                }
            )
        stores.append(
            {
                "store_id": store_id,
                "agreed": values.get(("agreed",)),
                "sr_comment": values.get(("comment", "sr")),
                "manager_comment": values.get(("comment", "manager")),
            }
        )
    program_frame = pd.DataFrame(programs, columns=["store_id", "program_id", *PROGRAM_FIELDS])
    program_frame["cost"] = pd.to_numeric(program_frame["cost"], errors="coerce").astype(float)
    action_frame = pd.DataFrame(actions, columns=["store_id", "row", *ACTION_FIELDS])
    return Entries(
        weekly_frame,
        program_frame,
        action_frame,
        pd.DataFrame(stores, columns=["store_id", "agreed", "sr_comment", "manager_comment"]),
    )


def _weekly_frame(per_store: Mapping[str, StoreEntries], week_ids: list[str]) -> pd.DataFrame:
    """The weekly frame: one row per store and week (stores in order, weeks in order), one column per field.

    Built column by column from each store's week values (a store's week keys are looked up once per field
    and week, no row dict per store-week): numbers as float (NaN blank or not a number), display as 1.0 /
    0.0 / NaN, texts as typed (None blank)."""
    import numpy as np
    import pandas as pd

    stores = list(per_store)
    weeks = len(week_ids)
    columns: dict[str, list] = {}
    for field in WEEK_FIELDS:
        keys = [("week", week_id, field) for week_id in week_ids]
        column: list = []
        for store_id in stores:
            get = per_store[store_id].get
            column += map(get, keys)
        if field == "display":
            column = [None if value is None else (1.0 if value else 0.0) for value in column]
        columns[field] = column
    frame = pd.DataFrame(
        {
            "store_id": [store_id for store_id in stores for _ in range(weeks)],
            "week": np.tile(np.arange(weeks, dtype=np.int64), len(stores)),
            "week_id": week_ids * len(stores),
            **columns,
        },
        columns=["store_id", "week", "week_id", *WEEK_FIELDS],
    )
    for column in (*WEEK_NUMBERS, "display"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def key_text(key: FieldKey) -> str:
    """A field key as text ('program|P09|status'), for the retired-values section."""
    return "|".join(str(part) for part in key)


def key_from_text(text: str) -> FieldKey | None:
    """The field key a key_text() gives back, or None for any other text."""
    parts = str(text).split("|")
    if parts[0] == "action" and len(parts) == 3 and parts[1].isdigit():
        return ("action", int(parts[1]), parts[2])
    if parts[0] in ("week", "program") and len(parts) == 3:
        return tuple(parts)
    if parts[0] in ("agreed",) and len(parts) == 1:
        return ("agreed",)
    if parts[0] == "comment" and len(parts) == 2:
        return tuple(parts)
    return None

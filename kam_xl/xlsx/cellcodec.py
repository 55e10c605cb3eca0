"""The one cell codec: how a value is written into a worksheet cell's XML and read back.

Every writer (sheetxml.py for new sheets, cellpatch.py for edits in place, the xlwings adapter for what it
hands Excel) and every part-level reader goes through these functions, so a value means the same thing
whichever way it travels:

- numbers: finite ints and floats, written in their shortest exact form; NaN and infinity are not
  numbers Excel can store (refused by `value_problem`, left blank by the sheet writer);
- booleans as t="b" 1/0; error values (#N/A, #DIV/0!...) as t="e";
- text always as text, inline (t="inlineStr" with its <is><t>..</t></is>) or from the shared strings.
  Characters XML cannot hold (control characters, a carriage return) are escaped as Excel escapes them,
  `_xHHHH_`, and a literal `_xHHHH_` in the text gets its underscore escaped (`_x005F_`), so that any text
  reads back as written. xml:space="preserve" keeps leading/trailing white space, tabs and line breaks.
  Lone surrogates and U+FFFE/U+FFFF (not characters) are dropped; text longer than 32,767 characters is cut;
- dates and times as serial numbers in the workbook's date system (1900, or 1904 when workbook.xml says
  date1904), with Excel's 1900 leap-year quirk.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import NoneType

EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)
MAX_TEXT = 32_767  # characters of a cell's text
MAX_FORMULA_LITERAL = 255  # characters of a text constant inside a formula ("..."): Excel drops longer ones
MAX_FORMULA = 8_192  # characters of a formula
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})

_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # formulas: dropped
_SCALARS = (NoneType, bool, numbers.Real, Decimal, str, dt.date, dt.time, dt.timedelta)


@dataclass(frozen=True)
class ErrorValue:
    """An Excel error value as a cell holds it: #DIV/0!, #N/A, #VALUE!, #REF!, #NAME?, #NUM!, #NULL!."""

    code: str

    def __str__(self) -> str:
        return self.code


# ----- numbers and dates ---------------------------------------------------------------------------------


def number_text(value: object) -> str | None:
    """The <v> text of a number (int, float, Decimal, numpy scalar), or None when it is not finite."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is not float:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        value = float(value)
    if not math.isfinite(value):
        return None
    return repr(value) if not value.is_integer() or abs(value) >= 1e15 else str(int(value))


def epoch(date1904: bool) -> dt.datetime:
    """Day 0 of the workbook's date system."""
    return EPOCH_1904 if date1904 else EPOCH_1900


def serial(value: dt.date | dt.datetime | dt.time | dt.timedelta, date1904: bool = False) -> float:
    """Excel's serial number of a date, date-time, time of day or duration in the workbook's date system.

    In the 1900 system, days before 1 March 1900 are one less than their distance from the epoch (Excel counts
    the 29 February 1900 that never was)."""
    if isinstance(value, dt.timedelta):
        return value / dt.timedelta(days=1)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    start = epoch(date1904)
    if not isinstance(value, dt.datetime):
        days = (value - start.date()).days
        fraction = 0.0
    else:
        delta = value.replace(tzinfo=None) - start
        days, fraction = delta.days, (delta.seconds + delta.microseconds / 1e6) / 86400
    if not date1904 and 0 < days <= 60:
        days -= 1
    return days + fraction if fraction else float(days)


def from_serial(number: float, date1904: bool = False) -> dt.datetime:
    """The date-time of a serial number in the workbook's date system (the inverse of `serial`)."""
    days = math.floor(number)
    if not date1904 and 0 < days < 60:
        days += 1
    moment = epoch(date1904) + dt.timedelta(days=days)
    return moment + dt.timedelta(microseconds=round((number - math.floor(number)) * 86400e6))


# ----- text --------------------------------------------------------------------------------------------


def fit_text(text: str) -> str:
    """Text as a cell can hold it: without lone surrogates and U+FFFE/U+FFFF (not characters), at most 32,767."""
    if not text.isascii() and _NOT_TEXT.search(text):
        text = _NOT_TEXT.sub("", text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT]


def escape_text(text: str) -> str:
    """Excel's `_xHHHH_` escaping of characters XML cannot hold and of literal `_xHHHH_` sequences."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _NEEDS_ESCAPE.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    char = match.group()
    return "_x005F_" if char == "_" else f"_x{ord(char):04X}_"


def unescape_text(text: str) -> str:
    """Undo Excel's `_xHHHH_` escapes."""
    return _ESCAPED.sub(_unescaped, text) if "_x" in text else text


def _unescaped(match: re.Match) -> str:
    return chr(int(match.group(1), 16))


def xml_escape(text: str) -> str:
    """Text as XML character data (&, <, >)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def needs_preserve(text: str) -> bool:
    """Whether a <t> of this text needs xml:space="preserve" (white space at an end, a line break or a tab)."""
    return text[:1].isspace() or text[-1:].isspace() or "\n" in text or "\t" in text


def text_element(text: str, tag: str = "t") -> str:
    """A <t> (or <v>) element holding `text`, escaped, with xml:space="preserve" where needed."""
    text = fit_text(text)
    space = ' xml:space="preserve"' if needs_preserve(text) else ""
    return f"<{tag}{space}>{xml_escape(escape_text(text))}</{tag}>"


# ----- whole cells -------------------------------------------------------------------------------------


def value_parts(value: object, date1904: bool = False) -> tuple[str | None, str] | None:
    """(t attribute, text) a non-None value is stored with: (None, number text), ("b", "1"), ("e", code),
    ("inlineStr", the text itself, unescaped); None when the value is a number Excel cannot store."""
    kind = type(value)
    if kind is str:
        return "inlineStr", value
    if kind is float or kind is int:
        text = number_text(value)
        return None if text is None else (None, text)
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "inlineStr", str(value)
    if isinstance(value, ErrorValue):
        return "e", value.code
    if isinstance(value, (numbers.Real, Decimal)):
        text = number_text(value)
        return None if text is None else (None, text)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return None, number_text(serial(value, date1904))
    return "inlineStr", str(value)


def cell_xml(ref: str, attrs: str, value: object, date1904: bool = False) -> str:
    """One <c> element holding a constant `value`; `attrs` are its other attributes as XML (' s="3"' or '').

    Text is an inline string (always with its <is><t>); None, NaN or infinity give an empty cell, or nothing
    at all when the cell has no other attribute."""
    kind = type(value)
    if kind is str:
        if _plain(value):
            return f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{value}</t></is></c>'
        return f'<c r="{ref}"{attrs} t="inlineStr"><is>{text_element(value)}</is></c>'
    if kind is int:
        return f'<c r="{ref}"{attrs}><v>{value}</v></c>'
    parts = None if value is None else value_parts(value, date1904)
    if parts is None:
        return f'<c r="{ref}"{attrs}/>' if attrs else ""
    t, text = parts
    if t == "inlineStr":
        return f'<c r="{ref}"{attrs} t="inlineStr"><is>{text_element(text)}</is></c>'
    if t is None:
        return f'<c r="{ref}"{attrs}><v>{text}</v></c>'
    return f'<c r="{ref}"{attrs} t="{t}"><v>{xml_escape(text)}</v></c>'


def _plain(text: str) -> bool:
    """Whether text goes into a <t> as it is (the common case, checked fast): printable text without markup
    characters, escapes or white space at its ends."""
    return (
        text.isprintable()  # no control character, line break, non-character, surrogate or non-ASCII space
        and text[:1] != " "
        and text[-1:] != " "
        and "&" not in text
        and "<" not in text
        and ">" not in text
        and "_x" not in text
        and len(text) <= MAX_TEXT
    )


def formula_cell_xml(ref: str, attrs: str, formula: str, cached: object) -> str:
    """A formula cell (`formula` without its '=', characters XML cannot hold dropped: formulas are not
    `_xHHHH_`-escaped) with its cached value (cached_value_xml)."""
    kind, value = cached_value_xml(cached)
    return f'<c r="{ref}"{attrs}{kind}>{_formula_element(formula)}{value}</c>'


@lru_cache(maxsize=65536)
def _formula_element(formula: str) -> str:
    """<f> of a formula (the same few hundred formulas repeat on thousands of tabs)."""
    if not (formula.isprintable() and formula.isascii()):
        formula = _XML_ILLEGAL.sub("", formula)
    return f"<f>{xml_escape(formula)}</f>"


def cached_value_xml(cached: object) -> tuple[str, str]:
    """(t attribute, <v> element) of a formula's cached value: a number as <v>, text as t="str", TRUE/FALSE as
    t="b", an error as t="e"; ("", "") when the value is not known (None, NaN, infinity)."""
    kind = type(cached)
    if kind is float and math.isfinite(cached):  # the common case, fast
        return "", f"<v>{int(cached) if cached.is_integer() and abs(cached) < 1e15 else repr(cached)}</v>"
    if kind is float or kind is int:
        text = number_text(cached)
        return ("", "") if text is None else ("", f"<v>{text}</v>")
    parts = None if cached is None else value_parts(cached)
    if parts is None:
        return "", ""
    t, text = parts
    if t == "inlineStr":
        return ' t="str"', text_element(text, "v")
    if t is None:
        return "", f"<v>{text}</v>"
    return f' t="{t}"', f"<v>{xml_escape(text)}</v>"


def decode(kind: str, text: str | None, strings=None) -> object:
    """A cell's value from its t attribute and its <v> text (or its inline string's text, already joined):
    float for numbers, str for text (unescaped), bool, the code of an error as str, None when empty.
    `strings()` gives the shared strings (only called for t="s")."""
    if text is None:
        return "" if kind == "str" or kind == "inlineStr" else None
    if kind == "n":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "s":
        return strings()[int(text)]
    if kind == "inlineStr" or kind == "str":
        return unescape_text(text)
    if kind == "b":
        return text.strip() in ("1", "true")
    return text  # "e" (the error's code) and "d" (an ISO date)


def value_problem(value: object) -> str | None:
    """Why a value cannot be written into a cell, or None when it can."""
    kind = type(value)
    if kind is int or kind is NoneType or (kind is str and len(value) <= MAX_TEXT):
        return None
    if kind is float and math.isfinite(value):
        return None
    if not isinstance(value, _SCALARS):
        return f"cannot write a {type(value).__name__} value ({value!r})"
    fractional = isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, numbers.Integral)
    if fractional and not math.isfinite(value):
        return f"{value!r} is not a number Excel can store"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"text of {len(value)} characters is longer than Excel's {MAX_TEXT}"
    if isinstance(value, (dt.datetime, dt.time)) and value.tzinfo is not None:
        return f"Excel has no time zones — pass a naive date/time ({value!r})"
    return None

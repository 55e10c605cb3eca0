"""Reading what people really type into cells: numbers, percentages, dates, yes/no, lists."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

from kam_xl.errors import KamError
from kam_xl.lang.words import enum_key


class ParseError(KamError, ValueError):
    """A cell value cannot be read as the type the column needs; the message says why."""


_EXCEL_EPOCH = date(1899, 12, 30)
_EDGE_SPACES = re.compile(r"^[\s\u00a0\u200b\u3000\ufeff]+|[\s\u00a0\u200b\u3000\ufeff]+$")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CURRENCY = re.compile(r"^(?:cny|rmb|usd|eur|[¥$€£])|(?:元|块|cny|rmb)$", re.IGNORECASE)
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_MULTIPLIERS = {"万": 1e4, "亿": 1e8}
_ERROR_VALUES = {
    "#n/a",
    "#div/0!",
    "#value!",
    "#ref!",
    "#name?",
    "#num!",
    "#null!",
    "#getting_data",
}


def clean_text(value: object) -> str:
    """Text of a cell with full-width forms folded and outer/odd spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


_BLANK_MEMO: dict[str, bool] = {}  # short texts already looked at (the same few are typed in thousands of cells)


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only text, and NaN: a cell nobody filled."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if not isinstance(value, str):
        return False
    if len(value) > 64:
        return clean_text(value) == ""
    blank = _BLANK_MEMO.get(value)
    if blank is None:
        if len(_BLANK_MEMO) >= 65_536:
            _BLANK_MEMO.clear()
        blank = _BLANK_MEMO[value] = clean_text(value) == ""
    return blank


def parse_number(value: object) -> float | None:
    """A number from a cell: 1234, '1,234', '１２３４', ' 12% ', '¥1,200', '(50)', '3.5万'.

    Blank gives None; anything else that is not a number raises ParseError.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError("a number is needed, not TRUE/FALSE")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ParseError("a finite number is needed")
        return number
    if isinstance(value, (date, datetime)):
        raise ParseError("a number is needed, not a date")
    text = clean_text(value).replace(" ", "").lower()
    if text in _ERROR_VALUES:
        raise ParseError("the cell shows a spreadsheet error")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = text.replace("−", "-")
    scale = 1.0
    if text.endswith("%"):
        scale, text = 0.01, text[:-1]
    elif text and text[-1] in _MULTIPLIERS:
        scale, text = _MULTIPLIERS[text[-1]], text[:-1]
    text = _CURRENCY.sub("", text)
    text = _CURRENCY.sub("", text)  # a symbol on both sides: "¥100元"
    if _GROUPED.match(text):
        text = text.replace(",", "")
    elif not _PLAIN.match(text):
        raise ParseError("not a number")
    number = float(text) * scale
    if not math.isfinite(number):
        raise ParseError("a finite number is needed")
    return -number if negative else number


def parse_percent(value: object) -> float | None:
    """A fraction from a percentage cell: '12%', 0.12 and the text '12' all give 0.12.

    A number typed into a %-formatted cell is already a fraction in the file, so numbers
    pass unchanged. Text without a % sign is read as percent points when above 1
    ('12' -> 0.12) and as a fraction otherwise ('0.12' -> 0.12).
    """
    if is_blank(value):
        return None
    if isinstance(value, str) and not clean_text(value).endswith("%"):
        number = parse_number(value)
        if number is not None and abs(number) > 1:
            return number / 100.0
        return number
    return parse_number(value)


def parse_int(value: object) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if abs(number - round(number)) > 1e-9:
        raise ParseError("a whole number is needed")
    return int(round(number))


_DATE_FORMS = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})$")
_TIME_TAIL = re.compile(r"[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.IGNORECASE)


def parse_date(value: object) -> date | None:
    """A date from a cell: a real date, an Excel serial, '2026-03-01', '2026/3/1', '2026年3月1日'.

    Forms where day and month could be swapped ('03/04/2026') are refused unless one
    part is above 12, so that a date is never read wrongly.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ParseError("a date is needed, not TRUE/FALSE")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not 1 <= value < 2958466:
            raise ParseError("not a date")
        if abs(value - round(value)) > 1e-6 and value < 20000:
            raise ParseError("not a date")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = _TIME_TAIL.sub("", clean_text(value))
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            return _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    match = _DAY_FIRST_OR_MONTH_FIRST.match(text)
    if match:
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        if a > 12 >= b:
            return _make_date(year, b, a)
        if b > 12 >= a:
            return _make_date(year, a, b)
        if a == b:
            return _make_date(year, a, b)
        raise ParseError("day and month could be swapped; write the date as YYYY-MM-DD")
    raise ParseError("not a date; write it as YYYY-MM-DD")


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"not a real date ({exc})") from None


def parse_yes_no(value: object) -> bool | None:
    """True/False from Y/N, yes/no, 是/否, TRUE/FALSE, 1/0, ✓/✗; blank gives None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = enum_key("yes_no", clean_text(value))
    if key is None:
        raise ParseError("Y or N is needed")
    return key == "yes"


def parse_enum(kind: str, value: object) -> str | None:
    """The canonical key of a list value typed in either language; blank gives None."""
    if is_blank(value):
        return None
    key = enum_key(kind, clean_text(value))
    if key is None:
        raise ParseError("not one of the allowed values")
    return key


_LIST_SPLIT = re.compile(r"\s*[,;/、|]\s*")


def parse_list(value: object) -> tuple[str, ...]:
    """Items of a list cell: 'A, B;C', 'A/B', 'A、B' and 'A，B' all give ('A', 'B', ...)."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple(item for item in _LIST_SPLIT.split(text) if item)


def parse_text(value: object) -> str:
    """Text as typed, with outer spaces removed; numbers written the way people read them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _EDGE_SPACES.sub("", str(value))


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


_NAMED = re.compile(r'(?:"[^"]*"|[^,;，；<>"])*<([^<>]+)>')  # "王经理 <wang@example.com>", as Outlook copies one
_SEPARATORS = re.compile(r"\s*[,;，；]\s*|\s+")


def parse_email(value: object) -> str | None:
    """One e-mail address: "name@example.com", "mailto:…", or "Name <name@example.com>" (the address is kept)."""
    if is_blank(value):
        return None
    text = _NAMED.sub(r"\1", clean_text(value)).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text) or ".." in text:
        several = [item for item in _SEPARATORS.split(text) if item]
        if len(several) > 1 and all(_EMAIL.match(item) for item in several):
            raise ParseError(f"one e-mail address here, not {len(several)}")
        raise ParseError("not an e-mail address")
    return text


def parse_emails(value: object) -> tuple[str, ...]:
    text = _NAMED.sub(r"\1", clean_text(value))
    if not text.strip():
        return ()
    return tuple(parse_email(item) for item in _SEPARATORS.split(text.strip()) if item)

"""Numbers and dates in words, the same in every output (review sheets' texts, e-mails, console): percentages
without a "-0%", dates as the reader says them ("30 Nov 2026", "2026年11月30日"), weeks by their first day."""

from __future__ import annotations

import math
from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _blank(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def percent(value, digits: int = 0) -> str:
    """A fraction as a percentage with `digits` decimals; a value that rounds to zero has no sign ("0%")."""
    if _blank(value):
        return "–"
    shown = round(float(value) * 100, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:.{digits}f}%"


def signed_percent(value, digits: int = 0) -> str:
    """A change as a signed percentage ("+6%", "−3%", "0%")."""
    if _blank(value):
        return "–"
    shown = round(float(value) * 100, digits) + 0.0
    text = f"{abs(shown):.{digits}f}%"
    return text if shown == 0 else ("+" if shown > 0 else "−") + text


# A change of a share (or the gap between two shares) is in percentage points: "+0.5 pt" / "+0.5个百分点", in the
# workbook (the number format of points_format, the cell holding the points) and in the e-mails (share_points).
POINTS_UNIT = {"en": " pt", "zh": "个百分点"}


def share_points(value, lang: str, digits: int = 1) -> str:
    """A difference of shares (held as a fraction: 0.005) in percentage points: "+0.5 pt" / "+0.5个百分点"."""
    if _blank(value):
        return "–"
    shown = round(float(value) * 100, digits) + 0.0
    text = f"{abs(shown):.{digits}f}{POINTS_UNIT[lang]}"
    return text if shown == 0 else ("+" if shown > 0 else "−") + text


def points_format(lang: str) -> str:
    """The Excel number format of a cell holding percentage points (0.5 shows "+0.5 pt" / "+0.5个百分点")."""
    unit = POINTS_UNIT[lang]
    return f'+0.0"{unit}";"−"0.0"{unit}";0.0"{unit}"'


def day_words(day: date | None, lang: str, year: bool = True) -> str:
    """A date as a reader writes it: "30 Nov 2026" / "2026年11月30日" (without the year when `year` is False)."""
    if day is None:
        return "–"
    if lang == "zh":
        return (f"{day.year}年" if year else "") + f"{day.month}月{day.day}日"
    return f"{day.day} {MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def week_words(start: date | None, lang: str) -> str:
    """A plan week by its first day: "the week of 30 Nov 2026" / "2026年11月30日当周"."""
    if start is None:
        return "–"
    return f"{day_words(start, lang)}当周" if lang == "zh" else f"the week of {day_words(start, lang)}"


def span_words(start: date | None, end: date | None, lang: str) -> str:
    """A period: "28 Sep – 11 Oct 2026" / "9月28日–10月11日" (the year once, when both are in one year)."""
    if start is None or end is None:
        return "–"
    same_year = start.year == end.year
    if lang == "zh":
        return f"{day_words(start, lang, year=not same_year)}–{day_words(end, lang, year=not same_year)}"
    return f"{day_words(start, lang, year=not same_year)} – {day_words(end, lang)}"

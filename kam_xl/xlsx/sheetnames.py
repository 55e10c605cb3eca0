"""Excel's rules for sheet names: at most 31 UTF-16 units, none of []:*?/\\, no apostrophe at either end,
no control characters, not "History"; unique ignoring case (checked by the caller)."""

from __future__ import annotations

import unicodedata

MAX_LEN = 31  # Excel counts UTF-16 code units
FORBIDDEN = frozenset("[]:*?/\\")
EXCEL_RESERVED = ("History",)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Excel counts it."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def is_control(ch: str) -> bool:
    """Control characters, lone surrogates and line/paragraph separators: never in a sheet name."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def is_valid_sheet_name(name: str) -> bool:
    """Whether Excel accepts `name` as a sheet name (uniqueness aside)."""
    if not isinstance(name, str) or not name.strip() or utf16_len(name) > MAX_LEN:
        return False
    if name[0] == "'" or name[-1] == "'":
        return False
    if any(ch in FORBIDDEN or is_control(ch) for ch in name):
        return False
    return name.casefold() not in {r.casefold() for r in EXCEL_RESERVED}

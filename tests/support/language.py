"""Scans of what kam shows for the wrong language: English words in a Chinese output, Chinese in an English one."""

from __future__ import annotations

import re

ALLOWED = {
    "CNY",
    "YYYY-MM-DD",
    "kam_xl",
    "kam",
    "next-period",
    "KamNextPeriod",
    "force",
    "Excel",
    "LibreOffice",
    "WPS",
}  # command names, units, product names
NOT_WORDS = re.compile(
    r"\S+·\S+"  # problem ids (store·kind)
    r"|\S+@\S+"  # e-mail addresses
    r"|\S+\.(?:xlsx|csv|html|sqlite|eml|pdf|png)(?![A-Za-z])"  # file names
    r"|`[^`]+`"  # a command to run, as typed
    r"|\b[A-Z]{1,3}\d+\b"  # ids: HX0001, SR001, P01, N1, W47
    r"|\d{4}-W\d+"  # week ids
)
WORD = re.compile(r"[A-Za-z][A-Za-z'_\-]{2,}")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
HALF_COLON = re.compile(r"[\u4e00-\u9fff]: ")  # a Chinese label followed by an English colon
SPACED = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")  # a space between Chinese words


def english_words(text: str) -> set[str]:
    """The English words of a Chinese text, outside ids, file names, e-mail addresses and command names."""
    return {w for w in WORD.findall(NOT_WORDS.sub(" ", text)) if w not in ALLOWED}


def chinese(text: str, names: list[str] = ()) -> list[str]:
    """The Chinese characters of an English text, outside the given names (longest first)."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return CJK.findall(text)

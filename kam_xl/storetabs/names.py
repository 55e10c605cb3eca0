"""Excel sheet names for the store tabs: valid, unique, readable, stable across regenerations.

Rules (docs/workbook.md, "The store tab"):

* The name is "<store id> <store name>", shortened to at most 31 UTF-16 code units
  (Excel's limit; an emoji counts 2). The cut is made at a grapheme boundary: never
  inside a surrogate pair, never between a character and its combining marks,
  variation selectors or skin-tone modifiers, never inside a ZWJ sequence or a flag.
  The store id comes first, so it stays readable whenever it fits.
* The characters Excel forbids are replaced by full-width look-alikes:
  ``[ ] : * ? / \\`` -> ``［ ］ ： ＊ ？ ／ ＼``. Control characters that are
  whitespace (tab, line breaks) become a space, other control characters and lone
  surrogates become "_". Runs of whitespace become one space.
* Spaces and apostrophes are trimmed from both ends; an empty result becomes "Store".
* A name is unique ignoring case (str.casefold) and also after NFKC normalisation
  (so "ＡＢＣ" clashes with "abc"); it is never "History" (reserved by Excel) nor a
  `reserved` name. A clash gets a suffix "~2", "~3"... within the 31 units.
* `existing` (store id -> current tab name): the current name is kept when it is
  still valid and unique and is what the store's *current* id and name give (the
  derived name, possibly with a "~N" suffix from an earlier clash). So regenerating
  does not renumber tabs when other stores come and go, and a store whose name
  changed gets a tab named after its new name. A tab renamed by hand is renamed back;
  the store id cell on the tab, not the tab name, identifies the store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from kam_xl.xlsx.cellcodec import MAX_FORMULA_LITERAL
from kam_xl.xlsx.sheetnames import (
    EXCEL_RESERVED,
    MAX_LEN,
    is_control,
    is_valid_sheet_name,
    utf16_len,
)
from kam_xl.xlsx.spec import Formula, quote_sheet

LOOKALIKES = str.maketrans({"[": "［", "]": "］", ":": "：", "*": "＊", "?": "？", "/": "／", "\\": "＼"})
FALLBACK = "Store"
ZWJ = "\u200d"
_ENDS = re.compile(r"^[\s']+|[\s']+$")
_SUFFIXED = re.compile(r"^(.*)~([0-9]+)$", re.DOTALL)


# ---------------------------------------------------------------------------
# Grapheme-safe shortening
# ---------------------------------------------------------------------------


def _extends(ch: str, previous: str) -> bool:
    """Whether `ch` belongs to the grapheme cluster of the character before it."""
    cp = ord(ch)
    return (
        previous == ZWJ  # whatever follows a zero-width joiner joins the sequence
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")  # combining marks, variation selectors
        or cp in (0x200C, 0x200D)  # ZWNJ, ZWJ
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # tag characters (subdivision flags)
        or 0x1160 <= cp <= 0x11FF
        or 0xD7B0 <= cp <= 0xD7FF  # Hangul vowel / final jamo
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """`text` split into (an approximation of) extended grapheme clusters."""
    clusters: list[str] = []
    for ch in text:
        joins_flag = clusters and _is_regional(ch) and len(clusters[-1]) == 1 and _is_regional(clusters[-1])
        if clusters and (joins_flag or _extends(ch, clusters[-1][-1])):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def tab_link(tab: str, shown: str) -> Formula:
    """A HYPERLINK formula that opens a tab and shows `shown`, cut to what Excel keeps in a formula's text constant
    (255 characters; a longer one makes Excel drop the formula)."""
    if len(shown) > MAX_FORMULA_LITERAL // 2:
        shown = shorten(shown, MAX_FORMULA_LITERAL)
    link = f"#{quote_sheet(tab)}!A1".replace('"', '""')
    return Formula(f'=HYPERLINK("{link}","{shown.replace(chr(34), chr(34) * 2)}")')


def shorten(text: str, limit: int = MAX_LEN) -> str:
    """The longest prefix of whole grapheme clusters that fits in `limit` UTF-16 units."""
    if text.isascii():  # every ASCII character is a cluster of its own, one unit long
        return text[: max(limit, 0)]
    if len(text) <= limit // 2 or utf16_len(text) <= limit:  # all of it fits
        return text
    out, used = [], 0
    for cluster in graphemes(text):
        used += utf16_len(cluster)
        if used > limit:
            break
        out.append(cluster)
    return "".join(out)


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Forbidden characters replaced, controls neutralised, whitespace collapsed."""
    chars = [(" " if ch.isspace() else "_") if is_control(ch) else ch for ch in text.translate(LOOKALIKES)]
    return " ".join("".join(chars).split())


def _trim(text: str) -> str:
    return _ENDS.sub("", text)


def derived_name(store_id: str, store_name: str | None) -> str:
    """The tab name a store gets before any clash: "<id> <name>", cleaned and shortened."""
    text = _trim(_clean(f"{store_id} {store_name or ''}"))
    return _trim(shorten(text, MAX_LEN)) or FALLBACK


def with_suffix(base: str, number: int) -> str:
    """`base` shortened to leave room for "~number", plus the suffix."""
    suffix = f"~{number}"
    return shorten(base, MAX_LEN - len(suffix)).rstrip() + suffix


def _keys(name: str) -> set[tuple[str, str]]:
    """What two names must not share: their casefold and their NFKC-casefold forms."""
    nfkc = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return {("case", name.casefold()), ("nfkc", nfkc)}


def _still_derived(current: str, derived: str) -> bool:
    """Whether `current` is `derived`, or `derived` with a clash suffix."""
    if current == derived:
        return True
    match = _SUFFIXED.match(current)
    return bool(match) and int(match.group(2)) >= 2 and with_suffix(derived, int(match.group(2))) == current


def _free_name(base: str, taken: set) -> str:
    if not _keys(base) & taken:
        return base
    number = 2
    while _keys(with_suffix(base, number)) & taken:
        number += 1
    return with_suffix(base, number)


def tab_names(
    stores: list[tuple[str, str]],
    reserved: Iterable[str] = (),
    existing: dict[str, str] | None = None,
) -> dict[str, str]:
    """Store id -> tab name for every (store_id, store_name) pair; see the module docstring.

    `reserved` are the other sheet names of the workbook (plan sheets, scorecards...).
    Deterministic: the same input gives the same names; clashes are settled in input order.
    """
    ids = [str(sid) for sid, _ in stores]
    if len(set(ids)) != len(ids):
        raise ValueError("tab_names: store ids must be unique")
    existing = existing or {}
    derived = {str(sid): derived_name(str(sid), name) for sid, name in stores}
    taken: set[tuple[str, str]] = set()
    for name in (*EXCEL_RESERVED, *reserved):
        taken |= _keys(name)
    names: dict[str, str] = {}
    for sid in ids:  # first keep the current names that still fit
        current = existing.get(sid)
        if (
            isinstance(current, str)
            and is_valid_sheet_name(current)
            and _still_derived(current, derived[sid])
            and not _keys(current) & taken
        ):
            names[sid] = current
            taken |= _keys(current)
    for sid in ids:
        if sid not in names:
            names[sid] = _free_name(derived[sid], taken)
            taken |= _keys(names[sid])
    return {sid: names[sid] for sid in ids}

"""Formula cells read, and their cached values written, straight in a sheet's XML without parsing it.

The fast path of Package.formula_cells and Package.set_formula_values for sheets written plainly (by kam's
sheet writer, or by Excel: `<c r=".." s=".."><f>..</f><v>..</v></c>`). A sheet it does not fully understand
(a shared or array formula, a cell whose reference is not its first attribute, a namespace prefix, a character
reference inside a formula) gives None, and the caller parses the sheet instead; a test over the workbooks
saved by Excel holds both paths equal.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from kam_xl.xlsx.cellcodec import cached_value_xml

_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"((?: (?:s|t|cm|vm|ph)="[^"]*")*)>'
    rb'<f>([^<]*)</f>(?:<v(?: xml:space="preserve")?>[^<]*</v>|<v/>)?</c>'
)
_ANY_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_TYPE = re.compile(rb' t="[^"]*"')
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


_SCANNED: dict[int, tuple[bytes, list[re.Match] | None]] = {}  # read_formulas' scan, for the write that follows
_SCANS_KEPT = 4096


_MAIN_DEFAULT = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_MAIN_ANYWHERE = b'spreadsheetml/2006/main"'


def _formula_cells(data: bytes) -> list[re.Match] | None:
    kept = _SCANNED.pop(id(data), None)
    if kept is not None and kept[0] is data:
        return kept[1]
    found = []
    at = data.find(b"<f>")
    while at >= 0:  # each plain <f> must open the formula of a plain cell (then it is what finditer finds)
        match = _FORMULA_CELL.match(data, data.rfind(b"<c ", 0, at))
        if match is None or match.start(3) != at + 3:
            return None
        found.append(match)
        at = data.find(b"<f>", match.end())
    return found if _formula_count(data) == len(found) else None


def _formula_count(data: bytes) -> int:
    """How many formula elements the sheet holds, at least (the plain cells found must be all of them).

    When the main namespace is declared once, as the default namespace, before <sheetData>, and no namespace is
    declared inside <sheetData>, an element there is a formula exactly when it is an unprefixed <f>: counting
    "<f" inside <sheetData> finds each of them (and <family> of a rich text run, which only makes the count too
    high: the caller then parses); the parts around it are searched for any <f>. Otherwise every <f>, prefixed
    or not, counts."""
    start, end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    if start < 0 or end < start or data.find(b"xmlns", start, end) >= 0:
        return len(_ANY_FORMULA.findall(data))
    head = data[:start]
    if head.count(_MAIN_ANYWHERE) != 1 or _MAIN_DEFAULT not in head or head.count(b'xmlns="') != 1:
        return len(_ANY_FORMULA.findall(data))
    return (
        data.count(b"<f", start, end) + len(_ANY_FORMULA.findall(data, 0, start)) + len(_ANY_FORMULA.findall(data, end))
    )


@lru_cache(maxsize=65_536)
def _unescaped(text: bytes) -> str | None:
    if b"&#" in text:
        return None
    out = text.decode()
    if "&" in out:
        for entity, char in _ENTITIES.items():
            out = out.replace(entity, char)
        out = out.replace("&amp;", "&")
    return out


@lru_cache(maxsize=65_536)
def formula_text(raw: bytes) -> str | None:
    """A formula as written between <f> and </f> ("=" + its text), or None when it holds a character reference
    (then the parser reads it)."""
    text = _unescaped(raw)
    return None if text is None else "=" + text


def read_formulas(data: bytes) -> dict[str, str] | None:
    """Every formula of a sheet by cell ("R48" -> "=IF(...)"); None when the sheet needs the parser."""
    found = _formula_cells(data)
    if len(_SCANNED) < _SCANS_KEPT:
        _SCANNED[id(data)] = (data, found)
    if found is None:
        return None
    out = {}
    for match in found:
        ref, raw = match.group(1, 3)
        text = formula_text(raw)
        if text is None:
            return None
        out[ref.decode()] = text
    return out


def formulas_at(data: bytes, refs: list[str]) -> dict[str, str] | None:
    """The formulas of some cells ("R48" -> "=IF(...)"), each found where its cell is, without reading the whole
    sheet; None when one of them is not a plain formula cell (then read them all with the parser)."""
    out = {}
    for ref in refs:
        start = data.find(b'<c r="' + ref.encode() + b'"')
        match = _FORMULA_CELL.match(data, start) if start >= 0 else None
        if match is None or data.find(b'<c r="' + ref.encode() + b'"', start + 1) >= 0:
            return None
        text = _unescaped(match.group(3))
        if text is None:
            return None
        out[ref] = "=" + text
    return out


def write_formula_values(data: bytes, values: dict[str, object]) -> bytes | None:
    """The sheet with the cached values of formula cells set ("R48" -> value; None: no cached value), each
    formula and its other attributes kept; None when the sheet needs the parser."""
    found = _formula_cells(data)
    if found is None:
        return None
    out: list[bytes] = []
    append, get, last = out.append, values.get, 0
    for match in found:
        ref, attrs, raw = match.group(1, 2, 3)
        value = get(ref.decode(), _ABSENT)
        if value is _ABSENT:
            continue
        pieces = _cell_pieces(ref, attrs, raw)
        if pieces is None:
            return None
        start, end = match.span()
        kind, xml = cached_value_bytes(value)
        append(data[last:start])
        append(pieces[0])
        append(kind)
        append(pieces[1])
        append(xml)
        append(b"</c>")
        last = end
    append(data[last:])
    return b"".join(out)


_ABSENT = object()
_PIECES: dict[tuple[bytes, bytes, bytes], tuple[bytes, bytes] | None] = {}


def _cell_pieces(ref: bytes, attrs: bytes, raw: bytes) -> tuple[bytes, bytes] | None:
    """A formula cell rewritten around its cached value: (b'<c r=".." s=".."', b'><f>..</f>'), its old t="…"
    dropped; None when the formula holds a character reference (the parser writes it). The same for every
    sheet of a layout, so remembered."""
    key = (ref, attrs, raw)
    found = _PIECES.get(key, _ABSENT)
    if found is _ABSENT:
        if len(_PIECES) >= 65_536:  # a long-lived process: start again
            _PIECES.clear()
        found = _PIECES[key] = (
            None if formula_text(raw) is None else (b'<c r="%s"%s' % (ref, _TYPE.sub(b"", attrs)), b"><f>%s</f>" % raw)
        )
    return found


_TEXT_CACHED: dict[str, tuple[bytes, bytes]] = {}


def cached_value_bytes(value: object) -> tuple[bytes, bytes]:
    """cellcodec.cached_value_xml as bytes (short texts, such as the "" of an IF, remembered; finite floats, the
    common case, written here the same way)."""
    if type(value) is float:
        if value.is_integer() and abs(value) < 1e15:
            return b"", b"<v>%d</v>" % value
        if math.isfinite(value):
            return b"", b"<v>%s</v>" % repr(value).encode()
    if type(value) is str and len(value) < 64:
        found = _TEXT_CACHED.get(value)
        if found is None:
            kind, xml = cached_value_xml(value)
            found = _TEXT_CACHED[value] = (kind.encode(), xml.encode())
            if len(_TEXT_CACHED) > 4096:
                _TEXT_CACHED.clear()
        return found
    kind, xml = cached_value_xml(value)
    return kind.encode(), xml.encode()

"""Formula cells read, and their cached values written, straight in a sheet's XML without parsing it.

The fast path of Package.formula_cells and Package.set_formula_values for sheets written plainly (by kam's
sheet writer, or by Excel: `<c r=".." s=".."><f>..</f><v>..</v></c>`). A sheet it does not fully understand
(a shared or array formula, a cell whose reference is not its first attribute, a namespace prefix, a character
reference inside a formula) gives None, and the caller parses the sheet instead; a test over the workbooks
saved by Excel holds both paths equal.
"""

from __future__ import annotations

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


def _formula_cells(data: bytes) -> list[re.Match] | None:
    kept = _SCANNED.pop(id(data), None)
    if kept is not None and kept[0] is data:
        return kept[1]
    found = list(_FORMULA_CELL.finditer(data))
    if len(found) != len(_ANY_FORMULA.findall(data)):
        return None
    return found


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


def read_formulas(data: bytes) -> dict[str, str] | None:
    """Every formula of a sheet by cell ("R48" -> "=IF(...)"); None when the sheet needs the parser."""
    found = _formula_cells(data)
    if len(_SCANNED) < _SCANS_KEPT:
        _SCANNED[id(data)] = (data, found)
    if found is None:
        return None
    out = {}
    for match in found:
        text = _unescaped(match.group(3))
        if text is None:
            return None
        out[match.group(1).decode()] = "=" + text
    return out


def write_formula_values(data: bytes, values: dict[str, object]) -> bytes | None:
    """The sheet with the cached values of formula cells set ("R48" -> value; None: no cached value), each
    formula and its other attributes kept; None when the sheet needs the parser."""
    found = _formula_cells(data)
    if found is None:
        return None
    out, last = [], 0
    for match in found:
        ref = match.group(1).decode()
        if ref not in values:
            continue
        if _unescaped(match.group(3)) is None:
            return None
        kind, value = cached_value_xml(values[ref])
        attrs = _TYPE.sub(b"", match.group(2))
        out += [data[last : match.start()], b'<c r="', match.group(1), b'"', attrs, kind.encode(), b"><f>"]
        out += [match.group(3), b"</f>", value.encode(), b"</c>"]
        last = match.end()
    out.append(data[last:])
    return b"".join(out)

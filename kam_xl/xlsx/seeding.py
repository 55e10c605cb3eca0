"""Seed an openpyxl donor with a host's styles and strings; merge the donor's additions back."""

from __future__ import annotations

import copy
import warnings
from typing import TYPE_CHECKING

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import Stylesheet, apply_stylesheet
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.utils.indexed_list import IndexedList

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.cellpatch import MAIN_NS, rich_text
from kam_xl.xlsx.safezip import parse_xml, to_xml

if TYPE_CHECKING:
    from kam_xl.xlsx.workbook import WorkbookParts

SI = f"{{{MAIN_NS}}}si"
STYLE_SECTIONS = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
    "cellStyles", "dxfs", "tableStyles", "colors", "extLst",
)  # fmt: skip
INDEXED_STYLE_LISTS = (
    "_fonts", "_fills", "_borders", "_number_formats", "_protections", "_alignments", "_cell_styles",
)  # fmt: skip
_PARSE_ERRORS = (
    TypeError, ValueError, IndexError, KeyError, AttributeError, SyntaxError, etree.LxmlError,
)  # fmt: skip


def seed_workbook(host: WorkbookParts, *, strings: bool = True) -> Workbook:
    """A write-only openpyxl Workbook whose style and string indices mean the same as the host's.

    Build the new sheets in it, save it to bytes, open them with Package.open and graft them
    into the host. openpyxl 3.1 writes text as inline strings, so the seeded string table is
    only used by builders that write shared strings; pass strings=False when the donor must not
    carry the host's strings. The donor also takes the host's 1900/1904 date system.
    """
    workbook = Workbook(write_only=True)
    styles = host.styles_xml()
    if styles is not None:
        _apply_styles(workbook, styles, host.label)
        for name in INDEXED_STYLE_LISTS:
            setattr(workbook, name, positional_list(getattr(workbook, name)))
    if strings:
        workbook.shared_strings = seeded_strings(host.shared_string_items())
    if host.is_date1904():
        workbook.epoch = CALENDAR_MAC_1904
    return workbook


def _apply_styles(workbook: Workbook, styles: bytes, label: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            apply_stylesheet(_StylesOnly(styles), workbook)
        except _PARSE_ERRORS as exc:
            raise WorkbookError(f"{label}: the stylesheet cannot be read ({exc})") from exc


class _StylesOnly:
    """The one-method archive apply_stylesheet reads xl/styles.xml from."""

    def __init__(self, styles: bytes):
        self.styles = styles

    def read(self, name: str) -> bytes:
        if name != "xl/styles.xml":
            raise KeyError(name)
        return self.styles


def positional_list(items) -> IndexedList:
    """An IndexedList keeping every item at its position; lookups give the first occurrence.

    openpyxl's IndexedList(iterable) maps a duplicated value to its last position and, once
    rebuilt, counts positions without the duplicates — shifting every later index.
    """
    indexed = IndexedList()
    for position, item in enumerate(items):
        list.append(indexed, item)
        indexed._dict.setdefault(item, position)
    return indexed


def seeded_strings(items: list[tuple[str, bool]]) -> IndexedList:
    """The host's shared strings in order; only unformatted ones are offered for re-use."""
    indexed = IndexedList()
    for position, (text, plain) in enumerate(items):
        list.append(indexed, text)
        if plain:
            indexed._dict.setdefault(text, position)
    return indexed


def merge_styles(host_xml: bytes, donor_xml: bytes, label: str) -> bytes | None:
    """The host's styles.xml with the donor's new entries appended, or None if none are new."""
    check_styles_prefix(_stylesheet(host_xml, label), _stylesheet(donor_xml, "the donor"), label)
    host = parse_xml(host_xml, f"{label}: styles")
    donor = parse_xml(donor_xml, "the donor's styles")
    added = sum(_append_tail(host, donor, tag) for tag in ("fonts", "fills", "borders", "dxfs"))
    added += _append_cell_xfs(host, donor)
    return to_xml(host) if added else None


def _stylesheet(data: bytes, label: str) -> Stylesheet:
    try:
        return Stylesheet.from_tree(parse_xml(data, f"{label}: styles"))
    except _PARSE_ERRORS as exc:
        raise WorkbookError(f"{label}: the stylesheet cannot be read ({exc})") from exc


def check_styles_prefix(host: Stylesheet, donor: Stylesheet, label: str) -> None:
    """Raise unless every host font, fill, border, dxf and cell format is the donor's too."""
    for name in ("fonts", "fills", "borders", "dxfs"):
        mine, theirs = list(getattr(host, name)), list(getattr(donor, name))
        if theirs[: len(mine)] != mine:
            raise _not_seeded(label, name)
    count = len(host.cell_styles)
    if len(donor.cell_styles) < count:
        raise _not_seeded(label, "cell formats")
    for index in range(count):
        if xf_signature(host, index) != xf_signature(donor, index):
            raise _not_seeded(label, f"cell format {index}")


def _not_seeded(label: str, what: str) -> WorkbookError:
    return WorkbookError(
        f"{label}: the new sheets' {what} do not extend the workbook's — the donor was not "
        "built with seed_workbook() from this workbook; rebuild it from the current file"
    )


def xf_signature(sheet: Stylesheet, index: int) -> tuple:
    """What a cell format looks like, independent of table positions and numFmt ids."""
    style = sheet.cell_styles[index]
    return (
        _pick(sheet.fonts, style.fontId),
        _pick(sheet.fills, style.fillId),
        _pick(sheet.borders, style.borderId),
        format_code(sheet, style.numFmtId),
        _pick(sheet.alignments, style.alignmentId),
        _pick(sheet.protections, style.protectionId),
        style.quotePrefix,
        style.pivotButton,
    )


def _pick(items, index: int):
    return items[index] if 0 <= index < len(items) else None


def format_code(sheet: Stylesheet, number_format_id: int) -> str | int:
    if number_format_id >= BUILTIN_FORMATS_MAX_SIZE:
        return _pick(sheet.number_formats, number_format_id - BUILTIN_FORMATS_MAX_SIZE)
    return BUILTIN_FORMATS.get(number_format_id, number_format_id)


def _tag(name: str) -> str:
    return f"{{{MAIN_NS}}}{name}"


def section(root: etree._Element, name: str) -> etree._Element:
    """A styles.xml section, created at its schema position if missing."""
    found = root.find(_tag(name))
    if found is not None:
        return found
    created = root.makeelement(_tag(name))
    later = set(STYLE_SECTIONS[STYLE_SECTIONS.index(name) + 1 :])
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname in later:
            child.addprevious(created)
            return created
    root.append(created)
    return created


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    found = root.find(_tag(name))
    return [] if found is None else [child for child in found if isinstance(child.tag, str)]


def _append_tail(host: etree._Element, donor: etree._Element, name: str) -> int:
    extra = _children(donor, name)[len(_children(host, name)) :]
    if extra:
        target = section(host, name)
        target.extend(copy.deepcopy(element) for element in extra)
        target.set("count", str(len(_children(host, name))))
    return len(extra)


def _append_cell_xfs(host: etree._Element, donor: etree._Element) -> int:
    extra = _children(donor, "cellXfs")[len(_children(host, "cellXfs")) :]
    if not extra:
        return 0
    formats = _FormatIds(host, donor)
    named = _NamedStyles(host, donor, formats)
    target = section(host, "cellXfs")
    for element in extra:
        xf = copy.deepcopy(element)
        formats.remap(xf)
        xf.set("xfId", named.host_xf_id(xf.get("xfId", "0")))
        target.append(xf)
    target.set("count", str(len(_children(host, "cellXfs"))))
    return len(extra)


class _FormatIds:
    """Maps the donor's custom numFmtIds to the host's ids for the same format code."""

    def __init__(self, host: etree._Element, donor: etree._Element):
        self.host = host
        self.by_code: dict[str, int] = {}
        for element in _children(host, "numFmts"):
            self.by_code.setdefault(element.get("formatCode"), int(element.get("numFmtId")))
        self.donor_codes = {
            int(element.get("numFmtId")): element.get("formatCode") for element in _children(donor, "numFmts")
        }
        self.next_id = max([BUILTIN_FORMATS_MAX_SIZE - 1, *self.by_code.values()]) + 1

    def remap(self, xf: etree._Element) -> None:
        number_format_id = int(xf.get("numFmtId", "0"))
        code = self.donor_codes.get(number_format_id)
        if number_format_id < BUILTIN_FORMATS_MAX_SIZE or code is None:
            return
        if code not in self.by_code:
            self._add(code)
        xf.set("numFmtId", str(self.by_code[code]))

    def _add(self, code: str) -> None:
        formats = section(self.host, "numFmts")
        formats.append(formats.makeelement(_tag("numFmt"), numFmtId=str(self.next_id), formatCode=code))
        formats.set("count", str(len(formats)))
        self.by_code[code] = self.next_id
        self.next_id += 1


class _NamedStyles:
    """Maps the donor's xfId (a named style) to the host's, adding named styles the host lacks."""

    def __init__(self, host: etree._Element, donor: etree._Element, formats: _FormatIds):
        self.host, self.donor, self.formats = host, donor, formats
        self.host_ids = {
            element.get("name", "").lower(): element.get("xfId", "0") for element in _children(host, "cellStyles")
        }
        self.donor_styles = {element.get("xfId", "0"): element for element in _children(donor, "cellStyles")}

    def host_xf_id(self, donor_xf_id: str) -> str:
        style = self.donor_styles.get(donor_xf_id)
        if style is None:
            return "0"
        name = style.get("name", "").lower()
        if name not in self.host_ids:
            self.host_ids[name] = self._add(style, donor_xf_id)
        return self.host_ids[name]

    def _add(self, style: etree._Element, donor_xf_id: str) -> str:
        donor_xfs = _children(self.donor, "cellStyleXfs")
        xf = copy.deepcopy(donor_xfs[int(donor_xf_id)])
        self.formats.remap(xf)
        xfs = section(self.host, "cellStyleXfs")
        xfs.append(xf)
        xfs.set("count", str(len(xfs)))
        host_id = str(len(xfs) - 1)
        named = copy.deepcopy(style)
        named.set("xfId", host_id)
        styles = section(self.host, "cellStyles")
        styles.append(named)
        styles.set("count", str(len(styles)))
        return host_id


def merge_strings(host_xml: bytes | None, donor_xml: bytes | None, label: str) -> bytes | None:
    """The host's sharedStrings.xml with the donor's new strings appended, or None."""
    if donor_xml is None:
        return None
    donor_items = parse_xml(donor_xml, "the donor's shared strings").findall(SI)
    host = (
        parse_xml(host_xml, f"{label}: shared strings")
        if host_xml is not None
        else etree.Element(_tag("sst"), nsmap={None: MAIN_NS})
    )
    host_items = host.findall(SI)
    prefix = donor_items[: len(host_items)]
    if [rich_text(item) for item in prefix] != [rich_text(item) for item in host_items]:
        raise _not_seeded(label, "shared strings")
    extra = donor_items[len(host_items) :]
    if not extra:
        return None
    host.extend(copy.deepcopy(item) for item in extra)
    host.set("uniqueCount", str(len(host_items) + len(extra)))
    host.attrib.pop("count", None)
    return to_xml(host)

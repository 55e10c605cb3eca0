"""Cell-level edits of parsed sheet XML: write values in place, inline strings, drop caches."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from functools import lru_cache

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.cellcodec import (
    cell_xml,
    decode,
    escape_text,
    fit_text,
    needs_preserve,
    number_text,
    unescape_text,
    value_parts,
    value_problem,
)
from kam_xl.xlsx.safezip import parse_xml
from kam_xl.xlsx.spec import column_letter, split_ref

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
ROW, C, V, F, IS, T, R = (f"{{{MAIN_NS}}}{tag}" for tag in ("row", "c", "v", "f", "is", "t", "r"))
SHEET_DATA, DIMENSION, COLS, COL = (f"{{{MAIN_NS}}}{tag}" for tag in ("sheetData", "dimension", "cols", "col"))
SHEET_VIEW = f"{{{MAIN_NS}}}sheetView"

_INLINE_TEMPLATE = etree.Element(IS)
etree.SubElement(_INLINE_TEMPLATE, T)


@lru_cache(maxsize=100_000)
def located(ref: str) -> tuple[str, int, int]:
    """'d$20' -> ('D20', 20, 4): the A1 text as Excel writes it and the position (spec.split_ref's rules)."""
    row, col = split_ref(ref)
    return f"{column_letter(col)}{row}", row, col


def rich_text(element: etree._Element) -> str:
    """Plain text of an <si> or <is>: its <t> and run texts, without phonetic runs."""
    parts = []
    for child in element:
        if child.tag == T:
            parts.append(child.text or "")
        elif child.tag == R:
            parts.extend(t.text or "" for t in child.iter(T))
    return unescape_text("".join(parts))


def read_value(cell: etree._Element, strings: list[str]) -> object:
    """A cell's current value: float, str, bool or None (formulas give their cached value; cellcodec.decode)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(IS)
        return None if inline is None else rich_text(inline)
    value = cell.find(V)
    return None if value is None else decode(kind, value.text, lambda: strings)


def encode_value(cell: etree._Element, value: object, date1904: bool) -> None:
    """Put `value` into an emptied cell: number, bool, date serial or inline text (cellcodec.value_parts)."""
    parts = None if value is None else value_parts(value, date1904)
    if parts is None:
        return
    kind, text = parts
    if kind == "inlineStr":
        _put_inline(cell, text)
        return
    if kind is not None:
        cell.set("t", kind)
    _put_v(cell, text)


def _put_v(cell: etree._Element, text: str) -> None:
    if len(cell):
        element = cell.makeelement(V)
        cell.insert(0, element)
    else:
        element = etree.SubElement(cell, V)
    element.text = text


def _put_inline(cell: etree._Element, text: str) -> None:
    cell.set("t", "inlineStr")
    inline = _INLINE_TEMPLATE.__deepcopy__(None)
    set_text(inline[0], text)
    cell.insert(0, inline)


def set_text(node: etree._Element, text: str) -> None:
    """Set a <t>'s text, escaped as Excel escapes it, preserving white space where needed."""
    text = fit_text(text)
    node.text = escape_text(text)
    if needs_preserve(text):
        node.set(XML_SPACE, "preserve")
    else:
        node.attrib.pop(XML_SPACE, None)


def strip_tab_selected(root: etree._Element) -> bool:
    """Remove tabSelected from every sheet view; True if there was one."""
    found = False
    for view in root.iter(SHEET_VIEW):
        if view.attrib.pop("tabSelected", None) is not None:
            found = True
    return found


_NO_SHORTCUT = object()


def checked_positions(values: dict[str, object], where: str) -> list[tuple[str, int, int]]:
    """`located` of every cell, after checking every reference and value (WorkbookError otherwise)."""
    positions = []
    for ref, value in values.items():
        try:
            positions.append(located(ref))
        except WorkbookError as exc:
            raise WorkbookError(f"{where}: {exc}") from None
        problem = value_problem(value)
        if problem:
            raise WorkbookError(f"{where}!{ref}: {problem}")
    return positions


# ----- the fast path: values written straight into the XML of a sheet that is not parsed ----------

_ATTRIBUTE = re.compile(rb'([A-Za-z_:][\w:.-]*)="([^"]*)"')
_PLAIN_NUMBER = re.compile(rb"^<v>([^<]*)</v>$")
_EMPTY_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")?/>')
_PATCHABLE = {b"r", b"s", b"t"}


def patch_cells(
    data: bytes, values: dict[str, object], strings, date1904: bool, where: str
) -> tuple[bytes, dict[str, object]] | None:
    """Write values into a sheet's XML without parsing it: the fast path of Package.set_cells.

    Works when every target cell already exists as a plain value cell (<c r=.. s=.. t=..>
    holding a value or nothing: no formula, no other attribute); None otherwise, and the caller
    edits the parsed tree instead. `strings()` gives the shared strings, needed only for old
    t="s" values. Values are checked first (WorkbookError), so nothing changes on error.
    """
    positions = checked_positions(values, where)
    if len({ref for ref, _, _ in positions}) != len(positions):
        return None
    spans = []
    offset = 0
    for (ref, value), (canonical, _, _) in sorted(
        zip(values.items(), positions, strict=True), key=lambda item: item[1][1:]
    ):
        found = _find_cell(data, canonical, offset)
        if found is None:
            return None
        spans.append((*found, ref, value))
        offset = found[1]
    return _spliced(data, spans, strings, date1904)


def positioned_cells(root: etree._Element):
    """(A1 reference, <c>) of every cell of a parsed sheet, in order. A cell or row without its r attribute (the
    schema allows it) is where it stands: the column after the previous cell, the row after the previous row."""
    row_number = 0
    for row in root.iter(ROW):
        text = row.get("r")
        row_number = int(text) if text else row_number + 1
        col = 0
        for cell in row.iterchildren(C):
            ref = cell.get("r")
            if ref:
                canonical, _, col = located(ref)
            else:
                col += 1
                canonical = f"{column_letter(col)}{row_number}"
            yield canonical, cell


def is_filled(cell: etree._Element) -> bool:
    """Whether a cell holds something: a formula, an inline string, or a value (an empty <v/> is nothing)."""
    for child in cell:
        tag = child.tag
        if tag in (F, IS) or (tag == V and child.text):
            return True
    return False


def filled_refs(data: bytes) -> set[str]:
    """The references of a sheet's cells that hold something (a value or a formula), from its XML, parsed: right
    for any valid sheet (attribute order and quoting, namespace prefixes, cells without r, self-closing cells)."""
    root = parse_xml(data, "a sheet")
    return {ref for ref, cell in positioned_cells(root) if is_filled(cell)}


def read_cells(data: bytes, refs: list[str], strings) -> dict[str, object] | None:
    """The values of cells (numbers as float, text as str, empty as None) read straight from a sheet's
    XML without parsing it; None when a cell is missing or not a plain value cell (then parse)."""
    found: dict[str, object] = {}
    offset = 0
    for ref in sorted(refs, key=located):
        cell = _find_cell(data, ref, offset)
        if cell is None:
            return None
        found[ref] = _old_value(cell[2], cell[3], strings)
        offset = cell[1]
    return found


def _find_cell(data: bytes, ref: str, offset: int) -> tuple[int, int, dict, bytes] | None:
    """(start, end, attributes, inner XML) of a patchable <c r="ref">, or None."""
    needle = b'<c r="' + ref.encode() + b'"'
    start = data.find(needle, offset)
    if start < 0:
        start = data.find(needle)
    if start < 0:
        return None
    empty = _EMPTY_CELL.match(data, start)
    if empty:
        style = {b"s": empty.group(2)} if empty.group(2) else {}
        return start, empty.end(), {b"r": empty.group(1), **style}, b""
    close = data.find(b">", start)
    head = data[start + 2 : close]
    if head.endswith(b"/"):
        end, inner, head = close + 1, b"", head[:-1]
    else:
        stop = data.find(b"</c>", close)
        if stop < 0:
            return None
        end, inner = stop + 4, data[close + 1 : stop]
    attributes = dict(_ATTRIBUTE.findall(head))
    if _ATTRIBUTE.sub(b"", head).strip() or attributes.keys() - _PATCHABLE or b"<f" in inner:
        return None
    return start, end, attributes, inner


def _spliced(data: bytes, spans: list, strings, date1904: bool) -> tuple[bytes, dict[str, object]]:
    out, old, last = [], {}, 0
    for start, end, attributes, inner, ref, value in spans:
        old[ref] = _old_value(attributes, inner, strings)
        out += [data[last:start], cell_bytes(attributes, value, date1904)]
        last = end
    out.append(data[last:])
    return b"".join(out), old


def _old_value(attributes: dict, inner: bytes, strings) -> object:
    if not inner.strip():
        return None
    kind = attributes.get(b"t", b"n")
    plain = _PLAIN_NUMBER.match(inner)
    if plain and kind == b"n":
        try:
            return float(plain.group(1))
        except ValueError:
            return plain.group(1).decode()
    cell = parse_xml(b'<c xmlns="' + MAIN_NS.encode() + b'" t="' + kind + b'">' + inner + b"</c>", "a cell")
    return read_value(cell, strings() if kind == b"s" else [])


def cell_bytes(attributes: dict, value: object, date1904: bool) -> bytes:
    """A <c> element holding `value` (None: empty), keeping the cell's reference and style (cellcodec.cell_xml)."""
    style = attributes.get(b"s")
    attrs = f' s="{style.decode()}"' if style is not None else ""
    return cell_xml(attributes[b"r"].decode(), attrs, value, date1904).encode() or b'<c r="' + attributes[b"r"] + b'"/>'


def _swap_in_place(cell: etree._Element, child: etree._Element, value, strings) -> object:
    """Overwrite a lone <v> or plain <is> with a number or text, reusing the elements."""
    kind = type(value)
    if (
        (kind is int or (kind is float and math.isfinite(value)))
        and child.tag == V
        and child.text
        and cell.get("t", "n") == "n"
    ):
        old = child.text
        child.text = number_text(value)
        try:
            return float(old)
        except ValueError:
            return old
    if kind is str and child.tag == IS and len(child) == 1 and child[0].tag == T:
        old = unescape_text(child[0].text or "")
        set_text(child[0], value)
        return old
    if kind is str and child.tag == V:
        old = read_value(cell, strings)
        child.tag, child.text = IS, None
        set_text(etree.SubElement(child, T), value)
        cell.set("t", "inlineStr")
        return old
    return _NO_SHORTCUT


class SheetCells:
    """One parsed sheet with its rows and cells indexed by position, edited in place."""

    def __init__(self, root: etree._Element, where: str):
        self.root = root
        self.where = where
        self.data = self._sheet_data()
        self.rows: dict[int, etree._Element] = {}
        self.row_numbers: list[int] = []
        self.cells: dict[str, etree._Element] = {}  # "D20" -> <c>, filled row by row
        self.indexed_rows: set[int] = set()
        self.column_styles = self._column_styles()
        self.formulas_removed = False
        self._index_rows()

    def _sheet_data(self) -> etree._Element:
        data = self.root.find(SHEET_DATA)
        if data is None:
            raise WorkbookError(f"{self.where} has no cell data (is it a chart sheet?)")
        return data

    def _index_rows(self) -> None:
        previous = 0
        for row in self.data.iterchildren(ROW):
            text = row.get("r")
            number = int(text) if text else previous + 1
            if not text:
                row.set("r", str(number))
            previous = number
            self.rows[number] = row
        self.row_numbers = sorted(self.rows)

    def _index_row(self, row: etree._Element, number: int) -> None:
        """Index a row's cells by reference (the common case: every cell has an upper-case r)."""
        self.indexed_rows.add(number)
        cells = list(row.iterchildren(C))
        refs = [cell.get("r") for cell in cells]
        if None in refs or not "".join(refs).isupper():
            refs = self._normalised_refs(cells, refs, number)
        self.cells.update(zip(refs, cells))

    @staticmethod
    def _normalised_refs(cells: list, refs: list, number: int) -> list[str]:
        """Upper-case refs, giving cells without one their implicit position."""
        normalised, previous = [], 0
        for cell, ref in zip(cells, refs, strict=True):
            col = located(ref)[2] if ref else previous + 1
            canonical = f"{column_letter(col)}{number}"
            if ref != canonical:
                cell.set("r", canonical)
            normalised.append(canonical)
            previous = col
        return normalised

    def _column_styles(self) -> list[tuple[int, int, str]]:
        cols = self.root.find(COLS)
        if cols is None:
            return []
        return [
            (int(col.get("min")), int(col.get("max")), col.get("style"))
            for col in cols.iterchildren(COL)
            if col.get("style") and col.get("min") and col.get("max")
        ]

    def write_many(self, values: dict[str, object], strings: list[str], date1904: bool) -> dict[str, object]:
        """Write every value (validated first, so nothing changes on error); return old ones."""
        positions = checked_positions(values, self.where)
        old = {}
        for (ref, value), position in zip(values.items(), positions, strict=True):
            old[ref] = self._swap(self.cell(*position), value, strings, date1904)
        self._grow_dimension(positions)
        return old

    def write_formulas(self, formulas: dict[str, tuple[str, object]]) -> None:
        """Put formulas ("D20" -> ("=...", cached value: number, text or None)) into cells, keeping styles."""
        positions = checked_positions({ref: 0.0 for ref in formulas}, self.where)
        for (text, cached), position in zip(formulas.values(), positions, strict=True):
            cell = self.cell(*position)
            self._clear(cell)
            formula = etree.SubElement(cell, F)
            formula.text = text.removeprefix("=")
            parts = None if cached is None else value_parts(cached)  # the cell codec's rule for a cached value
            if parts is not None:
                kind, value = parts
                if kind == "inlineStr":
                    kind, value = "str", escape_text(value)
                if kind is not None:
                    cell.set("t", kind)
                etree.SubElement(cell, V).text = value
        self._grow_dimension(positions)

    def _swap(self, cell: etree._Element, value: object, strings: list[str], date1904: bool) -> object:
        """Replace a cell's value, returning the old one; common cases take a short path."""
        count = len(cell)
        if count == 1:
            previous = _swap_in_place(cell, cell[0], value, strings)
            if previous is not _NO_SHORTCUT:
                return previous
        elif count == 0:
            cell.attrib.pop("t", None)
            encode_value(cell, value, date1904)
            return None
        previous = read_value(cell, strings)
        self._clear(cell)
        encode_value(cell, value, date1904)
        return previous

    def cell(self, ref: str, row_number: int, col: int) -> etree._Element:
        """The <c> at a position, created (with the row or column style) if missing."""
        cell = self.cells.get(ref)
        if cell is not None:
            return cell
        row = self.rows.get(row_number)
        if row is None:
            row = self._new_row(row_number)
        elif row_number not in self.indexed_rows:
            self._index_row(row, row_number)
            cell = self.cells.get(ref)
            if cell is not None:
                return cell
        style = self._default_style(row, col)
        attributes = {"r": ref} if style is None else {"r": ref, "s": style}
        cell = self.cells[ref] = self._insert_cell(row, col, attributes)
        row.attrib.pop("spans", None)
        return cell

    def _new_row(self, number: int) -> etree._Element:
        row = self.data.makeelement(ROW, r=str(number))
        position = bisect_left(self.row_numbers, number)
        if position < len(self.row_numbers):
            self.rows[self.row_numbers[position]].addprevious(row)
        else:
            self.data.append(row)
        self.row_numbers.insert(position, number)
        self.rows[number] = row
        self.indexed_rows.add(number)
        return row

    @staticmethod
    def _insert_cell(row: etree._Element, col: int, attributes: dict) -> etree._Element:
        """A new <c> among its row's cells in column order (usually simply the last)."""
        if not len(row) or (row[-1].tag == C and located(row[-1].get("r"))[2] < col):
            return etree.SubElement(row, C, attributes)
        cell = row.makeelement(C, attributes)
        last = None
        for existing in row.iterchildren(C):
            if located(existing.get("r"))[2] > col:
                existing.addprevious(cell)
                return cell
            last = existing
        if last is not None:
            last.addnext(cell)
        else:
            row.insert(0, cell)
        return cell

    def _default_style(self, row: etree._Element, col: int) -> str | None:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return row.get("s")
        for low, high, style in self.column_styles:
            if low <= col <= high:
                return style
        return None

    def _clear(self, cell: etree._Element) -> None:
        """Empty a cell's value and formula, keeping its style."""
        for child in list(cell):
            if child.tag == F:
                self._release_shared_formula(cell, child)
                self.formulas_removed = True
            if child.tag in (F, V, IS):
                cell.remove(child)
        cell.attrib.pop("t", None)

    def _release_shared_formula(self, cell: etree._Element, formula: etree._Element) -> None:
        """Hand a shared formula's master text to the next cell that shares it."""
        if formula.get("t") != "shared" or not formula.text or not formula.get("ref"):
            return
        from openpyxl.formula.translate import Translator  # imported here: rarely needed, slow to import

        group = formula.get("si")
        for other in self._shared_group(group, cell):
            follower = other.find(F)

            translated = Translator(f"={formula.text}", origin=cell.get("r")).translate_formula(other.get("r"))
            follower.text = translated[1:]
            follower.set("ref", formula.get("ref"))
            return

    def _shared_group(self, group: str, master: etree._Element):
        for other in self.data.iter(C):
            follower = other.find(F)
            if other is master or follower is None or follower.text:
                continue
            if follower.get("si") == group and follower.get("t") == "shared":
                yield other

    def _grow_dimension(self, positions) -> None:
        dimension = self.root.find(DIMENSION)
        if dimension is None or not positions:
            return
        try:
            bounds = [located(ref) for ref in dimension.get("ref", "A1").split(":")]
        except WorkbookError:
            return
        rows = [row for _, row, _ in [*positions, *bounds]]
        cols = [col for _, _, col in [*positions, *bounds]]
        top_left = f"{column_letter(min(cols))}{min(rows)}"
        bottom_right = f"{column_letter(max(cols))}{max(rows)}"
        dimension.set("ref", top_left if top_left == bottom_right else f"{top_left}:{bottom_right}")

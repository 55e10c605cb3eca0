"""What a worksheet's XML says beyond the values a fast reader returns: how far its cells reach, which
cells hold an error value, and which hold a formula.

python-calamine reads an error cell (#DIV/0!, #N/A…) and a formula without a cached value both as an
empty cell, and sizes its grid from the farthest cell: one cell at XFD1048576 in a small file asks it for
hundreds of gigabytes. Scanning the XML first lets the caller refuse such a file and tell a typed blank
from an error or a formula without a result.

Speed: a collect reads thousands of sheets, so the common case (every cell written as `<c r="A1"…>`, as
Excel, LibreOffice and kam write them, none far out) is answered by byte counts and one simple search;
anything else is walked cell by cell with the XML parser, and every answer that decides what happens to a
value (an error, a formula without a result) is confirmed by the parser.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.spec import column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAX_SHEET_CELLS = 2_000_000  # rows × columns a sheet may span before a reader is asked to build its grid
_ROW, _CELL, _VALUE, _FORMULA, _DIMENSION = (f"{{{MAIN}}}{tag}" for tag in ("row", "c", "v", "f", "dimension"))
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_NS = {"m": MAIN}
_ERRORS = etree.XPath("//m:c[@t='e']", namespaces=_NS)
_UNCACHED = etree.XPath("//m:f/parent::m:c[not(@t='str') and not(normalize-space(m:v))]/@r", namespaces=_NS)
# A reference with a column from DA on or a row from 20,000 on: beyond that the sheet is walked exactly.
_FAR = re.compile(rb'r="(?:[A-Za-z]{3}|[D-Zd-z][A-Za-z])[0-9]|r="[A-Za-z]{1,3}(?:[2-9][0-9]{4}|[0-9]{6})')
_FORMULA_CELLS = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*><f(?:>([^<]*)</f>)?')  # reference, plain text
_DIMENSION_REF = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')


@dataclass
class SheetScan:
    """The farthest row and column holding a cell, error cells (A1 → '#N/A'), formula cells (A1); `texts`: the
    XML text of each formula written plainly (<f>…</f>, b"" otherwise) by reference as bytes, from the quick
    scan only (empty when the sheet was walked exactly)."""

    max_row: int = 0
    max_col: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    formulas: set[str] = field(default_factory=set)
    texts: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def area(self) -> int:
        return self.max_row * self.max_col


def _ref_parts(ref: str) -> tuple[int, int] | None:
    letters = ""
    for index, ch in enumerate(ref):
        if ch.isalpha():
            letters += ch.upper()
        else:
            digits = ref[index:]
            if not letters or not digits.isdigit() or len(letters) > 3:
                return None
            col = 0
            for letter in letters:
                col = col * 26 + ord(letter) - 64
            return int(digits), col
    return None


_OTHER_CELL = re.compile(rb'<c(?=[\s>/])(?! r=")')  # a cell not written <c r="…"
_PREFIXED_CELL = re.compile(rb":c[\s>/]")


def _plain(data: bytes) -> bool:
    """Whether every cell is written `<c r="…"` (reference first, no prefix), one element per line at most."""
    return (
        data.count(b"\n") <= 2
        and not _OTHER_CELL.search(data)
        and not _PREFIXED_CELL.search(data)
        and not _FAR.search(data)
    )


def scan_sheet(data: bytes, where: str) -> SheetScan:
    """Scan a worksheet part (DTDs and entities refused); WorkbookError when it is damaged or reaches
    absurdly far (see check_area)."""
    if b"<!DOCTYPE" in data:
        raise WorkbookError(f"{where} contains a DTD, which no workbook has — refusing to read it")
    for ref in _DIMENSION_REF.findall(data[: data.find(b"<sheetData") if b"<sheetData" in data else 4096]):
        _dimension(ref.decode("ascii", "replace"), where)
    if not _plain(data):
        return scan_sheet_exactly(data, where)
    scan = SheetScan()  # every reference below row 20,000 and before column DA: the grid is small
    last_row = data.rfind(b'<row r="')
    if last_row >= 0:
        digits = data[last_row + 8 : data.find(b'"', last_row + 8)]
        scan.max_row = int(digits) if digits.isdigit() else 0
    scan.texts = dict(_FORMULA_CELLS.findall(data))  # a reference twice: the last one, as the parser reads it
    scan.formulas = {ref.decode() for ref in scan.texts}
    if b't="e"' in data:
        root = _parse(data, where)
        for cell in _ERRORS(root):
            value = cell.find(_VALUE)
            scan.errors[cell.get("r")] = ((value.text if value is not None else None) or "#VALUE!").strip()
    return scan


def uncached_formulas(data: bytes, refs: set[str], where: str) -> set[str]:
    """Of `refs`, the cells holding a formula without a saved result (checked with the XML parser)."""
    if not refs:
        return set()
    return {str(ref) for ref in _UNCACHED(_parse(data, where))} & refs


def all_uncached_formulas(data: bytes, where: str) -> set[str]:
    """Every cell of a sheet holding a formula without a saved result (a file from a program that does not
    calculate): python-calamine reads such a cell as empty."""
    if b"<f" not in data:
        return set()
    return {str(ref) for ref in _UNCACHED(_parse(data, where))}


def _parse(data: bytes, where: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"{where} is damaged ({exc}) — open and re-save it in Excel") from None


def scan_sheet_exactly(data: bytes, where: str) -> SheetScan:
    """scan_sheet, walking every cell (streaming): for sheets whose cells lack references or reach far."""
    if b"<!DOCTYPE" in data:
        raise WorkbookError(f"{where} contains a DTD, which no workbook has — refusing to read it")
    scan = SheetScan()
    row_number = 0
    col_number = 0
    try:
        for event, element in etree.iterparse(
            io.BytesIO(data), events=("start", "end"), tag=(_ROW, _CELL, _DIMENSION), resolve_entities=False,
            no_network=True, load_dtd=False, huge_tree=False,
        ):  # fmt: skip
            if event == "start":
                if element.tag == _ROW:
                    given = element.get("r")
                    row_number = int(given) if given and given.isdigit() else row_number + 1
                    col_number = 0
                continue
            if element.tag == _DIMENSION:
                _dimension(element.get("ref", ""), where)
            elif element.tag == _CELL:
                parsed = _ref_parts(element.get("r") or "")
                row, col = parsed if parsed else (row_number, col_number + 1)
                col_number = col
                scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
                _look_at_cell(scan, element, f"{column_letter(col)}{row}")
                element.clear(keep_tail=True)
            elif element.tag == _ROW:
                element.clear(keep_tail=True)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"{where} is damaged ({exc}) — open and re-save it in Excel") from None
    check_area(scan, where)
    return scan


def _dimension(ref: str, where: str) -> None:
    corner = _ref_parts(ref.split(":")[-1]) if ref else None
    if corner and corner[0] * corner[1] > MAX_SHEET_CELLS:
        raise WorkbookError(f"{where} says it spans {ref}: {_too_big(corner)}")


def _look_at_cell(scan: SheetScan, cell: etree._Element, ref: str) -> None:
    value = cell.find(_VALUE)
    if cell.get("t") == "e":
        scan.errors[ref] = ((value.text if value is not None else None) or "#VALUE!").strip()
    elif cell.find(_FORMULA) is not None:
        scan.formulas.add(ref)


def _too_big(corner: tuple[int, int]) -> str:
    return (
        f"cells as far as {column_letter(corner[1])}{corner[0]}, more than a store workbook ever has "
        "(delete the rows and columns beyond the data, save, and send it again)"
    )


def check_area(scan: SheetScan, where: str) -> None:
    """WorkbookError when the sheet's cells reach so far that reading it would take too much memory."""
    if scan.area > MAX_SHEET_CELLS:
        raise WorkbookError(f"{where} has {_too_big((scan.max_row, scan.max_col))}")


_HEAD = 4096  # bytes of a worksheet part read to find its <dimension> (it comes before the cells)


def check_reach(archive, infos: list, where: str, exact: bool = False) -> None:
    """WorkbookError naming the sheet when a worksheet of the zip `archive` reaches so far that a reader would
    need absurd memory (python-calamine aborts the whole process on one cell at XFD1048576).

    Each sheet's declared <dimension> is checked from the first bytes of its part (Excel, LibreOffice, WPS,
    openpyxl and kam all write it, exactly): cheap enough for thousands of tabs. A sheet without one, and every
    sheet when `exact` (files from outside: a retailer's report), is scanned cell by cell (scan_sheet)."""
    for info in infos:
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")) or "/_rels/" in name:
            continue
        try:
            with archive.open(info) as member:
                head = member.read(_HEAD)
        except (zipfile.BadZipFile, zlib.error, EOFError):  # damaged: said, with its part, when it is read
            continue
        found = _DIMENSION_REF.search(head[: head.find(b"<sheetData")] if b"<sheetData" in head else head)
        corners = []
        if found is not None:
            corners.append(_ref_parts(found.group(1).decode("ascii", "replace").split(":")[-1]) or (0, 0))
        if found is None or exact:
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError):
                continue
            try:
                scan = scan_sheet_exactly(data, name)
            except WorkbookError as exc:
                raise WorkbookError(
                    f"{where}, sheet {_sheet_of(archive, name)!r}{str(exc).removeprefix(name)}"
                ) from None
            corners.append((scan.max_row, scan.max_col))
        far = next((corner for corner in corners if corner[0] * corner[1] > MAX_SHEET_CELLS), None)
        if far is not None:
            raise WorkbookError(
                f"{where}, sheet {_sheet_of(archive, name)!r}: cells as far as {column_letter(far[1])}{far[0]}, more "
                "than a store workbook ever has — delete what is beyond the data (Ctrl+End shows the last cell), "
                "save, and run the command again"
            )


def _sheet_of(archive, part: str) -> str:
    """The name of the sheet whose part is `part` (the part's own name when the workbook does not say)."""
    from kam_xl.xlsx.parts import rels_name, resolve
    from kam_xl.xlsx.safezip import parse_xml

    try:
        rels = parse_xml(archive.read(rels_name("xl/workbook.xml")), "workbook.xml.rels")
        book = parse_xml(archive.read("xl/workbook.xml"), "workbook.xml")
    except (KeyError, WorkbookError):
        return part
    targets = {rel.get("Id"): resolve("xl/workbook.xml", rel.get("Target", "")) for rel in rels}
    for sheet in book.iter(f"{{{MAIN}}}sheet"):
        if targets.get(sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")) == part:
            return sheet.get("name", part)
    return part

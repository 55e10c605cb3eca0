"""What a worksheet's XML says beyond the values a fast reader returns: how far its cells reach, which
cells hold an error value, and which formulas have no saved result.

python-calamine reads an error cell (#DIV/0!, #N/A…) and a formula without a cached value both as an
empty cell, and sizes its grid from the farthest cell: one cell at XFD1048576 in a small file asks it for
hundreds of gigabytes. Scanning the XML first (streaming, entity-free) lets the caller refuse such a file
and tell a typed blank from an error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.spec import column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAX_SHEET_CELLS = 2_000_000  # rows × columns a sheet may span before a reader is asked to build its grid
_ROW, _CELL, _VALUE, _FORMULA, _DIMENSION = (f"{{{MAIN}}}{tag}" for tag in ("row", "c", "v", "f", "dimension"))


@dataclass
class SheetScan:
    """The farthest row and column holding a cell, error cells (A1 → '#N/A'), formulas without a result."""

    max_row: int = 0
    max_col: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    uncached: set[str] = field(default_factory=set)

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


def scan_sheet(data: bytes, where: str) -> SheetScan:
    """Scan a worksheet part (streaming; DTDs and entities refused). WorkbookError when it is not XML."""
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
                _dimension(scan, element.get("ref", ""), where)
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
    return scan


def _dimension(scan: SheetScan, ref: str, where: str) -> None:
    corner = _ref_parts(ref.split(":")[-1]) if ref else None
    if corner and corner[0] * corner[1] > MAX_SHEET_CELLS:
        raise WorkbookError(f"{where} says it spans {ref}: {_too_big(corner)}")


def _look_at_cell(scan: SheetScan, cell: etree._Element, ref: str) -> None:
    value = cell.find(_VALUE)
    text = value.text if value is not None else None
    if cell.get("t") == "e":
        scan.errors[ref] = (text or "#VALUE!").strip()
    elif cell.find(_FORMULA) is not None and not (text or "").strip() and cell.get("t") != "str":
        scan.uncached.add(ref)


def _too_big(corner: tuple[int, int]) -> str:
    return (
        f"cells as far as {column_letter(corner[1])}{corner[0]}, more than a store workbook ever has "
        "(delete the rows and columns beyond the data, save, and send it again)"
    )


def check_area(scan: SheetScan, where: str) -> None:
    """WorkbookError when the sheet's cells reach so far that reading it would take too much memory."""
    if scan.area > MAX_SHEET_CELLS:
        raise WorkbookError(f"{where} has {_too_big((scan.max_row, scan.max_col))}")

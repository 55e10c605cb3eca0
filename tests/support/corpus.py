"""Checking kam's xlsx layer against one workbook saved by Microsoft Excel (tests/test_excel_saved.py runs it on
every file of ../shared/fixtures/excel-saved).

The reference reader is openpyxl. Where two readers legitimately differ, the comparison says so here:
- text: openpyxl does not undo Excel's `_xHHHH_` escapes in inline strings and undoes them more than once in
  shared strings (Excel undoes them once, as kam does): text with escapes is compared fully unescaped on both
  sides (test_excel_saved.py checks kam's exact single-pass reading on XlsxWriter's escape files);
- numbers: 3 and 3.0 are the same number (Excel has one number type); compared exactly otherwise;
- dates: python-calamine and openpyxl both turn a date-formatted number into a date/time; compared to the
  millisecond (they round fractions of a second differently), and a date equals midnight of that day;
- errors: openpyxl gives the code ('#N/A'); python-calamine (kam's grid reader) reads an error cell as empty,
  which kam treats as "no value"; the part-level reader gives the code;
- a cell blanked by the patch that carries a hyperlink: openpyxl shows the link's target as its value;
- merged cells: openpyxl reads the cells of a merged range other than its first as None (the new cell the patch
  makes is put outside every merged range);
- formulas: compared by their cached values (openpyxl data_only=True); a formula cell without one is filled but
  has no value;
- an empty inline or shared string: openpyxl reads None or '', kam reads '': both are "no text".
"""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
from lxml import etree
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from kam_xl.xlsx.cellcodec import from_serial, unescape_text
from kam_xl.xlsx.cellpatch import filled_refs, positioned_cells, read_cells, read_value
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.read import book_of_bytes
from kam_xl.xlsx.spec import split_ref
from tests.support.schema import part_problems

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")


def reference_value(value: object, escaped: bool = True) -> object:
    """A value as comparable: text unescaped when it comes from openpyxl (`escaped`), numbers as float, dates as
    datetime, '' as None."""
    if isinstance(value, str):
        return _unescaped_fully(value) or None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        return value
    return str(value)


def _unescaped_fully(text: str) -> str:
    while True:
        undone = unescape_text(text)
        if undone == text:
            return text
        text = undone


def same(mine: object, theirs: object) -> bool:
    """Equal as the comparison rules above say (`mine` from kam or python-calamine, `theirs` from openpyxl)."""
    mine, theirs = reference_value(mine, escaped=False), reference_value(theirs)
    if isinstance(theirs, str) and theirs in ERRORS:
        if mine is None:
            return True  # python-calamine reads an error cell as empty
        return str(mine).strip().upper().endswith(theirs.strip("#!?/").upper()) or str(mine) == theirs
    if isinstance(mine, float) and isinstance(theirs, float):
        return mine == theirs or (math.isnan(mine) and math.isnan(theirs))
    if isinstance(mine, dt.datetime) and isinstance(theirs, dt.datetime):
        return abs(mine - theirs) <= dt.timedelta(milliseconds=1)
    if isinstance(mine, (dt.time, dt.timedelta)) or isinstance(theirs, (dt.time, dt.timedelta)):
        return _seconds(mine) is not None and _seconds(mine) == _seconds(theirs)
    return mine == theirs


def _seconds(value: object) -> float | None:
    if isinstance(value, dt.time):
        return round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6, 3)
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds(), 3)
    return None


def _openpyxl(data: bytes, values: bool):
    return openpyxl.load_workbook(io.BytesIO(data), data_only=values, read_only=False)


def _cells(sheet) -> dict[str, object]:
    """openpyxl's non-empty cells of a worksheet by reference (from its cell store: iter_rows would make every
    cell up to a comment in XFD1048576)."""
    cells = sheet._cells.values()  # noqa: SLF001
    return {cell.coordinate: cell.value for cell in cells if cell.value not in (None, "")}


def worksheets(package: Package) -> list[str]:
    """The sheets of a package that are worksheets (not chart sheets)."""
    return [name for name in package.sheet_names() if package.content_type(package.sheet_part(name)) == WORKSHEET_TYPE]


def reader_differences(data: bytes) -> list[str]:
    """Where kam's readers (python-calamine grids; the part-level filled cells and values) differ from openpyxl."""
    package = Package.open(data)
    calamine = book_of_bytes(data, "corpus")
    by_values = _openpyxl(data, values=True)
    by_formulas = _openpyxl(data, values=False)
    strings = package.shared_strings()
    out: list[str] = []
    for name in worksheets(package):
        expected = _cells(by_values[name])
        grid = calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for ref, value in expected.items():
            row, col = split_ref(ref)
            found = grid[row - 1][col - 1] if row <= len(grid) and col <= len(grid[row - 1]) else None
            if not same(found, value):
                out.append(f"{name}!{ref}: calamine {found!r}, openpyxl {value!r}")
        for row_number, line in enumerate(grid, start=1):
            for col, found in enumerate(line, start=1):
                ref = f"{openpyxl.utils.get_column_letter(col)}{row_number}"
                if found not in (None, "") and ref not in expected:
                    out.append(f"{name}!{ref}: calamine {found!r}, openpyxl nothing")
        xml = package.sheet_xml(name)
        filled = filled_refs(xml)
        reference = set(_cells(by_formulas[name]))
        if filled != reference:
            out.append(f"{name}: filled cells {sorted(filled ^ reference)[:5]} differ from openpyxl")
        parsed = {ref: read_value(cell, strings) for ref, cell in positioned_cells(etree.fromstring(xml))}
        fast = read_cells(xml, sorted(filled), lambda: strings)
        if fast is not None and any(not _same_raw(fast[ref], parsed[ref]) for ref in fast):
            out.append(f"{name}: the fast read of old values differs from the parser")
        for ref in filled & set(expected):
            value, mine = expected[ref], parsed[ref]
            if isinstance(value, (dt.date, dt.time, dt.timedelta)) or isinstance(value, str) and value in ERRORS:
                continue  # the part-level reader gives serials and codes (no styles): covered by calamine above
            if not same(mine, value):
                out.append(f"{name}!{ref}: part reader {mine!r}, openpyxl {value!r}")
    return out


def _same_raw(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


PATCH_TEXT = "_x0041_ kam & <ok> 中文"
PATCH_DATE = dt.date(2026, 3, 1)


def patch_differences(data: bytes) -> list[str]:
    """Patch cells of the first worksheet (a number, a text, a blank in place; a date in a new cell) and compare
    what openpyxl reads back with what it read before; the patched sheet must still pass the schema."""
    package = Package.open(data)
    names = worksheets(package)
    if not names:
        return []
    name = names[0]
    before = _cells(_openpyxl(data, values=False)[name])
    filled = sorted(filled_refs(package.sheet_xml(name)), key=split_ref)
    changes: dict[str, object] = {}
    for ref, value in zip(filled, (42.5, PATCH_TEXT, None), strict=False):
        changes[ref] = value
    if changes:
        package.set_cells(name, changes)  # the fast path when the cells are plain value cells
    sheet = _openpyxl(data, values=False)[name]
    last_row = max((split_ref(ref)[0] for ref in filled), default=0) + 2
    while any(f"B{last_row}" in merged for merged in sheet.merged_cells.ranges):
        last_row += 1
    new_cell = f"B{last_row}"
    package.set_cells(name, {new_cell: PATCH_DATE, **({} if not filled else {filled[0]: -7})})
    changes[new_cell] = PATCH_DATE
    if filled:
        changes[filled[0]] = -7
    patched = package.to_bytes()
    reread = _openpyxl(patched, values=False)[name]
    after = _cells(reread)
    linked = {cell.coordinate for cell in reread._cells.values() if cell.hyperlink is not None}  # noqa: SLF001
    out = []
    for ref in sorted(set(before) | set(after) | set(changes), key=split_ref):
        found = after.get(ref)
        if ref not in changes:
            wanted = before.get(ref)
            if wanted != found:
                out.append(f"{name}!{ref}: {found!r} after the patch, {wanted!r} before")
            continue
        wanted = changes[ref]
        if wanted is None and ref in linked:
            continue
        if isinstance(wanted, dt.date) and isinstance(found, (int, float)):
            found = from_serial(found, package.is_date1904())
        elif isinstance(wanted, (int, float)) and isinstance(found, dt.datetime):  # a cell with a date format
            found = to_excel(found, CALENDAR_MAC_1904 if package.is_date1904() else CALENDAR_WINDOWS_1900)
        if not same(wanted, found):
            out.append(f"{name}!{ref}: {found!r} after the patch, expected {wanted!r}")
    out += [f"{name} after the patch: {problem}" for problem in part_problems(package.sheet_xml(name), WORKSHEET_TYPE)]
    return out

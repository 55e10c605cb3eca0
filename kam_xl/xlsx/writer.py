"""Writing SheetSpecs into a package: openpyxl makes the styles, sheetxml writes the sheets fast."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle

from kam_xl.progress import Progress, every
from kam_xl.xlsx import styles
from kam_xl.xlsx.charts import chart_parts
from kam_xl.xlsx.package import COMPRESS_LEVEL, NewSheet, Package
from kam_xl.xlsx.safezip import pack_pieces
from kam_xl.xlsx.seeding import seed_workbook
from kam_xl.xlsx.sheetxml import StyleIndex, sheet_pieces
from kam_xl.xlsx.spec import SheetSpec
from kam_xl.xlsx.stylebook import StyleBook, new_workbook

_PROBE = "kam_style_probe"
_CELL_STYLE = re.compile(rb'<c r="[A-Z]+1"(?: s="(\d+)")?')
_DXF = re.compile(rb'dxfId="(\d+)"')


def _probe_styles(workbook: Workbook) -> None:
    """A sheet with one cell per named style and one conditional format per differential style."""
    sheet = workbook.create_sheet(_PROBE)
    book = StyleBook(workbook)
    cells = []
    for key in styles.CELL:
        cell = WriteOnlyCell(sheet, value=1)
        if key != "text":
            book.apply(cell, key)
        cells.append(cell)
    for row, (key, look) in enumerate(styles.DIFFERENTIAL.items(), start=1):
        dxf = DifferentialStyle(
            font=Font(color=look["font"]) if look["font"] else None,
            fill=PatternFill(bgColor=look["fill"], fill_type="solid") if look["fill"] else None,
        )
        sheet.conditional_formatting.add(f"A{row}", Rule(type="expression", formula=[f'"{key}"="{key}"'], dxf=dxf))
    sheet.append(cells)


def _style_index(probe_xml: bytes) -> StyleIndex:
    cell = [int(found or 0) for found in _CELL_STYLE.findall(probe_xml)]
    dxf = [int(found) for found in _DXF.findall(probe_xml)]
    return StyleIndex(dict(zip(styles.CELL, cell, strict=True)), dict(zip(styles.DIFFERENTIAL, dxf, strict=True)))


def _styled_donor(host: Package | None) -> tuple[Package, StyleIndex]:
    workbook = seed_workbook(host) if host is not None else new_workbook()
    _probe_styles(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    donor = Package.open(buffer.getvalue())
    return donor, _style_index(donor.sheet_xml(_PROBE))


class SheetWriter:
    """Adds sheets to a package one at a time (each spec becomes XML at once, so memory stays small)."""

    def __init__(self, host: Package):
        self.host = host
        donor, self.index = _styled_donor(host)
        host.adopt_styles(donor)
        self.date1904 = host.is_date1904()
        self.sheets: list[NewSheet] = []

    def add(self, spec: SheetSpec) -> None:
        """Turn a SheetSpec into sheet XML now (it is put into the package by finish)."""
        self.sheets.append(self.serialise(spec))

    def serialise(self, spec: SheetSpec) -> NewSheet:
        """The finished sheet of a SheetSpec (plain bytes: it may be made in another process, see add_serialised)."""
        related, pieces = self._pieces(spec)
        return NewSheet(spec.title, "".join(pieces).encode("utf-8"), spec.state, related, frozenset(spec.volatile))

    def serialise_packed(self, spec: SheetSpec) -> NewSheet:
        """serialise, with the XML compressed as the package stores it (NewSheet.packed) and never held whole:
        the save copies it as it is, and a forked helper sends a tenth of the bytes."""
        related, pieces = self._pieces(spec)
        packed = pack_pieces(pieces, COMPRESS_LEVEL)
        return NewSheet(spec.title, b"", spec.state, related, frozenset(spec.volatile), packed)

    def _pieces(self, spec: SheetSpec) -> tuple[tuple, list[str]]:
        related = chart_parts(spec) if spec.charts else ()
        return related, sheet_pieces(spec, self.index, "rId1" if related else None, self.date1904)

    def add_serialised(self, sheet: NewSheet) -> None:
        """Add a sheet made by serialise (put into the package by finish)."""
        self.sheets.append(sheet)

    def finish(self, *, before: str | None = None, order: list[str] | None = None) -> bool:
        """Put the sheets into the package, replacing sheets of the same names; returns whether it changed.

        When the package holds every sheet already as it would be written (volatile cells aside,
        Package.same_sheet), none is replaced and the package stays unchanged, so an unchanged workbook is
        not saved; otherwise all are replaced (their place in the tab order is then as add_sheets says).
        """
        changed = not all(self.host.same_sheet(sheet) for sheet in self.sheets)
        if changed:
            self.host.add_sheets(self.sheets, before=before, replace=True)
        if order:
            self.host.reorder_sheets(order)
        if changed:
            self.host.set_calc_on_load()
        self.sheets = []
        return changed


def write_sheets(
    host: Package,
    specs: list[SheetSpec],
    *,
    before: str | None = None,
    order: list[str] | None = None,
    progress: Progress | None = None,
) -> None:
    """Add the sheets to `host`, replacing sheets of the same names; `order` sorts the named sheets."""
    writer = SheetWriter(host)
    tick = every(progress, "writing sheets", len(specs))
    for done, spec in enumerate(specs, start=1):
        writer.add(spec)
        tick(done)
    writer.finish(before=before, order=order)


def new_package(specs: list[SheetSpec], progress: Progress | None = None) -> Package:
    """A new workbook holding the sheets."""
    workbook = new_workbook()
    workbook.create_sheet("kam_placeholder")
    buffer = io.BytesIO()
    workbook.save(buffer)
    package = Package.open(buffer.getvalue())
    write_sheets(package, specs, progress=progress)
    package.remove_sheets(["kam_placeholder"])
    return package

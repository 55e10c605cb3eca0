"""Turning SheetSpecs into openpyxl write-only worksheets (the only place sheets get written)."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation

from . import styles
from .spec import Chart, Formula, SheetSpec, Validation, column_letter

_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_TEXT = 32767
_THIN = Side(style="thin", color="BFBFBF")
_ALIGN = {
    "wrap": Alignment(wrap_text=True, vertical="top"),
    "center": Alignment(horizontal="center", vertical="center"),
    "center_wrap": Alignment(horizontal="center", vertical="center", wrap_text=True),
}


def new_workbook() -> Workbook:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "kam_xl"
    return workbook


class StyleBook:
    """The openpyxl style of each named style, made once per workbook and shared by cells."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self._arrays: dict[str, object] = {}

    def apply(self, cell: WriteOnlyCell, key: str) -> None:
        array = self._arrays.get(key)
        if array is None:
            _set_style(cell, styles.CELL[key])
            self._arrays[key] = cell._style
        else:
            cell._style = array


def _set_style(cell: WriteOnlyCell, style: dict) -> None:
    font = style.get("font")
    if font:
        cell.font = Font(**font)
    fill = style.get("fill")
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if style.get("number_format"):
        cell.number_format = style["number_format"]
    if style.get("align"):
        cell.alignment = _ALIGN[style["align"]]
    if style.get("border"):
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    if style.get("locked") is False:
        cell.protection = Protection(locked=False)


def render_sheet(workbook: Workbook, spec: SheetSpec, style_book: StyleBook) -> None:
    """Add one sheet to a write-only workbook, exactly as the spec says."""
    sheet = workbook.create_sheet(spec.title)
    _sheet_settings(sheet, spec)
    rows: dict[int, list[tuple[int, object, str]]] = {}
    for (row, col), (value, style) in spec.cells.items():
        rows.setdefault(row, []).append((col, value, style))
    for row in range(1, (max(rows) if rows else 0) + 1):
        entries = sorted(rows.get(row, ()), key=lambda item: item[0])
        out: list[object] = [None] * (entries[-1][0] if entries else 0)
        for col, value, style in entries:
            cell = WriteOnlyCell(sheet)
            _set_value(cell, value)
            if style != "text":
                style_book.apply(cell, style)
            out[col - 1] = cell
        sheet.append(out)
    for chart in spec.charts:
        sheet.add_chart(_chart(sheet, chart), chart.anchor)


def _set_value(cell: WriteOnlyCell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        cell.value = value.text
        return
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_TEXT]
        cell.value = text
        cell.data_type = "s"  # user text stays text, even when it starts with "="
        return
    if isinstance(value, datetime):
        value = value.date()
    cell.value = value


def _sheet_settings(sheet, spec: SheetSpec) -> None:
    for col, width in spec.widths.items():
        sheet.column_dimensions[column_letter(col)].width = width
    for row, height in spec.heights.items():
        sheet.row_dimensions[row].height = height
    if spec.freeze:
        sheet.freeze_panes = spec.freeze
    if spec.tab_color:
        sheet.sheet_properties.tabColor = spec.tab_color
    if spec.zoom:
        sheet.sheet_view.zoomScale = spec.zoom
    sheet.sheet_state = spec.state
    for merged in spec.merges:
        sheet.merged_cells.add(CellRange(merged))
    if spec.autofilter:
        sheet.auto_filter.ref = spec.autofilter
    for validation in spec.validations:
        sheet.data_validations.append(_validation(validation))
    for rule in spec.cond_formats:
        look = styles.DIFFERENTIAL[rule.style]
        dxf = DifferentialStyle(
            font=Font(color=look["font"]) if look["font"] else None,
            fill=PatternFill(bgColor=look["fill"], fill_type="solid") if look["fill"] else None,
        )
        sheet.conditional_formatting.add(
            rule.ref, Rule(type="expression", formula=[rule.formula.lstrip("=")], dxf=dxf)
        )
    if spec.protected:
        protection = sheet.protection
        protection.sheet = True
        protection.formatColumns = False
        protection.formatRows = False
        protection.autoFilter = False
        protection.sort = False
        if spec.allow_rows:
            protection.insertRows = False
            protection.deleteRows = False


def _serial(value) -> str:
    if isinstance(value, date):
        return str((value - _EXCEL_EPOCH).days)
    return repr(float(value)) if isinstance(value, float) else str(value)


def _validation(spec: Validation) -> DataValidation:
    if spec.kind == "list":
        rule = DataValidation(type="list", formula1='"' + ",".join(spec.values) + '"')
    elif spec.kind == "custom":
        rule = DataValidation(type="custom", formula1=spec.formula.lstrip("="))
    else:
        kind = "decimal" if spec.kind == "decimal" else spec.kind
        if spec.lo is not None and spec.hi is not None:
            rule = DataValidation(type=kind, operator="between", formula1=_serial(spec.lo), formula2=_serial(spec.hi))
        elif spec.lo is not None:
            rule = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_serial(spec.lo))
        else:
            rule = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_serial(spec.hi))
    rule.allow_blank = True
    rule.showErrorMessage = True
    rule.errorStyle = "stop"
    if spec.error:
        rule.error = spec.error[:255]
    if spec.prompt:
        rule.prompt = spec.prompt[:255]
        rule.showInputMessage = True
    rule.add(spec.ref)
    return rule


def _reference(sheet, area: str) -> Reference:
    bounds = CellRange(area)
    return Reference(sheet, min_col=bounds.min_col, min_row=bounds.min_row, max_col=bounds.max_col, max_row=bounds.max_row)


def _chart(sheet, spec: Chart):
    if spec.kind == "scatter":
        chart = ScatterChart()
        chart.style = 13
        xs = _reference(sheet, spec.categories)
        for title, values in spec.series:
            series = Series(_reference(sheet, values), xs, title=title)
            series.marker.symbol = "circle"
            series.graphicalProperties.line.noFill = True
            chart.series.append(series)
    else:
        chart = LineChart() if spec.kind == "line" else BarChart()
        for title, values in spec.series:
            chart.series.append(Series(_reference(sheet, values), title=title))
        chart.set_categories(_reference(sheet, spec.categories))
    chart.title = spec.title
    chart.x_axis.title = spec.x_title or None
    chart.y_axis.title = spec.y_title or None
    chart.width = spec.width_cm
    chart.height = spec.height_cm
    return chart


def render_workbook(specs: list[SheetSpec], target: str | Path | io.BytesIO | None = None, workbook: Workbook | None = None):
    """Write the sheets into a (new or seeded) write-only workbook; returns bytes when no target."""
    workbook = workbook or new_workbook()
    style_book = StyleBook(workbook)
    for spec in specs:
        render_sheet(workbook, spec, style_book)
    if target is None:
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    workbook.save(target)
    return None

"""Native Excel charts of a SheetSpec as package parts; openpyxl writes the chart and drawing XML."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.xml.functions import tostring

from kam_xl.xlsx.package import NewPart
from kam_xl.xlsx.spec import Chart, SheetSpec, quote_sheet

DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
MARKER_COLOR = "2F5597"  # scatter markers are filled: without a fill some applications draw them invisible


def _reference(sheet: str, area: str) -> Reference:
    return Reference(range_string=f"{quote_sheet(sheet)}!{area}")


def build_chart(sheet: str, spec: Chart):
    """An openpyxl chart object for `spec`, its ranges on sheet `sheet`."""
    if spec.kind == "scatter":
        chart = ScatterChart(scatterStyle="lineMarker")  # required by the schema: Excel repairs a chart without it
        chart.style = 13
        xs = _reference(sheet, spec.categories)
        for title, values in spec.series:
            series = Series(_reference(sheet, values), xs, title=title)
            series.marker.symbol = "circle"
            series.marker.graphicalProperties = GraphicalProperties(solidFill=MARKER_COLOR)
            series.marker.graphicalProperties.line.solidFill = MARKER_COLOR
            series.graphicalProperties.line.noFill = True
            chart.series.append(series)
    else:
        chart = LineChart() if spec.kind == "line" else BarChart()
        for title, values in spec.series:
            series = Series(_reference(sheet, values), title=title)
            series.smooth = False  # straight lines between weeks (LibreOffice smooths when it is unset)
            series.cat = AxDataSource(strRef=StrRef(f=str(_reference(sheet, spec.categories))))  # text labels
            chart.series.append(series)
    chart.title = spec.title
    chart.x_axis.title = spec.x_title or None
    chart.y_axis.title = spec.y_title or None
    chart.width, chart.height = spec.width_cm, spec.height_cm
    chart.anchor = spec.anchor
    return chart


def chart_parts(spec: SheetSpec) -> tuple[NewPart, ...]:
    """The drawing part of the sheet's charts (the sheet refers to it as rId1), with the charts."""
    drawing = SpreadsheetDrawing()
    charts = [build_chart(spec.title, chart) for chart in spec.charts]
    drawing.charts.extend(charts)
    children = tuple(
        NewPart(f"{DOC_REL}/chart", "xl/charts/chart1.xml", tostring(chart._write()), CHART_TYPE) for chart in charts
    )
    return (
        NewPart(
            f"{DOC_REL}/drawing",
            "xl/drawings/drawing1.xml",
            tostring(drawing._write()),
            DRAWING_TYPE,
            children,
        ),
    )

"""Worksheet XML for a SheetSpec, written as text: the fast path for thousands of generated sheets.

openpyxl makes the stylesheet, charts and package; this module only serialises cells, column
widths, views, protection, validations and conditional formats of one sheet (ECMA-376 CT_Worksheet
order). Strings are inline, so a sheet carries its own text and can move between packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from kam_xl.memo import ByIdentity
from kam_xl.xlsx.cellcodec import number_text, serial, xml_escape
from kam_xl.xlsx.sheetdata import sheet_data
from kam_xl.xlsx.spec import SheetSpec, Validation, split_ref

_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


@dataclass(frozen=True)
class StyleIndex:
    """The cellXfs index of each named cell style and the dxf index of each conditional style."""

    cell: dict[str, int]
    dxf: dict[str, int]


def escape_attr(text: str) -> str:
    """Text as an XML attribute value in double quotes."""
    return xml_escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def sheet_xml(
    spec: SheetSpec,
    styles: StyleIndex,
    drawing_rel: str | None = None,
    date1904: bool = False,
    reuse: bool = True,
) -> bytes:
    """The worksheet part of `spec`; `drawing_rel` is the relationship id of its charts' drawing; dates are
    written in the 1904 date system when the workbook uses it; `reuse`: a sheet of a shape written before is
    made from that one (kam_xl.xlsx.sheetdata; the same bytes)."""
    return "".join(sheet_pieces(spec, styles, drawing_rel, date1904, reuse)).encode("utf-8")


def sheet_pieces(
    spec: SheetSpec,
    styles: StyleIndex,
    drawing_rel: str | None = None,
    date1904: bool = False,
    reuse: bool = True,
) -> Iterator[str]:
    """sheet_xml's text in pieces, which joined and encoded are its bytes; a big sheet's cells are made as they
    are asked for (safezip.pack_pieces compresses them without ever holding the whole text: a review's Problems
    sheet is 26 MB of XML, twice that as one str, more as pieces)."""
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f"<worksheet {_NS}>",
    ]
    if spec.tab_color or spec.print_fit_width:
        color = f'<tabColor rgb="FF{spec.tab_color}"/>' if spec.tab_color else ""
        fit = '<pageSetUpPr fitToPage="1"/>' if spec.print_fit_width else ""
        out.append(f"<sheetPr>{color}{fit}</sheetPr>")
    dimension, data = sheet_data(spec, _style_attrs(styles), date1904, reuse)
    out.append(f'<dimension ref="{dimension}"/>')
    out.append(_views(spec))
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    out.append(_columns(spec))
    yield from out
    yield from data
    out = []
    if spec.protected:
        rows = ' insertRows="0" deleteRows="0"' if spec.allow_rows else ""
        out.append(
            f'<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"'
            f' sort="0" autoFilter="0"{rows}/>'
        )
    if spec.autofilter:
        out.append(f'<autoFilter ref="{spec.autofilter}"/>')
    if spec.merges:
        out.append(f'<mergeCells count="{len(spec.merges)}">')
        out.extend(f'<mergeCell ref="{area}"/>' for area in spec.merges)
        out.append("</mergeCells>")
    for priority, rule in enumerate(spec.cond_formats, start=1):
        out.append(
            f'<conditionalFormatting sqref="{rule.ref.replace(",", " ")}"><cfRule type="expression" '
            f'dxfId="{styles.dxf[rule.style]}" priority="{priority}"><formula>'
            f"{xml_escape(rule.formula.lstrip('='))}</formula></cfRule></conditionalFormatting>"
        )
    if spec.validations:
        out.append(_validations(tuple(spec.validations), date1904))
    out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
    if spec.print_fit_width:
        out.append('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    if drawing_rel:
        out.append(f'<drawing r:id="{drawing_rel}"/>')
    out.append("</worksheet>")
    yield from out


def _views(spec: SheetSpec) -> str:
    zoom = f' zoomScale="{spec.zoom}" zoomScaleNormal="{spec.zoom}"' if spec.zoom else ""
    if not spec.freeze or spec.freeze == "A1":
        return f'<sheetViews><sheetView workbookViewId="0"{zoom}/></sheetViews>'
    row, col = split_ref(spec.freeze)
    split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
    pane = "bottomRight" if col > 1 and row > 1 else ("topRight" if col > 1 else "bottomLeft")
    top = spec.scroll_to or spec.freeze
    return (
        f'<sheetViews><sheetView workbookViewId="0"{zoom}><pane{split} topLeftCell="{top}" '
        f'activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{spec.freeze}" '
        f'sqref="{spec.freeze}"/></sheetView></sheetViews>'
    )


def _columns(spec: SheetSpec) -> str:
    cols = sorted(set(spec.widths) | set(spec.hidden_cols))
    if not cols:
        return ""
    parts = ["<cols>"]
    for col in cols:
        width = spec.widths.get(col, 9.140625)
        hidden = ' hidden="1"' if col in spec.hidden_cols else ""
        parts.append(f'<col min="{col}" max="{col}" width="{width}" customWidth="1"{hidden}/>')
    parts.append("</cols>")
    return "".join(parts)


def _style_attrs(styles: StyleIndex) -> dict[str, str]:
    """' s="N"' of every named style ('' for the default style), made once per StyleIndex."""
    return _ATTRS.get(styles, lambda: {name: f' s="{n}"' if n else "" for name, n in styles.cell.items()})


_ATTRS: ByIdentity[dict[str, str]] = ByIdentity()


def _formula_value(value, date1904: bool) -> str:
    if isinstance(value, (date, datetime)):
        return number_text(serial(value, date1904))
    return number_text(value) if isinstance(value, (int, float)) else xml_escape(str(value))


def _validations(validations: tuple[Validation, ...], date1904: bool) -> str:
    inner = "".join([_validation(v, date1904) for v in validations])
    return f'<dataValidations count="{len(validations)}">{inner}</dataValidations>'


@lru_cache(maxsize=8192)
def _validation(v: Validation, date1904: bool) -> str:
    attrs = ['allowBlank="1"', 'showErrorMessage="1"', f'errorStyle="{"warning" if v.soft else "stop"}"']
    if v.error:
        attrs.append(f'error="{escape_attr(v.error[:255])}"')
    if v.prompt:
        attrs += ['showInputMessage="1"', f'prompt="{escape_attr(v.prompt[:255])}"']
        if v.title:
            attrs.append(f'promptTitle="{escape_attr(v.title[:32])}"')
    if v.kind == "list":
        inner = f"<formula1>{xml_escape(chr(34) + ','.join(v.values) + chr(34))}</formula1>"
        kind = "list"
    elif v.kind == "custom":
        inner = f"<formula1>{xml_escape(v.formula.lstrip('='))}</formula1>"
        kind = "custom"
    else:
        kind = v.kind
        if v.lo is not None and v.hi is not None:
            attrs.append('operator="between"')
            lo, hi = _formula_value(v.lo, date1904), _formula_value(v.hi, date1904)
            inner = f"<formula1>{lo}</formula1><formula2>{hi}</formula2>"
        elif v.lo is not None:
            attrs.append('operator="greaterThanOrEqual"')
            inner = f"<formula1>{_formula_value(v.lo, date1904)}</formula1>"
        else:
            attrs.append('operator="lessThanOrEqual"')
            inner = f"<formula1>{_formula_value(v.hi, date1904)}</formula1>"
    return f'<dataValidation type="{kind}" {" ".join(attrs)} sqref="{v.ref.replace(",", " ")}">{inner}</dataValidation>'

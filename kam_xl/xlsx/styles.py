"""The named cell styles of every kam_xl workbook, as plain data (colours, formats, locking)."""

from __future__ import annotations

from kam_xl.lang.numbers import points_format

INPUT_FILL = "FFF2CC"  # light yellow: the cells people type into
CALC_FILL = "EAF1FB"  # light blue: live formulas
HEADER_FILL = "1F4E78"
SECTION_FILL = "D9E1F2"
INACTIVE_FILL = "E7E6E6"

INT = "#,##0"
NUM = "#,##0.00"
PCT = "0.0%"
PCT0 = "0%"
DATE = "yyyy-mm-dd"
PTS = points_format("en")  # a difference of shares in percentage points, held as points (2.1 = +2.1 pt)
PTS_ZH = points_format("zh")


def _style(**kw) -> dict:
    return kw


# key -> font / fill / number_format / align / border / locked
CELL: dict[str, dict] = {
    "text": _style(),
    "wrap": _style(align="wrap"),
    "title": _style(font={"bold": True, "size": 14, "color": HEADER_FILL}),
    "subtitle": _style(font={"bold": True, "size": 11, "color": HEADER_FILL}),
    "section": _style(font={"bold": True, "color": HEADER_FILL}, fill=SECTION_FILL),
    "header": _style(font={"bold": True, "color": "FFFFFF"}, fill=HEADER_FILL, align="center_wrap", border=True),
    "label": _style(font={"bold": True, "color": "404040"}),
    "note": _style(font={"italic": True, "color": "7F7F7F"}, align="wrap"),
    "int": _style(number_format=INT),
    "num": _style(number_format=NUM),
    "pct": _style(number_format=PCT),
    "date": _style(number_format=DATE),
    "id": _style(font={"bold": True}),
    "input": _style(fill=INPUT_FILL, border=True, locked=False),
    "input_wrap": _style(fill=INPUT_FILL, border=True, locked=False, align="wrap"),
    "input_int": _style(fill=INPUT_FILL, border=True, locked=False, number_format=INT),
    "input_num": _style(fill=INPUT_FILL, border=True, locked=False, number_format=NUM),
    "input_pct": _style(fill=INPUT_FILL, border=True, locked=False, number_format=PCT),
    "input_date": _style(fill=INPUT_FILL, border=True, locked=False, number_format=DATE),
    "input_center": _style(fill=INPUT_FILL, border=True, locked=False, align="center"),
    "calc": _style(fill=CALC_FILL, border=True),
    "calc_int": _style(fill=CALC_FILL, border=True, number_format=INT),
    "calc_num": _style(fill=CALC_FILL, border=True, number_format=NUM),
    "calc_pct": _style(fill=CALC_FILL, border=True, number_format=PCT),
    "calc_pts": _style(fill=CALC_FILL, border=True, number_format=PTS),
    "calc_pts_zh": _style(fill=CALC_FILL, border=True, number_format=PTS_ZH),
    "calc_date": _style(fill=CALC_FILL, border=True, number_format=DATE),
    "calc_center": _style(fill=CALC_FILL, border=True, align="center", font={"bold": True}),
    "fixed": _style(border=True),
    "fixed_int": _style(border=True, number_format=INT),
    "fixed_num": _style(border=True, number_format=NUM),
    "fixed_pct": _style(border=True, number_format=PCT),
    "fixed_date": _style(border=True, number_format=DATE),
    "fixed_wrap": _style(border=True, align="wrap"),
    "fixed_pts": _style(border=True, number_format=PTS),
    "fixed_pts_zh": _style(border=True, number_format=PTS_ZH),
    "fixed_score": _style(border=True, number_format="0.0"),
    "fixed_center": _style(border=True, align="center"),
    "fixed_id": _style(border=True, font={"bold": True}),
    "stamp": _style(font={"italic": True, "color": "7F7F7F"}),
    "inactive": _style(font={"bold": True, "color": "C00000", "size": 12}, fill=INACTIVE_FILL),
    "link": _style(font={"color": "0563C1", "underline": "single"}),
    # a link kam rewrites, in a sheet the person sorts (Excel sorts a protected sheet's unlocked cells only)
    "link_open": _style(font={"color": "0563C1", "underline": "single"}, locked=False),
    "hidden_helper": _style(font={"color": "A6A6A6", "size": 8}),
}

# Differential styles for conditional formatting.
DIFFERENTIAL: dict[str, dict] = {
    "green": {"font": "006100", "fill": "C6EFCE"},
    "amber": {"font": "9C5700", "fill": "FFEB9C"},
    "red": {"font": "9C0006", "fill": "FFC7CE"},
    "muted": {"font": "A6A6A6", "fill": None},
}

RAG_COLORS = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}


def in_language(style: str, lang: str) -> str:
    """The style of that name for a workbook in `lang` (cells in percentage points name their unit in words)."""
    return f"{style}_zh" if lang == "zh" and style.endswith("_pts") else style


POINTS_STYLES = ("calc_pts", "fixed_pts")  # cells holding percentage points (share × 100)

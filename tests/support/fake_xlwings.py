"""A small in-memory fake of the xlwings object model: exactly what kam_xl/excel/xlbook.py and the macros touch."""

from __future__ import annotations

import re
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, PatternFill, Protection, Side
from openpyxl.styles import Font as OpenpyxlFont
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation as OpenpyxlValidation

from kam_xl.xlsx.read import cell_at, open_book, read_grid
from tests.support.excel_content import DEFAULT_LOOK, Number, font_size, look_of, rgb

# Each public class stands for the xlwings class of the same name (MIRRORS); its public attributes are
# the ones kam_xl uses, and tests/test_xlwings_contract.py checks each exists in the installed xlwings.
# The fake behaves like the engine it is told to be: "windows" (classic, COM `.api`, no freeze_panes in
# xlwings 0.37), "mac" (classic without COM) or "lite" (Office.js: widths in points, one area per range).
# Like Excel it keeps typed text as a number, date or formula unless it starts with an apostrophe, and
# refuses to write locked cells of a protected sheet. load_book / dump_book convert from and to .xlsx.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_KINDS = {
    "whole_number": "whole",
    "decimal": "decimal",
    "date": "date",
    "custom": "custom",
    "list": "list",
}
_OPERATORS = {
    "between": "between",
    "greater_than_or_equal": "greaterThanOrEqual",
    "less_than_or_equal": "lessThanOrEqual",
}


# ---------------------------------------------------------------------------
# The data the fake keeps
# ---------------------------------------------------------------------------


@dataclass
class CellData:
    value: object = None  # number (float), str, bool, datetime or None; a formula's cached value
    formula: str | None = None
    look: dict = field(default_factory=lambda: DEFAULT_LOOK)  # shared between cells: replace, never change


@dataclass
class SheetData:
    name: str
    cells: dict[tuple[int, int], CellData] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    hidden_cols: set[int] = field(default_factory=set)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    validations: list[dict] = field(default_factory=list)
    cond_formats: list[dict] = field(default_factory=list)  # highest priority first
    freeze: str | None = None
    zoom: int | None = None
    tab_color: str | None = None
    protection: dict | None = None  # COM Protection flags when protected
    autofilter: str | None = None
    state: str = "visible"

    def cell(self, row: int, col: int) -> CellData:
        return self.cells.setdefault((row, col), CellData())


def typed(value: object) -> tuple[object, str | None]:
    """(value, formula) of what is typed into a cell, as Excel reads it."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:], None
        if value.startswith("="):
            return None, value
        if _NUMBER.match(value.strip()):
            return float(value), None
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE", None
        return value, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, datetime):
        return value, None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), None
    if isinstance(value, time):
        raise TypeError("write a time as a fraction of a day")
    return float(value), None


def areas_of(address: str) -> list[tuple[int, int, int, int]]:
    """(row1, col1, row2, col2) of each area of an A1 address ('A1', 'B2:C3', 'A1:B2,D4')."""
    out = []
    for part in address.replace("$", "").split(","):
        col1, row1, col2, row2 = range_boundaries(part.strip())
        out.append((row1, col1, row2, col2))
    return out


def color_hex(color) -> str | None:
    """RRGGBB of a '#rrggbb' string or an RGB tuple (the forms kam_xl passes)."""
    if color is None:
        return None
    if isinstance(color, tuple):
        return "".join(f"{part:02X}" for part in color)
    return str(color).lstrip("#").upper()


# ---------------------------------------------------------------------------
# The object model
# ---------------------------------------------------------------------------


class App:
    """xlwings.App: alerts, screen updating, calculation mode, and (on Windows) the COM application."""

    def __init__(self, engine: str):
        self.engine = engine
        self.alerts: list[tuple[str, str | None]] = []
        self._screen_updating, self._calculation = True, "automatic"
        self._api = ComApp(self)
        self.active_sheet: SheetData | None = None

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title))

    @property
    def screen_updating(self):
        self._classic("screen_updating")
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value):
        self._screen_updating = value

    @property
    def calculation(self):
        self._classic("calculation")
        return self._calculation

    @calculation.setter
    def calculation(self, value):
        self._calculation = value

    @property
    def api(self):
        return com_only(self.engine, self._api)

    def _classic(self, what: str) -> None:
        if self.engine == "lite":
            raise NotImplementedError(f"{what} can't be read in xlwings Lite")


def com_only(engine: str, api):
    if engine != "windows":
        raise NotImplementedError("the fake has Excel's COM object model on Windows only")
    return api


class Book:
    """xlwings.Book."""

    _caller: Book | None = None

    def __init__(self, engine: str = "windows", fullname: str = "Book1"):
        self.engine = engine
        self.application = App(engine)
        self.path = fullname
        self.data: list[SheetData] = []
        self.saved = 0

    @property
    def app(self):
        return self.application

    @property
    def fullname(self):
        return self.path

    @classmethod
    def caller(cls):
        if cls._caller is None:
            raise RuntimeError("no workbook called: set Book._caller in the test")
        return cls._caller

    @property
    def name(self):
        return Path(self.path).name

    @property
    def sheets(self):
        return Sheets(self)

    def save(self, path=None):
        self.saved += 1

    def _find(self, name: str) -> SheetData:
        for data in self.data:
            if data.name.lower() == str(name).lower():
                return data
        raise KeyError(name)


class Sheets:
    """xlwings.main.Sheets."""

    def __init__(self, book: Book):
        self.book = book

    def __len__(self):
        return len(self.book.data)

    def __iter__(self):
        return iter([Sheet(self.book, data) for data in self.book.data])

    def __getitem__(self, key):
        if isinstance(key, int):
            return Sheet(self.book, self.book.data[key])
        return Sheet(self.book, self.book._find(key))

    def add(self, name=None, before=None, after=None):
        name = name or f"Sheet{len(self) + 1}"
        if len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"Excel refuses the sheet name {name!r}")
        if any(data.name.lower() == name.lower() for data in self.book.data):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        data = SheetData(name)
        at = (
            self.book.data.index(after.data) + 1
            if after is not None
            else (self.book.data.index(before.data) if before is not None else len(self.book.data))
        )
        self.book.data.insert(at, data)
        self.book.app.active_sheet = data
        return Sheet(self.book, data)


class Sheet:
    """xlwings.Sheet."""

    def __init__(self, book: Book, data: SheetData):
        self.owner, self.data = book, data

    @property
    def book(self):
        return self.owner

    @property
    def name(self):
        return self.data.name

    @name.setter
    def name(self, value):
        self.data.name = value

    def range(self, cell1, cell2=None):
        return Range(self, cell1, cell2)

    @property
    def used_range(self):
        used = [
            position
            for position, cell in self.data.cells.items()
            if cell.value is not None or cell.formula or cell.look != DEFAULT_LOOK
        ]
        if not used:
            return Range(self, (1, 1))
        rows, cols = [r for r, _ in used], [c for _, c in used]
        return Range(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def delete(self):
        others = [d for d in self.book.data if d is not self.data and d.state == "visible"]
        if not others:
            raise RuntimeError("Excel keeps at least one visible sheet")
        self.book.data.remove(self.data)

    @property
    def visible(self):
        return self.data.state == "visible"

    @visible.setter
    def visible(self, value):
        self.data.state = "visible" if value else "hidden"

    @property
    def freeze_panes(self):
        if self.book.engine != "lite":
            raise NotImplementedError("classic xlwings 0.37 has no freeze_panes")
        return FreezePanes(self)

    @property
    def api(self):
        return com_only(self.book.engine, ComSheet(self))

    def move(self, before=None, after=None):
        if (before is None) == (after is None):
            raise ValueError("Provide exactly one of 'before' or 'after'.")
        data = self.book.data
        data.remove(self.data)
        target = before if before is not None else after
        data.insert(data.index(target.data) + (0 if before is not None else 1), self.data)

    def activate(self):
        self.book.app.active_sheet = self.data


class Range:
    """xlwings.Range over one area, or several areas on Windows ('A1:B2,D4')."""

    def __init__(self, sheet: Sheet, cell1, cell2=None, ndim: int | None = None):
        self.parent, self.ndim = sheet, ndim
        if isinstance(cell1, str):
            self.areas = areas_of(cell1)
            if len(self.areas) > 1 and sheet.book.engine != "windows":
                raise ValueError(f"The address '{cell1}' doesn't exist.")
        else:
            last = cell2 or cell1
            self.areas = [(cell1[0], cell1[1], last[0], last[1])]
        self._spec = (cell1, cell2)

    @property
    def sheet(self):
        return self.parent

    def _positions(self):
        for row1, col1, row2, col2 in self.areas:
            for row in range(row1, row2 + 1):
                for col in range(col1, col2 + 1):
                    yield row, col

    def options(self, convert=None, **options):
        return Range(self.sheet, *self._spec, ndim=options.get("ndim"))

    @property
    def row(self):
        return self.areas[0][0]

    @property
    def column(self):
        return self.areas[0][1]

    @property
    def last_cell(self):
        row1, col1, row2, col2 = self.areas[0]
        return Range(self.sheet, (row2, col2))

    @property
    def value(self):
        row1, col1, row2, col2 = self.areas[0]
        rows = [[self._read(r, c) for c in range(col1, col2 + 1)] for r in range(row1, row2 + 1)]
        if self.ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows[0] if len(rows) == 1 else ([row[0] for row in rows] if col1 == col2 else rows)

    @value.setter
    def value(self, data):
        self._write(data)

    @property
    def formula(self):
        row1, col1, _, _ = self.areas[0]
        cell = self.sheet.data.cells.get((row1, col1))
        return "" if cell is None else (cell.formula or ("" if cell.value is None else str(cell.value)))

    @formula.setter
    def formula(self, data):
        self._write(data)

    def _read(self, row: int, col: int):
        cell = self.sheet.data.cells.get((row, col))
        return None if cell is None else cell.value

    def _write(self, data) -> None:
        row1, col1, row2, col2 = self.areas[0]
        if not isinstance(data, list):
            data = [[data] * (col2 - col1 + 1) for _ in range(row2 - row1 + 1)]
        elif data and not isinstance(data[0], list):
            data = [data]
        for r, line in enumerate(data):
            for c, item in enumerate(line):
                self._check_unlocked(row1 + r, col1 + c)
                cell = self.sheet.data.cell(row1 + r, col1 + c)
                cell.value, cell.formula = typed(item)

    def _check_unlocked(self, row: int, col: int) -> None:
        if self.sheet.data.protection is not None:
            cell = self.sheet.data.cells.get((row, col))
            if cell is None or cell.look["locked"]:
                raise PermissionError(f"{self.sheet.name}: the cell is locked and the sheet protected")

    def _look(self, **changes) -> None:
        for row, col in self._positions():
            self._check_unlocked(row, col)
            cell = self.sheet.data.cell(row, col)
            cell.look = {
                **cell.look,
                **changes,
            }  # looks are shared between cells: replaced, never changed

    def _first_look(self, key: str):
        row, col = next(self._positions())
        cell = self.sheet.data.cells.get((row, col))
        return (cell.look if cell else DEFAULT_LOOK)[key]

    @property
    def color(self):
        return self._first_look("fill")

    @color.setter
    def color(self, value):
        self._look(fill=color_hex(value))

    @property
    def number_format(self):
        return self._first_look("number_format")

    @number_format.setter
    def number_format(self, value):
        self._look(number_format=value)

    @property
    def horizontal_alignment(self):
        return self._first_look("horizontal")

    @horizontal_alignment.setter
    def horizontal_alignment(self, value):
        self._look(horizontal=value)

    @property
    def vertical_alignment(self):
        return self._first_look("vertical")

    @vertical_alignment.setter
    def vertical_alignment(self, value):
        self._look(vertical=value)

    @property
    def wrap_text(self):
        return self._first_look("wrap")

    @wrap_text.setter
    def wrap_text(self, value):
        self._look(wrap=bool(value))

    @property
    def font(self):
        return Font(self)

    @property
    def borders(self):
        return Borders(self)

    @property
    def column_width(self):
        return self.sheet.data.widths.get(self.column)

    @column_width.setter
    def column_width(self, value):
        for col in range(self.areas[0][1], self.areas[0][3] + 1):
            self.sheet.data.widths[col] = float(value)

    @property
    def row_height(self):
        return self.sheet.data.heights.get(self.row)

    @row_height.setter
    def row_height(self, value):
        for row in range(self.areas[0][0], self.areas[0][2] + 1):
            self.sheet.data.heights[row] = float(value)

    @property
    def columns(self):
        return RangeColumns(self)

    @property
    def data_validation(self):
        return DataValidation(self)

    @property
    def conditional_formats(self):
        return ConditionalFormats(self)

    def merge(self, across=False):
        """Merge the area; like Excel, only the top-left cell keeps its value."""
        row1, col1, _, _ = self.areas[0]
        for row, col in self._positions():
            cell = self.sheet.data.cells.get((row, col))
            if cell is not None and (row, col) != (row1, col1):
                cell.value, cell.formula = None, None
        self.sheet.data.merges.append(self.address.replace("$", ""))

    @property
    def address(self):
        return ",".join(
            f"${get_column_letter(c1)}${r1}" + ("" if (r1, c1) == (r2, c2) else f":${get_column_letter(c2)}${r2}")
            for r1, c1, r2, c2 in self.areas
        )

    @property
    def api(self):
        return com_only(self.sheet.book.engine, ComRange(self))


class Font:
    """xlwings.main.Font."""

    def __init__(self, rng: Range):
        self.rng = rng

    @property
    def bold(self):
        return self.rng._first_look("bold")

    @bold.setter
    def bold(self, value):
        self.rng._look(bold=bool(value))

    @property
    def italic(self):
        return self.rng._first_look("italic")

    @italic.setter
    def italic(self, value):
        self.rng._look(italic=bool(value))

    @property
    def size(self):
        return self.rng._first_look("size")

    @size.setter
    def size(self, value):
        self.rng._look(size=font_size(value))

    @property
    def color(self):
        return self.rng._first_look("font_color")

    @color.setter
    def color(self, value):
        self.rng._look(font_color=color_hex(value))


class Borders:
    """xlwings.main.Borders: kam_xl sets thin continuous borders on every side."""

    def __init__(self, rng: Range):
        self.rng = rng

    def set(self, which="all", *, line_style=None, weight=None, color=None):
        if which != "all" or line_style != "continuous" or weight != "thin":
            raise NotImplementedError("the fake knows thin continuous borders on all sides only")
        self.rng._look(border=color_hex(color))


class RangeColumns:
    """xlwings.main.RangeColumns."""

    def __init__(self, rng: Range):
        self.rng = rng

    @property
    def hidden(self):
        return self.rng.column in self.rng.sheet.data.hidden_cols

    @hidden.setter
    def hidden(self, value):
        columns = set(range(self.rng.areas[0][1], self.rng.areas[0][3] + 1))
        data = self.rng.sheet.data
        data.hidden_cols = data.hidden_cols | columns if value else data.hidden_cols - columns


class DataValidation:
    """xlwings.main.DataValidation: rules kept as the file would hold them."""

    def __init__(self, rng: Range):
        self.rng = rng

    @property
    def type(self):
        rule = self._rule()
        return "none" if rule is None else rule["kind"]

    def _rule(self) -> dict | None:
        ref = self.rng.address.replace("$", "")
        return next((rule for rule in self.rng.sheet.data.validations if rule["ref"] == ref), None)

    def _put(self, kind: str, operator=None, formula1=None, formula2=None, values=()) -> None:
        self.delete()
        self.rng.sheet.data.validations.append(
            {
                "ref": self.rng.address.replace("$", ""),
                "kind": kind,
                "operator": operator,
                "formula1": formula1,
                "formula2": formula2,
                "values": tuple(values),
                "error": None,
                "prompt": None,
                "title": None,
                "alert": "stop",  # Excel's default; only Validation.Modify/Add (COM) changes it
            }
        )

    def set_list(self, source, *, in_cell_dropdown=True):
        values = [str(value) for value in source]
        if any("," in value or ";" in value for value in values) or len(",".join(values)) > 255:
            raise ValueError("literal list values cannot contain ',' or ';' or exceed 255 characters")
        self._put("list", values=values)

    def set_decimal(self, operator, formula1, formula2=None):
        self._put("decimal", operator, operand(formula1), operand(formula2))

    def set_whole_number(self, operator, formula1, formula2=None):
        self._put("whole_number", operator, operand(formula1), operand(formula2))

    def set_date(self, operator, formula1, formula2=None):
        self._put("date", operator, operand(formula1), operand(formula2))

    def set_custom(self, formula):
        if not formula.startswith("="):
            raise ValueError("formula must be a non-empty A1 formula starting with '='")
        self._put("custom", formula1=formula)

    def delete(self):
        ref = self.rng.address.replace("$", "")
        data = self.rng.sheet.data
        data.validations = [rule for rule in data.validations if rule["ref"] != ref]


def operand(value) -> str | None:
    """A validation operand as xlwings sends it: a formula text ('=10', '=DATE(2026,1,1)')."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("an operand must not be a bool")
    if isinstance(value, (date, datetime)):
        return f"=DATE({value.year},{value.month},{value.day})"
    text = str(value)
    return text if text.startswith("=") else f"={text}"


class ConditionalFormats:
    """xlwings.main.ConditionalFormats: each new rule goes on top, as in xlwings."""

    def __init__(self, rng: Range):
        self.rng = rng

    def add_custom(
        self,
        formula,
        *,
        fill_color=None,
        font_color=None,
        font_bold=None,
        font_italic=None,
        stop_if_true=False,
    ):
        rule = {
            "ref": self.rng.address.replace("$", ""),
            "formula": formula,
            "fill": color_hex(fill_color),
            "font": color_hex(font_color),
        }
        self.rng.sheet.data.cond_formats.insert(0, rule)

    def clear(self):
        ref = self.rng.address.replace("$", "")
        data = self.rng.sheet.data
        data.cond_formats = [rule for rule in data.cond_formats if rule["ref"] != ref]


class FreezePanes:
    """xlwings.main.FreezePanes (xlwings Lite): freeze_at names the cells kept in view."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def freeze_at(self, frozen_range):
        text = str(frozen_range).replace("$", "")
        first, _, last = text.partition(":")
        last = last or first
        if text.replace(":", "").isdigit():  # rows "1:2"
            self.sheet.data.freeze = f"A{int(last) + 1}"
        elif last.isalpha():  # columns "A:B"
            self.sheet.data.freeze = f"{get_column_letter(range_boundaries(last + '1')[0] + 1)}1"
        else:
            col, row, _, _ = range_boundaries(last)
            self.sheet.data.freeze = f"{get_column_letter(col + 1)}{row + 1}"

    def unfreeze(self):
        self.sheet.data.freeze = None


# ---------------------------------------------------------------------------
# Excel's COM object model (Windows), only the members kam_xl sets
# ---------------------------------------------------------------------------


class ComApp:
    def __init__(self, app: App):
        self.ActiveWindow = ComWindow(app)


class ComWindow:
    """Application.ActiveWindow: frozen panes and zoom of the active sheet."""

    def __init__(self, app: App):
        object.__setattr__(self, "app", app)
        object.__setattr__(self, "split", [0, 0])

    def __setattr__(self, name, value):
        sheet = self.app.active_sheet
        if name == "FreezePanes":
            sheet.freeze = None if not value else f"{get_column_letter(self.split[1] + 1)}{self.split[0] + 1}"
        elif name in ("SplitRow", "SplitColumn"):
            self.split[0 if name == "SplitRow" else 1] = value
        elif name == "Zoom":
            sheet.zoom = int(value)
        elif name not in ("ScrollRow", "ScrollColumn"):
            raise AttributeError(name)


class ComProtection:
    def __init__(self, flags: dict):
        self.__dict__.update(flags)


class ComTab:
    def __init__(self, sheet: SheetData):
        object.__setattr__(self, "sheet", sheet)

    def __setattr__(self, name, value):
        if name != "Color":
            raise AttributeError(name)
        self.sheet.tab_color = f"{value & 255:02X}{(value >> 8) & 255:02X}{(value >> 16) & 255:02X}"


PROTECTION_DEFAULTS = {
    "AllowFormattingCells": False,
    "AllowFormattingColumns": False,
    "AllowFormattingRows": False,
    "AllowInsertingColumns": False,
    "AllowInsertingRows": False,
    "AllowInsertingHyperlinks": False,
    "AllowDeletingColumns": False,
    "AllowDeletingRows": False,
    "AllowSorting": False,
    "AllowFiltering": False,
    "AllowUsingPivotTables": False,
}


class ComSheet:
    def __init__(self, sheet: Sheet):
        self.data = sheet.data
        self.Tab = ComTab(sheet.data)

    @property
    def ProtectContents(self):
        return self.data.protection is not None

    @property
    def Protection(self):
        return ComProtection(self.data.protection or PROTECTION_DEFAULTS)

    def Protect(self, Password=None, DrawingObjects=True, Contents=True, Scenarios=True, **flags):
        unknown = set(flags) - set(PROTECTION_DEFAULTS)
        if unknown:
            raise TypeError(f"Protect() has no {sorted(unknown)}")
        self.data.protection = {**PROTECTION_DEFAULTS, **flags}

    def Unprotect(self, Password=None):
        self.data.protection = None

    @property
    def Visible(self):
        return self.data.state == "visible"

    @Visible.setter
    def Visible(self, value):
        self.data.state = {-1: "visible", 0: "hidden", 2: "veryHidden"}[value]


COM_TYPES = {1: "whole_number", 2: "decimal", 3: "list", 4: "date", 7: "custom"}  # XlDVType
COM_OPERATORS = {1: "between", 7: "greater_than_or_equal", 8: "less_than_or_equal"}  # XlFormatConditionOperator
COM_ALERTS = {1: "stop", 2: "warning", 3: "information"}  # XlDVAlertStyle


class ComValidation:
    """Range.Validation: the messages are properties; AlertStyle is read-only, as in Excel (Modify sets it)."""

    def __init__(self, rng: Range):
        object.__setattr__(self, "rule", DataValidation(rng)._rule())

    def __setattr__(self, name, value):
        keys = {"ErrorMessage": "error", "InputMessage": "prompt", "InputTitle": "title"}
        if name in keys:
            self.rule[keys[name]] = value
        elif name not in ("ShowError", "ShowInput"):
            raise AttributeError(name)

    @property
    def AlertStyle(self):
        return {v: k for k, v in COM_ALERTS.items()}[self.rule["alert"]]

    def Modify(self, Type=None, AlertStyle=None, Operator=None, Formula1=None, Formula2=None):
        """Restate the rule (here: it must be the rule xlwings set) with an alert style."""
        if self.rule is None:
            raise ValueError("Modify on a range without validation")
        restated = (COM_TYPES.get(Type), COM_OPERATORS.get(Operator), Formula1, Formula2)
        current = (self.rule["kind"], self.rule["operator"], self.rule["formula1"], self.rule["formula2"])
        if restated != current:
            raise ValueError(f"Modify would change the rule: {current} -> {restated}")
        if AlertStyle is not None:
            self.rule["alert"] = COM_ALERTS[AlertStyle]


class ComRange:
    def __init__(self, rng: Range):
        object.__setattr__(self, "rng", rng)

    def __setattr__(self, name, value):
        if name != "Locked":
            raise AttributeError(name)
        self.rng._look(locked=bool(value))

    @property
    def Validation(self):
        return ComValidation(self.rng)

    def AutoFilter(self):
        self.rng.sheet.data.autofilter = self.rng.address.replace("$", "")


MIRRORS = {
    App: "App",
    Book: "Book",
    Sheets: "Sheets",
    Sheet: "Sheet",
    Range: "Range",
    Font: "Font",
    Borders: "Borders",
    RangeColumns: "RangeColumns",
    DataValidation: "DataValidation",
    ConditionalFormats: "ConditionalFormats",
    FreezePanes: "FreezePanes",
}


@contextmanager
def calling(book: Book):
    """Book.caller() answers `book` for the duration (a RunPython macro called from it)."""
    Book._caller = book
    try:
        yield book
    finally:
        Book._caller = None


# ---------------------------------------------------------------------------
# From and to .xlsx files
# ---------------------------------------------------------------------------


def load_book(path: str | Path, engine: str = "windows") -> Book:
    """A fake workbook holding everything of the file that the fake models."""
    path = Path(path)
    book = Book(engine, str(path.resolve()))
    values = open_book(path)  # python-calamine: the cached results of formulas, quickly
    for sheet in openpyxl.load_workbook(path).worksheets:
        book.data.append(_sheet_data(sheet, read_grid(values, sheet.title), engine))
    return book


def _sheet_data(sheet, cached: list[list], engine: str) -> SheetData:
    data = SheetData(
        sheet.title,
        state=sheet.sheet_state,
        freeze=sheet.freeze_panes,
        zoom=sheet.sheet_view.zoomScale,
        merges=[str(r) for r in sheet.merged_cells.ranges],
        autofilter=sheet.auto_filter.ref or None,
    )
    if sheet.sheet_properties.tabColor is not None:
        data.tab_color = rgb(sheet.sheet_properties.tabColor)
    for row in sheet.iter_rows():
        for cell in row:
            _load_cell(data, cell, cell_at(cached, cell.row, cell.column))
    _load_layout(data, sheet, engine)
    _load_rules(data, sheet)
    if sheet.protection.sheet:
        p = sheet.protection
        data.protection = {
            **PROTECTION_DEFAULTS,
            "AllowFormattingColumns": not p.formatColumns,
            "AllowFormattingRows": not p.formatRows,
            "AllowInsertingRows": not p.insertRows,
            "AllowDeletingRows": not p.deleteRows,
            "AllowSorting": not p.sort,
            "AllowFiltering": not p.autoFilter,
        }
    return data


def _load_cell(data: SheetData, cell, cached: object) -> None:
    look = look_of(cell)
    if cell.value is None and look == DEFAULT_LOOK:
        return
    target = data.cell(cell.row, cell.column)
    target.look = look
    if cell.data_type == "f":
        target.formula, target.value = str(cell.value), _cached(cached)
    elif cell.value is not None:
        target.value = cell.value if isinstance(cell.value, str) else typed(cell.value)[0]


def _cached(value: object) -> object:
    """A formula's cached result as Excel gives it (calamine reads '' when there is none)."""
    if value is None or value == "" or isinstance(value, str):
        return value or None
    return typed(value)[0]


def _load_layout(data: SheetData, sheet, engine: str) -> None:
    for dim in sheet.column_dimensions.values():
        for col in range(dim.min or 1, (dim.max or 0) + 1):
            if dim.customWidth and dim.width is not None:
                data.widths[col] = float(dim.width) if engine != "lite" else round((dim.width * 7 + 5) * 0.75, 2)
            if dim.hidden:
                data.hidden_cols.add(col)
    data.heights = {r: float(d.height) for r, d in sheet.row_dimensions.items() if d.height is not None}


def _load_rules(data: SheetData, sheet) -> None:
    for rule in sheet.data_validations.dataValidation:
        kind = {v: k for k, v in _KINDS.items()}.get(rule.type, rule.type)
        values = tuple(rule.formula1.strip('"').split(",")) if rule.type == "list" else ()
        operator = {v: k for k, v in _OPERATORS.items()}.get(rule.operator, rule.operator)
        for ref in str(rule.sqref).split():
            data.validations.append(
                {
                    "ref": ref,
                    "kind": kind,
                    "operator": operator,
                    "formula1": None if values else _formula(rule.formula1),
                    "formula2": _formula(rule.formula2),
                    "values": values,
                    "error": rule.error,
                    "prompt": rule.prompt,
                    "title": rule.promptTitle,
                    "alert": rule.errorStyle or "stop",
                }
            )
    rules = [(r.priority, str(area.sqref), r) for area in sheet.conditional_formatting for r in area.rules]
    for _, ref, rule in sorted(rules, key=lambda item: item[0]):
        fill = rule.dxf.fill if rule.dxf is not None else None
        font = rule.dxf.font if rule.dxf is not None else None
        data.cond_formats.append(
            {
                "ref": ref.replace(" ", ","),
                "formula": "=" + rule.formula[0],
                "fill": (rgb(fill.bgColor) or rgb(fill.fgColor)) if fill else None,
                "font": rgb(font.color) if font else None,
            }
        )


def _formula(text) -> str | None:
    return None if text is None else "=" + str(text).lstrip("=")


def book_content(book: Book, gaps: set[str] = frozenset()) -> dict:
    """The workbook as plain data, shaped like excel_content.workbook_content (for quick comparisons)."""
    return {
        "order": [data.name for data in book.data],
        "sheets": {data.name: _content(data, set(gaps)) for data in book.data},
    }


def _content(data: SheetData, gaps: set[str]) -> dict:
    found = {
        "state": data.state,
        "cells": _cells(data, gaps),
        "widths": dict(data.widths),
        "hidden_cols": set(data.hidden_cols),
        "heights": dict(data.heights),
        "freeze": data.freeze,
        "zoom": data.zoom,
        "tab_color": data.tab_color,
        "merges": sorted(data.merges),
        "validations": sorted((_validation(rule, gaps) for rule in data.validations), key=repr),
        "cond_formats": [(r["ref"], r["formula"], r["fill"], r["font"]) for r in data.cond_formats],
        "protection": None if data.protection is None else tuple(sorted(data.protection.items())),
        "autofilter": data.autofilter,
    }
    return {key: value for key, value in found.items() if key not in gaps}


def _cells(data: SheetData, gaps: set[str]) -> dict:
    """Each cell's value and look; cells merged away are left out (openpyxl does not read them)."""
    hidden = {
        (r, c)
        for area in data.merges
        for r1, c1, r2, c2 in areas_of(area)
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }
    out = {}
    for (row, col), cell in data.cells.items():
        if (row, col) in hidden:
            continue
        look = {**cell.look, "locked": True} if "locked" in gaps else cell.look
        value = ("f", cell.formula) if cell.formula else _value(cell.value)
        if value is None and look == DEFAULT_LOOK:
            continue
        out[f"{get_column_letter(col)}{row}"] = (
            value,
            tuple(sorted((k, v) for k, v in look.items() if DEFAULT_LOOK[k] != v)),
        )
    return out


def _value(value) -> tuple | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, datetime):
        delta = value - datetime(1899, 12, 30)
        return ("n", Number(delta.days + delta.seconds / 86400))
    return ("n", Number(value))


def _validation(rule: dict, gaps: set[str]) -> tuple:
    if "soft" in gaps and rule.get("alert") == "warning":  # an engine that keeps only a soft rule's lower bound
        rule = {**rule, "operator": "greater_than_or_equal", "formula2": None, "alert": "stop"}
    messages = (
        (None, None, None)
        if "messages" in gaps
        else (rule["error"] or None, rule["prompt"] or None, rule.get("title") or None)
    )
    return (
        rule["ref"],
        rule["kind"],
        rule["operator"],
        rule["formula1"],
        rule["formula2"],
        rule["values"],
        rule.get("alert", "stop"),
        *messages,
    )


def dump_book(book: Book, path: str | Path) -> Path:
    """Write the fake workbook as .xlsx (widths back in characters), for comparing with a file."""
    out = openpyxl.Workbook()
    out.remove(out.active)
    styled: dict = {}  # look -> openpyxl style array, made once per look
    for data in book.data:
        _dump_sheet(out.create_sheet(data.name), data, book.engine, styled)
    out.save(path)
    return Path(path)


def _dump_sheet(sheet, data: SheetData, engine: str, styled: dict) -> None:
    for (row, col), cell in sorted(data.cells.items()):
        target = sheet.cell(row, col)
        _dump_value(target, cell)
        key = tuple(sorted(cell.look.items()))
        if key in styled:
            target._style = copy(styled[key])
        else:
            _dump_look(target, cell.look)
            styled[key] = copy(target._style)
    for col, width in data.widths.items():
        chars = width if engine != "lite" else round((width / 0.75 - 5) / 7, 2)
        sheet.column_dimensions[get_column_letter(col)].width = chars
    for col in data.hidden_cols:
        sheet.column_dimensions[get_column_letter(col)].hidden = True
    for row, height in data.heights.items():
        sheet.row_dimensions[row].height = height
    for merged in data.merges:
        sheet.merge_cells(merged)
    sheet.freeze_panes = data.freeze
    sheet.sheet_view.zoomScale = data.zoom
    sheet.sheet_state = data.state
    if data.tab_color:
        sheet.sheet_properties.tabColor = data.tab_color
    if data.autofilter:
        sheet.auto_filter.ref = data.autofilter
    _dump_rules(sheet, data)
    _dump_protection(sheet, data.protection)


def _dump_value(target, cell: CellData) -> None:
    if cell.formula:
        target.value = cell.formula
    elif isinstance(cell.value, str):
        target.value = cell.value
        target.data_type = "s"
    else:
        target.value = cell.value


def _dump_look(target, look: dict) -> None:
    if look == DEFAULT_LOOK:
        return
    target.number_format = look["number_format"]
    if look["fill"]:
        target.fill = PatternFill("solid", fgColor=look["fill"])
    target.font = OpenpyxlFont(
        bold=look["bold"] or None,
        italic=look["italic"] or None,
        size=look["size"],
        color=look["font_color"],
    )
    target.alignment = Alignment(
        horizontal=look["horizontal"], vertical=look["vertical"], wrap_text=look["wrap"] or None
    )
    if look["border"]:
        side = Side(style="thin", color=look["border"])
        target.border = Border(left=side, right=side, top=side, bottom=side)
    target.protection = Protection(locked=look["locked"])


def _dump_rules(sheet, data: SheetData) -> None:
    for rule in data.validations:
        kind = _KINDS[rule["kind"]]
        formula1 = '"' + ",".join(rule["values"]) + '"' if kind == "list" else _bare(rule["formula1"])
        validation = OpenpyxlValidation(
            type=kind,
            operator=_OPERATORS.get(rule["operator"]),
            formula1=formula1,
            formula2=_bare(rule["formula2"]),
            error=rule["error"],
            prompt=rule["prompt"],
            promptTitle=rule.get("title"),
            errorStyle=None if rule.get("alert", "stop") == "stop" else rule["alert"],
            allow_blank=True,
        )
        validation.add(rule["ref"])
        sheet.data_validations.append(validation)
    for rule in data.cond_formats:
        dxf = DifferentialStyle(
            font=OpenpyxlFont(color=rule["font"]) if rule["font"] else None,
            fill=PatternFill(bgColor=rule["fill"], fill_type="solid") if rule["fill"] else None,
        )
        sheet.conditional_formatting.add(
            rule["ref"].replace(",", " "),
            Rule(type="expression", formula=[rule["formula"].lstrip("=")], dxf=dxf),
        )


def _bare(formula: str | None) -> str | None:
    """A validation operand as the file holds it: DATE(y,m,d) as its serial number, no '='."""
    if formula is None:
        return None
    text = formula.lstrip("=")
    found = re.fullmatch(r"DATE\((\d+),(\d+),(\d+)\)", text)
    if found:
        day = date(*(int(part) for part in found.groups()))
        return str((day - date(1899, 12, 30)).days)
    return text


def _dump_protection(sheet, flags: dict | None) -> None:
    if flags is None:
        return
    p = sheet.protection
    p.sheet = True
    p.formatColumns, p.formatRows = (
        not flags["AllowFormattingColumns"],
        not flags["AllowFormattingRows"],
    )
    p.insertRows, p.deleteRows = not flags["AllowInsertingRows"], not flags["AllowDeletingRows"]
    p.sort, p.autoFilter = not flags["AllowSorting"], not flags["AllowFiltering"]

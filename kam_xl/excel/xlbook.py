"""The Book protocol on a workbook open in Excel, through the xlwings object model (classic xlwings or Lite)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

from kam_xl.errors import WorkbookError, require_extra
from kam_xl.xlsx import styles
from kam_xl.xlsx.cellcodec import fit_text, number_text, serial, value_problem
from kam_xl.xlsx.spec import Formula, SheetSpec, Validation, column_letter, split_ref

try:
    import xlwings as xw
except ImportError:  # the core alone (no kam-xl[excel], not in xlwings Lite): say which extra brings xlwings
    require_extra("excel", "the Excel macros (kam_xl.excel.macros)")
    raise

# Every stage (generate, split, collect, review) reads and writes a Book; XlBook is that Book for the
# workbook open in Excel, so the macros give the same cells as the CLI gives in a file. What the
# engine can do differs (docs/excel.md has the table):
#
# - "windows" (classic xlwings, Excel's COM object model through `.api`): everything a SheetSpec holds
#   except charts: values, formulas, formats, widths, heights, hidden columns, frozen panes, zoom, tab
#   colour, validations with their messages, conditional formats, unlocked input cells, protection.
# - "mac" (classic xlwings, AppleScript): the xlwings object model only; no unlocked cells, sheet
#   protection, validation messages, frozen panes, zoom or tab colour.
# - "lite" (xlwings Lite, Office.js in the browser): like "mac", and column widths are set in points.
#
# Whatever an engine cannot apply is left out and named in `XlBook.skipped`, never an error.
ENGINES = ("windows", "mac", "lite")
MAX_ADDRESS = 255  # characters of a multi-area address Excel's COM Range() accepts
BORDER = "#BFBFBF"  # the thin cell border of the file writer (xlsx/stylebook.py)
_ALIGN = {
    "wrap": (None, "top", True),
    "center": ("center", "center", None),
    "center_wrap": ("center", "center", True),
}
_OPERATORS = {
    (True, True): "between",
    (True, False): "greater_than_or_equal",
    (False, True): "less_than_or_equal",
}
_VALIDATION_SETTERS = {"decimal": "set_decimal", "whole": "set_whole_number", "date": "set_date"}
_XL_VALIDATE = {"whole": 1, "decimal": 2, "date": 4}  # xlValidateWholeNumber, xlValidateDecimal, xlValidateDate
_XL_OPERATORS = {"between": 1, "greater_than_or_equal": 7, "less_than_or_equal": 8}  # xlBetween, xlGreaterEqual...
XL_VALID_ALERT_WARNING = 2  # xlValidAlertWarning
_PROTECTION_FLAGS = (
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
)
_VERY_HIDDEN = 2  # XlSheetVisibility.xlSheetVeryHidden


def detect_engine() -> str:
    """ "lite" in the browser (Pyodide), "windows" with COM, else "mac"."""
    if sys.platform == "emscripten":
        return "lite"
    return "windows" if sys.platform.startswith("win") else "mac"


def caller_book() -> xw.Book:
    """The workbook that called a classic RunPython macro."""
    return xw.Book.caller()


def book_folder(book) -> Path | None:
    """The folder the workbook is saved in; None when it was never saved (or in xlwings Lite)."""
    path = Path(str(book.fullname))
    return path.parent if path.is_absolute() and path.parent.is_dir() else None


@contextmanager
def quiet(app) -> Iterator[None]:
    """No screen updates and manual calculation for the duration (classic xlwings; Lite has neither)."""
    try:
        before = app.screen_updating, app.calculation
    except NotImplementedError:
        yield
        return
    app.screen_updating, app.calculation = False, "manual"
    try:
        yield
    finally:
        app.screen_updating, app.calculation = before


class XlBook:
    """A workbook open in Excel as a kam_xl Book: the stages run on it as they run on a file."""

    def __init__(self, book, engine: str | None = None, save: bool = False):
        self.book = book
        self.engine = engine or detect_engine()
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: use one of {', '.join(ENGINES)}")
        self.save_to_disk = save
        self.skipped: set[str] = set()  # what this engine could not apply, in words
        self._grids: dict[str, list[list]] = {}
        self._doomed: set[str] = set()  # lower-case names removed, deleted at save unless put again
        self._put: list[tuple[str, bool]] = []  # (name, visible) of the sheets put, in order

    @property
    def com(self) -> bool:
        return self.engine == "windows"

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def grid(self, name: str) -> list[list]:
        """The values of a sheet from A1 as rows ('' for empty cells, dates as date), as first read."""
        if name not in self._grids:
            sheet = self.book.sheets[name]
            last = sheet.used_range.last_cell
            rows = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
            self._grids[name] = [[grid_value(value) for value in row] for row in rows]
        return self._grids[name]

    def forget(self, name: str) -> None:
        self._grids.pop(name, None)

    def cell_values(self, sheet: str, refs: list[str]) -> dict[str, object]:
        """Current values of some cells of a sheet, as Excel holds them now."""
        target = self.book.sheets[sheet]
        return {ref: _blank_as_none(grid_value(target.range(ref).value)) for ref in refs}

    def formulas(self, sheet: str) -> dict[str, str]:
        """{}: Excel computes its formulas itself, so no cached value is needed."""
        return {}

    def set_formula_values(self, sheet: str, values: dict[str, object]) -> None:
        """Nothing to do: Excel computes its formulas itself."""

    def filled_cells(self, sheet: str) -> set[str]:
        """The cells of a sheet that hold something now."""
        grid = self.book.sheets[sheet].used_range
        values = grid.options(ndim=2).value
        top, left = grid.row, grid.column
        return {
            f"{column_letter(left + c)}{top + r}"
            for r, row in enumerate(values)
            for c, value in enumerate(row)
            if value not in (None, "")
        }

    def prefetch(self, names: list[str], threads: int = 2) -> None:
        """Nothing to do ahead: Excel's sheets are read when asked (one object model, one thread)."""

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add the sheet, or replace the sheet of the same name (it goes where `save` says)."""
        self._delete(spec.title)
        sheets = self.book.sheets
        sheet = sheets.add(name=spec.title, after=sheets[len(sheets) - 1])
        SheetPainter(sheet, self).paint(spec)
        self._put.append((spec.title, spec.state == "visible"))

    def remove_sheets(self, names: list[str]) -> None:
        self._doomed |= {name.lower() for name in names}

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]:
        """Write values into cells ("D20" -> value); return the old values (as a file would give them)."""
        for ref, value in values.items():
            problem = value_problem(value)
            if problem:
                raise WorkbookError(f"{sheet}!{ref}: {problem}")
        target = self.book.sheets[sheet]
        old = {}
        with self.writable(target):
            for ref, value in values.items():
                cell = target.range(ref)
                old[ref] = file_value(cell.value)
                cell.formula = cell_input(value)
        return old

    def set_formulas(self, sheet: str, formulas: dict[str, Formula]) -> None:
        """Put live formulas into cells (Excel computes them; each cell keeps its style)."""
        target = self.book.sheets[sheet]
        with self.writable(target):
            for ref, formula in formulas.items():
                target.range(ref).formula = formula.text

    def save(self, order: list[str] | None = None, before: str | None = None) -> Path | None:
        """Delete the removed sheets, put the sheets in the file writer's order; save only when asked."""
        for name in sorted(self._doomed):
            self._delete(name)
        current = [(sheet.name, bool(sheet.visible)) for sheet in self.book.sheets]
        self._arrange(arranged(current, self._put, before, order))
        self._put = []
        if self.save_to_disk:
            self.book.save()
        return None

    def _delete(self, name: str) -> None:
        self._doomed.discard(name.lower())
        self._grids.pop(name, None)
        for sheet in self.book.sheets:
            if sheet.name.lower() == name.lower():
                sheet.delete()
                return

    def _arrange(self, target: list[str]) -> None:
        current = self.sheet_names()
        for position, name in enumerate(target):
            if current[position] != name:
                self.book.sheets[name].move(before=self.book.sheets[current[position]])
                current.remove(name)
                current.insert(position, name)

    @contextmanager
    def writable(self, sheet) -> Iterator[None]:
        """Unprotect a protected sheet for the duration (classic on Windows), then protect it as it was."""
        if not self.com or not sheet.api.ProtectContents:
            yield
            return
        flags = {flag: getattr(sheet.api.Protection, flag) for flag in _PROTECTION_FLAGS}
        sheet.api.Unprotect()
        try:
            yield
        finally:
            sheet.api.Protect(DrawingObjects=True, Contents=True, Scenarios=True, **flags)


def arranged(
    current: list[tuple[str, bool]],
    put: list[tuple[str, bool]],
    before: str | None,
    order: list[str] | None,
) -> list[str]:
    """The sheet order the file writer makes: the sheets put go before `before` (or after the last
    visible sheet that stays), then the sheets named in `order` take their places in that order."""
    gone = {name.lower() for name, _ in put}
    stay = [(name, visible) for name, visible in current if name.lower() not in gone]
    if before is None:
        visible = [i for i, (_, shown) in enumerate(stay) if shown]
        at = visible[-1] + 1 if visible else 0
    else:
        lowered = [name.lower() for name, _ in current]
        after = [name.lower() for name, _ in current[lowered.index(before.lower()) :] if name.lower() not in gone]
        at = [name.lower() for name, _ in stay].index(after[0]) if after else len(stay)
    names = [name for name, _ in stay[:at]] + [name for name, _ in put] + [name for name, _ in stay[at:]]
    return reordered(names, order or [])


def reordered(names: list[str], order: list[str]) -> list[str]:
    """`names` with the ones in `order` sorted into that order, in the places they hold together."""
    wanted = {name.lower(): i for i, name in enumerate(order)}
    slots = [i for i, name in enumerate(names) if name.lower() in wanted]
    moving = sorted((names[i] for i in slots), key=lambda name: wanted[name.lower()])
    out = list(names)
    for slot, name in zip(slots, moving):
        out[slot] = name
    return out


# ---------------------------------------------------------------------------
# Values between kam_xl and the object model
# ---------------------------------------------------------------------------


def cell_input(value: object) -> object:
    """What to assign to a cell's formula so that it holds `value` exactly as the file writer writes it.

    Text is always prefixed with an apostrophe, so Excel keeps it as text in every locale ('=1+1',
    '-5%', '2026-W40' and '1,234' never become formulas, numbers or dates).
    """
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, str):
        text = fit_text(value)  # Excel itself stores control characters and `_x0041_` as they are
        return "'" + text if text else None
    if isinstance(value, float) and number_text(value) is None:
        return None
    if isinstance(value, time) and not isinstance(value, datetime):
        return serial(value)
    return value


def _blank_as_none(value: object) -> object:
    return None if value == "" else value


def grid_value(value: object) -> object:
    """A value as the file reader gives it: '' for empty, a date for a date at midnight."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date()
    return value


def file_value(value: object) -> object:
    """An old cell value as a file gives it back: float, str, bool or None (dates as serial numbers)."""
    if isinstance(value, (datetime, date)):
        return serial(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def hex_color(rgb: str) -> str:
    return "#" + rgb


def bgr(rgb: str) -> int:
    """An RRGGBB colour as the BGR integer of Excel's COM object model."""
    return int(rgb[4:6], 16) * 65536 + int(rgb[2:4], 16) * 256 + int(rgb[0:2], 16)


def points(width: float) -> float:
    """A column width in characters (Calibri 11) as points, for engines that measure in points."""
    return round((width * 7 + 5) * 0.75, 2)


# ---------------------------------------------------------------------------
# Painting a SheetSpec onto a new sheet
# ---------------------------------------------------------------------------


def row_runs(positions) -> dict[int, list[tuple[int, int]]]:
    """Each row's runs of consecutive columns, as (first, last)."""
    runs: dict[int, list[tuple[int, int]]] = {}
    for row, col in sorted(positions):
        line = runs.setdefault(row, [])
        if line and line[-1][1] == col - 1:
            line[-1] = (line[-1][0], col)
        else:
            line.append((col, col))
    return runs


def rectangles(positions) -> list[tuple[int, int, int, int]]:
    """(row1, col1, row2, col2) blocks covering the cells exactly: row runs, stacked when alike."""
    blocks: list[tuple[int, int, int, int]] = []
    growing: dict[tuple[int, int], list[int]] = {}  # run -> [first row, last row]
    for row, runs in sorted(row_runs(positions).items()):
        following = {}
        for run in runs:
            rows = growing.pop(run, None)
            if rows and rows[1] == row - 1:
                rows[1] = row
            else:
                blocks += [(rows[0], run[0], rows[1], run[1])] if rows else []
                rows = [row, row]
            following[run] = rows
        blocks += [(rows[0], run[0], rows[1], run[1]) for run, rows in growing.items()]
        growing = following
    blocks += [(rows[0], run[0], rows[1], run[1]) for run, rows in growing.items()]
    return sorted(blocks)


def address(block: tuple[int, int, int, int]) -> str:
    row1, col1, row2, col2 = block
    first = f"{column_letter(col1)}{row1}"
    return first if (row1, col1) == (row2, col2) else f"{first}:{column_letter(col2)}{row2}"


def joined(addresses: list[str], limit: int = MAX_ADDRESS) -> list[str]:
    """Addresses joined into multi-area addresses of at most `limit` characters."""
    out: list[str] = []
    for item in addresses:
        if out and len(out[-1]) + 1 + len(item) <= limit:
            out[-1] += "," + item
        else:
            out.append(item)
    return out


def spans(values: dict[int, object]) -> list[tuple[int, int, object]]:
    """(first, last, value) runs of consecutive keys with the same value."""
    out: list[tuple[int, int, object]] = []
    for key in sorted(values):
        if out and out[-1][1] == key - 1 and out[-1][2] == values[key]:
            out[-1] = (out[-1][0], key, values[key])
        else:
            out.append((key, key, values[key]))
    return out


def frozen_cells(freeze: str) -> str:
    """The cells a frozen pane keeps in view (xlwings' freeze_at) for a spec's first unfrozen cell."""
    row, col = split_ref(freeze)
    if row > 1 and col > 1:
        return f"A1:{column_letter(col - 1)}{row - 1}"
    return f"1:{row - 1}" if row > 1 else f"A:{column_letter(col - 1)}"


def operand(value: object) -> object:
    """A validation bound as the file writer writes it: dates as serial numbers, whole floats as ints."""
    if isinstance(value, (date, datetime)):
        value = serial(value)
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else value


class SheetPainter:
    """Writes one SheetSpec onto a new sheet through the object model, engine permitting."""

    def __init__(self, sheet, book: XlBook):
        self.sheet, self.book, self.com = sheet, book, book.com

    def skip(self, what: str) -> None:
        self.book.skipped.add(what)

    def ranges(self, blocks: list[tuple[int, int, int, int]]) -> list:
        """Ranges covering the blocks: few multi-area ranges with COM, one range per block elsewhere."""
        addresses = [address(block) for block in blocks]
        return [self.sheet.range(item) for item in (joined(addresses) if self.com else addresses)]

    def paint(self, spec: SheetSpec) -> None:
        self.values(spec)
        self.styles(spec)
        self.dimensions(spec)
        for merged in spec.merges:
            self.sheet.range(merged).merge()
        for rule in spec.validations:
            self.validation(rule)
        self.cond_formats(spec)
        self.view(spec)
        self.extras(spec)
        self.visibility(spec.state)

    def values(self, spec: SheetSpec) -> None:
        if not spec.cells:
            return
        rows, cols = spec.max_row, spec.max_col
        matrix: list[list] = [[None] * cols for _ in range(rows)]
        for (row, col), (value, _) in spec.cells.items():
            matrix[row - 1][col - 1] = cell_input(value)
        self.sheet.range((1, 1), (rows, cols)).formula = matrix

    def styles(self, spec: SheetSpec) -> None:
        by_style: dict[str, list[tuple[int, int]]] = {}
        for position, (_, key) in spec.cells.items():
            if styles.CELL[key]:
                by_style.setdefault(key, []).append(position)
        for key, positions in sorted(by_style.items()):
            for target in self.ranges(rectangles(positions)):
                self.style(target, styles.CELL[key])

    def style(self, target, look: dict) -> None:
        if look.get("fill"):
            target.color = hex_color(look["fill"])
        for name, value in (look.get("font") or {}).items():
            setattr(target.font, name, hex_color(value) if name == "color" else value)
        if look.get("number_format"):
            target.number_format = look["number_format"]
        if look.get("align"):
            self.align(target, *_ALIGN[look["align"]])
        if look.get("border"):
            target.borders.set("all", line_style="continuous", weight="thin", color=BORDER)
        if look.get("locked") is False:
            self.unlock(target)

    @staticmethod
    def align(target, horizontal: str | None, vertical: str | None, wrap: bool | None) -> None:
        if horizontal:
            target.horizontal_alignment = horizontal
        if vertical:
            target.vertical_alignment = vertical
        if wrap:
            target.wrap_text = True

    def unlock(self, target) -> None:
        if self.com:
            target.api.Locked = False
        else:
            self.skip("unlocked input cells")

    def dimensions(self, spec: SheetSpec) -> None:
        in_points = self.book.engine == "lite"
        for first, last, width in spans(spec.widths):
            self.sheet.range((1, first), (1, last)).column_width = points(width) if in_points else width
        for first, last, _ in spans({col: True for col in spec.hidden_cols}):
            self.sheet.range((1, first), (1, last)).columns.hidden = True
        for first, last, height in spans(spec.heights):
            self.sheet.range((first, 1), (last, 1)).row_height = height

    def validation(self, rule: Validation) -> None:
        if rule.soft and not self.com:
            # xlwings sets no alert style, and a stop-style upper bound would refuse a real spike: keep the
            # hard lower bound only (collect still checks every value)
            self.skip("warning-style (soft) upper bounds of validations")
            rule = replace(rule, hi=None, soft=False) if rule.lo is not None else None
            if rule is None:
                return
        for area in rule.ref.split(","):
            target = self.sheet.range(area.strip())
            try:
                self.validation_rule(target.data_validation, rule)
            except ValueError:  # xlwings refuses list sources over 255 characters or with separators
                self.skip("list validations whose choices are longer than Excel allows")
                continue
            if rule.soft:
                self.soft_alert(target, rule)
            if rule.error or rule.prompt:
                self.validation_messages(target, rule)

    @staticmethod
    def soft_alert(target, rule: Validation) -> None:
        """Make the rule a warning (Excel's "Warning" style: Yes keeps the value) as the file writer's
        errorStyle="warning" does. AlertStyle is read-only in Excel's object model: Modify sets it, with the rule
        restated (COM only)."""
        operator = _OPERATORS[(rule.lo is not None, rule.hi is not None)]
        bounds = [f"={operand(bound)}" for bound in (rule.lo, rule.hi) if bound is not None]
        target.api.Validation.Modify(
            Type=_XL_VALIDATE[rule.kind],
            AlertStyle=XL_VALID_ALERT_WARNING,
            Operator=_XL_OPERATORS[operator],
            Formula1=bounds[0],
            **({"Formula2": bounds[1]} if len(bounds) > 1 else {}),
        )

    @staticmethod
    def validation_rule(validation, rule: Validation) -> None:
        if rule.kind == "list":
            validation.set_list(list(rule.values))
        elif rule.kind == "custom":
            validation.set_custom(rule.formula)
        else:
            operator = _OPERATORS[(rule.lo is not None, rule.hi is not None)]
            bounds = [operand(bound) for bound in (rule.lo, rule.hi) if bound is not None]
            getattr(validation, _VALIDATION_SETTERS[rule.kind])(operator, *bounds)

    def validation_messages(self, target, rule: Validation) -> None:
        if not self.com:
            self.skip("validation prompts and error messages")
            return
        api = target.api.Validation
        if rule.error:
            api.ErrorMessage, api.ShowError = rule.error[:255], True
        if rule.prompt:
            api.InputMessage, api.ShowInput = rule.prompt[:255], True
            if rule.title:
                api.InputTitle = rule.title[:32]

    def cond_formats(self, spec: SheetSpec) -> None:
        for rule in reversed(spec.cond_formats):  # xlwings adds each rule on top: the first ends highest
            if "," in rule.ref and not self.com:
                self.skip("conditional formats over several areas")
                continue
            look = styles.DIFFERENTIAL[rule.style]
            self.sheet.range(rule.ref).conditional_formats.add_custom(
                rule.formula,
                fill_color=look["fill"] and hex_color(look["fill"]),
                font_color=look["font"] and hex_color(look["font"]),
            )

    def view(self, spec: SheetSpec) -> None:
        if not (spec.freeze and spec.freeze != "A1") and not spec.zoom:
            return
        if self.com:
            self.com_view(spec)
            return
        if spec.zoom:
            self.skip("zoom")
        if spec.freeze and spec.freeze != "A1":
            try:
                self.sheet.freeze_panes.freeze_at(frozen_cells(spec.freeze))
            except NotImplementedError:
                self.skip("frozen panes")

    def com_view(self, spec: SheetSpec) -> None:
        """Frozen panes and zoom through the active window (classic xlwings has no freeze_panes on COM)."""
        self.sheet.activate()
        window = self.sheet.book.app.api.ActiveWindow
        window.FreezePanes = False
        if spec.freeze and spec.freeze != "A1":
            row, col = split_ref(spec.freeze)
            window.ScrollRow, window.ScrollColumn = 1, 1
            window.SplitRow, window.SplitColumn = row - 1, col - 1
            window.FreezePanes = True
        if spec.zoom:
            window.Zoom = spec.zoom

    def extras(self, spec: SheetSpec) -> None:
        """Tab colour, autofilter, protection and charts: COM only."""
        wanted = {
            "tab colours": spec.tab_color,
            "autofilters": spec.autofilter,
            "sheet protection": spec.protected,
            "charts": spec.charts,
        }
        if not self.com:
            for what, present in wanted.items():
                if present:
                    self.skip(what)
            return
        if spec.charts:
            self.skip("charts")
        api = self.sheet.api
        if spec.tab_color:
            api.Tab.Color = bgr(spec.tab_color)
        if spec.autofilter:
            self.sheet.range(spec.autofilter).api.AutoFilter()
        if spec.protected:
            api.Protect(
                DrawingObjects=True,
                Contents=True,
                Scenarios=True,
                AllowFormattingColumns=True,
                AllowFormattingRows=True,
                AllowSorting=True,
                AllowFiltering=True,
                AllowInsertingRows=spec.allow_rows,
                AllowDeletingRows=spec.allow_rows,
            )

    def visibility(self, state: str) -> None:
        if state == "veryHidden" and self.com:
            self.sheet.api.Visible = _VERY_HIDDEN
        elif state != "visible":
            self.sheet.visible = False

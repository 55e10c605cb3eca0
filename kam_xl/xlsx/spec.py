"""Sheets as plain data (cells, styles, validations, charts) that a renderer turns into a workbook."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from kam_xl.errors import CellRefError

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")
MAX_ROW, MAX_COL = 1_048_576, 16_384


@dataclass(frozen=True)
class Formula:
    """A live spreadsheet formula (text that starts with '='). Plain str values are always text.

    `value` is its cached result (float, str, bool, an error value, or None for none), written beside the
    formula so that readers which do not recalculate see it (kam_xl.xlsx.calc computes it)."""

    text: str
    value: object = None

    def __post_init__(self):
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with '=': {self.text!r}")


@dataclass(frozen=True)
class Validation:
    """A data validation over a range: kind is list, decimal, whole, date, or custom."""

    ref: str
    kind: str
    values: tuple[str, ...] = ()
    lo: float | date | None = None
    hi: float | date | None = None
    formula: str | None = None  # for kind == "custom"
    prompt: str = ""
    error: str = ""
    title: str = ""  # the input message's title (shown bold above `prompt`)
    soft: bool = False  # a warning the person may accept (errorStyle warning), not a refusal


@dataclass(frozen=True)
class CondFormat:
    """Conditional formatting: a formula rule (relative to the range's top-left cell) and a style."""

    ref: str
    formula: str
    style: str  # key of styles.DIFFERENTIAL


@dataclass(frozen=True)
class Chart:
    """A native chart: kind bar, line or scatter; refs are ranges on the same sheet."""

    kind: str
    title: str
    anchor: str
    categories: str
    series: tuple[tuple[str, str], ...]  # (title, values ref)
    x_title: str = ""
    y_title: str = ""
    width_cm: float = 16.0
    height_cm: float = 8.0


@dataclass
class SheetSpec:
    """Everything a sheet holds; cells are keyed by (row, column), both starting at 1."""

    title: str
    role: str = ""
    cells: dict[tuple[int, int], tuple[object, str]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    hidden_cols: set[int] = field(default_factory=set)
    heights: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None
    scroll_to: str | None = None  # the first cell shown below and right of the frozen panes (default: freeze)
    validations: list[Validation] = field(default_factory=list)
    cond_formats: list[CondFormat] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    autofilter: str | None = None
    protected: bool = True
    allow_rows: bool = False  # a protected sheet where rows may still be inserted, deleted and sorted
    state: str = "visible"
    tab_color: str | None = None
    zoom: int | None = None
    print_fit_width: bool = False  # print landscape, all columns on one page width
    cached: dict[tuple[int, int], object] = field(default_factory=dict)  # formula cells' values (xlsx.calc)
    volatile: set[str] = field(default_factory=set)  # A1 cells that differ between two identical runs (a stamp)

    def set(self, row: int, col: int, value: object, style: str = "text") -> None:
        """Put a value (Formula for a live formula) with a named style at (row, col)."""
        self.cells[(row, col)] = (value, style)

    def put(self, ref: str, value: object, style: str = "text") -> None:
        """Put a value with a named style at an A1 reference."""
        row, col = split_ref(ref)
        self.cells[(row, col)] = (value, style)

    def row_values(self, row: int, col: int, values, style: str = "text") -> None:
        """Put values side by side from (row, col), all with one style."""
        for offset, value in enumerate(values):
            self.cells[(row, col + offset)] = (value, style)

    def value(self, ref: str) -> object:
        """The value at an A1 reference (None when empty)."""
        return self.cells.get(split_ref(ref), (None, ""))[0]

    @property
    def max_row(self) -> int:
        """The last row holding a cell (0 when empty)."""
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        """The last column holding a cell (0 when empty)."""
        return max((c for _, c in self.cells), default=0)


@cache
def column_letter(col: int) -> str:
    """Excel's column letters for a column number from 1 (1 → A, 27 → AA)."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The column number of Excel's column letters (A → 1, AA → 27)."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def ref(row: int, col: int, absolute: bool = False) -> str:
    """The A1 reference of (row, col), with $ signs when absolute."""
    if absolute:
        return f"${column_letter(col)}${row}"
    return f"{column_letter(col)}{row}"


@lru_cache(maxsize=100_000)
def split_ref(cell: str) -> tuple[int, int]:
    """(row, col) of an A1 reference ('D20', 'd$20', '$D$20'); CellRefError (a ValueError) for anything that
    is not one cell of Excel's grid. The one parser of cell references (canonical_ref gives the A1 text)."""
    match = _REF.match(cell) if isinstance(cell, str) else None
    if match is None:
        raise CellRefError(f"{cell!r} is not a cell reference like 'D20'")
    row, col = int(match.group(2)), column_index(match.group(1).upper())
    if row > MAX_ROW or col > MAX_COL:
        raise CellRefError(f"{cell!r} is outside Excel's grid (XFD1048576 is the last cell)")
    return row, col


def canonical_ref(cell: str) -> str:
    """An A1 reference as Excel writes it: upper case, no $ ('d$20' -> 'D20')."""
    row, col = split_ref(cell)
    return f"{column_letter(col)}{row}"


def area(row1: int, col1: int, row2: int, col2: int) -> str:
    """The A1 range from (row1, col1) to (row2, col2)."""
    return f"{ref(row1, col1)}:{ref(row2, col2)}"


def quote_sheet(name: str) -> str:
    """A sheet name as it must appear in a formula reference."""
    return "'" + name.replace("'", "''") + "'"


def wrapped_height(*texts: tuple[object, float]) -> float:
    """The row height (points) that shows each (text, characters per line) whole: LibreOffice does not grow a
    row for wrapped text, so every row holding long text gets its height written out."""
    lines = 1
    for shown, per_line in texts:
        if shown:
            parts = str(shown).split("\n")
            lines = max(lines, sum(max(1, -(-text_width(part) // int(per_line))) for part in parts))
    return 15.0 * lines + 3


def text_width(text: str) -> int:
    """Width of a text in characters of the default font (CJK characters, from U+2E80, count twice)."""
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text))


_WIDE = re.compile("[\u2e80-\U0010ffff]")

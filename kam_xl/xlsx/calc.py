"""The values kam's own formulas compute, for the cached value every formula cell carries.

A reader that does not recalculate (Excel's Protected View, Outlook and phone previews, WPS's viewer,
openpyxl and pandas) shows a formula cell's cached value, so every formula kam writes carries the value
Excel would compute for the cells as written. This module evaluates the formulas kam writes — the
functions SUM, SUMPRODUCT, COUNT, COUNTIF, AVERAGE, INDEX, MATCH, IF, IFERROR, ISNUMBER, AND, N, LEN, MIN,
ROUND, HYPERLINK, with arithmetic, comparison and references (ranges, other sheets) — with Excel's rules
for blanks, text, booleans and errors. A formula outside that vocabulary raises FormulaError, so a new
formula cannot silently get a wrong cached value; the LibreOffice tests compare every cached value with a
real recalculation.

Evaluation is vectorised across many sheets of one layout: store tabs of the same shape share their
formula texts, so each formula is parsed once and evaluated once, as numpy arrays over all the tabs
(kam_xl.xlsx.cachevalues puts the values into SheetSpecs, rows of a filled-down formula vectorised too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import numpy as np

from kam_xl.errors import KamError
from kam_xl.xlsx.cellcodec import ErrorValue

BLANK, NUMBER, TEXT, BOOL, ERROR = 0, 1, 2, 3, 4
_DAY_ZERO = date(1899, 12, 30)


class FormulaError(KamError):
    """A formula kam cannot evaluate (outside the vocabulary above) — a bug in kam, not in the workbook."""


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?[0-9]+(?::\$?[A-Za-z]{1,3}\$?[0-9]+)?)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<func>[A-Za-z][A-Za-z0-9.]*)\(
  | (?P<bool>TRUE|FALSE)\b
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
    )""",
    re.VERBOSE,
)
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


@dataclass(frozen=True)
class Ref:
    sheet: str | None  # None: the sheet the formula is on
    row1: int
    col1: int
    row2: int
    col2: int

    @property
    def single(self) -> bool:
        return self.row1 == self.row2 and self.col1 == self.col2

    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.row1, self.row2 + 1) for c in range(self.col1, self.col2 + 1)]


@dataclass(frozen=True)
class Node:
    kind: str  # num, str, bool, ref, func, neg, op
    value: object = None
    args: tuple = ()


def _col(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def _ref(text: str) -> Ref:
    sheet = None
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    corners = [_CELL.fullmatch(part) for part in text.split(":")]
    (c1, r1), (c2, r2) = [(_col(m.group(1)), int(m.group(2))) for m in (corners[0], corners[-1])]
    return Ref(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise FormulaError(f"cannot read the formula {text!r} at {text[pos : pos + 20]!r}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    """Precedence (lowest first): comparison, &, + -, * /, ^, unary minus, %; as Excel."""

    LEVELS = (("=", "<>", "<", ">", "<=", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",))

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError(f"the formula {self.text!r} ends too soon")
        self.pos += 1
        return token

    def expect(self, op: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != op:
            raise FormulaError(f"expected {op!r} in {self.text!r}, found {value!r}")

    def expression(self, level: int = 0) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.expression(level + 1)
        while (token := self.peek()) is not None and token[0] == "op" and token[1] in self.LEVELS[level]:
            self.take()
            node = Node("op", token[1], (node, self.expression(level + 1)))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in "+-":
            self.take()
            inner = self.unary()
            return Node("neg", None, (inner,)) if token[1] == "-" else Node("pos", None, (inner,))
        node = self.primary()
        while (token := self.peek()) is not None and token == ("op", "%"):
            self.take()
            node = Node("op", "/", (node, Node("num", 100.0)))
        return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("num", float(value))
        if kind == "string":
            return Node("str", value[1:-1].replace('""', '"'))
        if kind == "bool":
            return Node("bool", value == "TRUE")
        if kind == "ref":
            return Node("ref", _ref(value))
        if kind == "func":
            args = []
            if self.peek() != ("op", ")"):
                while True:
                    args.append(self.expression())
                    if self.peek() == ("op", ","):
                        self.take()
                        continue
                    break
            self.expect(")")
            name = value.upper()
            if name not in _FUNCTIONS:
                raise FormulaError(f"kam_xl does not evaluate {name}() (in {self.text!r})")
            return Node("func", name, tuple(args))
        if (kind, value) == ("op", "("):
            node = self.expression()
            self.expect(")")
            return node
        raise FormulaError(f"unexpected {value!r} in {self.text!r}")


@lru_cache(maxsize=65536)
def parse(formula: str) -> Node:
    """The syntax tree of a formula ("=..." or without the sign); FormulaError when it is not one kam writes."""
    parser = _Parser(formula[1:] if formula.startswith("=") else formula)
    node = parser.expression()
    if parser.peek() is not None:
        raise FormulaError(f"unexpected {parser.peek()[1]!r} in {formula!r}")
    return node


def references(node: Node) -> list[Ref]:
    """Every reference in a formula's tree."""
    if node.kind == "ref":
        return [node.value]
    return [ref for arg in node.args for ref in references(arg)]


# ---------------------------------------------------------------------------
# Values: one row per sheet, one column per cell of a range
# ---------------------------------------------------------------------------


@dataclass
class Vals:
    """Values of N sheets × k cells: kind (BLANK…ERROR), numbers (NaN where none), texts/error codes."""

    kind: np.ndarray  # uint8 (N, k)
    num: np.ndarray  # float64 (N, k)
    text: np.ndarray  # object (N, k): str for TEXT and ERROR, else None
    # (texts, their lower-case numpy strings) once a comparison needed them (see _folded)
    folded: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.kind.shape

    @classmethod
    def of(cls, kind, num, text=None) -> Vals:
        kind = np.asarray(kind, dtype=np.uint8)
        num = np.asarray(num, dtype=float)
        if text is None:
            text = _no_text(kind.shape)  # a read-only view: results copy before writing
        return cls(kind, num, text)

    @classmethod
    def constant(cls, n: int, value: object) -> Vals:
        kind, num, text = _classify(value)
        return cls.of(np.full((n, 1), kind), np.full((n, 1), num), np.full((n, 1), text, dtype=object))

    @classmethod
    def of_cell(cls, values: list[object]) -> Vals:
        """Vals (N × 1) of one cell's values on N sheets (fast when they are all numbers/blank or all text)."""
        kinds = set(map(type, values))
        n = len(values)
        if kinds <= {float, int, type(None)}:
            num = np.array(values, dtype=float).reshape(n, 1)
            blank = (
                np.array([v is None for v in values]).reshape(n, 1) if type(None) in kinds else np.zeros((n, 1), bool)
            )
            return cls(np.where(blank, BLANK, NUMBER).astype(np.uint8), num, np.full((n, 1), None, dtype=object))
        if kinds <= {date, type(None)}:  # dates (not date-times): their serial numbers
            serials = [np.nan if v is None else float((v - _DAY_ZERO).days) for v in values]
            return (
                cls.of_cell(serials)
                if type(None) not in kinds
                else cls(
                    np.array([BLANK if v is None else NUMBER for v in values], dtype=np.uint8).reshape(n, 1),
                    np.array(serials, dtype=float).reshape(n, 1),
                    np.full((n, 1), None, dtype=object),
                )
            )
        if kinds <= {str, type(None)}:
            text = np.array(values, dtype=object).reshape(n, 1)
            kind = np.where(text == None, BLANK, TEXT).astype(np.uint8)  # noqa: E711 (elementwise)
            return cls(kind, np.full((n, 1), np.nan), text)
        return cls.from_values([[v] for v in values])

    @classmethod
    def from_values(cls, values: list[list[object]]) -> Vals:
        """Vals from python values, values[i][j] = sheet i, cell j."""
        parts = [[_classify(v) for v in row] for row in values]
        kind = np.array([[p[0] for p in row] for row in parts], dtype=np.uint8).reshape(len(values), -1)
        num = np.array([[p[1] for p in row] for row in parts], dtype=float).reshape(len(values), -1)
        text = np.empty(kind.shape, dtype=object)
        for i, row in enumerate(parts):
            for j, p in enumerate(row):
                text[i, j] = p[2]
        return cls(kind, num, text)

    def column(self, j: int) -> Vals:
        return Vals(self.kind[:, j : j + 1], self.num[:, j : j + 1], self.text[:, j : j + 1])

    def python(self) -> list[object]:
        """Every sheet's single value as python (float, str, bool, ErrorValue or None)."""
        kinds, nums, texts = self.kind[:, 0].tolist(), self.num[:, 0].tolist(), self.text[:, 0].tolist()
        out: list[object] = []
        for kind, num, text in zip(kinds, nums, texts, strict=True):
            if kind == NUMBER:
                out.append(num)
            elif kind == TEXT:
                out.append(text)
            elif kind == BOOL:
                out.append(bool(num))
            elif kind == ERROR:
                out.append(ErrorValue(text))
            else:
                out.append(None)
        return out

    def value(self, i: int) -> object:
        """Sheet i's single value as python (float, str, bool, ErrorValue or None)."""
        kind = self.kind[i, 0]
        if kind == NUMBER:
            return float(self.num[i, 0])
        if kind == BOOL:
            return bool(self.num[i, 0])
        if kind == TEXT:
            return self.text[i, 0]
        if kind == ERROR:
            return ErrorValue(self.text[i, 0])
        return None


def _classify(value: object) -> tuple[int, float, object]:
    if value is None:
        return BLANK, np.nan, None
    if isinstance(value, bool):
        return BOOL, float(value), None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return (NUMBER, number, None) if np.isfinite(number) else (ERROR, np.nan, "#NUM!")
    if isinstance(value, ErrorValue):
        return ERROR, np.nan, value.code
    if isinstance(value, datetime):  # a date is its serial number (the 1900 system kam writes)
        delta = value - datetime(1899, 12, 30)
        return NUMBER, delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6, None
    if isinstance(value, date):
        return NUMBER, float((value - date(1899, 12, 30)).days), None
    return TEXT, np.nan, str(value)


def _error_where(mask: np.ndarray, code: str, out: Vals) -> Vals:
    if mask.any():
        out.kind = np.where(mask, ERROR, out.kind).astype(np.uint8)
        out.num = np.where(mask, np.nan, out.num)
        text = out.text.copy()
        text[mask] = code
        out.text = text
    return out


_NO_TEXT = np.array(None, dtype=object)
_NONE_OF_SHAPE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # shape -> (no texts, no errors), read-only


def _no_text(shape: tuple) -> np.ndarray:
    """A read-only array of None of this shape (the texts of numbers), made once per shape."""
    return _none_of_shape(shape)[0]


def _no_error(shape: tuple) -> np.ndarray:
    """A read-only array of False of this shape (no error anywhere), made once per shape."""
    return _none_of_shape(shape)[1]


def _none_of_shape(shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    found = _NONE_OF_SHAPE.get(shape)
    if found is None:
        if len(_NONE_OF_SHAPE) > 256:
            _NONE_OF_SHAPE.clear()
        no_error = np.zeros(shape, dtype=bool)
        no_error.setflags(write=False)
        found = _NONE_OF_SHAPE[shape] = (np.broadcast_to(_NO_TEXT, shape), no_error)
    return found


def _broadcast(values, shape: tuple) -> np.ndarray:
    """np.broadcast_to (a read-only view), or the array itself when it has that shape already (most operands:
    numpy's call costs more than the arithmetic on a few hundred sheets). Nothing writes into either."""
    if type(values) is np.ndarray and values.shape == shape:
        return values
    return np.broadcast_to(values, shape)


_LARGEST = np.finfo(float).max


def _nan_to_num(values: np.ndarray) -> np.ndarray:
    """np.nan_to_num of a float array (NaN 0, ±inf the largest finite numbers) in four ufunc calls: numpy's own
    costs several times more, and the evaluator calls it thousands of times on small arrays."""
    return np.minimum(np.maximum(np.where(values == values, values, 0.0), -_LARGEST), _LARGEST)


def _shape(*shapes: tuple) -> tuple:
    """np.broadcast_shapes, answered at once when the shapes are equal (most operands)."""
    first = shapes[0]
    for other in shapes[1:]:
        if other != first:
            return np.broadcast_shapes(*shapes)
    return first


def _first_error(*vals: Vals) -> tuple[np.ndarray, np.ndarray]:
    """(mask, codes) of elements where any operand is an error (the first operand's error wins)."""
    shape = _shape(*[v.shape for v in vals])
    if not any((v.kind == ERROR).any() for v in vals):  # the common case: no error anywhere, nothing to mark
        return _no_error(shape), _no_text(shape)
    mask = np.zeros(shape, dtype=bool)
    codes = np.full(shape, None, dtype=object)
    for v in vals:
        err = _broadcast(v.kind == ERROR, shape)
        fresh = err & ~mask
        if fresh.any():
            codes[fresh] = _broadcast(v.text, shape)[fresh]
            mask |= err
    return mask, codes


def _with_errors(out: Vals, mask: np.ndarray, codes: np.ndarray) -> Vals:
    if mask.any():
        out.kind = np.where(mask, ERROR, out.kind).astype(np.uint8)
        out.num = np.where(mask, np.nan, out.num)
        text = np.array(out.text, dtype=object, copy=True)
        text[mask] = codes[mask]
        out.text = text
    return out


def _as_number(v: Vals) -> tuple[np.ndarray, np.ndarray]:
    """Numbers for arithmetic: blank 0, bool 1/0, number; (values, #VALUE! mask for text)."""
    num = np.where(v.kind == BLANK, 0.0, v.num)
    bad = v.kind == TEXT
    return num, bad


def _truth(v: Vals) -> tuple[np.ndarray, np.ndarray]:
    """(truth, #VALUE! mask) of a condition: numbers ≠ 0, booleans, blank false; text is #VALUE!."""
    return np.where(v.kind == BLANK, False, _nan_to_num(v.num) != 0), v.kind == TEXT


def _number_result(values: np.ndarray, *operands: Vals, bad: np.ndarray | None = None, div0=None) -> Vals:
    shape = values.shape
    out = Vals.of(np.full(shape, NUMBER), values)
    if div0 is not None:
        out = _error_where(div0, "#DIV/0!", out)
    if bad is not None:
        out = _error_where(_broadcast(bad, shape), "#VALUE!", out)
    mask, codes = _first_error(*operands)
    return _with_errors(out, _broadcast(mask, shape), _broadcast(codes, shape))


def _bool_result(values: np.ndarray, *operands: Vals) -> Vals:
    out = Vals.of(np.full(values.shape, BOOL), values.astype(float))
    mask, codes = _first_error(*operands)
    return _with_errors(out, _broadcast(mask, values.shape), _broadcast(codes, values.shape))


_NUMBER_COMPARE = {
    "=": np.equal,
    "<>": np.not_equal,
    "<": np.less,
    ">": np.greater,
    "<=": np.less_equal,
    ">=": np.greater_equal,
}


# Excel's order of types, by kind (BLANK … ERROR): numbers < text < booleans (a blank takes the other side's, an
# error is marked after)
_RANK = np.array([0, 0, 1, 2, 0], dtype=np.int8)


def _folded(v: Vals) -> np.ndarray:
    """v's texts in lower case ("" where none), as a numpy string array: made once per Vals (a range or a literal
    that many formulas compare, such as $C$43:$C$49="Execution"), kept on it while its texts stay the same."""
    if v.folded is not None and v.folded[0] is v.text:
        return v.folded[1]
    folded = np.char.lower(np.array([t or "" for t in v.text.ravel().tolist()], dtype=str)).reshape(v.text.shape)
    v.folded = (v.text, folded)
    return folded


def _compare(op: str, a: Vals, b: Vals) -> Vals:
    if _numeric(a) and _numeric(b):  # the common case: numbers and blanks (blank is 0), errors marked after
        shape = _shape(a.shape, b.shape)
        na = _nan_to_num(np.where(a.kind == BLANK, 0.0, a.num))
        nb = _nan_to_num(np.where(b.kind == BLANK, 0.0, b.num))
        return _bool_result(_broadcast(_NUMBER_COMPARE[op](na, nb), shape), a, b)
    shape = _shape(a.shape, b.shape)
    ka, kb = _broadcast(a.kind, shape), _broadcast(b.kind, shape)
    # Excel's order of types: numbers < text < booleans; a blank is 0 against a number, "" against text,
    # FALSE against a boolean.
    blank_a, blank_b = ka == BLANK, kb == BLANK
    rank_a = np.where(blank_a, _RANK[kb], _RANK[ka])
    rank_b = np.where(blank_b, rank_a, _RANK[kb])
    na = np.where(blank_a, 0.0, _broadcast(a.num, shape))
    nb = np.where(blank_b, 0.0, _broadcast(b.num, shape))
    same = rank_a == rank_b
    texts = same & (rank_a == 1)
    order = np.where(same, np.sign(_nan_to_num(na - nb)), np.sign(rank_a - rank_b)).astype(np.int8)  # -1, 0, 1
    if texts.any():  # text against text (or a blank as ""), ignoring case
        idx = np.nonzero(texts)
        x, y = _broadcast(_folded(a), shape)[idx], _broadcast(_folded(b), shape)[idx]
        order[idx] = (x > y).astype(np.int8) - (x < y).astype(np.int8)
    result = {
        "=": order == 0,
        "<>": order != 0,
        "<": order < 0,
        ">": order > 0,
        "<=": order <= 0,
        ">=": order >= 0,
    }[op]
    return _bool_result(result, a, b)


def _numeric(v: Vals) -> bool:
    """Whether every element is a number, a blank or an error (no text, no boolean)."""
    return not ((v.kind == TEXT) | (v.kind == BOOL)).any()


def _arith(op: str, a: Vals, b: Vals) -> Vals:
    na, bad_a = _as_number(a)
    nb, bad_b = _as_number(b)
    bad = bad_a | bad_b
    div0 = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op == "+":
            values = na + nb
        elif op == "-":
            values = na - nb
        elif op == "*":
            values = na * nb
        elif op == "/":
            div0 = _broadcast(nb == 0, _shape(na.shape, nb.shape))
            values = np.where(nb == 0, np.nan, na / np.where(nb == 0, 1.0, nb))
        else:  # ^
            values = np.power(na, nb)
    values = np.asarray(values, dtype=float)
    out = _number_result(values, a, b, bad=bad, div0=div0)
    if op == "^":
        out = _error_where((~np.isfinite(values)) & (out.kind == NUMBER), "#NUM!", out)
    return out


# ---------------------------------------------------------------------------
# Functions (each takes the evaluated arguments; ranges keep their cells in the second axis)
# ---------------------------------------------------------------------------


def _numbers_in(v: Vals) -> np.ndarray:
    return np.where(v.kind == NUMBER, v.num, 0.0)


def _aggregate_errors(*vals: Vals) -> tuple[np.ndarray, np.ndarray]:
    n = vals[0].shape[0]
    mask = np.zeros((n, 1), dtype=bool)
    codes = np.full((n, 1), None, dtype=object)
    for v in vals:
        err = v.kind == ERROR
        for i in np.nonzero(err.any(axis=1) & ~mask[:, 0])[0]:
            mask[i, 0] = True
            codes[i, 0] = v.text[i, int(np.argmax(err[i]))]
    return mask, codes


def _f_sum(*args: Vals) -> Vals:
    total = sum(_numbers_in(a).sum(axis=1, keepdims=True) for a in args)
    mask, codes = _aggregate_errors(*args)
    return _with_errors(Vals.of(np.full(total.shape, NUMBER), total), mask, codes)


def _f_sumproduct(*args: Vals) -> Vals:
    shape = _shape(*[a.shape for a in args])
    product = np.ones(shape)
    for a in args:  # entries that are not numbers (booleans too) count as 0, as in Excel
        product = product * _broadcast(np.where(a.kind == NUMBER, a.num, 0.0), shape)
    total = product.sum(axis=1, keepdims=True)
    mask, codes = _aggregate_errors(*args)
    return _with_errors(Vals.of(np.full(total.shape, NUMBER), total), mask, codes)


def _f_count(*args: Vals) -> Vals:
    count = sum((a.kind == NUMBER).sum(axis=1, keepdims=True) for a in args).astype(float)
    return Vals.of(np.full(count.shape, NUMBER), count)


def _f_countif(rng: Vals, criterion: Vals) -> Vals:
    result = _compare("=", rng, criterion)
    count = ((result.kind == BOOL) & (result.num == 1) & (rng.kind != BLANK)).sum(axis=1, keepdims=True)
    return Vals.of(np.full(count.shape, NUMBER), count.astype(float))


def _f_average(*args: Vals) -> Vals:
    total = _f_sum(*args)
    count = _f_count(*args).num
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(count > 0, total.num / np.where(count > 0, count, 1), np.nan)
    out = Vals.of(np.full(values.shape, NUMBER), values)
    out = _error_where(count == 0, "#DIV/0!", out)
    return _with_errors(out, total.kind == ERROR, total.text)


def _f_index(rng: Vals, position: Vals) -> Vals:
    n, k = rng.shape
    pos = np.where(position.kind == NUMBER, np.floor(_nan_to_num(position.num)), -1).astype(int)[:, 0]
    ok = (pos >= 1) & (pos <= k)
    take = np.clip(pos - 1, 0, max(k - 1, 0))
    rows = np.arange(n)
    out = Vals(
        rng.kind[rows, take][:, None].copy(), rng.num[rows, take][:, None].copy(), rng.text[rows, take][:, None].copy()
    )
    out = _error_where(~ok[:, None], "#REF!", out)
    mask, codes = _first_error(position)
    return _with_errors(out, mask, codes)


def _f_match(lookup: Vals, rng: Vals, kind: Vals | None = None) -> Vals:
    """MATCH(x, range) with the default approximate match: the last position whose number is ≤ x (kam uses
    it with 9.99E+307 to find the last number of a column); MATCH(x, range, 0): the first position equal to
    x (text ignoring case, as Excel); #N/A when there is none."""
    if kind is not None and bool((kind.kind == NUMBER).all() and (kind.num == 0).all()):
        return _match_exact(lookup, rng)
    ok = (rng.kind == NUMBER) & (rng.num <= lookup.num)
    k = rng.shape[1]
    last = np.where(ok.any(axis=1), k - np.argmax(ok[:, ::-1], axis=1), 0).astype(float)[:, None]
    out = Vals.of(np.full(last.shape, NUMBER), last)
    return _error_where(last == 0, "#N/A", out)


def _match_exact(lookup: Vals, rng: Vals) -> Vals:
    folded = np.vectorize(lambda t: t.casefold() if isinstance(t, str) else t, otypes=[object])
    texts = (rng.kind == TEXT) & (lookup.kind == TEXT) & (folded(rng.text) == folded(lookup.text))
    numbers = (rng.kind == NUMBER) & (lookup.kind == NUMBER) & (rng.num == lookup.num)
    ok = texts | numbers
    first = np.where(ok.any(axis=1), np.argmax(ok, axis=1) + 1, 0).astype(float)[:, None]
    out = Vals.of(np.full(first.shape, NUMBER), first)
    return _error_where(first == 0, "#N/A", out)


def _f_if(condition: Vals, yes: Vals, no: Vals | None = None) -> Vals:
    no = no if no is not None else Vals.constant(condition.shape[0], False)
    truth, bad = _truth(condition)
    shape = _shape(condition.shape, yes.shape, no.shape)
    truth = _broadcast(truth, shape)
    kind = np.where(truth, _broadcast(yes.kind, shape), _broadcast(no.kind, shape)).astype(np.uint8)
    num = np.where(truth, _broadcast(yes.num, shape), _broadcast(no.num, shape))
    text = np.where(truth, _broadcast(yes.text, shape), _broadcast(no.text, shape))
    out = Vals(kind, num, text)
    out = _error_where(_broadcast(bad, shape), "#VALUE!", out)
    mask, codes = _first_error(condition)
    return _with_errors(out, _broadcast(mask, shape), _broadcast(codes, shape))


def _f_iferror(value: Vals, fallback: Vals) -> Vals:
    shape = _shape(value.shape, fallback.shape)
    err = _broadcast(value.kind == ERROR, shape)
    return Vals(
        np.where(err, _broadcast(fallback.kind, shape), _broadcast(value.kind, shape)).astype(np.uint8),
        np.where(err, _broadcast(fallback.num, shape), _broadcast(value.num, shape)),
        np.where(err, _broadcast(fallback.text, shape), _broadcast(value.text, shape)),
    )


def _f_isnumber(value: Vals) -> Vals:
    return Vals.of(np.full(value.shape, BOOL), (value.kind == NUMBER).astype(float))


def _f_and(*args: Vals) -> Vals:
    n = args[0].shape[0]
    result = np.ones((n, 1), dtype=bool)
    bad = np.zeros((n, 1), dtype=bool)
    for a in args:
        counted = (a.kind == NUMBER) | (a.kind == BOOL)
        truth = np.where(counted, _nan_to_num(a.num) != 0, True).all(axis=1, keepdims=True)
        result &= truth
        if a.shape[1] == 1:
            bad |= a.kind == TEXT
    out = Vals.of(np.full((n, 1), BOOL), result.astype(float))
    out = _error_where(bad, "#VALUE!", out)
    mask, codes = _aggregate_errors(*args)
    return _with_errors(out, mask, codes)


def _f_n(value: Vals) -> Vals:
    values = np.where((value.kind == NUMBER) | (value.kind == BOOL), value.num, 0.0)
    out = Vals.of(np.full(value.shape, NUMBER), values)
    mask, codes = _first_error(value)
    return _with_errors(out, mask, codes)


def _f_len(value: Vals) -> Vals:
    lengths = np.zeros(value.shape)
    for i, j in zip(*np.nonzero(value.kind != BLANK)):
        kind = value.kind[i, j]
        shown = (
            value.text[i, j]
            if kind == TEXT
            else ("TRUE" if value.num[i, j] else "FALSE")
            if kind == BOOL
            else _general(value.num[i, j])
        )
        lengths[i, j] = len(shown or "")
    out = Vals.of(np.full(value.shape, NUMBER), lengths)
    mask, codes = _first_error(value)
    return _with_errors(out, mask, codes)


def _general(number: float) -> str:
    text = f"{number:.15g}"
    return text


def _f_min(*args: Vals) -> Vals:
    values = np.full((args[0].shape[0], 1), np.inf)
    for a in args:
        values = np.minimum(values, np.where(a.kind == NUMBER, a.num, np.inf).min(axis=1, keepdims=True))
    values = np.where(np.isinf(values), 0.0, values)
    out = Vals.of(np.full(values.shape, NUMBER), values)
    mask, codes = _aggregate_errors(*args)
    return _with_errors(out, mask, codes)


def _f_round(value: Vals, digits: Vals) -> Vals:
    number, bad = _as_number(value)
    places = _nan_to_num(digits.num)
    scale = np.power(10.0, places)
    with np.errstate(invalid="ignore", over="ignore"):
        rounded = np.sign(number) * np.floor(np.abs(number) * scale + 0.5) / scale
    return _number_result(rounded, value, digits, bad=bad)


def _f_hyperlink(link: Vals, shown: Vals | None = None) -> Vals:
    return shown if shown is not None else link


_FUNCTIONS: dict[str, Callable[..., Vals]] = {
    "SUM": _f_sum,
    "SUMPRODUCT": _f_sumproduct,
    "COUNT": _f_count,
    "COUNTIF": _f_countif,
    "AVERAGE": _f_average,
    "INDEX": _f_index,
    "MATCH": _f_match,
    "IF": _f_if,
    "IFERROR": _f_iferror,
    "ISNUMBER": _f_isnumber,
    "AND": _f_and,
    "N": _f_n,
    "LEN": _f_len,
    "MIN": _f_min,
    "ROUND": _f_round,
    "HYPERLINK": _f_hyperlink,
}


# ---------------------------------------------------------------------------
# Evaluating the formula cells of N sheets that share their formulas
# ---------------------------------------------------------------------------

Cell = tuple[int, int]  # (row, column) from 1


_NUMBERS, _DATES, _TEXTS = {float, int, type(None)}, {date, type(None)}, {str, type(None)}  # Vals.of_cell's sorts


class Evaluator:
    """Evaluates the formula cells of N sheets of one layout.

    `formulas` maps (row, col) to the formula text shared by the N sheets; `constant(cell)` gives the N
    values of a cell that holds no formula (None when empty); `elsewhere(sheet, cell)` the N values of a
    cell on another sheet (for cross-sheet references; FormulaError when not given); `known` the values of
    cells known already (formula cells among them are not evaluated again).
    """

    def __init__(
        self,
        n: int,
        formulas: dict[Cell, str],
        constant: Callable[[Cell], list[object]],
        elsewhere: Callable[[str, Cell], list[object]] | None = None,
        known: dict[Cell, Vals] | None = None,
    ):
        self.n = n
        self.formulas = formulas
        self.constant = constant
        self.elsewhere = elsewhere
        self.done: dict[Cell, Vals] = dict(known or {})  # cells whose values are known already (formulas too)
        self.busy: set[Cell] = set()
        self.ranges: dict[Ref, Vals] = {}
        self.constants: dict[tuple, Vals] = {}  # a formula's literals, made once (nothing writes into a Vals' arrays)

    def _constant(self, value: object) -> Vals:
        key = (type(value), value)
        found = self.constants.get(key)
        if found is None:
            found = self.constants[key] = Vals.constant(self.n, value)
        return found

    def value(self, cell: Cell) -> Vals:
        """The N values of one cell (evaluating its formula, and what it refers to, first)."""
        found = self.done.get(cell)
        if found is not None:
            return found
        if cell in self.formulas:
            if cell in self.busy:
                raise FormulaError(f"circular reference at {cell}")
            self.busy.add(cell)
            result = self.evaluate(parse(self.formulas[cell]))
            self.busy.discard(cell)
            if result.shape[1] != 1:
                result = result.column(0)
            found = Vals(result.kind.copy(), result.num.copy(), result.text.copy())
        else:
            found = Vals.of_cell(self.constant(cell))
        self.done[cell] = found
        return found

    def values(self) -> dict[Cell, Vals]:
        """Every formula cell's N values."""
        return {cell: self.value(cell) for cell in self.formulas}

    def _range(self, ref: Ref) -> Vals:
        found = self.ranges.get(ref)
        if found is None:
            if ref.sheet is not None:
                if self.elsewhere is None:
                    raise FormulaError(f"a reference to sheet {ref.sheet!r} with no way to read it")
                columns = [self.elsewhere(ref.sheet, cell) for cell in ref.cells()]
                found = Vals.from_values([[column[i] for column in columns] for i in range(self.n)])
            elif self.n == 1 and (constants := self._constants_only(ref)) is not None:
                found = constants
            else:
                parts = [self.value(cell) for cell in ref.cells()]
                found = Vals(
                    np.hstack([p.kind for p in parts]),
                    np.hstack([p.num for p in parts]),
                    np.hstack([p.text for p in parts]),
                )
            self.ranges[ref] = found
        return found

    def _constants_only(self, ref: Ref) -> Vals | None:
        """A long range of one sheet that holds no formula, read in one go (a total under 5,000 rows), when its
        values are all of one sort (then each is what reading it alone gives); else None."""
        cells = ref.cells()
        if len(cells) < 16 or any(cell in self.formulas or cell in self.done for cell in cells):
            return None
        values = [self.constant(cell)[0] for cell in cells]
        sorts = set(map(type, values))
        if not (sorts <= _NUMBERS or sorts <= _DATES or sorts <= _TEXTS):
            return None
        column = Vals.of_cell(values)
        return Vals(column.kind.reshape(1, -1), column.num.reshape(1, -1), column.text.reshape(1, -1))

    def evaluate(self, node: Node) -> Vals:
        kind = node.kind
        if kind == "ref":
            return self._range(node.value)
        if kind == "num" or kind == "str":
            return self._constant(node.value)
        if kind == "bool":
            return self._constant(bool(node.value))
        if kind == "neg":
            inner = self.evaluate(node.args[0])
            return _arith("-", self._constant(0.0), inner)
        if kind == "pos":
            return self.evaluate(node.args[0])
        if kind == "op":
            a, b = (self.evaluate(arg) for arg in node.args)
            if node.value in ("=", "<>", "<", ">", "<=", ">="):
                return _compare(node.value, a, b)
            if node.value == "&":
                raise FormulaError("kam_xl does not evaluate & (text joining)")
            return _arith(node.value, a, b)
        if kind == "func":
            return _FUNCTIONS[node.value](*(self.evaluate(arg) for arg in node.args))
        raise FormulaError(f"cannot evaluate {node}")


# ---------------------------------------------------------------------------
# Shared formulas: Excel writes a filled-down formula once and refers to it from the other cells
# ---------------------------------------------------------------------------

_RELATIVE = re.compile(
    r"(?P<sheet>(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(?P<cd>\$?)(?P<col>[A-Za-z]{1,3})(?P<rd>\$?)(?P<row>[0-9]+)(?![\w(])"
)


def shifted(formula: str, rows: int, cols: int) -> str:
    """A formula moved by `rows` and `cols` as Excel fills it: references without $ follow, text stays."""
    out, pos = [], 0
    for match in re.finditer(r'"(?:[^"]|"")*"', formula):  # never touch string literals
        out.append(_shift_part(formula[pos : match.start()], rows, cols))
        out.append(match.group(0))
        pos = match.end()
    out.append(_shift_part(formula[pos:], rows, cols))
    return "".join(out)


def _shift_part(text: str, rows: int, cols: int) -> str:
    def move(match: re.Match) -> str:
        col, row = _col(match.group("col")), int(match.group("row"))
        col = col if match.group("cd") else col + cols
        row = row if match.group("rd") else row + rows
        letters = ""
        while col:
            col, rem = divmod(col - 1, 26)
            letters = chr(65 + rem) + letters
        return f"{match.group('sheet') or ''}{match.group('cd')}{letters}{match.group('rd')}{row}"

    return _RELATIVE.sub(move, text)

"""Finding a store tab's input cells by what their rows and columns say, not where _meta last saw them.

Every input row of a store tab carries its key in a locked cell of the key column (column A): the week id
in the weekly log, the program id in the programs table, the action number in the actions table; single
inputs (plan agreed on, comments) sit two columns right of their label; the store id sits two columns
right of its label in row 3. Each table's header row (its key column says "Week", "Program", "#") names
the columns. A person may insert, delete or sort rows, insert columns or copy tabs; `locate` follows every
key to its row and every field to its column, and reports what it cannot place unambiguously.

The cell map in _meta (cellmap.py) says which keys a tab has and where they were written; it is the
starting guess, checked cell by cell (`marks`) before it is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kam_xl.lang.texts import tab_text
from kam_xl.lang.words import LANGUAGES, fold
from kam_xl.model.entries import ACTION_FIELDS, NEW_IN_LAYOUT_2, PROGRAM_FIELDS, WEEK_FIELDS, FieldKey
from kam_xl.model.parsing import clean_text
from kam_xl.storetabs.layout import (
    ACTION_COLS,
    LOG,
    PLAN_VERSION_CELL,
    PROGRAM_COLS,
    SECTIONS,
    STORE_ID_CELL,
    action_labels,
    log_labels,
    program_labels,
)
from kam_xl.xlsx.spec import column_letter, split_ref

KEY_COL = 1  # column A holds every row's key
VALUE_OFFSET = 2  # single inputs and the store id sit two columns right of their label
ANCHOR_SEARCH = 12  # rows and columns searched for the store-id label (columns inserted before A)
SINGLE_LABELS = {("agreed",): "agreed_on", ("comment", "sr"): "sr_comment", ("comment", "manager"): "manager_comment"}
BLOCK_FIELDS = {"week": WEEK_FIELDS, "program": PROGRAM_FIELDS, "action": ACTION_FIELDS}
BLOCK_WHAT = {"week": "week", "program": "program", "action": "action"}


class TabLayoutError(Exception):
    """A store tab whose inputs cannot be placed without guessing; `row` is the row it is about (or 0)."""

    def __init__(self, row: int, message: str):
        self.row = row
        super().__init__(message)


@dataclass
class Located:
    """Where each input field of a tab is in this grid, and what was noticed on the way."""

    cells: dict[FieldKey, tuple[int, int]]  # field -> (row, col), from 1
    moved: list[str] = field(default_factory=list)  # rows or columns followed to a new place
    extra: list[tuple[int, str]] = field(default_factory=list)  # (row, what) rows with values but no key
    shifted: int = 0  # columns inserted before column A

    def refs(self) -> dict[FieldKey, str]:
        """field -> A1 reference."""
        return {key: f"{column_letter(col)}{row}" for key, (row, col) in self.cells.items()}


@dataclass(frozen=True)
class TabKeys:
    """What a store tab holds: its week ids, program ids, number of action rows, and the single inputs."""

    weeks: tuple[str, ...]
    programs: tuple[str, ...]
    actions: int
    singles: tuple[FieldKey, ...]

    @classmethod
    def from_cells(cls, cells: dict) -> TabKeys:
        """The keys a cell map (from _meta) lists."""
        week = (cells.get("week") or {}).get("rows") or {}
        program = (cells.get("program") or {}).get("rows") or {}
        action = (cells.get("action") or {}).get("rows") or [1, 0]
        singles = [("agreed",)] if cells.get("agreed") else []
        singles += [("comment", who) for who in (cells.get("comment") or {})]
        return cls(tuple(week), tuple(program), max(0, action[1] - action[0] + 1), tuple(singles))


def cell_key(value: object) -> str:
    """A key cell's value as text ('2026-W45', 'P01', '3'), whatever type the reader gave it; full-width
    forms, zero-width and odd spaces folded as the plan reader folds them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def _cell(grid: list[list], row: int, col: int) -> object:
    if 0 < row <= len(grid):
        line = grid[row - 1]
        if 0 < col <= len(line):
            value = line[col - 1]
            return None if value == "" else value
    return None


def store_id_labels() -> set[str]:
    """The store-id label in either language, folded."""
    return {fold(tab_text("store_id", lang)) for lang in LANGUAGES}


def find_store_id(grid: list[list]) -> tuple[str | None, int, int]:
    """(store id, row, column shift) of a store tab: the value two columns right of the store-id label
    (normally A3 → C3), which has the store-name label under it; (None, 0, 0) when the sheet has no such
    labels (it is not a store tab)."""
    labels = store_id_labels()
    below = {fold(tab_text("store", lang)) for lang in LANGUAGES}
    id_row, id_col = split_ref(STORE_ID_CELL)
    for row in range(1, min(len(grid), ANCHOR_SEARCH) + 1):
        for col in range(1, min(len(grid[row - 1]), ANCHOR_SEARCH) + 1):
            value = grid[row - 1][col - 1]
            under = _cell(grid, row + 1, col)
            if isinstance(value, str) and fold(value) in labels and isinstance(under, str) and fold(under) in below:
                store_id = cell_key(_cell(grid, row, col + id_col - 1))
                return (store_id or None), row, col - KEY_COL
    return None, 0, 0


def locate(grid: list[list], keys: TabKeys, lang: str) -> Located:
    """Every input field of the tab in `grid`, found by its row's key and its column's header.

    TabLayoutError when a key is missing or appears twice in its table, or a table's header row or one of
    its columns is not found: the caller refuses the tab rather than guess.
    """
    _, anchor_row, shift = find_store_id(grid)
    if not anchor_row:
        raise TabLayoutError(0, "the store ID label is missing (row 3): this is not a store tab as kam_xl made it")
    key_col = KEY_COL + shift
    column = [fold(cell_key(_cell(grid, row, key_col))) for row in range(1, len(grid) + 1)]
    sections = {fold(tab_text(key, lang)) for key in SECTIONS}
    found = Located({}, shifted=shift)
    if shift:
        found.moved.append(f"{shift} column(s) were inserted before column A")
    blocks = (
        ("week", keys.weeks, log_labels(lang), LOG, "week"),
        ("program", keys.programs, program_labels(lang), PROGRAM_COLS, "id"),
        ("action", tuple(str(n) for n in range(1, keys.actions + 1)), action_labels(lang), ACTION_COLS, "number"),
    )
    for block, block_keys, labels, columns, head in blocks:
        if block_keys:
            table = _table(column, sections, fold(labels[head]), BLOCK_WHAT[block])
            _locate_block(grid, found, column, table, block, block_keys, labels, columns, key_col)
    for key in keys.singles:
        label = fold(tab_text(SINGLE_LABELS[key], lang))
        rows = [row for row, text in enumerate(column, start=1) if text == label]
        if len(rows) != 1:
            what = "is missing" if not rows else f"appears in rows {', '.join(map(str, rows))}"
            raise TabLayoutError(rows[0] if rows else 0, f"the label {tab_text(SINGLE_LABELS[key], lang)!r} {what}")
        found.cells[key] = (rows[0], key_col + VALUE_OFFSET)
    return found


def _table(column: list[str], sections: set[str], header_label: str, what: str) -> tuple[int, int]:
    """(header row, first row after the table): the one row whose key says the table's header, up to the
    next section title."""
    headers = [row for row, text in enumerate(column, start=1) if text == header_label]
    if len(headers) != 1:
        where = "is missing" if not headers else f"appears in rows {', '.join(map(str, headers))}"
        raise TabLayoutError(headers[1] if len(headers) > 1 else 0, f"the header row of the {what} table {where}")
    header = headers[0]
    end = next((row for row in range(header + 1, len(column) + 1) if column[row - 1] in sections), len(column) + 1)
    return header, end


def _locate_block(grid, found: Located, column, table, block, block_keys, labels, columns, key_col) -> None:
    what = BLOCK_WHAT[block]
    header, end = table
    index: dict[str, list[int]] = {}
    for row in range(header + 1, end):
        if column[row - 1]:
            index.setdefault(column[row - 1], []).append(row)
    rows = {}
    for key in block_keys:
        hits = index.get(fold(cell_key(key)), [])
        if not hits:
            raise TabLayoutError(header, f"the row of {what} {key} is missing from its table (deleted?)")
        if len(hits) > 1:
            raise TabLayoutError(hits[1], f"{what} {key} appears in rows {', '.join(map(str, hits))}")
        rows[key] = hits[0]
    fields = BLOCK_FIELDS[block]
    cols = _columns(grid, header, {name: labels[name] for name in fields}, columns, key_col - KEY_COL)
    ordered = sorted(rows.items(), key=lambda item: item[1])
    in_place = [row for _, row in ordered] == list(range(header + 1, header + 1 + len(ordered)))
    if not in_place or [key for key, _ in ordered] != list(block_keys):
        found.moved.append(f"rows of the {what} table were moved, inserted or sorted: each {what} followed by its key")
    for key, row in rows.items():
        for name in (name for name in fields if name in cols):
            found.cells[(block, int(key) if block == "action" else key, name)] = (row, cols[name])
    taken = set(rows.values())
    last = max(taken)
    stop = next((row for row in range(last + 1, end) if column[row - 1]), end)
    for row in range(header + 1, stop):
        if row not in taken and any(_cell(grid, row, col) is not None for col in cols.values()):
            found.extra.append((row, what))


def _columns(grid, header: int, labels: dict[str, str], columns: dict[str, int], shift: int) -> dict[str, int]:
    """field -> column, from the header row: the expected column when its header says so, else the one
    column whose header does; TabLayoutError when a header is missing or doubled."""
    heads: dict[str, list[int]] = {}
    line = grid[header - 1] if header <= len(grid) else []
    for col, value in enumerate(line, start=1):
        if isinstance(value, str) and value.strip():
            heads.setdefault(fold(value), []).append(col)
    out = {}
    for name, label in labels.items():
        expected = columns[name] + shift
        if fold(cell_key(_cell(grid, header, expected))) == fold(label):
            out[name] = expected
            continue
        hits = heads.get(fold(label), [])
        if not hits and name in NEW_IN_LAYOUT_2:
            continue  # a tab made before these columns existed: the field is read as blank
        if len(hits) != 1:
            what = "is missing" if not hits else "appears twice"
            raise TabLayoutError(header, f"the column {label!r} {what} in the header row")
        out[name] = hits[0]
    return out


def marks(cells: dict, lang: str) -> dict[str, str]:
    """The cells (A1 → folded text) that must read so for the cell map to be right as it stands: every
    row's key, every table's header and the single inputs' labels. Cheap to check without a full read."""
    out = {STORE_ID_CELL.replace("C", "A"): fold(tab_text("store_id", lang))}
    for block, labels, key_name in (
        ("week", log_labels(lang), "week"),
        ("program", program_labels(lang), "id"),
        ("action", action_labels(lang), "number"),
    ):
        part = cells.get(block) or {}
        rows = part.get("rows") or {}
        if block == "action":
            if not rows:
                continue
            rows = {str(n): row for n, row in enumerate(range(rows[0], rows[1] + 1), start=1)}
        if not rows:
            continue
        header = min(rows.values()) - 1
        out[f"A{header}"] = fold(labels[key_name])
        for name, letter in (part.get("cols") or {}).items():
            out[f"{letter}{header}"] = fold(labels[name])
        for key, row in rows.items():
            out[f"A{row}"] = fold(cell_key(key))
    for key, label in SINGLE_LABELS.items():
        cell = cells.get("agreed") if key == ("agreed",) else (cells.get("comment") or {}).get(key[1])
        if cell:
            row, col = split_ref(cell)
            out[f"{column_letter(col - VALUE_OFFSET)}{row}"] = fold(tab_text(label, lang))
    return out


def marks_hold(values: dict[str, object], expected: dict[str, str]) -> bool:
    """Whether cells read from a tab (A1 → value) say what `marks` expects."""
    return all(fold(cell_key(values.get(ref))) == text for ref, text in expected.items())


def discover_keys(grid: list[list], lang: str) -> TabKeys:
    """The keys a tab itself shows (every non-empty key cell of each table), for a tab whose _meta record is
    lost or damaged; TabLayoutError when a table cannot be found."""
    _, anchor_row, shift = find_store_id(grid)
    if not anchor_row:
        raise TabLayoutError(0, "the store ID label is missing (row 3): this is not a store tab as kam_xl made it")
    key_col = KEY_COL + shift
    column = [fold(cell_key(_cell(grid, row, key_col))) for row in range(1, len(grid) + 1)]
    sections = {fold(tab_text(key, lang)) for key in SECTIONS}
    found = {}
    for block, labels, head in (
        ("week", log_labels(lang), "week"),
        ("program", program_labels(lang), "id"),
        ("action", action_labels(lang), "number"),
    ):
        header, end = _table(column, sections, fold(labels[head]), BLOCK_WHAT[block])
        stop = next(
            (
                row
                for row in range(header + 1, end)
                if fold(cell_key(_cell(grid, row, key_col))) == fold(tab_text("total", lang))
            ),
            end,
        )
        found[block] = [cell_key(_cell(grid, row, key_col)) for row in range(header + 1, stop) if column[row - 1]]
    singles = tuple(key for key, label in SINGLE_LABELS.items() if fold(tab_text(label, lang)) in column)
    actions = [int(float(key)) for key in found["action"] if key.replace(".", "", 1).isdigit()]
    return TabKeys(tuple(found["week"]), tuple(found["program"]), max(actions, default=0), singles)


def cell_map_of(found: Located, store_id: str) -> dict:
    """A cell map (the _meta form, see cellmap.field_cells) of what `locate` found."""
    cells: dict = {"v": 1, "store_id": store_id}
    for block in ("week", "program", "action"):
        items = [(key, where) for key, where in found.cells.items() if key[0] == block]
        if not items:
            continue
        cols = {key[2]: column_letter(col) for key, (_, col) in items}
        rows = {key[1]: row for key, (row, _) in items}
        if block == "action":
            numbers = sorted(rows)
            cells[block] = {"cols": cols, "rows": [rows[numbers[0]], rows[numbers[0]] + len(numbers) - 1]}
        else:
            cells[block] = {"cols": cols, "rows": rows}
    if ("agreed",) in found.cells:
        row, col = found.cells[("agreed",)]
        cells["agreed"] = f"{column_letter(col)}{row}"
    cells["comment"] = {
        key[1]: f"{column_letter(col)}{row}" for key, (row, col) in found.cells.items() if key[0] == "comment"
    }
    cells["retired"] = [0, 0]  # unknown: the whole of column E is searched for kept values
    return cells


def tab_identity(grid: list[list]) -> tuple[str | None, str, str]:
    """(store id, title, plan version) as the tab shows them: C3, A1 ("<id> · <name>") and P4, followed
    across rows and columns inserted above and before them."""
    store_id, anchor_row, shift = find_store_id(grid)
    if store_id is None:
        return None, "", ""
    id_row, _ = split_ref(STORE_ID_CELL)
    version_row, version_col = split_ref(PLAN_VERSION_CELL)
    offset = anchor_row - id_row
    title = cell_key(_cell(grid, 1 + offset, KEY_COL + shift))
    version = cell_key(_cell(grid, version_row + offset, version_col + shift))
    return store_id, title, version

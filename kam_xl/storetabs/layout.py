"""One store's plan tab laid out as a SheetSpec (docs/workbook.md), with the cell of every input field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kam_xl.lang.texts import SOFT_ERROR, TAB, input_help, tab_text, text
from kam_xl.lang.words import enum_label, enum_labels
from kam_xl.memo import ByIdentity
from kam_xl.metrics.channel import PUSH_FACTOR, ROUNDING
from kam_xl.metrics.measures import SCORE_DECIMALS, THRESHOLD_DECIMALS
from kam_xl.model.entries import (
    ACTION_FIELDS,
    NUMBER_LIMITS,
    PROGRAM_FIELDS,
    WEEK_FIELDS,
    FieldKey,
    enum_kind,
    key_text,
)
from kam_xl.model.plan import Account, Kpi, Program, Store, Week
from kam_xl.xlsx.spec import (
    CondFormat,
    Formula,
    SheetSpec,
    Validation,
    column_letter,
    quote_sheet,
    split_ref,
    wrapped_height,
)
from kam_xl.xlsx.styles import in_language

STORE_ID_CELL = "C3"
STATUS_CELL = "P3"
PLAN_VERSION_CELL = "P4"  # the tab's own plan fingerprint: a copied tab still shows its source's
HOME_CELL = "N1"  # a link back to the Stores sheet
LAYOUT_VERSION = 2  # 2: laptop-first (the weekly log at the top, inputs first, frozen; sell-in and visits)
ACTION_ROWS = 10
RETIRED_KEY_COL = 5  # column E of the retired section holds the field key; A the label; C the value
# Section titles in column A (old titles too: a layout-1 tab's tables still end where its next section starts).
SECTIONS = (
    "parameters", "targets", "programs", "actions", "log", "review", "retired",
    "sec_programs", "sec_actions", "sec_review", "sec_targets", "sec_parameters",
)  # fmt: skip
LOG_HEADER_ROW = 5
FREEZE = "C6"  # the week and start columns and the rows above the first week stay in view
SCREEN_COLUMNS = 16  # A..P: what a 1,366-pixel screen shows at 100 % (tests/test_layout_screen.py)

# Columns of the weekly log: what the SR types first, then what the tab computes, then what the plan fixes.
LOG_COLUMNS = (
    "week",
    "start",
    "units",
    "value",
    "sell_in",
    "stock",
    "visits",
    "display",
    "promoter_present",
    "promoter_planned",
    "category",
    "competitor",
    "competitor_activity",
    "comment",
    "target_units",
    "attainment_to_date",
    "cum_units",
    "cum_target",
    "expected_stock",
    "stock_gap",
    "cover",
    "push",
    "end",
    "season",
    "target_value",
    "note",
)
LOG = {name: index for index, name in enumerate(LOG_COLUMNS, start=1)}
# Character widths of the tab's columns: A..P add up to 158.5 (fits 1,366 px at 100 %), dates fit 9.5.
WIDTHS = (
    9.5,
    10,
    9.5,
    9.5,
    9.5,
    9.5,
    8,
    9,
    9.5,
    9.5,
    9.5,
    9.5,
    15,
    15,
    9.5,
    11,
    10,
    10,
    10,
    10,
    9.5,
    11,
    10,
    8,
    10,
    24,
)
PROGRAM_COLS = {
    "id": 1,
    "name": 2,  # merged B:D
    "start": 5,
    "end": 6,
    "type": 7,
    "plan_cost": 8,
    "uplift": 9,
    "status": 10,
    "cost": 11,
    "done_on": 12,
    "note": 13,
    "benefit": 14,  # merged N:P
}
ACTION_COLS = {"number": 1, "text": 2, "owner": 9, "due": 10, "status": 11, "result": 12}  # text B:H, result L:N
REVIEW_COLS = {
    "id": 1,
    "name": 2,
    "group": 3,
    "period_target": 4,
    "target_to_date": 5,
    "actual": 6,
    "attainment": 7,
    "capped": 8,
    "weight": 9,
    "rag": 10,
}
_INPUT = {
    "number": "input_num",
    "int": "input_int",
    "date": "input_date",
    "text": "input",
    "wrap": "input_wrap",
    "list": "input_center",
}
_WEEK_INPUT_STYLE = {
    "sell_in": "input_int",
    "visits": "input_int",
    "display": "input_center",
    "competitor_activity": "input",
    "comment": "input",
    "units": "input_int",
    "category": "input_int",
    "competitor": "input_int",
    "promoter_present": "input",
    "promoter_planned": "input",
    "stock": "input_int",
    "value": "input_num",
}


@dataclass(frozen=True)
class KpiTarget:
    """A KPI's target for one store and how it was set (the allocation trace, in words and numbers)."""

    kpi: Kpi
    target: float | None
    explanation: str = ""
    weight: float | None = None
    share: float | None = None
    bound: str = ""
    lower: float | None = None
    upper: float | None = None


@dataclass
class TabContext:
    """Everything one store tab shows; entries are the values already typed, by field key."""

    store: Store
    tab_name: str
    lang: str
    account: Account
    targets: tuple[KpiTarget, ...]
    week_targets: dict[str, list[float]]  # measure ("units"/"value") -> one target per week
    weeks: tuple[Week, ...]
    programs: tuple[Program, ...]
    main_competitor: str
    fingerprint: str
    entries: dict = field(default_factory=dict)
    retired: list[tuple[FieldKey, object]] = field(default_factory=list)  # values of fields no longer laid out
    active: bool = True
    promoter_days: dict[str, float] = field(default_factory=dict)  # week id -> promoter days the plan schedules
    home: str = ""  # the sheet the tab links back to (the Stores sheet); none when empty


@dataclass
class TabLayout:
    """The spec of the sheet and where its input fields are."""

    spec: SheetSpec
    cells: dict  # JSON-able cell map (see cellmap.py)


class _Tab:
    def __init__(self, ctx: TabContext):
        self.ctx = ctx
        self.lang = ctx.lang
        self.sheet = SheetSpec(
            ctx.tab_name,
            role="store_tab",
            widths=dict(enumerate(WIDTHS, start=1)),
            zoom=100,
            print_fit_width=True,
            freeze=FREEZE,
        )
        self.cells_of_sheet = self.sheet.cells
        self.row = 1
        self.cells: dict = {"v": LAYOUT_VERSION, "store_id": ctx.store.store_id}
        self.at: dict[str, str] = {}  # named cells used by formulas

    def t(self, key: str) -> str:
        return tab_text(key, self.lang)

    def label(self, kind: str, key: str) -> str:
        return enum_label(kind, key, self.lang)

    def put(self, row: int, col: int, value, style: str = "text") -> None:
        self.cells_of_sheet[(row, col)] = (value, style)  # SheetSpec.set, inlined: ~800 cells a tab

    def put_ref(self, row: int, col: int, value, style: str = "text") -> str:
        """put, and the A1 reference of the cell (for formulas that refer to it)."""
        self.cells_of_sheet[(row, col)] = (value, style)
        return f"{column_letter(col)}{row}"

    def value_of(self, key: FieldKey, kind: str | None = None):
        """The entered value of a field as it should be written back (labels for list values)."""
        value = self.ctx.entries.get(key)
        if value is None:
            return None
        enum = enum_kind(key)
        if enum is None:
            return value
        if enum == "yes_no" and isinstance(value, bool):
            return self.label("yes_no", "yes" if value else "no")
        try:
            return self.label(enum, value)
        except KeyError:
            return value  # something a person typed that is not a list value: kept as typed

    def section(self, key: str) -> None:
        self.row += 1
        for col in range(1, SCREEN_COLUMNS + 1):
            self.put(self.row, col, self.t(key) if col == 1 else None, "section")
        self.row += 1

    def header(self, columns: dict[str, int], labels: dict[str, str]) -> None:
        for name, col in columns.items():
            self.put(self.row, col, labels[name], "header")
        self.sheet.heights[self.row] = 30
        self.row += 1


def build_tab(ctx: TabContext) -> TabLayout:
    """The store tab of `ctx` and its cell map: the weekly log at the top (frozen under its header, inputs
    first), then programs, actions, the review, targets and the store's parameters."""
    tab = _Tab(ctx)
    _header(tab)
    _log(tab)
    _programs(tab)
    _actions(tab)
    review = _review(tab)
    _targets(tab)
    _parameters(tab)
    _review_formulas(tab, review)
    _retired(tab)
    tab.sheet.validations.extend(_validations(tab))
    return TabLayout(tab.sheet, tab.cells)


def _header(tab: _Tab) -> None:
    """Rows 1-4: title and link home, a one-line note, the store's identity, status and plan version."""
    ctx, s = tab.ctx, tab.ctx.store
    tab.put(1, 1, f"{s.store_id} · {s.name}", "title")
    if ctx.home:
        target = f"#{quote_sheet(ctx.home)}!A1"
        tab.sheet.put(HOME_CELL, Formula(f'=HYPERLINK("{target}","{tab.t("back_to_stores")}")'), "link")
    tab.put(2, 1, tab.t("tab_note"), "stamp")
    tier = f"{s.store_tier} · {tab.label('format', s.format) if s.format else ''}"
    rows = (
        (("store_id", s.store_id, "id"), ("sr", f"{s.sr_name} ({s.sr_id})"), ("city_region", f"{s.city} · {s.region}")),
        (("store", s.name), ("tier_format", tier), ("main_competitor", ctx.main_competitor)),
    )
    for offset, groups in enumerate(rows):
        row = 3 + offset
        for (label_col, value_col), item in zip(((1, 3), (6, 8), (11, 13)), groups):
            tab.put(row, label_col, tab.t(item[0]), "label")
            tab.put(row, value_col, item[1], item[2] if len(item) > 2 else "text")
    status_row, status_col = split_ref(STATUS_CELL)
    tab.put(status_row, status_col - 2, tab.t("status"), "label")
    status = tab.t("active") if ctx.active else tab.t("inactive")
    tab.put(status_row, status_col, status, "calc_center" if ctx.active else "inactive")
    version_row, version_col = split_ref(PLAN_VERSION_CELL)
    tab.put(version_row, version_col - 2, tab.t("plan_version"), "label")
    tab.put(version_row, version_col, ctx.fingerprint)
    tab.row = LOG_HEADER_ROW


def _parameters(tab: _Tab) -> None:
    """The store's contacts, the agreed-on date, and the plan's parameters its formulas use."""
    s, acc = tab.ctx.store, tab.ctx.account
    period = f"{acc.period_start:%Y-%m-%d} – {acc.period_end:%Y-%m-%d}" if acc.period_start and acc.period_end else ""
    tab.section("sec_parameters")
    r = tab.row
    tab.put(r, 1, tab.t("agreed_on"), "label")
    tab.cells["agreed"] = tab.put_ref(r, 3, tab.value_of(("agreed",)), "input_date")
    tab.put(r, 7, tab.t("period"), "label")
    tab.put(r, 9, period)
    details = (
        ("manager", s.manager),
        ("manager_email", s.manager_email),
        ("sr_email", s.sr_email),
        ("city_tier", tab.label("city_tier", s.city_tier) if s.city_tier else ""),
    )
    for offset, (key, value) in enumerate(details):
        col = 1 if offset % 2 == 0 else 7
        row = r + 1 + offset // 2
        tab.put(row, col, tab.t(key), "label")
        tab.put(row, col + 2, value)
    r += 4
    items = [
        (r, 1, "base_units", s.base_units, "fixed_num"),
        (r + 1, 1, "base_value", s.base_value, "fixed_num"),
        (r + 2, 1, "category_units", s.category_units, "fixed_num"),
        (r, 7, "margin", acc.margin_per_unit, "fixed_num"),
        (r + 1, 7, "retailer_margin", acc.retailer_margin, "fixed_pct"),
        (r + 3, 1, "visits_per_week", acc.visits_per_week(s.store_tier), "fixed_num"),
        (r, 13, "execution_threshold", acc.execution_threshold, "fixed_pct"),
        (r + 1, 13, "score_green", acc.score_green, "fixed_pct"),
        (r + 2, 13, "score_amber", acc.score_amber, "fixed_pct"),
    ]
    for row, col, key, value, style in items:
        tab.put(row, col, tab.t(key), "label")
        tab.at[key] = tab.put_ref(row, col + (3 if col == 13 else 2), value, style)
    tab.put(r + 2, 7, tab.t("baseline_share"), "label")
    b, c = tab.at["base_units"], tab.at["category_units"]
    tab.at["baseline_share"] = tab.put_ref(r + 2, 9, Formula(f'=IF({c}>0,{b}/{c},"")'), "calc_pct")
    tab.row = r + 4


def _targets(tab: _Tab) -> None:
    tab.section("sec_targets")
    columns = {
        "kpi": 1,
        "name": 2,
        "target": 3,
        "unit": 4,
        "hq_total": 5,
        "basis": 6,
        "store_weight": 7,
        "share_of_total": 8,
        "growth_cap": 9,
        "cap_applied": 10,
        "how_set": 11,
    }
    for name, col in columns.items():
        tab.put(tab.row, col, tab.t(name), "header")
    tab.row += 1
    tab.at["target_rows"] = {}
    for item in tab.ctx.targets:
        k, r = item.kpi, tab.row
        tab.put(r, 1, k.id, "id")
        tab.put(r, 2, k.name)
        style = "fixed_int" if k.is_sum else "fixed_pct"
        tab.at[f"target:{k.id}"] = tab.put_ref(r, 3, item.target, style)
        tab.put(r, 4, k.unit)
        if k.is_sum:
            tab.put(r, 5, k.hq_target, "fixed_int")
            tab.put(r, 6, tab.label("basis", k.basis) if k.basis else None)
            tab.put(r, 7, item.weight, "fixed_num")
            tab.put(r, 8, item.share, "fixed_pct")
            tab.put(r, 9, _cap_text(k), "text")
            tab.put(r, 10, tab.t(item.bound) if item.bound else tab.t("none"))
        else:
            tab.put(r, 6, tab.t("by_tier"))
        tab.put(r, 11, item.explanation)
        tab.row += 1


def _cap_text(k: Kpi) -> str:
    low = "…" if k.min_growth is None else f"{k.min_growth:+.0%}"
    high = "…" if k.max_growth is None else f"{k.max_growth:+.0%}"
    return f"{low} / {high}"


def program_labels(lang: str) -> dict[str, str]:
    """The header of the programs table, by column name (the program id column's header marks the table)."""
    keys = {"id": "program", "status": "prog_status", "cost": "actual_cost"}
    return {name: tab_text(keys.get(name, name), lang) for name in PROGRAM_COLS}


def action_labels(lang: str) -> dict[str, str]:
    """The header of the actions table, by column name ("#" heads the action numbers)."""
    keys = {"text": "action", "status": "prog_status"}
    return {name: "#" if name == "number" else tab_text(keys.get(name, name), lang) for name in ACTION_COLS}


def log_labels(lang: str) -> dict[str, str]:
    """The header of the weekly log, by column name (the week column's header marks the log)."""
    return {name: "" if name == "note" else tab_text(name, lang) for name in LOG_COLUMNS}


def _merge(tab: _Tab, row: int, col: int, last_col: int) -> None:
    tab.sheet.merges.append(f"{column_letter(col)}{row}:{column_letter(last_col)}{row}")


_PROGRAM_MERGES = {"name": 4, "benefit": 16}  # column -> last column of its merged cell
_ACTION_MERGES = {"text": 8, "result": 14}


def _programs(tab: _Tab) -> None:
    tab.section("sec_programs")
    header = tab.row
    tab.header(PROGRAM_COLS, program_labels(tab.lang))
    first = tab.row
    rows = {}
    if not tab.ctx.programs:
        tab.put(tab.row, 2, tab.t("no_program"), "note")
        tab.row += 1
    for p in tab.ctx.programs:
        r = tab.row
        rows[p.id] = r
        tab.put(r, PROGRAM_COLS["id"], p.id, "id")
        tab.put(r, PROGRAM_COLS["name"], p.name, "fixed_wrap")
        tab.put(r, PROGRAM_COLS["start"], p.start, "fixed_date")
        tab.put(r, PROGRAM_COLS["end"], p.end, "fixed_date")
        tab.put(r, PROGRAM_COLS["type"], tab.label("program_type", p.type) if p.type else None, "fixed")
        tab.put(r, PROGRAM_COLS["plan_cost"], p.cost_per_store, "fixed_int")
        tab.put(r, PROGRAM_COLS["uplift"], p.uplift, "fixed_pct")
        tab.put(r, PROGRAM_COLS["status"], tab.value_of(("program", p.id, "status")), "input_center")
        tab.put(r, PROGRAM_COLS["cost"], tab.value_of(("program", p.id, "cost")), "input_num")
        tab.put(r, PROGRAM_COLS["done_on"], tab.value_of(("program", p.id, "done_on")), "input_date")
        tab.put(r, PROGRAM_COLS["note"], tab.value_of(("program", p.id, "note")), "input_wrap")
        tab.put(r, PROGRAM_COLS["benefit"], p.benefit, "fixed_wrap")
        tab.sheet.heights[r] = wrapped_height((p.name, 30), (p.benefit, 36))
        tab.row += 1
    for name, last_col in _PROGRAM_MERGES.items():
        for r in (header, *rows.values()):
            _merge(tab, r, PROGRAM_COLS[name], last_col)
    last = max(first, tab.row - 1)
    tab.cells["program"] = {
        "cols": {f: column_letter(PROGRAM_COLS[f]) for f in PROGRAM_FIELDS},
        "rows": rows,
    }
    tab.at["programs"] = (first, last)


def _actions(tab: _Tab) -> None:
    tab.section("sec_actions")
    header = tab.row
    tab.header(ACTION_COLS, action_labels(tab.lang))
    first = tab.row
    styles = {
        "text": "input_wrap",
        "owner": "input_center",
        "due": "input_date",
        "status": "input_center",
        "result": "input_wrap",
    }
    for number in range(1, ACTION_ROWS + 1):
        r = tab.row
        tab.put(r, 1, number, "fixed")
        for name in ACTION_FIELDS:
            tab.put(r, ACTION_COLS[name], tab.value_of(("action", number, name)), styles[name])
        texts = [(tab.value_of(("action", number, name)), 60 if name == "text" else 36) for name in ("text", "result")]
        tab.sheet.heights[r] = wrapped_height(*texts)
        tab.row += 1
    for name, last_col in _ACTION_MERGES.items():
        for r in range(header, tab.row):
            _merge(tab, r, ACTION_COLS[name], last_col)
    tab.cells["action"] = {
        "cols": {f: column_letter(ACTION_COLS[f]) for f in ACTION_FIELDS},
        "rows": [first, tab.row - 1],
    }
    tab.at["actions"] = (first, tab.row - 1)


_COMPUTED_TOTALS = ("target_units", "target_value", "season")


def _log(tab: _Tab) -> None:
    """The weekly log right under the header (row 5), one row a week: inputs, live columns, the plan's."""
    tab.row = LOG_HEADER_ROW
    tab.header(LOG, log_labels(tab.lang))
    tab.sheet.heights[LOG_HEADER_ROW] = 45  # three lines of header text
    first, weeks = tab.row, tab.ctx.weeks
    last = first + len(weeks) - 1
    fixed = _log_fixed(tab, first)
    tab.cells_of_sheet.update(fixed.cells)  # what every store's log holds alike, made once, its inputs empty
    units_target = tab.ctx.week_targets.get("units") or [None] * len(weeks)
    value_target = tab.ctx.week_targets.get("value") or [None] * len(weeks)
    entries, planned = tab.ctx.entries, tab.ctx.promoter_days
    for position in range(len(weeks)):
        r = first + position
        tab.put(r, LOG["target_units"], units_target[position], "fixed_int")
        tab.put(r, LOG["target_value"], value_target[position], "fixed_int")
    for position, week in enumerate(weeks) if entries or planned else ():
        for name in WEEK_FIELDS:
            key = ("week", week.id, name)
            if key in entries:
                value = tab.value_of(key)
            else:
                value = planned.get(week.id) if name == "promoter_planned" else None  # the plan's, until typed
            if value is not None:
                tab.put(first + position, LOG[name], value, _WEEK_INPUT_STYLE[name])
    total = last + 1
    col = fixed.letters
    tab.cells["week"] = {"cols": {f: col[f] for f in WEEK_FIELDS}, "rows": dict(fixed.rows)}
    tab.at["log"] = (first, last)
    tab.at["log_rng"] = {name: f"${col[name]}${first}:${col[name]}${last}" for name in LOG}
    current = _current_week(tab.ctx)
    tab.sheet.scroll_to = f"C{max(first, first + current - 2)}"
    tab.row = total + 1
    _log_colours(tab, first, last)


@dataclass(frozen=True)
class _LogFixed:
    """The cells of the weekly log that depend only on the plan's weeks, the log's first row and the language
    (every store's tab holds them alike, its inputs empty), each week's row and the log's column letters."""

    cells: dict
    rows: dict[str, int]
    letters: dict[str, str]


_LOG_FIXED: ByIdentity[_LogFixed] = ByIdentity(16)


def _log_fixed(tab: _Tab, first: int) -> _LogFixed:
    return _LOG_FIXED.get(tab.ctx.weeks, lambda: _log_fixed_cells(tab, first), first, tab.lang)


def _log_fixed_cells(tab: _Tab, first: int) -> _LogFixed:
    weeks = tab.ctx.weeks
    last = first + len(weeks) - 1
    col = {name: column_letter(index) for name, index in LOG.items()}
    rows = {}
    month_end = [i == len(weeks) - 1 or weeks[i + 1].month != w.month for i, w in enumerate(weeks)]
    cells: dict = {}

    def put(row: int, column: int, value, style: str) -> None:
        cells[(row, column)] = (value, style)

    for position, week in enumerate(weeks):
        r = first + position
        rows[week.id] = r
        put(r, LOG["week"], week.id, "id")
        for name in WEEK_FIELDS:  # the inputs, empty: a tab puts what was typed (or planned) over them
            put(r, LOG[name], None, _WEEK_INPUT_STYLE[name])
        put(r, LOG["note"], week.note or None, "stamp")
        put(r, LOG["start"], week.start, "fixed_date")
        put(r, LOG["end"], week.end, "fixed_date")
        put(r, LOG["season"], week.season_weight, "fixed_num")
        u, tu = col["units"], col["target_units"]
        put(r, LOG["cum_units"], Formula(f'=IF(ISNUMBER({u}{r}),SUM({u}${first}:{u}{r}),"")'), "calc_int")
        put(
            r,
            LOG["cum_target"],
            Formula(f'=IF(ISNUMBER({u}{r}),SUMPRODUCT(--ISNUMBER({u}${first}:{u}{r}),{tu}${first}:{tu}{r}),"")'),
            "calc_int",
        )
        cu, ct = col["cum_units"], col["cum_target"]
        put(
            r,
            LOG["attainment_to_date"],
            Formula(f'=IF(ISNUMBER({cu}{r}),IF({ct}{r}>0,{cu}{r}/{ct}{r},""),"")'),
            "calc_pct",
        )
        stock, window = col["stock"], f"{u}{max(first, r - 3)}:{u}{r}"
        put(
            r,
            LOG["cover"],
            Formula(f'=IF(ISNUMBER({stock}{r}),IFERROR({stock}{r}/AVERAGE({window}),""),"")'),
            "calc_num",
        )
        _channel_cells(put, tab.t("push"), r, first, last, col, month_end[position])
    total = last + 1
    put(total, 1, tab.t("total"), "label")
    for name in (
        "season",
        "target_units",
        "target_value",
        "units",
        "value",
        "sell_in",
        "visits",
        "category",
        "competitor",
        "promoter_present",
        "promoter_planned",
    ):
        letter = col[name]
        put(
            total,
            LOG[name],
            Formula(f"=SUM({letter}{first}:{letter}{last})"),
            "calc_num" if name == "season" else "calc_int",
        )
    return _LogFixed(cells, rows, col)


def _channel_cells(put, label: str, r: int, first: int, last: int, col: dict, month_end: bool) -> None:
    """Expected stock (the previous count, or expected stock, + sell-in − units), counted − expected, and the
    month-end push flag of row r (metrics/channel.py has the same rules)."""
    u, sin, stock, exp = col["units"], col["sell_in"], col["stock"], col["expected_stock"]
    if r > first:
        base = f"IF(ISNUMBER({stock}{r - 1}),{stock}{r - 1},{exp}{r - 1})"
        formula = f'=IF(AND(ISNUMBER({base}),ISNUMBER({u}{r})),{base}+N({sin}{r})-{u}{r},"")'
        put(r, LOG["expected_stock"], Formula(formula), "calc_int")
    else:
        put(r, LOG["expected_stock"], None, "calc_int")
    gap = f'=IF(AND(ISNUMBER({stock}{r}),ISNUMBER({exp}{r})),{stock}{r}-{exp}{r},"")'
    put(r, LOG["stock_gap"], Formula(gap), "calc_int")
    if not month_end:
        put(r, LOG["push"], None, "calc_center")
        return
    units, sell_in = f"${u}${first}:${u}${last}", f"${sin}${first}:${sin}${last}"
    factor = PUSH_FACTOR
    high = f"ROUND({sin}{r}-{factor}*SUM({sell_in})/COUNT({units}),{ROUNDING})>=0"
    low = f"ROUND({u}{r}-{factor}*SUM({units})/COUNT({units}),{ROUNDING})<0"
    flag = (
        f"=IF(AND(ISNUMBER({sin}{r}),ISNUMBER({u}{r}),COUNT({units})>0),"
        f'IF(AND({sin}{r}>0,{high},{low}),"{label}",""),"")'
    )
    put(r, LOG["push"], Formula(flag), "calc_center")


def _current_week(ctx: TabContext) -> int:
    """The position (0..) of the week to type next: the one after the last week with units entered."""
    entered = [i for i, week in enumerate(ctx.weeks) if ctx.entries.get(("week", week.id, "units")) is not None]
    return min(max(entered, default=-1) + 1, max(0, len(ctx.weeks) - 1))


def _log_colours(tab: _Tab, first: int, last: int) -> None:
    units = next((t.kpi for t in tab.ctx.targets if t.kpi.measure == "units"), None)
    green, amber = (units.green, units.amber) if units else (1.0, 0.9)
    letter = column_letter(LOG["attainment_to_date"])
    tab.sheet.cond_formats += threshold_rules(f"{letter}{first}:{letter}{last}", f"{letter}{first}", green, amber)


def threshold_rules(area: str, top: str, green: float, amber: float) -> list[CondFormat]:
    """Green at or above `green`, amber at or above `amber`, red below, on the value rounded as the engine
    rounds it (`top` is the area's top-left cell)."""
    value = f"ROUND({top},{THRESHOLD_DECIMALS})"
    return [
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}>={green})", "green"),
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}<{green},{value}>={amber})", "amber"),
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}<{amber})", "red"),
    ]


def _review(tab: _Tab) -> dict:
    """Live formulas for this store's metrics (docs/metrics.md), the same numbers `kam review` gives: laid out
    here, their formulas written by _review_formulas once the targets and parameters have their cells."""
    tab.section("sec_review")
    labels = {
        "id": tab.t("kpi"),
        "name": tab.t("name"),
        "group": "",
        "period_target": tab.t("period_target"),
        "target_to_date": tab.t("target_to_date"),
        "actual": tab.t("actual_to_date"),
        "attainment": tab.t("attainment"),
        "capped": tab.t("capped"),
        "weight": tab.t("weight"),
        "rag": tab.t("rag"),
    }
    tab.header(REVIEW_COLS, labels)
    kpi_first = tab.row
    kpi_rows = {}
    for item in tab.ctx.targets:
        kpi_rows[item.kpi.id] = tab.row
        tab.sheet.heights[tab.row] = wrapped_height((item.kpi.name, 10))
        tab.row += 1
    kpi_last = tab.row - 1
    metrics_first = tab.row + 1
    names = _metric_cells(tab, metrics_first)
    tab.row = names["_end"] + 1
    comments = {}
    for who, key in (("sr", "sr_comment"), ("manager", "manager_comment")):
        tab.put(tab.row, 1, tab.t(key), "label")
        comments[who] = tab.put_ref(tab.row, 3, tab.value_of(("comment", who)), "input_wrap")
        _merge(tab, tab.row, 3, SCREEN_COLUMNS)
        tab.sheet.heights[tab.row] = max(45.0, wrapped_height((tab.value_of(("comment", who)), 130)))
        tab.row += 1
    tab.cells["comment"] = comments
    return {"names": names, "kpi_rows": kpi_rows, "first": kpi_first, "last": kpi_last}


def _review_formulas(tab: _Tab, review: dict) -> None:
    """The review block's formulas, KPI rows and colours. They depend only on where things are in the tab
    (`tab.at`, `review`), the language, the plan's KPIs and account and whether the store has programs — never on
    the store's own numbers — so tabs of one layout get the same cells, made once (everything these functions
    read must be in `key`)."""
    ctx = tab.ctx
    key = (
        tab.lang,
        repr(tab.at),
        repr(review),
        tuple(item.kpi for item in ctx.targets),
        ctx.account,
        bool(ctx.programs),
    )
    made = _REVIEW_MADE.get(key)
    if made is None:
        sheet, cells, conds = tab.sheet, tab.cells_of_sheet, tab.sheet.cond_formats
        tab.cells_of_sheet = sheet.cells = {}
        sheet.cond_formats = []
        try:
            names = review["names"]
            _metric_formulas(tab, names)
            for item in ctx.targets:
                _kpi_row(tab, item, review["kpi_rows"][item.kpi.id], names)
            _score_cells(tab, names, review["first"], review["last"])
            _rag_colours(tab, review["first"], review["last"], names)
            made = (sheet.cells, sheet.cond_formats)
        finally:
            tab.cells_of_sheet, sheet.cells, sheet.cond_formats = cells, cells, conds
        if len(_REVIEW_MADE) >= 16:
            _REVIEW_MADE.clear()
        _REVIEW_MADE[key] = made
    tab.cells_of_sheet.update(made[0])
    tab.sheet.cond_formats.extend(made[1])


_REVIEW_MADE: dict[tuple, tuple[dict, list]] = {}


# (key, style) of the store's summary metrics, in the order they are shown.
METRIC_ROWS = (
    ("data_week", "calc_center"),
    ("weeks_entered", "calc_int"),
    ("as_of_date", "calc_date"),
    ("units_actual", "calc_int"),
    ("units_target_to_date", "calc_int"),
    ("value_actual", "calc_int"),
    ("value_target_to_date", "calc_int"),
    ("units_forecast", "calc_int"),
    ("units_forecast_vs_target", "calc_pct"),
    ("value_forecast", "calc_int"),
    ("value_forecast_vs_target", "calc_pct"),
    ("growth_units", "calc_pct"),
    ("share", "calc_pct"),
    ("share_change", "calc_pts"),
    ("competitor_share", "calc_pct"),
    ("share_gap_vs_competitor", "calc_pts"),
    ("display_compliance", "calc_pct"),
    ("promoter_attendance", "calc_pct"),
    ("program_execution", "calc_pct"),
    ("action_completion", "calc_pct"),
    ("coverage", "calc_pct"),
    ("execution_score", "calc_pct"),
    ("visits_made", "calc_int"),
    ("visits_planned", "calc_num"),
    ("sell_in_actual", "calc_int"),
    ("sell_through", "calc_pct"),
    ("stock_gap", "calc_int"),
    ("push_weeks", "calc_int"),
    ("investment", "calc_int"),
    ("incremental_units", "calc_int"),
    ("incremental_margin", "calc_int"),
    ("roi", "calc_pct"),
    ("retailer_gain", "calc_int"),
    ("score", "calc_num"),
    ("score_rag", "calc_center"),
    ("result_attainment", "calc_pct"),
    ("quadrant", "calc_center"),
)
_METRIC_LABEL = {
    "data_week": "data_week",
    "weeks_entered": "weeks_entered",
    "as_of_date": "as_of_date",
    "units_actual": ("Units to date", "销量（至今）"),
    "units_target_to_date": ("Units target to date", "销量目标（至今）"),
    "value_actual": ("Value to date", "销售额（至今）"),
    "value_target_to_date": ("Value target to date", "销售额目标（至今）"),
    "units_forecast": "forecast_units",
    "units_forecast_vs_target": "forecast_vs_target",
    "value_forecast": "forecast_value",
    "value_forecast_vs_target": "forecast_vs_target",
    "growth_units": "growth",
    "share": "share",
    "share_change": "share_change",
    "competitor_share": "competitor_share",
    "share_gap_vs_competitor": "share_gap",
    "display_compliance": "display_compliance",
    "promoter_attendance": "promoter_attendance",
    "program_execution": "program_execution",
    "action_completion": "action_completion",
    "coverage": "coverage",
    "visits_made": ("Visits made", "实际拜访次数"),
    "visits_planned": ("Visits planned", "计划拜访次数"),
    "sell_in_actual": ("Sell-in to date", "累计进货量"),
    "sell_through": "sell_through",
    "stock_gap": ("Counted − expected stock (latest)", "最近盘点与应有库存差"),
    "push_weeks": ("Month-end push weeks", "月底压货周数"),
    "execution_score": "execution_score",
    "investment": "investment",
    "incremental_units": "incremental_units",
    "incremental_margin": "incremental_margin",
    "roi": "roi",
    "retailer_gain": "retailer_gain",
    "score": "score",
    "score_rag": "score_rag",
    "result_attainment": "result_attainment",
    "quadrant": "quadrant",
}


def _metric_cells(tab: _Tab, first: int) -> dict[str, str]:
    """The metrics' labels from row `first` down; returns each metric's cell and style (and "_end", the last
    row). The same for every tab of a layout and language: made once."""
    made = _METRIC_CELLS.get((tab.lang, first))
    if made is None:
        cells, names = {}, {}
        for offset, (key, style) in enumerate(METRIC_ROWS):
            label = _METRIC_LABEL[key]
            text = tab.t(label) if isinstance(label, str) else label[0 if tab.lang == "en" else 1]
            cells[(first + offset, 1)] = (text, "label")
            names[key] = f"{column_letter(4)}{first + offset}"
            names[f"{key}:style"] = in_language(style, tab.lang)
        names["_end"] = first + len(METRIC_ROWS) - 1
        if len(_METRIC_CELLS) >= 16:
            _METRIC_CELLS.clear()
        made = _METRIC_CELLS[(tab.lang, first)] = (cells, names)
    tab.cells_of_sheet.update(made[0])
    return made[1]


_METRIC_CELLS: dict[tuple[str, int], tuple[dict, dict]] = {}


def _metric_formulas(tab: _Tab, n: dict[str, str]) -> None:
    rng, at, lang = tab.at["log_rng"], tab.at, tab.lang
    units, value, cat, comp = rng["units"], rng["value"], rng["category"], rng["competitor"]
    season, t_units, t_value, disp = (
        rng["season"],
        rng["target_units"],
        rng["target_value"],
        rng["display"],
    )
    week, end = rng["week"], rng["end"]
    present, planned = rng["promoter_present"], rng["promoter_planned"]
    yes, no = enum_label("yes_no", "yes", lang), enum_label("yes_no", "no", lang)
    p_first, p_last = at["programs"]
    a_first, a_last = at["actions"]
    pc = {k: f"${column_letter(c)}${p_first}:${column_letter(c)}${p_last}" for k, c in PROGRAM_COLS.items()}
    ac = {k: f"${column_letter(c)}${a_first}:${column_letter(c)}${a_last}" for k, c in ACTION_COLS.items()}
    done, dropped = (
        enum_label("program_status", "done", lang),
        enum_label("program_status", "dropped", lang),
    )
    a_done, a_dropped = (
        enum_label("action_status", "done", lang),
        enum_label("action_status", "dropped", lang),
    )
    unit_target = next((f"{at[f'target:{t.kpi.id}']}" for t in tab.ctx.targets if t.kpi.measure == "units"), None)
    value_target = next((f"{at[f'target:{t.kpi.id}']}" for t in tab.ctx.targets if t.kpi.measure == "value"), None)
    dw = f"IFERROR(MATCH(9.99E+307,{units}),0)"
    stock, visits = rng["stock"], rng["visits"]
    closing = f"INDEX({stock},MATCH(9.99E+307,{stock}))"  # the latest stock counted
    vw = f"IFERROR(MATCH(9.99E+307,{visits}),0)"
    reported = f"(((ISNUMBER({units})+ISNUMBER({present}))>0)*1)"  # weeks the SR reported (the plan prefills planned)
    both = f"ISNUMBER({units})*ISNUMBER({cat})"
    comp_both = f"ISNUMBER({comp})*ISNUMBER({cat})"
    asof = n["as_of_date"]
    formulas = {
        "data_week": f'=IF({dw}>0,INDEX({week},{dw}),"")',
        "weeks_entered": f"=COUNT({units})",
        "as_of_date": f'=IF({dw}>0,INDEX({end},{dw}),"")',
        "units_actual": f"=SUM({units})",
        "units_target_to_date": f"=SUMPRODUCT(--ISNUMBER({units}),{t_units})",
        "value_actual": f"=SUM({value})",
        "value_target_to_date": f"=SUMPRODUCT(--ISNUMBER({value}),{t_value})",
        "units_forecast": f"=IF(SUMPRODUCT(--ISNUMBER({units}),{season})>0,"
        f'{n["units_actual"]}*SUM({season})/SUMPRODUCT(--ISNUMBER({units}),{season}),"")',
        "units_forecast_vs_target": _ratio_of(n["units_forecast"], unit_target),
        "value_forecast": f"=IF(SUMPRODUCT(--ISNUMBER({value}),{season})>0,"
        f'{n["value_actual"]}*SUM({season})/SUMPRODUCT(--ISNUMBER({value}),{season}),"")',
        "value_forecast_vs_target": _ratio_of(n["value_forecast"], value_target),
        "growth_units": f"=IF(AND({n['weeks_entered']}>0,{at['base_units']}>0),"
        f'{n["units_actual"]}/({at["base_units"]}*{n["weeks_entered"]})-1,"")',
        "share": f'=IF(SUMPRODUCT({both},{cat})>0,SUMPRODUCT({both},{units})/SUMPRODUCT({both},{cat}),"")',
        "share_change": f"=IF(AND(ISNUMBER({n['share']}),ISNUMBER({at['baseline_share']})),"
        f'({n["share"]}-{at["baseline_share"]})*100,"")',  # percentage points
        "competitor_share": f"=IF(SUMPRODUCT({comp_both},{cat})>0,"
        f'SUMPRODUCT({comp_both},{comp})/SUMPRODUCT({comp_both},{cat}),"")',
        "share_gap_vs_competitor": f"=IF(AND(ISNUMBER({n['share']}),ISNUMBER({n['competitor_share']})),"
        f'({n["share"]}-{n["competitor_share"]})*100,"")',
        "display_compliance": f'=IF(COUNTIF({disp},"{yes}")+COUNTIF({disp},"{no}")>0,'
        f'COUNTIF({disp},"{yes}")/(COUNTIF({disp},"{yes}")+COUNTIF({disp},"{no}")),"")',
        "promoter_attendance": f"=IF(SUMPRODUCT({reported},{planned})>0,SUMPRODUCT({reported}*ISNUMBER({planned}),"
        f'{present})/SUMPRODUCT({reported},{planned}),"")',
        "program_execution": _program_execution(pc, asof, done, dropped) if tab.ctx.programs else '=""',
        "action_completion": _action_completion(ac, asof, a_done, a_dropped),
        "sell_in_actual": f"=SUM({rng['sell_in']})",
        "sell_through": f"=IF(COUNT({stock})>0,IF(SUM({units})+{closing}>0,"
        f'SUM({units})/(SUM({units})+{closing}),""),"")',
        "stock_gap": f'=IFERROR(INDEX({rng["stock_gap"]},MATCH(9.99E+307,{rng["stock_gap"]})),"")',
        "push_weeks": f'=COUNTIF({rng["push"]},"{tab.t("push")}")',
        "visits_made": f"=SUM({visits})",
        "visits_planned": f"={at['visits_per_week']}*IF({dw}>{vw},{dw},{vw})",
        "coverage": f'=IF(N({n["visits_planned"]})>0,{n["visits_made"]}/{n["visits_planned"]},"")',
        "investment": (
            f'=SUMPRODUCT(({pc["status"]}="{done}")*ISNUMBER({pc["cost"]}),{pc["cost"]})'
            f'+SUMPRODUCT(({pc["status"]}="{done}")*(1-ISNUMBER({pc["cost"]})),{pc["plan_cost"]})'
            if tab.ctx.programs
            else "=0"
        ),
        "incremental_units": (
            f'=IF({n["weeks_entered"]}>0,{n["units_actual"]}-{at["base_units"]}*{n["weeks_entered"]},"")'
        ),
        "incremental_margin": f'=IF(ISNUMBER({n["incremental_units"]}),{n["incremental_units"]}*{at["margin"]},"")',
        "roi": f"=IF(AND(ISNUMBER({n['incremental_margin']}),{n['investment']}>0),"
        f'({n["incremental_margin"]}-{n["investment"]})/{n["investment"]},"")',
        "retailer_gain": f"=IF(COUNT({value})>0,({n['value_actual']}-{at['base_value']}*COUNT({value}))"
        f'*{at["retailer_margin"]},"")',
    }
    for key, formula in formulas.items():
        tab.sheet.cells[_rc(n[key])] = (Formula(formula), n[f"{key}:style"])


def _ratio_of(numerator: str, denominator: str | None) -> str:
    if denominator is None:
        return '=""'
    return f'=IF(AND(ISNUMBER({numerator}),N({denominator})>0),{numerator}/{denominator},"")'


def _program_execution(pc: dict, asof: str, done: str, dropped: str) -> str:
    started = f"ISNUMBER({pc['start']})*({pc['start']}<={asof})"
    applicable = f'SUMPRODUCT({started}*(1-({pc["status"]}="{dropped}")*(LEN({pc["note"]})>0)))'
    done_count = f'SUMPRODUCT({started}*({pc["status"]}="{done}"))'
    return f'=IF(ISNUMBER({asof}),IF({applicable}>0,{done_count}/{applicable},""),"")'


def _action_completion(ac: dict, asof: str, done: str, dropped: str) -> str:
    due = f'(LEN({ac["text"]})>0)*ISNUMBER({ac["due"]})*({ac["due"]}<={asof})*({ac["status"]}<>"{dropped}")'
    return (
        f"=IF(ISNUMBER({asof}),IF(SUMPRODUCT({due})>0,"
        f'SUMPRODUCT({due}*({ac["status"]}="{done}"))/SUMPRODUCT({due}),""),"")'
    )


def _rc(cell: str) -> tuple[int, int]:
    return split_ref(cell)


_MEASURE_METRIC = {
    "share": "share",
    "display": "display_compliance",
    "promoter": "promoter_attendance",
    "programs": "program_execution",
    "actions": "action_completion",
    "coverage": "coverage",
}


def _kpi_row(tab: _Tab, item: KpiTarget, r: int, n: dict[str, str]) -> None:
    k = item.kpi
    c = {name: f"{column_letter(col)}{r}" for name, col in REVIEW_COLS.items()}
    tab.put(r, 1, k.id, "id")
    tab.put(r, 2, k.name, "wrap")
    tab.put(r, 3, tab.label("kpi_group", k.group) if k.group else None, "fixed")
    target = tab.at[f"target:{k.id}"]
    if k.is_sum:
        tab.put(r, 4, Formula(f"={target}"), "calc_int")
        tab.put(r, 5, Formula(f"={n[f'{k.measure}_target_to_date']}"), "calc_int")
        tab.put(r, 6, Formula(f"={n[f'{k.measure}_actual']}"), "calc_int")
        attainment = f'=IF({c["target_to_date"]}>0,{c["actual"]}/{c["target_to_date"]},"")'
    else:
        tab.put(r, 4, Formula(f"={target}"), "calc_pct")
        source = n.get(_MEASURE_METRIC.get(k.measure, ""))
        tab.put(r, 6, Formula(f"={source}") if source else None, "calc_pct")
        actual, goal = c["actual"], c["period_target"]
        if k.direction == "lower":
            attainment = f'=IF(AND(ISNUMBER({actual}),N({actual})>0,ISNUMBER({goal})),{goal}/{actual},"")'
        else:
            attainment = f'=IF(AND(ISNUMBER({actual}),N({goal})>0),{actual}/{goal},"")'
    tab.put(r, 7, Formula(attainment), "calc_pct")
    tab.put(
        r,
        8,
        Formula(f'=IF(ISNUMBER({c["attainment"]}),MIN({c["attainment"]},{k.cap}),"")'),
        "calc_pct",
    )
    tab.put(r, 9, k.weight, "fixed_pct")
    green, amber, red = tab.t("green"), tab.t("amber"), tab.t("red")
    a = c["attainment"]
    rounded = f"ROUND({a},{THRESHOLD_DECIMALS})"  # as the engine rounds before a threshold test
    tab.put(
        r,
        10,
        Formula(f'=IF(ISNUMBER({a}),IF({rounded}>={k.green},"{green}",IF({rounded}>={k.amber},"{amber}","{red}")),"")'),
        "calc_center",
    )


def _score_cells(tab: _Tab, n: dict[str, str], first: int, last: int) -> None:
    col = {name: f"${column_letter(c)}${first}:${column_letter(c)}${last}" for name, c in REVIEW_COLS.items()}
    has = f"ISNUMBER({col['attainment']})"
    execution = tab.label("kpi_group", "execution")
    result = tab.label("kpi_group", "result")
    exec_rows = f'({col["group"]}="{execution}")*ISNUMBER({col["actual"]})'
    result_rows = f'({col["group"]}="{result}")*{has}'
    acc = tab.ctx.account
    green, amber, red = tab.t("green"), tab.t("amber"), tab.t("red")
    q = {k: tab.t(k) for k in ("star", "plan_issue", "execution_gap", "untapped")}
    e, res, s = n["execution_score"], n["result_attainment"], n["score"]
    d = THRESHOLD_DECIMALS  # thresholds are tested on values rounded as the engine rounds them
    formulas = {
        "execution_score": f"=IF(SUMPRODUCT({exec_rows},{col['weight']})>0,SUMPRODUCT({exec_rows},"
        f'{col["weight"]},{col["actual"]})/SUMPRODUCT({exec_rows},{col["weight"]}),"")',
        "score": f"=IF(SUMPRODUCT({has}*1,{col['weight']})>0,SUMPRODUCT({has}*1,{col['weight']},{col['capped']})"
        f'/SUMPRODUCT({has}*1,{col["weight"]})*100,"")',
        "score_rag": f'=IF(ISNUMBER({s}),IF(ROUND({s},{SCORE_DECIMALS})/100>={acc.score_green},"{green}",'
        f'IF(ROUND({s},{SCORE_DECIMALS})/100>={acc.score_amber},"{amber}","{red}")),"")',
        "result_attainment": f"=IF(SUMPRODUCT({result_rows},{col['weight']})>0,SUMPRODUCT({result_rows},"
        f'{col["weight"]},{col["capped"]})/SUMPRODUCT({result_rows},{col["weight"]}),"")',
        "quadrant": f"=IF(AND(ISNUMBER({e}),ISNUMBER({res})),IF(ROUND({e},{d})>={acc.execution_threshold},"
        f'IF(ROUND({res},{d})>=1,"{q["star"]}","{q["plan_issue"]}"),IF(ROUND({res},{d})>=1,'
        f'"{q["untapped"]}","{q["execution_gap"]}")),"")',
    }
    for key, formula in formulas.items():
        tab.sheet.cells[_rc(n[key])] = (Formula(formula), n[f"{key}:style"])


def _rag_colours(tab: _Tab, first: int, last: int, n: dict[str, str]) -> None:
    letter = column_letter(REVIEW_COLS["rag"])
    for area, top in (
        (f"{letter}{first}:{letter}{last}", f"{letter}{first}"),
        (n["score_rag"], n["score_rag"]),
    ):
        for key in ("green", "amber", "red"):
            tab.sheet.cond_formats.append(CondFormat(area, f'={top}="{tab.t(key)}"', key))
    quadrant = n["quadrant"]
    tab.sheet.cond_formats.append(CondFormat(quadrant, f'={quadrant}="{tab.t("star")}"', "green"))
    tab.sheet.cond_formats.append(CondFormat(quadrant, f'={quadrant}="{tab.t("execution_gap")}"', "red"))


def _retired(tab: _Tab) -> None:
    """Values typed into fields the plan no longer has (a program or week removed): kept, not counted."""
    if not tab.ctx.retired:
        tab.cells["retired"] = None
        return
    tab.section("retired")
    first = tab.row
    for key, value in tab.ctx.retired:
        tab.put(tab.row, 1, _retired_label(tab, key), "text")
        tab.put(tab.row, 3, tab.value_of(key) if key in tab.ctx.entries else value, "fixed")
        tab.put(tab.row, RETIRED_KEY_COL, key_text(key), "hidden_helper")
        tab.row += 1
    tab.cells["retired"] = [first, tab.row - 1]


def _retired_label(tab: _Tab, key: FieldKey) -> str:
    names = {
        "week": tab.t("week"),
        "program": tab.t("program"),
        "action": tab.t("action"),
        "comment": tab.t("comment"),
        "agreed": tab.t("agreed_on"),
    }
    field = {"cost": "actual_cost", "status": "prog_status", "text": "action"}.get(key[-1], key[-1])
    detail = tab.t(field) if field in TAB else str(key[-1])
    return " · ".join([names.get(key[0], key[0]), *(str(part) for part in key[1:-1]), detail])


SOFT_FACTOR = 5  # a weekly number above 5x the store's usual week asks to be confirmed (docs/workbook.md)
_STOCK_WEEKS = 4  # the usual stock: four weeks of the store's baseline sell-out
_HARD = {"visits": ("whole", 21), "promoter_present": ("decimal", 14), "promoter_planned": ("decimal", 14)}


def soft_bounds(store: Store) -> dict[str, tuple[float, float]]:
    """field -> (the store's usual week, the level above which the tab asks to confirm), for the weekly
    numbers that have a baseline (none when the plan gives no baseline)."""
    usual = {
        "units": store.base_units,
        "sell_in": store.base_units,
        "value": store.base_value,
        "stock": store.base_units * _STOCK_WEEKS if store.base_units else None,
        "category": store.category_units,
        "competitor": store.category_units,
    }
    return {name: (base, base * SOFT_FACTOR) for name, base in usual.items() if base and base > 0}


def _validations(tab: _Tab) -> list[Validation]:
    """The tab's input checks: made once per layout and language (_layout_validations), but for the weekly
    numbers whose bounds come from the store's own baseline (soft_bounds)."""
    lang = tab.lang
    rows = tab.cells["program"]["rows"]
    programs = (min(rows.values()), max(rows.values())) if rows else None
    key = (lang, tab.cells["agreed"], tab.at["log"], programs, tab.at["actions"])
    fixed = _VALIDATIONS_MADE.get(key)
    if fixed is None:
        if len(_VALIDATIONS_MADE) >= 16:
            _VALIDATIONS_MADE.clear()
        fixed = _VALIDATIONS_MADE[key] = _layout_validations(lang, *key[1:])
    first, last = tab.at["log"]
    soft = soft_bounds(tab.ctx.store)
    out = [fixed["agreed"]]
    for name in WEEK_FIELDS:
        if name not in soft:
            out.append(fixed[name])
            continue
        title, help_text = input_help(name, lang)
        base, high = soft[name]
        prompt = help_text.format(base=f"{base:,.0f}", soft=f"{high:,.0f}")
        error = SOFT_ERROR[0 if lang == "en" else 1].format(base=f"{base:,.0f}")
        letter = column_letter(LOG[name])
        area = f"{letter}{first}:{letter}{last}"
        out.append(Validation(area, "decimal", lo=0, hi=high, prompt=prompt, error=error, title=title, soft=True))
    return out + fixed["tables"]


_VALIDATIONS_MADE: dict[tuple, dict] = {}


def _layout_validations(lang: str, agreed: str, log: tuple, programs: tuple | None, actions: tuple) -> dict:
    """The checks that depend only on where things are: the agreed-on date, each weekly field without a
    baseline of the store's, the programs' and the actions' columns."""
    first, last = log
    out = {"agreed": Validation(agreed, "date", lo=_MIN, hi=_MAX, error=_msg("date", lang))}

    def column(name: str) -> str:
        letter = column_letter(LOG[name])
        return f"{letter}{first}:{letter}{last}"

    for name in WEEK_FIELDS:
        title, help_text = input_help(name, lang)
        if name in _HARD:
            kind, high = _HARD[name]
            out[name] = Validation(
                column(name),
                kind,
                lo=0,
                hi=high,
                prompt=help_text,
                title=title,
                error=text("dv_number", lang).format(lo=0, hi=high),
            )
        elif name in NUMBER_LIMITS:
            high = NUMBER_LIMITS[name]
            prompt = help_text.format(base="…", soft=f"{high:,.0f}")
            out[name] = Validation(
                column(name),
                "decimal",
                lo=0,
                hi=high,
                prompt=prompt,
                title=title,
                error=text("dv_number", lang).format(lo=0, hi=f"{high:,.0f}"),
            )
        elif name == "display":
            choices = (enum_label("yes_no", "yes", lang), enum_label("yes_no", "no", lang))
            out[name] = Validation(
                column(name), "list", choices, prompt=help_text, title=title, error=_msg("list", lang)
            )
        else:  # free text: help only (any text is allowed)
            out[name] = Validation(column(name), "custom", formula="=TRUE", prompt=help_text, title=title)
    tables = []
    if programs is not None:
        p_first, p_last = programs

        def prog(name: str) -> str:
            letter = column_letter(PROGRAM_COLS[name])
            return f"{letter}{p_first}:{letter}{p_last}"

        tables += [
            Validation(
                prog("status"),
                "list",
                tuple(_labels("program_status", lang)),
                error=_msg("list", lang),
            ),
            Validation(prog("cost"), "decimal", lo=0, hi=1e9, error=_msg("number", lang)),
            Validation(prog("done_on"), "date", lo=_MIN, hi=_MAX, error=_msg("date", lang)),
        ]
    a_first, a_last = actions

    def act(name: str) -> str:
        letter = column_letter(ACTION_COLS[name])
        return f"{letter}{a_first}:{letter}{a_last}"

    tables += [
        Validation(act("owner"), "list", tuple(_labels("owner", lang)), error=_msg("list", lang)),
        Validation(act("due"), "date", lo=_MIN, hi=_MAX, error=_msg("date", lang)),
        Validation(act("status"), "list", tuple(_labels("action_status", lang)), error=_msg("list", lang)),
    ]
    out["tables"] = tables
    return out


def _labels(kind: str, lang: str) -> list[str]:
    return enum_labels(kind, lang)


def _msg(kind: str, lang: str) -> str:
    return text(f"dv_{kind}", lang).format(lo=0, hi="…")


_MIN = date(2000, 1, 1)
_MAX = date(2100, 12, 31)

"""Reading the plan sheets of an HQ workbook (either language) into a Plan, noting every bad cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from kam_xl.errors import Problem
from kam_xl.lang.checks import check_text
from kam_xl.lang.texts import reason_text
from kam_xl.lang.words import enum_labels, sheet_key, sheet_name
from kam_xl.model import parsing as P
from kam_xl.model.plan import Account, Competitor, Evidence, Kpi, Need, Plan, Program, Store, Week
from kam_xl.plan.schema import ACCOUNT, ACCOUNT_ADDED, EVIDENCE, TABLES, Column
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import column_letter

PLAN_SHEETS = ("account", "needs", "objectives", "programs", "competition", "stores", "calendar")


@dataclass
class Table:
    """Where a plan table sits: sheet, header row, column of each field, row of each record."""

    key: str
    sheet: str
    header_row: int = 1
    columns: dict[str, int] = field(default_factory=dict)
    record_rows: list[int] = field(default_factory=list)

    def cell(self, index: int, key: str) -> str:
        col = self.columns.get(key)
        row = self.record_rows[index] if index < len(self.record_rows) else self.header_row
        return f"{column_letter(col)}{row}" if col else f"A{row}"

    def column_range(self, key: str) -> str:
        col = column_letter(self.columns.get(key, 1))
        last = self.record_rows[-1] if self.record_rows else self.header_row + 1
        return f"{col}{self.header_row + 1}:{col}{last}"


class PlanReader:
    """Reads grids of cell values into a Plan; `problems` lists every bad or missing thing."""

    def __init__(self, grids: dict[str, list[list]], names: dict[str, str], lang: str):
        self.grids = grids
        self.names = names
        self.lang = lang
        self.problems: list[Problem] = []
        self.tables: dict[str, Table] = {}
        self.account_cells: dict[str, str] = {}

    def error(self, sheet: str, cell: str, message: str, value: object = None) -> None:
        self.problems.append(Problem(sheet, cell, message, value, "error"))

    def warn(self, sheet: str, cell: str, message: str, value: object = None) -> None:
        self.problems.append(Problem(sheet, cell, message, value, "warning"))

    # -- cell values -------------------------------------------------------------------------

    def parse(self, column: Column, raw: object, sheet: str, cell: str):
        """The typed value of a cell, or None after noting the problem."""
        try:
            value = _PARSERS[column.kind](column, raw)
        except P.ParseError as exc:
            reason = reason_text(str(exc), self.lang)
            self.error(
                sheet, cell, check_text("parse", self.lang, header=column.header(self.lang), reason=reason,
                                        allowed=self._allowed(column)), raw,
            )  # fmt: skip
            return None
        if value is None or value == () or value == "":
            if column.required:
                self.error(sheet, cell, check_text("required", self.lang, header=column.header(self.lang)))
            return value
        if column.kind in ("number", "int", "percent") and not _within(value, column):
            self.error(
                sheet,
                cell,
                check_text(
                    "between",
                    self.lang,
                    header=column.header(self.lang),
                    lo=_show(column.lo, column.kind),
                    hi=_show(column.hi, column.kind),
                ),  # fmt: skip
                raw,
            )
            return None
        return value

    def _allowed(self, column: Column) -> str:
        if column.kind in ("enum", "enum_list", "yes_no"):
            sep = "、" if self.lang == "zh" else ", "
            return check_text("allowed", self.lang, values=sep.join(enum_labels(column.enum, self.lang)))
        return ""

    # -- tables ------------------------------------------------------------------------------

    def read_table(self, key: str) -> list[dict]:
        """The parsed records of a plan table, found by its headers; blank rows are skipped."""
        columns = TABLES[key]
        sheet = self.names.get(key)
        if sheet is None:
            self.error(sheet_name(key, self.lang), "", check_text("sheet_missing", self.lang))
            return []
        grid = self.grids[key]
        table = self._locate(key, sheet, grid, columns)
        self.tables[key] = table
        records = []
        present = [c for c in columns if c.key in table.columns]
        for row in range(table.header_row + 1, len(grid) + 1):
            raw = {c.key: cell_at(grid, row, table.columns[c.key]) for c in present}
            if all(P.is_blank(v) for v in raw.values()):
                continue
            record = {
                c.key: self.parse(c, raw[c.key], sheet, f"{column_letter(table.columns[c.key])}{row}") for c in present
            }
            records.append(record)
            table.record_rows.append(row)
        return records

    def _locate(self, key: str, sheet: str, grid: list[list], columns: tuple[Column, ...]) -> Table:
        best_row, best = 1, {}
        for row in range(1, min(len(grid), 10) + 1):
            found = {}
            for col, header in enumerate(grid[row - 1], start=1):
                for column in columns:
                    if column.key not in found and column.matches(header):
                        found[column.key] = col
            if len(found) > len(best):
                best_row, best = row, found
        table = Table(key, sheet, best_row, best)
        for column in columns:
            if column.key not in best:
                cell = f"{column_letter(len(grid[best_row - 1]) + 1 if grid else 1)}{best_row}"
                report = self.error if column.required else self.warn
                report(sheet, cell, check_text("column_missing", self.lang, header=column.header(self.lang)))
        return table

    # -- the account sheet -------------------------------------------------------------------

    def read_account(self) -> dict:
        sheet = self.names.get("account")
        if sheet is None:
            self.error(sheet_name("account", self.lang), "", check_text("sheet_missing", self.lang))
            return {}
        grid = self.grids["account"]
        values = {}
        for row in range(1, len(grid) + 1):
            label = cell_at(grid, row, 1)
            column = next((c for c in ACCOUNT if label is not None and c.matches(label)), None)
            if column and column.key not in self.account_cells:
                cell = f"B{row}"
                self.account_cells[column.key] = cell
                values[column.key] = self.parse(column, cell_at(grid, row, 2), sheet, cell)
        for column in ACCOUNT:
            if column.key not in self.account_cells and column.key not in ACCOUNT_ADDED:
                self.error(sheet, "A1", check_text("row_missing", self.lang, header=column.header(self.lang)))
        return values

    def read_evidence(self) -> list[dict]:
        sheet = self.names.get("account")
        if sheet is None:
            return []
        grid = self.grids["account"]
        for row in range(1, len(grid) + 1):
            if EVIDENCE[0].matches(cell_at(grid, row, 1)) and EVIDENCE[1].matches(cell_at(grid, row, 2)):
                break
        else:
            self.warn(sheet, "A1", check_text("evidence_missing", self.lang))
            return []
        table = Table("evidence", sheet, row, {c.key: i for i, c in enumerate(EVIDENCE, start=1)})
        self.tables["evidence"] = table
        records = []
        for line in range(row + 1, len(grid) + 1):
            raw = {c.key: cell_at(grid, line, i) for i, c in enumerate(EVIDENCE, start=1)}
            if all(P.is_blank(v) for v in raw.values()):
                continue
            records.append(
                {
                    c.key: self.parse(c, raw[c.key], sheet, f"{column_letter(i)}{line}")
                    for i, c in enumerate(EVIDENCE, start=1)
                }
            )
            table.record_rows.append(line)
        return records

    # -- building the plan -------------------------------------------------------------------

    def read(self) -> Plan:
        acc = self.read_account()
        factors = tuple((t, acc.get(f"tier_factor_{t.lower()}") or 0.0) for t in "ABC")
        account = Account(
            name=acc.get("name") or "",
            supplier=acc.get("supplier") or "",
            period_start=acc.get("period_start"),
            period_end=acc.get("period_end"),
            currency=acc.get("currency") or "",
            kam_name=acc.get("kam_name") or "",
            kam_email=acc.get("kam_email") or "",
            management_emails=acc.get("management_emails") or (),
            margin_per_unit=_num(acc.get("margin_per_unit")),
            retailer_margin=_num(acc.get("retailer_margin")),
            relationship_now=acc.get("relationship_now") or "",
            relationship_target=acc.get("relationship_target") or "",
            tier_factors=factors,
            execution_threshold=_default(acc.get("execution_threshold"), 0.8),
            score_green=_default(acc.get("score_green"), 1.0),
            score_amber=_default(acc.get("score_amber"), 0.9),
            strategy=acc.get("strategy") or "",
            value_proposition=acc.get("value_proposition") or "",
            visit_frequency=tuple(
                (t, _default(acc.get(f"visits_{t.lower()}"), default)) for t, default in Account.visit_frequency
            ),
            sr_capacity=_default(acc.get("sr_capacity"), Account.sr_capacity),
        )
        evidence = tuple(Evidence(r["level"] or "", r["evidence"] or "", bool(r["met"])) for r in self.read_evidence())
        needs = tuple(
            Need(
                _s(r, "id"),
                _s(r, "need"),
                _s(r, "category"),
                _s(r, "priority"),
                r.get("answer") or (),
                _s(r, "value"),
            )
            for r in self.read_table("needs")
        )
        kpis = tuple(_kpi(r) for r in self.read_table("objectives"))
        programs = tuple(_program(r) for r in self.read_table("programs"))
        competitors = tuple(
            Competitor(
                _s(r, "name"),
                r.get("share"),
                _s(r, "strategy"),
                _s(r, "response"),
                _s(r, "kpi"),
                bool(r.get("main")),
            )
            for r in self.read_table("competition")
        )
        stores = tuple(_store(r) for r in self.read_table("stores"))
        weeks = tuple(
            Week(
                _s(r, "id"),
                r.get("start"),
                r.get("end"),
                _s(r, "month"),
                _num(r.get("season_weight")),
                _s(r, "note"),
            )
            for r in self.read_table("calendar")
        )
        return Plan(self.lang, account, evidence, needs, kpis, programs, competitors, stores, weeks)


def _s(record: dict, key: str) -> str:
    value = record.get(key)
    return "" if value is None else value


def _num(value) -> float:
    return 0.0 if value is None else float(value)


def _default(value, default: float) -> float:
    return default if value is None else float(value)


def _kpi(r: dict) -> Kpi:
    tiers = tuple((t, r[f"target_{t.lower()}"]) for t in "ABC" if r.get(f"target_{t.lower()}") is not None)
    return Kpi(
        _s(r, "id"),
        _s(r, "name"),
        _s(r, "unit"),
        _s(r, "type"),
        _s(r, "measure"),
        r.get("direction") or "higher",
        r.get("hq_target"),
        tiers,
        r.get("basis"),
        r.get("min_growth"),
        r.get("max_growth"),
        _num(r.get("weight")),
        _default(r.get("cap"), 1.0),
        _default(r.get("green"), 1.0),
        _default(r.get("amber"), 0.9),
        _s(r, "group"),
    )


def _program(r: dict) -> Program:
    tiers = tuple(t.upper() for item in r.get("tiers") or () for t in item.split())
    return Program(
        _s(r, "id"),
        _s(r, "name"),
        _s(r, "type"),
        r.get("start"),
        r.get("end"),
        tiers,
        r.get("regions") or (),
        r.get("formats") or (),
        _num(r.get("cost_per_store")),
        _num(r.get("uplift")),
        _s(r, "benefit"),
        _s(r, "kpi"),
        _s(r, "need"),
    )


def _store(r: dict) -> Store:
    return Store(
        _s(r, "store_id"),
        _s(r, "name"),
        _s(r, "city"),
        _s(r, "region"),
        _s(r, "city_tier"),
        _s(r, "store_tier"),
        _s(r, "format"),
        _s(r, "sr_id"),
        _s(r, "sr_name"),
        _s(r, "sr_email"),
        _s(r, "manager"),
        _s(r, "manager_email") or "",
        _num(r.get("base_units")),
        _num(r.get("base_value")),
        _num(r.get("category_units")),
        r.get("weight_override"),
        r.get("active") is not False,
        _s(r, "retailer_code"),
    )


def _within(value: float, column: Column) -> bool:
    return (column.lo is None or value >= column.lo - 1e-12) and (column.hi is None or value <= column.hi + 1e-12)


def _show(number, kind: str) -> str:
    if number is None:
        return "any"
    return f"{number:.0%}" if kind == "percent" else f"{number:,.0f}"


def _all_or_list(items: tuple[str, ...]) -> tuple[str, ...]:
    return () if any(P.enum_key("all", item) for item in items) else items


def _parse_enum_list(column: Column, raw) -> tuple[str, ...]:
    items = _all_or_list(P.parse_list(raw))
    return tuple(P.parse_enum(column.enum, item) for item in items)


_PARSERS = {
    "text": lambda c, v: P.parse_text(v),
    "long_text": lambda c, v: P.parse_text(v),
    "number": lambda c, v: P.parse_number(v),
    "int": lambda c, v: P.parse_int(v),
    "percent": lambda c, v: P.parse_percent(v),
    "date": lambda c, v: P.parse_date(v),
    "email": lambda c, v: P.parse_email(v),
    "emails": lambda c, v: P.parse_emails(v),
    "enum": lambda c, v: P.parse_enum(c.enum, v),
    "enum_list": _parse_enum_list,
    "list": lambda c, v: _all_or_list(P.parse_list(v)),
    "yes_no": lambda c, v: P.parse_yes_no(v),
}


def sheet_names_by_key(names: list[str]) -> dict[str, str]:
    found = {}
    for name in names:
        key = sheet_key(name)
        if key and key not in found:
            found[key] = name
    return found

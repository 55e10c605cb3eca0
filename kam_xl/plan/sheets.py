"""The HQ workbook's plan sheets laid out from a Plan (or empty), in English or Chinese."""

from __future__ import annotations

from datetime import date

from kam_xl.lang.texts import DEFAULT_EVIDENCE, README_LINES, tab_text, text
from kam_xl.lang.words import enum_label, enum_labels, sheet_name
from kam_xl.model.plan import Account, Plan
from kam_xl.plan.meta import TEMPLATE_VERSION, meta_sheet, new_meta
from kam_xl.plan.schema import ACCOUNT, EVIDENCE, SPARE_ROWS, TABLES, Column
from kam_xl.version import __version__
from kam_xl.xlsx.spec import SheetSpec, Validation, column_letter, ref

UDF_MODULE = "kam_xl.excel.udfs"

_INPUT_STYLE = {
    "text": "input",
    "long_text": "input_wrap",
    "number": "input_num",
    "int": "input_int",
    "percent": "input_pct",
    "date": "input_date",
    "email": "input",
    "emails": "input",
    "enum": "input",
    "enum_list": "input",
    "list": "input",
    "yes_no": "input_center",
}
LINK_WIDTH = 30  # the Stores sheet's link column (a tab name is at most 31 characters)
_MIN_DATE = date(2000, 1, 1)
_MAX_DATE = date(2100, 12, 31)

# Default contents of an empty template: the standard KPIs and the relationship checklist.
STANDARD_KPIS = (
    ("K1", "units", "sum", 0.30, 1.2, "result"),
    ("K2", "value", "sum", 0.20, 1.2, "result"),
    ("K3", "share", "rate", 0.15, 1.2, "result"),
    ("K4", "display", "rate", 0.10, 1.1, "execution"),
    ("K5", "promoter", "rate", 0.10, 1.1, "execution"),
    ("K6", "programs", "rate", 0.10, 1.1, "execution"),
    ("K7", "actions", "rate", 0.05, 1.1, "execution"),
)


def plan_sheets(plan: Plan | None, lang: str) -> list[SheetSpec]:
    """Every sheet of a new HQ workbook, filled from `plan` or empty when plan is None."""
    return [
        readme_sheet(lang),
        account_sheet(plan, lang),
        table_sheet("needs", needs_rows(plan, lang), lang),
        table_sheet("objectives", objective_rows(plan, lang), lang),
        table_sheet("programs", program_rows(plan, lang), lang),
        table_sheet("competition", competitor_rows(plan, lang), lang),
        table_sheet("stores", store_rows(plan, lang), lang),
        table_sheet("calendar", week_rows(plan, lang), lang),
        meta_sheet(new_meta(lang, plan.account.name if plan else "", role="hq")),
        xlwings_conf_sheet(),
    ]


def readme_sheet(lang: str) -> SheetSpec:
    sheet = SheetSpec(sheet_name("readme", lang), role="readme", widths={1: 4, 2: 110}, tab_color="1F4E78")
    row = 1
    for style, words in README_LINES:
        sheet.set(row, 2, words[0] if lang == "en" else words[1], style)
        row += 1
    sheet.set(row + 1, 2, f"kam_xl {__version__} · template {TEMPLATE_VERSION}", "note")
    return sheet


def _validation_for(column: Column, area: str, lang: str) -> Validation | None:
    kind = column.kind
    if kind in ("enum", "yes_no"):
        return Validation(area, "list", tuple(enum_labels(column.enum, lang)), error=text("dv_list", lang))
    if kind in ("number", "int", "percent") and (column.lo is not None or column.hi is not None):
        lo = column.lo if column.lo is not None else -1e15
        hi = column.hi if column.hi is not None else 1e15
        return Validation(
            area,
            "whole" if kind == "int" else "decimal",
            lo=lo,
            hi=hi,
            error=text("dv_number", lang).format(lo=_show(lo, kind), hi=_show(hi, kind)),
        )
    if kind == "date":
        return Validation(area, "date", lo=_MIN_DATE, hi=_MAX_DATE, error=text("dv_date", lang))
    if kind == "email":
        first = area.split(":")[0]
        return Validation(
            area,
            "custom",
            formula=f'=OR({first}="",ISNUMBER(FIND("@",{first})))',
            error=text("dv_email", lang),
        )
    if column.hint(lang):
        return Validation(area, "custom", formula="=TRUE", prompt=column.hint(lang))
    return None


def _show(number: float, kind: str) -> str:
    return f"{number:.0%}" if kind == "percent" else f"{number:,.0f}"


def table_sheet(key: str, rows: list[dict], lang: str) -> SheetSpec:
    """A plan table: locked header row, yellow input rows with validations, frozen header."""
    columns = TABLES[key]
    sheet = SheetSpec(sheet_name(key, lang), role=key, freeze="B2" if key == "stores" else "A2", autofilter=None)
    sheet.heights[1] = 42
    last = len(rows) + SPARE_ROWS[key] + 1
    for col, column in enumerate(columns, start=1):
        sheet.widths[col] = column.width
        sheet.set(1, col, column.header(lang), "header")
        style = _INPUT_STYLE[column.kind]
        for row, record in enumerate(rows, start=2):
            sheet.set(row, col, record.get(column.key), style)
        for row in range(len(rows) + 2, last + 1):
            sheet.set(row, col, None, style)
        validation = _validation_for(column, f"{column_letter(col)}2:{column_letter(col)}{last}", lang)
        if validation:
            sheet.validations.append(validation)
    sheet.autofilter = f"A1:{column_letter(len(columns))}{last}"
    sheet.allow_rows = True
    if key == "stores":  # the link to each store's tab, outside the filter; `kam generate` writes the formulas
        col = len(columns) + 1
        sheet.widths[col] = LINK_WIDTH
        sheet.set(1, col, tab_text("stores_tab_link", lang), "header")
        for row in range(2, last + 1):
            sheet.set(row, col, None, "link_open")
    return sheet


def account_sheet(plan: Plan | None, lang: str) -> SheetSpec:
    """Account fields as label / value / hint rows, then the relationship evidence checklist."""
    sheet = SheetSpec(sheet_name("account", lang), role="account", widths={1: 34, 2: 46, 3: 40, 4: 10})
    sheet.set(1, 1, text("account_title", lang), "title")
    sheet.set(2, 1, text("account_intro", lang), "note")
    sheet.row_values(4, 1, [text("field", lang), text("value", lang), text("notes", lang)], "header")
    values = account_values(plan, lang)
    row = 5
    for column in ACCOUNT:
        sheet.set(row, 1, column.header(lang), "label")
        sheet.set(row, 2, values.get(column.key), _INPUT_STYLE[column.kind])
        sheet.set(row, 3, column.hint(lang) or None, "note")
        validation = _validation_for(column, ref(row, 2), lang)
        if validation and column.kind != "text":
            sheet.validations.append(validation)
        if column.kind == "long_text":
            sheet.heights[row] = 60
        row += 1
    row += 1
    sheet.set(row, 1, text("evidence_title", lang), "subtitle")
    row += 1
    header_row = row
    for col, column in enumerate(EVIDENCE, start=1):
        sheet.set(header_row, col, column.header(lang), "header")
    items = evidence_rows(plan, lang)
    last = header_row + len(items) + 8
    for col, column in enumerate(EVIDENCE, start=1):
        style = _INPUT_STYLE[column.kind]
        for offset in range(1, last - header_row + 1):
            record = items[offset - 1] if offset <= len(items) else {}
            sheet.set(header_row + offset, col, record.get(column.key), style)
        validation = _validation_for(column, f"{column_letter(col)}{header_row + 1}:{column_letter(col)}{last}", lang)
        if validation:
            sheet.validations.append(validation)
    sheet.widths[2] = 60
    return sheet


def account_values(plan: Plan | None, lang: str) -> dict:
    if plan is None:
        return {
            "currency": "CNY",
            "tier_factor_a": 1.2,
            "tier_factor_b": 1.0,
            "tier_factor_c": 0.8,
            "execution_threshold": 0.8,
            "score_green": 1.0,
            "score_amber": 0.9,
            **{f"visits_{t.lower()}": visits for t, visits in Account.visit_frequency},
            "sr_capacity": Account.sr_capacity,
        }
    acc = plan.account
    factors = dict(acc.tier_factors)
    return {
        "name": acc.name,
        "supplier": acc.supplier,
        "period_start": acc.period_start,
        "period_end": acc.period_end,
        "currency": acc.currency,
        "kam_name": acc.kam_name,
        "kam_email": acc.kam_email,
        "management_emails": ", ".join(acc.management_emails),
        "margin_per_unit": acc.margin_per_unit,
        "retailer_margin": acc.retailer_margin,
        "relationship_now": enum_label("relationship", acc.relationship_now, lang),
        "relationship_target": enum_label("relationship", acc.relationship_target, lang),
        "tier_factor_a": factors["A"],
        "tier_factor_b": factors["B"],
        "tier_factor_c": factors["C"],
        "execution_threshold": acc.execution_threshold,
        "score_green": acc.score_green,
        "score_amber": acc.score_amber,
        **{f"visits_{t.lower()}": visits for t, visits in acc.visit_frequency},
        "sr_capacity": acc.sr_capacity,
        "strategy": acc.strategy,
        "value_proposition": acc.value_proposition,
    }


def evidence_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return [
            {
                "level": enum_label("relationship", level, lang),
                "evidence": words[0 if lang == "en" else 1],
                "met": None,
            }
            for level, words in DEFAULT_EVIDENCE
        ]
    return [
        {
            "level": enum_label("relationship", e.level, lang),
            "evidence": e.evidence,
            "met": enum_label("yes_no", "yes" if e.met else "no", lang),
        }
        for e in plan.evidence
    ]


def _labels(kind: str, keys, lang: str) -> str:
    return ", ".join(enum_label(kind, key, lang) for key in keys)


def needs_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            "id": n.id,
            "need": n.need,
            "category": enum_label("need_category", n.category, lang),
            "priority": enum_label("priority", n.priority, lang) if n.priority else None,
            "answer": ", ".join(n.answer),
            "value": n.value,
        }
        for n in plan.needs
    ]


def objective_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return [
            {
                "id": kid,
                "name": enum_label("measure", measure, lang),
                "type": enum_label("kpi_type", kind, lang),
                "measure": enum_label("measure", measure, lang),
                "direction": enum_label("direction", "higher", lang),
                "basis": enum_label("basis", "baseline", lang) if kind == "sum" else None,
                "weight": weight,
                "cap": cap,
                "green": 1.0,
                "amber": 0.9,
                "group": enum_label("kpi_group", group, lang),
                "unit": _default_unit(measure, lang),
            }
            for kid, measure, kind, weight, cap, group in STANDARD_KPIS
        ]
    rows = []
    for k in plan.kpis:
        tiers = dict(k.tier_targets)
        rows.append(
            {
                "id": k.id,
                "name": k.name,
                "unit": k.unit,
                "type": enum_label("kpi_type", k.type, lang),
                "measure": enum_label("measure", k.measure, lang),
                "direction": enum_label("direction", k.direction, lang),
                "hq_target": k.hq_target,
                "target_a": tiers.get("A"),
                "target_b": tiers.get("B"),
                "target_c": tiers.get("C"),
                "basis": enum_label("basis", k.basis, lang) if k.basis else None,
                "min_growth": k.min_growth,
                "max_growth": k.max_growth,
                "weight": k.weight,
                "cap": k.cap,
                "green": k.green,
                "amber": k.amber,
                "group": enum_label("kpi_group", k.group, lang),
            }
        )
    return rows


def _default_unit(measure: str, lang: str) -> str:
    units = {"units": ("units", "台"), "value": ("CNY", "元")}
    pair = units.get(measure, ("%", "%"))
    return pair[0] if lang == "en" else pair[1]


def program_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            "id": p.id,
            "name": p.name,
            "type": enum_label("program_type", p.type, lang),
            "start": p.start,
            "end": p.end,
            "tiers": ", ".join(p.tiers),
            "regions": ", ".join(p.regions),
            "formats": _labels("format", p.formats, lang),
            "cost_per_store": p.cost_per_store,
            "uplift": p.uplift,
            "benefit": p.benefit,
            "kpi": p.kpi,
            "need": p.need,
        }
        for p in plan.programs
    ]


def competitor_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            "name": c.name,
            "share": c.share,
            "strategy": c.strategy,
            "response": c.response,
            "kpi": c.kpi,
            "main": enum_label("yes_no", "yes" if c.main else "no", lang),
        }
        for c in plan.competitors
    ]


def store_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return []
    yes, no = enum_label("yes_no", "yes", lang), enum_label("yes_no", "no", lang)
    return [
        {
            "store_id": s.store_id,
            "name": s.name,
            "city": s.city,
            "region": s.region,
            "city_tier": enum_label("city_tier", s.city_tier, lang) if s.city_tier else None,
            "store_tier": s.store_tier,
            "format": enum_label("format", s.format, lang),
            "sr_id": s.sr_id,
            "sr_name": s.sr_name,
            "sr_email": s.sr_email,
            "manager": s.manager,
            "manager_email": s.manager_email,
            "base_units": s.base_units,
            "base_value": s.base_value,
            "category_units": s.category_units,
            "weight_override": s.weight_override,
            "active": yes if s.active else no,
            "retailer_code": s.retailer_code or None,
        }
        for s in plan.stores
    ]


def week_rows(plan: Plan | None, lang: str) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            "id": w.id,
            "start": w.start,
            "end": w.end,
            "month": w.month,
            "season_weight": w.season_weight,
            "note": w.note,
        }
        for w in plan.weeks
    ]


def xlwings_conf_sheet() -> SheetSpec:
    """xlwings reads its settings from this sheet; UDF Modules names the kam_xl UDF module."""
    sheet = SheetSpec("xlwings.conf", role="xlwings", state="hidden", protected=False, widths={1: 22, 2: 30})
    for row, (key, value) in enumerate(
        [
            ("UDF Modules", UDF_MODULE),
            ("Debug UDFs", False),
            ("Use UDF Server", False),
            ("Show Console", False),
        ],
        start=1,
    ):
        sheet.set(row, 1, key)
        sheet.set(row, 2, value)
    return sheet

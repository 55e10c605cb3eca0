"""The Account summary sheet: the account's one page, the four principle checks and the native charts."""

from __future__ import annotations

from kam_xl.lang.texts import review_text
from kam_xl.lang.words import enum_label
from kam_xl.metrics.measures import SCORE_DECIMALS
from kam_xl.model.plan import Plan
from kam_xl.reviewing.scorecards import blank, new_sheet, numbers, plain, shown_threshold_rules
from kam_xl.reviewing.summary import QUADRANTS
from kam_xl.storetabs.layout import threshold_rules
from kam_xl.xlsx.spec import Chart, CondFormat, SheetSpec, column_letter, wrapped_height
from kam_xl.xlsx.styles import in_language

WIDTHS = {1: 38, 2: 16, 3: 14, 4: 14, 5: 14, 6: 12, 7: 10, 8: 14}
CHART_COLUMN = "J"
RAG_WORDS = ("green", "amber", "red")


class Page:
    """Writes the summary top to bottom: sections, label/value lines and small tables."""

    def __init__(self, sheet: SheetSpec, lang: str):
        self.sheet, self.lang, self.row = sheet, lang, 4

    def t(self, key: str) -> str:
        return review_text(key, self.lang)

    def section(self, key: str) -> None:
        self.row += 1
        for col in range(1, len(WIDTHS) + 1):
            self.sheet.set(self.row, col, self.t(key) if col == 1 else None, "section")
        self.row += 1

    def line(self, label_key: str, value, style: str = "fixed", extra=None) -> str:
        """A label and its value (and an optional second value); returns the value's cell."""
        self.sheet.set(self.row, 1, self.t(label_key), "label")
        self.sheet.set(self.row, 2, None if blank(value) else plain(value), style)
        if extra is not None:
            self.sheet.set(self.row, 3, extra, "fixed_center")
        self.row += 1
        return f"B{self.row - 1}"

    def points(self, label_key: str, value) -> str:
        """A line of a difference of shares, in percentage points (kam_xl.lang.numbers.share_points)."""
        return self.line(label_key, None if blank(value) else float(value) * 100, in_language("fixed_pts", self.lang))

    def money(self, label_key: str, value, currency: str) -> str:
        """A line of money: the label names the currency ("Investment (CNY)"), the value a whole number."""
        cell = self.line(label_key, value, "fixed_int")
        label = f"{self.t(label_key)}（{currency}）" if self.lang == "zh" else f"{self.t(label_key)} ({currency})"
        self.sheet.set(self.row - 1, 1, label, "label")
        return cell

    def header(self, labels: list[str]) -> None:
        for col, label in enumerate(labels, start=1):
            self.sheet.set(self.row, col, label, "header")
        self.sheet.heights[self.row] = 32
        self.row += 1

    def rag(self, cell: str) -> None:
        """Colour a cell holding a RAG or quadrant word."""
        styles = {
            **{k: k for k in RAG_WORDS},
            "star": "green",
            "execution_gap": "red",
            "plan_issue": "amber",
            "untapped": "amber",
        }
        self.sheet.cond_formats += [
            CondFormat(cell, f'={cell}="{self.t(key)}"', style) for key, style in styles.items()
        ]

    def word(self, key: str | None) -> str | None:
        return None if key is None else self.t(key)


def account_sheet(plan: Plan, result) -> SheetSpec:
    sheet = new_sheet("sc_account", plan, result)
    sheet.widths.update(WIDTHS)
    page = Page(sheet, plan.language)
    summary = result.summary
    glance(page, plan, summary)
    targets(page, plan, summary)
    relationship(page, plan, summary["relationship"])
    principles(page, plan, summary)
    quadrants(page, summary)
    problems(page, summary)
    sheet.charts += channel_months(page, result)
    sheet.charts += chart_data(page, plan, result)
    return sheet


def glance(page: Page, plan: Plan, s: dict) -> None:
    acc = plan.account
    page.section("sec_score")
    score = page.line("score", s["score"], "fixed_score", page.word(s["score_rag"]))
    page.sheet.cond_formats += shown_threshold_rules(
        score, score, acc.score_green * 100, acc.score_amber * 100, SCORE_DECIMALS
    )
    page.rag(f"C{page.row - 1}")
    page.line("result_attainment", s["result_attainment"], "fixed_pct")
    page.line("execution_score", s["execution_score"], "fixed_pct")
    page.line("quadrant", page.word(s["quadrant"]), "fixed_center")
    page.rag(f"B{page.row - 1}")
    page.line("stores_reviewed", s["stores"], "fixed_int")
    page.line("stores_reporting", s["stores_reporting"], "fixed_int")
    page.line("stores_no_data", s["stores_without_data"], "fixed_int")
    page.line("weeks_missing", s["weeks_missing"], "fixed_int")


def targets(page: Page, plan: Plan, s: dict) -> None:
    """Per KPI: target, target to date, actual, attainment, RAG and forecast vs period target."""
    page.section("sec_targets")
    page.header(
        [
            page.t("kpi"),
            page.t("grp_group"),
            page.t("period_target"),
            page.t("target_to_date"),
            page.t("actual"),
            page.t("attainment"),
            page.t("rag"),
            page.t("forecast_vs_target"),
        ]
    )
    for kpi, row in zip(plan.kpis, s["kpis"]):
        number = "fixed_int" if kpi.is_sum else "fixed_pct"
        values = [
            (f"{kpi.id} · {kpi.name}", "fixed_id"),
            (enum_label("kpi_group", kpi.group, plan.language), "fixed"),
            (row["target"], number),
            (row["target_to_date"], number),
            (row["actual"], number),
            (row["attainment"], "fixed_pct"),
            (page.word(row["rag"]), "fixed_center"),
            (row["forecast_vs_target"], "fixed_pct"),
        ]
        for col, (value, style) in enumerate(values, start=1):
            page.sheet.set(page.row, col, value, style)
        page.sheet.cond_formats += threshold_rules(f"F{page.row}", f"F{page.row}", kpi.green, kpi.amber)
        page.rag(f"G{page.row}")
        page.row += 1


def relationship(page: Page, plan: Plan, r: dict) -> None:
    lang = plan.language

    def level(key):
        return enum_label("relationship", key, lang) if key else page.t("none_met")

    page.section("sec_relationship")
    page.line("level_stated", level(r["stated"]))
    page.line("level_evidence", level(r["evidence"]))
    page.line("level_target", level(r["target"]))
    page.line("level_steps", r["steps"], "fixed_int")
    for item in r["missing"]:
        page.line("level_missing", item, "fixed_wrap")


def principles(page: Page, plan: Plan, s: dict) -> None:
    """The retailer's view, the fight against the main competitor, and input vs output."""
    page.section("sec_retailer")
    page.money("retailer_gain", s["retailer_gain"], s["currency"])
    page.money("incremental_value", s["incremental_value"], s["currency"])
    page.line("stores_with_gain", s["stores_with_gain"], "fixed_int")
    page.money("gain_per_store", s["gain_per_store"], s["currency"])
    page.line("growth_value", s["growth_value"], "fixed_pct")
    page.section("sec_competitor")
    page.line("main_competitor", s["competitor"])
    page.line("share", s["share"], "fixed_pct")
    page.line("competitor_share", s["competitor_share"], "fixed_pct")
    gap = page.points("share_gap", s["share_gap_vs_competitor"])
    page.sheet.cond_formats += threshold_rules(gap, gap, 0.0, 0.0)
    page.points("share_change", s["share_change"])
    page.line("stores_ahead", s["stores_ahead"], "fixed_int")
    page.line("stores_behind", s["stores_behind"], "fixed_int")
    page.line("share_gap_units", s["share_gap_units"], "fixed_int")
    page.section("sec_roi")
    page.money("investment", s["investment"], s["currency"])
    page.line("incremental_units", s["incremental_units"], "fixed_int")
    page.money("incremental_margin", s["incremental_margin"], s["currency"])
    page.line("roi", s["roi"], "fixed_pct", page.word(s["roi_rag"]))
    page.rag(f"C{page.row - 1}")  # amber when many stores or a program lose money (docs/metrics.md)
    page.line("programs_done", s["programs_done"], "fixed_int", s["programs_applicable"])
    page.line("stores_roi_negative", s["stores_roi_negative"], "fixed_int", s["stores_invested"])
    page.line("programs_losing", s["programs_losing"], "fixed_int")


def quadrants(page: Page, s: dict) -> None:
    """Stores per quadrant, their share of the account and what to do with them."""
    page.section("sec_quadrant")
    page.header([page.t("quadrant"), page.t("stores"), page.t("share_of_stores"), page.t("what_to_do")])
    total = max(s["stores"], 1)
    for key in (*QUADRANTS, "none"):
        count = s["quadrants"][key]
        label = page.t("quadrant_none" if key == "none" else key)
        for col, (value, style) in enumerate(
            (
                (label, "fixed_center"),
                (count, "fixed_int"),
                (count / total, "fixed_pct"),
                (page.t(f"do_{key}"), "fixed"),
            ),
            start=1,
        ):
            page.sheet.set(page.row, col, value, style)
        page.rag(f"A{page.row}")
        page.row += 1


def problems(page: Page, s: dict) -> None:
    page.section("sec_flags")
    page.header([page.t("kind"), page.t("count")])
    for kind, count in s["flags"].items():
        page.sheet.set(page.row, 1, page.t(f"flag_{kind}"), "fixed")
        page.sheet.set(page.row, 2, count, "fixed_int")
        page.row += 1


def channel_months(page: Page, result) -> list[Chart]:
    """Sell-in vs sell-out by month with the closing channel stock and its weeks of cover (metrics/channel.py
    monthly_channel), and their chart beside the summary; nothing when the review has no months."""
    months = result.months
    if months is None or months.empty:
        return []
    page.section("sec_channel_months")
    note = page.t("channel_months_note")
    page.sheet.set(page.row, 1, note, "note")
    page.sheet.heights[page.row] = wrapped_height((note, WIDTHS[1]))  # LibreOffice does not grow the row
    page.row += 1
    keys = ("cm_month", "cm_sell_in", "cm_sell_out", "cm_ratio", "cm_closing_stock", "cm_cover")
    labels = [page.t(key) for key in keys]
    columns = [
        [str(month) for month in months.index],
        numbers(months["sell_in"]),
        numbers(months["sell_out"]),
        numbers(months["in_out_ratio"]),
        numbers(months["closing_stock"]),
        numbers(months["weeks_of_cover"]),
    ]
    styles = ["fixed_center", "fixed_int", "fixed_int", "fixed_num", "fixed_int", "fixed_num"]
    first, last = table(page, labels, columns, styles)
    page.row -= 1  # table() leaves a blank row; the next section adds its own
    series = ((labels[1], f"B{first}:B{last}"), (labels[2], f"C{first}:C{last}"), (labels[4], f"E{first}:E{last}"))
    return [
        Chart(
            "bar",
            page.t("chart_channel"),
            f"{CHART_COLUMN}59",
            f"A{first}:A{last}",
            series,
            y_title=page.t("cm_units"),
            width_cm=18,
            height_cm=8.5,
        )
    ]


def chart_data(page: Page, plan: Plan, result) -> list[Chart]:
    """The charts' data below the summary, and the three charts beside it."""
    page.section("sec_chart_data")
    weekly = weekly_table(page, result)
    by_sr = sr_table(page, plan, result)
    scatter = store_table(page, result)
    return [weekly, by_sr, scatter]


def table(page: Page, labels: list[str], columns: list[list], styles: list[str]) -> tuple[int, int]:
    """A header and the columns' values below it; returns the first and last data rows."""
    page.header(labels)
    first = page.row
    for col, (values, style) in enumerate(zip(columns, styles), start=1):
        for offset, value in enumerate(values):
            page.sheet.set(first + offset, col, value, style)
    page.row = first + max(len(columns[0]), 1) + 1
    return first, first + max(len(columns[0]), 1) - 1


def weekly_table(page: Page, result) -> Chart:
    w = result.weeks
    labels = [
        page.t("week"),
        page.t("week_target_units"),
        page.t("week_actual_units"),
        page.t("week_reporting_target"),
        page.t("week_attainment"),
        page.t("week_stores"),
    ]
    columns = [
        w["week_id"].tolist(),
        numbers(w["target_units"]),
        numbers(w["units"]),
        numbers(w["reporting_target"]),
        numbers(w["attainment"]),
        numbers(w["stores_reporting"]),
    ]
    first, last = table(
        page,
        labels,
        columns,
        ["fixed_center", "fixed_int", "fixed_int", "fixed_int", "fixed_pct", "fixed_int"],
    )
    return Chart(
        "line",
        page.t("chart_weekly"),
        f"{CHART_COLUMN}5",
        f"A{first}:A{last}",
        ((labels[1], f"B{first}:B{last}"), (labels[2], f"C{first}:C{last}")),
        y_title=page.t("units"),
        width_cm=18,
        height_cm=8.5,
    )


def sr_table(page: Page, plan: Plan, result) -> Chart:
    frame = result.rollups["sr_id"]
    kpis = [k for k in plan.kpis if k.is_sum]
    labels = [
        page.t("sr_id"),
        page.t("sr_name"),
        *(f"{k.id} · {k.name}" for k in kpis),
        page.t("score"),
    ]
    columns = [
        list(map(plain, frame.index)),
        [None if blank(v) else v for v in frame["sr_name"].tolist()],
        *(numbers(frame[f"{k.id}_attainment"]) for k in kpis),
        numbers(frame["score"]),
    ]
    styles = ["fixed_id", "fixed", *("fixed_pct" for _ in kpis), "fixed_score"]
    first, last = table(page, labels, columns, styles)
    series = tuple(
        (labels[2 + i], f"{column_letter(3 + i)}{first}:{column_letter(3 + i)}{last}") for i in range(len(kpis))
    )
    return Chart(
        "bar",
        page.t("chart_by_sr"),
        f"{CHART_COLUMN}23",
        f"B{first}:B{last}",
        series,
        y_title=page.t("attainment"),
        width_cm=18,
        height_cm=8.5,
    )


def store_table(page: Page, result) -> Chart:
    stores = result.stores
    labels = [page.t("store_id"), page.t("execution_score"), page.t("result_attainment")]
    columns = [
        list(stores.index),
        numbers(stores["execution_score"]),
        numbers(stores["result_attainment"]),
    ]
    first, last = table(page, labels, columns, ["fixed_id", "fixed_pct", "fixed_pct"])
    return Chart(
        "scatter",
        page.t("chart_scatter"),
        f"{CHART_COLUMN}41",
        f"B{first}:B{last}",
        ((labels[2], f"C{first}:C{last}"),),
        x_title=labels[1],
        y_title=labels[2],
        width_cm=18,
        height_cm=8.5,
    )

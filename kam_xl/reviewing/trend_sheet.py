"""The Trends sheet of the review: account, regions and SRs week by week and month by month, with the previous
period and the same period a year before when the history database has them (kam_xl.reviewing.trends)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.history.query import earlier_periods, weekly
from kam_xl.history.record import Recorder
from kam_xl.metrics.measures import Targets
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Plan
from kam_xl.reviewing.trends import growth, monthly, weekly_parts, with_ratios
from kam_xl.xlsx.spec import Chart, SheetSpec, area, column_letter

TITLE = ("Trends", "趋势")
TAB_COLOR = "548235"
WORDS = {
    "title": ("Trends · {account}", "趋势 · {account}"),
    "note": (
        "Week by week and month by month; every ratio recomputed from the summed figures. Attainment = units / week "
        "targets of the stores that reported; share = our units / category units; execution score as on the "
        "scorecards; ROI to date. Previous period and last year come from the history database.",
        "逐周、逐月；所有比率均由汇总数重新计算。达成率 = 销量 / 已填报门店的周目标；份额 = 我方销量 / 品类销量；"
        "执行得分同记分卡；投资回报为截至当周。上期与去年同期数据来自历史数据库。",
    ),
    "no_history": (
        "No earlier period of this account in the history database yet: growth columns stay blank.",
        "历史数据库中尚无本客户的更早期间：增长列为空。",
    ),
    "history": (
        "Compared with: previous period {previous}; same period last year {year}.",
        "对比：上期 {previous}；去年同期 {year}。",
    ),
    "none": ("none", "无"),
    "account_weeks": ("Account — week by week", "客户 — 逐周"),
    "account_months": ("Account — month by month", "客户 — 逐月"),
    "region_weeks": ("Region {name} — week by week", "大区 {name} — 逐周"),
    "sr_weeks": ("SRs — week by week", "业务代表 — 逐周"),
    "sr_months": ("SRs — month by month", "业务代表 — 逐月"),
    "week": ("Week", "周"),
    "month": ("Month", "月份"),
    "start": ("Start", "开始"),
    "group": ("SR", "业务代表"),
    "units": ("Units", "销量"),
    "target": ("Target", "目标"),
    "attainment": ("Attainment", "达成率"),
    "attainment_to_date": ("Attainment to date", "累计达成率"),
    "share": ("Share", "份额"),
    "execution_score": ("Execution score", "执行得分"),
    "roi_to_date": ("ROI to date", "累计投资回报"),
    "units_previous": ("Units, previous period", "上期销量"),
    "growth_previous": ("Growth vs previous period", "环比增长"),
    "units_year": ("Units, last year", "去年同期销量"),
    "growth_year": ("Growth vs last year", "同比增长"),
    "chart": ("{name}: attainment and share by week", "{name}：逐周达成率与份额"),
}
STYLE = {
    "units": "fixed_int",
    "units_target": "fixed_int",
    "attainment": "fixed_pct",
    "attainment_to_date": "fixed_pct",
    "share": "fixed_pct",
    "execution_score": "fixed_pct",
    "roi_to_date": "fixed_pct",
    "units_previous": "fixed_int",
    "growth_previous": "fixed_pct",
    "units_year": "fixed_int",
    "growth_year": "fixed_pct",
}
COLUMNS = (
    ("units", "units"),
    ("units_target", "target"),
    ("attainment", "attainment"),
    ("attainment_to_date", "attainment_to_date"),
    ("share", "share"),
    ("execution_score", "execution_score"),
    ("roi_to_date", "roi_to_date"),
    ("units_previous", "units_previous"),
    ("growth_previous", "growth_previous"),
    ("units_year", "units_year"),
    ("growth_year", "growth_year"),
)


def word(key: str, lang: str, **values) -> str:
    pair = WORDS[key]
    return (pair[0] if lang == "en" else pair[1]).format(**values)


def sheet_title(lang: str) -> str:
    return TITLE[0] if lang == "en" else TITLE[1]


def review_trends(
    plan: Plan, targets: Targets, entries: Entries, result, recorder: Recorder | None = None
) -> tuple[SheetSpec, pd.DataFrame]:
    """The Trends sheet and the weekly parts; with a recorder, the earlier periods are read from the history
    database and the review's numbers staged into it (committed after the workbook's save)."""
    parts = weekly_parts(plan, targets, entries, result.as_of_week or None)
    past = {"previous": None, "year": None}
    labels = {}
    if recorder is not None and recorder.enabled:
        previous, year = earlier_periods(recorder.database, plan.account.name, plan.account.period_start)
        for key, row in (("previous", previous), ("year", year)):
            if row is not None:
                past[key] = weekly(recorder.database, plan.account.name, row.period)
                labels[key] = row.period
        recorder.stage_review(plan, targets, result, parts.drop(columns=["month"]))
    return trends_sheet(plan, parts, past, labels), parts


def _group(frame: pd.DataFrame | None, level: str, key: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[(frame["level"] == level) & (frame["group_key"] == key)].sort_values("week")


def _compare(now: pd.DataFrame, past: dict, level: str, key: str) -> pd.DataFrame:
    """The group's weeks with their ratios and the same weeks of the earlier periods."""
    out = with_ratios(now.reset_index(drop=True))
    for name, suffix in (("previous", "previous"), ("year", "year")):
        then = _group(past.get(name), level, key)
        units = then.set_index("week")["units"] if not then.empty and "units" in then else pd.Series(dtype=float)
        out[f"units_{suffix}"] = out["week"].map(units).astype(float)
        out[f"growth_{suffix}"] = growth(out["units"], out[f"units_{suffix}"])
    return out


def _compare_months(now: pd.DataFrame) -> pd.DataFrame:
    months = monthly(now)
    if months.empty:
        return months
    grouped = now.groupby("month", sort=False)
    for suffix in ("previous", "year"):
        then = grouped[f"units_{suffix}"].sum(min_count=1)
        months[f"units_{suffix}"] = months["month"].map(then).astype(float)
        months[f"growth_{suffix}"] = growth(months["units"], months[f"units_{suffix}"])
    return months


class Writer:
    def __init__(self, sheet: SheetSpec, lang: str):
        self.sheet, self.lang, self.row = sheet, lang, 4

    def section(self, text: str) -> None:
        self.row += 1
        for col in range(1, len(COLUMNS) + 3):
            self.sheet.set(self.row, col, text if col == 1 else None, "section")
        self.row += 1

    def table(self, frame: pd.DataFrame, first: list[tuple[str, str, str]]) -> tuple[int, int]:
        """Header and rows; `first` = (column, header word key, style) before COLUMNS. Returns (first row, last)."""
        labels = [word(k, self.lang) for _, k, _ in first] + [word(k, self.lang) for _, k in COLUMNS]
        for col, label in enumerate(labels, start=1):
            self.sheet.set(self.row, col, label, "header")
        self.sheet.heights[self.row] = 32
        self.row += 1
        top = self.row
        for record in frame.to_dict(orient="records"):
            col = 1
            for name, _, style in first:
                self.sheet.set(self.row, col, record.get(name), style)
                col += 1
            for name, _ in COLUMNS:
                value = record.get(name)
                number = None if value is None or (isinstance(value, float) and not np.isfinite(value)) else value
                self.sheet.set(self.row, col, None if number is None else float(number), STYLE[name])
                col += 1
            self.row += 1
        return top, self.row - 1

    def chart(self, name: str, top: int, bottom: int, anchor_col: int) -> None:
        if bottom < top:
            return
        self.sheet.charts.append(
            Chart(
                "line",
                word("chart", self.lang, name=name),
                f"{column_letter(anchor_col)}{top - 1}",
                area(top, 1, bottom, 1),
                (
                    (word("attainment", self.lang), area(top, 5, bottom, 5)),
                    (word("attainment_to_date", self.lang), area(top, 6, bottom, 6)),
                    (word("share", self.lang), area(top, 7, bottom, 7)),
                ),
                width_cm=14,
                height_cm=6.5,
            )
        )


def trends_sheet(plan: Plan, parts: pd.DataFrame, past: dict, labels: dict) -> SheetSpec:
    lang = plan.language
    sheet = SheetSpec(sheet_title(lang), role="scorecard", tab_color=TAB_COLOR, freeze="A4")
    sheet.widths.update({1: 16, 2: 12, **{c: 12 for c in range(3, len(COLUMNS) + 3)}})
    sheet.set(1, 1, word("title", lang, account=plan.account.name), "title")
    sheet.set(2, 1, word("note", lang), "note")
    none = word("none", lang)
    sheet.set(
        3,
        1,
        word("history", lang, previous=labels.get("previous", none), year=labels.get("year", none))
        if labels
        else word("no_history", lang),
        "stamp",
    )
    out = Writer(sheet, lang)
    week_first = [("week_id", "week", "fixed_center"), ("week_start", "start", "fixed_date")]
    chart_col = len(COLUMNS) + 4
    account = plan.account.name
    now = _group(parts, "account", account)
    weeks = _compare(now, past, "account", account) if not now.empty else pd.DataFrame()
    out.section(word("account_weeks", lang))
    top, bottom = out.table(weeks, week_first)
    out.chart(account, top, bottom, chart_col)
    out.row = max(out.row, top + 14)
    out.section(word("account_months", lang))
    out.table(_compare_months(weeks) if not weeks.empty else weeks, [("month", "month", "fixed_center"),
                                                                     ("weeks", "week", "fixed_int")])  # fmt: skip
    for region in plan.regions():
        group = _group(parts, "region", region)
        if group.empty:
            continue
        out.section(word("region_weeks", lang, name=region))
        top, bottom = out.table(_compare(group, past, "region", region), week_first)
        out.chart(region, top, bottom, chart_col)
        out.row = max(out.row, top + 14)
    sr_rows, sr_months = [], []
    names = {s.sr_id: s.sr_name for s in plan.stores}
    for sr_id in dict.fromkeys(s.sr_id for s in plan.active_stores):
        group = _group(parts, "sr_id", sr_id)
        if group.empty:
            continue
        compared = _compare(group, past, "sr_id", sr_id)
        compared["who"] = f"{sr_id} {names.get(sr_id, '')}".strip()
        sr_rows.append(compared)
        months = _compare_months(compared)
        months["who"] = compared["who"].iloc[0]
        sr_months.append(months)
    who = ("who", "group", "fixed")
    if sr_rows:
        out.section(word("sr_weeks", lang))
        top, bottom = out.table(pd.concat(sr_rows, ignore_index=True), [who, ("week_id", "week", "fixed_center")])
        sheet.autofilter = area(top - 1, 1, bottom, len(COLUMNS) + 2)
        out.section(word("sr_months", lang))
        out.table(pd.concat(sr_months, ignore_index=True), [who, ("month", "month", "fixed_center")])
    return sheet

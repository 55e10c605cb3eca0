"""The review's scorecard sheets as SheetSpecs: store, SR, region and tier scorecards, problems, next period."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kam_xl.lang.numbers import day_words, week_words
from kam_xl.lang.texts import review_text
from kam_xl.lang.words import sheet_name
from kam_xl.metrics.measures import RATE_PARTS, SCORE_DECIMALS
from kam_xl.model.plan import Plan
from kam_xl.storetabs.layout import threshold_rules
from kam_xl.version import __version__
from kam_xl.xlsx.spec import CondFormat, Formula, SheetSpec, Validation, column_letter
from kam_xl.xlsx.styles import POINTS_STYLES, in_language

STAMP_CELL = "A3"  # the computed-at stamp: the one cell that differs between two runs of review
GROUP_ROW = 5  # tables: group headers, then column headers, then one row per record
TAB_COLOR = "548235"
QUADRANT_STYLE = {
    "star": "green",
    "plan_issue": "amber",
    "execution_gap": "red",
    "untapped": "amber",
}


@dataclass(frozen=True)
class Column:
    """One column of a scorecard table: the frame column it shows, its header and how it looks."""

    key: str
    label: str
    style: str = "fixed"
    group: str = ""
    kind: str = "number"  # number, text (also dates), rag, quadrant, formula
    width: float = 11.0
    colour: tuple[float, float] | None = None  # (green, amber) thresholds colouring the value
    decimals: int | None = None  # the value is coloured rounded to these decimals (as shown), not as computed
    formula: str = ""  # kind "formula": "=..." naming other columns as {key}
    total: bool = False  # summed in the totals row


# (key, style, label key) of the metric groups every scorecard shows.
DATA_COLUMNS = (
    ("weeks_entered", "fixed_int", "weeks_entered"),
    ("weeks_missing", "fixed_int", "weeks_missing"),
)
STORE_DATA = (
    ("data_week_id", "fixed_center", "data_week_id"),
    ("as_of_date", "fixed_date", "as_of_date"),
)
SELL_OUT = (
    ("units_forecast", "fixed_int", "forecast_units"),
    ("units_forecast_vs_target", "fixed_pct", "units_fc_vs_target"),
    ("value_forecast", "fixed_int", "forecast_value"),
    ("value_forecast_vs_target", "fixed_pct", "value_fc_vs_target"),
    ("growth_units", "fixed_pct", "growth"),
    ("growth_value", "fixed_pct", "growth_value"),
)
SHARE = (
    ("share", "fixed_pct", "share"),
    ("baseline_share", "fixed_pct", "baseline_share"),
    ("share_change", "fixed_pts", "share_change"),
    ("competitor_share", "fixed_pct", "competitor_share"),
    ("share_gap_vs_competitor", "fixed_pts", "share_gap"),
)
EXECUTION = tuple(
    (RATE_PARTS[m][0], "fixed_pct", RATE_PARTS[m][0])
    for m in ("display", "promoter", "programs", "actions", "coverage")
)
CHANNEL = (  # sell-in, channel stock and visits (metrics/channel.py)
    ("sell_in_actual", "fixed_int", "sell_in_actual"),
    ("sell_through", "fixed_pct", "sell_through"),
    ("stock_gap", "fixed_int", "stock_gap"),
    ("push_weeks", "fixed_int", "push_weeks"),
    ("visits_made", "fixed_int", "visits_made"),
    ("visits_planned", "fixed_num", "visits_planned"),
)
MONEY = (
    ("investment", "fixed_int", "investment"),
    ("incremental_units", "fixed_int", "incremental_units"),
    ("incremental_margin", "fixed_int", "incremental_margin"),
    ("roi", "fixed_pct", "roi"),
    ("retailer_gain", "fixed_int", "retailer_gain"),
)
TEXT_KEYS = {"data_week_id", "as_of_date"}


# ---------------------------------------------------------------------------
# Sheet frame: title, stamps, tables
# ---------------------------------------------------------------------------


def new_sheet(key: str, plan: Plan, result) -> SheetSpec:
    """A scorecard sheet with its title, the as-of stamp and the computed-at stamp (STAMP_CELL)."""
    lang = plan.language
    sheet = SheetSpec(sheet_name(key, lang), role="scorecard", tab_color=TAB_COLOR)
    sheet.set(1, 1, f"{sheet.title} · {plan.account.name}", "title")
    sheet.set(2, 1, as_of_words(plan, result), "subtitle")
    sheet.put(
        STAMP_CELL,
        review_text("stamp_computed", lang).format(at=result.computed_at.replace("T", " "), version=__version__),
        "stamp",
    )
    sheet.volatile.add(STAMP_CELL)  # a review that computes the same scorecards changes nothing
    return sheet


def as_of_words(plan: Plan, result) -> str:
    if not result.as_of_week:
        return review_text("stamp_no_data", plan.language)
    week = plan.weeks[result.as_of_week - 1]
    lang = plan.language
    return review_text("stamp_as_of", lang).format(
        week=week_words(week.start, lang),
        number=result.as_of_week,
        weeks=len(plan.weeks),
        end=day_words(week.end, lang),
        week_id=week.id,
    )


def metric_columns(spec, group: str, lang: str, skip=frozenset()) -> list[Column]:
    return [
        Column(key, review_text(label, lang), in_language(style, lang), group, "text" if key in TEXT_KEYS else "number")
        for key, style, label in spec
        if key not in skip
    ]


def kpi_columns(plan: Plan) -> list[Column]:
    """Per KPI: period target, target to date (sum KPIs), actual, attainment (coloured) and RAG."""
    lang, out = plan.language, []
    for k in plan.kpis:
        group, style = f"{k.id} · {k.name}", "fixed_int" if k.is_sum else "fixed_pct"
        out.append(Column(f"{k.id}_target", review_text("period_target", lang), style, group))
        if k.is_sum:
            out.append(Column(f"{k.id}_target_to_date", review_text("target_to_date", lang), style, group))
        out += [
            Column(f"{k.id}_actual", review_text("actual", lang), style, group),
            Column(
                f"{k.id}_attainment",
                review_text("attainment", lang),
                "fixed_pct",
                group,
                colour=(k.green, k.amber),
            ),
            Column(f"{k.id}_rag", review_text("rag", lang), "fixed_center", group, "rag", 8),
        ]
    return out


def score_columns(plan: Plan, ranks: tuple[str, ...]) -> list[Column]:
    lang, acc = plan.language, plan.account
    group = review_text("grp_score", lang)
    return [
        Column(
            "score",
            review_text("score", lang),
            "fixed_score",
            group,
            colour=(acc.score_green * 100, acc.score_amber * 100),
            decimals=SCORE_DECIMALS,
        ),
        Column("score_rag", review_text("score_rag", lang), "fixed_center", group, "rag", 9),
        Column("quadrant", review_text("quadrant", lang), "fixed_center", group, "quadrant", 14),
        *(Column(rank, review_text(rank, lang), "fixed_int", group, width=8) for rank in ranks),
        Column("result_attainment", review_text("result_attainment", lang), "fixed_pct", group),
        Column(
            "execution_score",
            review_text("execution_score", lang),
            "fixed_pct",
            group,
            colour=(acc.execution_threshold, acc.execution_threshold),
        ),
    ]


def detail_columns(plan: Plan, data) -> list[Column]:
    """Data, sell-out, share, execution and money columns (the rates a KPI shows already left out)."""
    lang = plan.language
    measured = {RATE_PARTS[k.measure][0] for k in plan.kpis if k.measure in RATE_PARTS}
    return [
        *metric_columns(data, review_text("grp_data", lang), lang),
        *metric_columns(SELL_OUT, review_text("grp_sell_out", lang), lang),
        *metric_columns(SHARE, review_text("grp_share", lang), lang, measured),
        *metric_columns(EXECUTION, review_text("grp_execution", lang), lang, measured),
        *metric_columns(CHANNEL, review_text("grp_channel", lang), lang),
        *metric_columns(MONEY, review_text("grp_money", lang), lang),
    ]


def text_column(key: str, lang: str, group: str, width: float = 12.0, style: str = "fixed") -> Column:
    return Column(key, review_text(key, lang), style, group, "text", width)


def write_table(
    sheet: SheetSpec,
    columns: list[Column],
    frame: pd.DataFrame,
    lang: str,
    top: int = GROUP_ROW,
    freeze_cols: int = 1,
) -> int:
    """Group headers at `top`, column headers below, one row per frame row; returns the last row."""
    header, first = top + 1, top + 2
    _group_row(sheet, columns, top)
    refs = {column.key: column_letter(c) for c, column in enumerate(columns, start=1)}
    for c, column in enumerate(columns, start=1):
        sheet.set(header, c, column.label, "header")
        sheet.widths[c] = column.width
        for offset, value in enumerate(column_values(frame, column, lang, refs, first)):
            sheet.cells[(first + offset, c)] = (value, column.style)
    last = first + len(frame) - 1
    sheet.heights[header] = 45
    sheet.freeze = f"{column_letter(freeze_cols + 1)}{first}"
    sheet.autofilter = f"A{header}:{column_letter(len(columns))}{max(last, header)}"
    if len(frame):
        colour_columns(sheet, columns, first, last, lang)
    return last


def _group_row(sheet: SheetSpec, columns: list[Column], row: int) -> None:
    start = 1
    for c in range(1, len(columns) + 2):
        if c <= len(columns) and columns[c - 1].group == columns[start - 1].group:
            continue
        sheet.set(row, start, columns[start - 1].group, "section")
        for col in range(start + 1, c):
            sheet.set(row, col, None, "section")
        if c - start > 1:
            sheet.merges.append(f"{column_letter(start)}{row}:{column_letter(c - 1)}{row}")
        start = c


def column_values(frame: pd.DataFrame, column: Column, lang: str, refs: dict[str, str], first: int) -> list:
    """The cell values of one column, blanks as None, labels in the language, formulas per row."""
    if column.kind == "formula":
        return [formula_at(column, refs, first + offset) for offset in range(len(frame))]
    series = frame[column.key]
    if column.kind == "number":
        return numbers(series * 100 if column.style.startswith(POINTS_STYLES) else series)  # shares' points
    labels = {k: review_text(k, lang) for k in ("green", "amber", "red", *QUADRANT_STYLE)}
    return [
        None if blank(v) else labels.get(v, v) if column.kind in ("rag", "quadrant") else plain(v)
        for v in series.tolist()
    ]


def formula_at(column: Column, refs: dict[str, str], row: int) -> Formula:
    return Formula(column.formula.format(**{key: f"{letter}{row}" for key, letter in refs.items()}))


def numbers(series: pd.Series) -> list:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    out = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)):
        out[i] = None
    return out


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def plain(value):
    """numpy scalars as Python values."""
    return value.item() if isinstance(value, np.generic) else value


def colour_columns(sheet: SheetSpec, columns: list[Column], first: int, last: int, lang: str) -> None:
    """Conditional formats: RAG words, quadrants, and attainments against their thresholds."""
    for c, column in enumerate(columns, start=1):
        letter = column_letter(c)
        area, top = f"{letter}{first}:{letter}{last}", f"{letter}{first}"
        if column.kind in ("rag", "quadrant"):
            styles = QUADRANT_STYLE if column.kind == "quadrant" else {k: k for k in ("green", "amber", "red")}
            sheet.cond_formats += [
                CondFormat(area, f'={top}="{review_text(key, lang)}"', style) for key, style in styles.items()
            ]
        elif column.colour and column.decimals is not None:
            sheet.cond_formats += shown_threshold_rules(area, top, *column.colour, column.decimals)
        elif column.colour:
            sheet.cond_formats += threshold_rules(area, top, *column.colour)


def shown_threshold_rules(area: str, top: str, green: float, amber: float, decimals: int) -> list[CondFormat]:
    """Green / amber / red on the value rounded as it is shown (the score: SCORE_DECIMALS), so that a cell
    showing 100.0 is never amber."""
    value = f"ROUND({top},{decimals})"
    return [
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}>={green})", "green"),
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}<{green},{value}>={amber})", "amber"),
        CondFormat(area, f"=AND(ISNUMBER({top}),{value}<{amber})", "red"),
    ]


# ---------------------------------------------------------------------------
# Store, SR, region and tier scorecards
# ---------------------------------------------------------------------------


def store_columns(plan: Plan) -> list[Column]:
    """Every column of the Store scorecard, in order."""
    lang = plan.language
    group = review_text("grp_store", lang)
    identity = [
        text_column("store_id", lang, group, 10, "fixed_id"),
        text_column("store_name", lang, group, 30),
        text_column("sr_id", lang, group, 9),
        text_column("sr_name", lang, group, 14),
        text_column("region", lang, group),
        text_column("store_tier", lang, group, 8, "fixed_center"),
        text_column("city", lang, group),
    ]
    flags = review_text("grp_flags", lang)
    return [
        *identity,
        *score_columns(plan, ("rank_in_sr", "rank_in_region", "rank_in_account")),
        *kpi_columns(plan),
        *detail_columns(plan, STORE_DATA + DATA_COLUMNS),
        Column("flag_count", review_text("flag_count", lang), "fixed_int", flags),
        text_column("flag_kinds", lang, flags, 40),
    ]


def store_frame(plan: Plan, result) -> pd.DataFrame:
    """The store table with its id, city and the words of its flags."""
    lang = plan.language
    frame = result.stores.reset_index()
    cities = {s.store_id: s.city for s in plan.stores}
    frame["city"] = frame["store_id"].map(cities)
    kinds = result.flags.assign(label=result.flags["kind"].map(lambda k: review_text(f"flag_{k}", lang)))
    words = kinds.groupby("store_id", sort=False)["label"].agg("; ".join)
    frame["flag_kinds"] = frame["store_id"].map(words)
    return frame


def store_sheet(plan: Plan, result) -> SheetSpec:
    sheet = new_sheet("sc_store", plan, result)
    write_table(sheet, store_columns(plan), store_frame(plan, result), plan.language, freeze_cols=2)
    return sheet


KEY_COLUMNS = {"sr_id": ("sr_id", "sr_name"), "region": ("region",), "store_tier": ("store_tier",)}
SHEET_OF = {"sr_id": "sc_sr", "region": "sc_region", "store_tier": "sc_tier"}


def rollup_columns(plan: Plan, by: str) -> list[Column]:
    lang = plan.language
    group = review_text("grp_group", lang)
    keys = [text_column(key, lang, group, 16) for key in KEY_COLUMNS[by]]
    return [
        *keys,
        Column("stores", review_text("stores", lang), "fixed_int", group, width=8),
        *score_columns(plan, ("rank",)),
        *kpi_columns(plan),
        *detail_columns(plan, DATA_COLUMNS),
        Column(
            "flag_count",
            review_text("flag_count", lang),
            "fixed_int",
            review_text("grp_flags", lang),
        ),
    ]


def rollup_sheet(plan: Plan, result, by: str) -> SheetSpec:
    """One row per SR, region or tier, and the account's row last."""
    sheet = new_sheet(SHEET_OF[by], plan, result)
    frame = result.rollups[by].reset_index()
    total = result.rollups["account"].reset_index(drop=True).assign(rank=np.nan)
    total[KEY_COLUMNS[by][0]] = review_text("account_total", plan.language)
    write_table(
        sheet,
        rollup_columns(plan, by),
        pd.concat([frame, total], ignore_index=True),
        plan.language,
        freeze_cols=len(KEY_COLUMNS[by]),
    )
    return sheet


# ---------------------------------------------------------------------------
# Problems & opportunities, next period
# ---------------------------------------------------------------------------


def next_period_columns(plan: Plan) -> list[Column]:
    lang = plan.language
    group = review_text("grp_store", lang)
    out = [
        text_column("store_id", lang, group, 10, "fixed_id"),
        text_column("store_name", lang, group, 30),
        text_column("sr_id", lang, group, 9),
        text_column("region", lang, group),
        text_column("store_tier", lang, group, 8, "fixed_center"),
    ]
    for k in (k for k in plan.kpis if k.is_sum):
        name = f"{k.id} · {k.name}"
        out += [
            Column(
                f"{k.id}_current",
                review_text("current_target", lang),
                "fixed_int",
                name,
                total=True,
            ),
            Column(f"{k.id}_forecast", review_text("run_rate", lang), "fixed_int", name, total=True),
            Column(
                f"{k.id}_suggested",
                review_text("suggested", lang),
                "input_int",
                name,
                width=13,
                total=True,
            ),
            Column(
                f"{k.id}_change",
                review_text("change", lang),
                "calc_pct",
                name,
                "formula",
                formula=f'=IF(N({{{k.id}_current}})>0,{{{k.id}_suggested}}/{{{k.id}_current}}-1,"")',
            ),
        ]
    share = plan.kpi_for("share")
    group = review_text("grp_share", lang)
    if share is not None:
        out += [
            Column("share_target", review_text("share_target", lang), "fixed_pct", group),
            Column("share", review_text("share", lang), "fixed_pct", group),
        ]
    out.append(
        Column(
            "share_gap_units",
            review_text("share_gap_units", lang),
            "fixed_int",
            group,
            width=13,
            total=True,
        )
    )
    return out


def next_period_sheet(plan: Plan, result) -> SheetSpec:
    """Suggested targets (input-styled, for the KAM to adjust), the change they make and the share gap."""
    lang = plan.language
    sheet = new_sheet("sc_next", plan, result)
    sheet.set(4, 1, review_text("kam_note_next", lang), "stamp")
    share = plan.kpi_for("share")
    stores = result.stores
    frame = result.next_period.assign(
        store_name=stores["store_name"],
        sr_id=stores["sr_id"],
        region=stores["region"],
        store_tier=stores["store_tier"],
        share=stores["share"],
        share_target=stores[f"{share.id}_target"] if share else np.nan,
    ).reset_index()
    columns = next_period_columns(plan)
    last = write_table(sheet, columns, frame, lang, freeze_cols=2)
    totals_row(sheet, columns, GROUP_ROW + 2, last, review_text("total", lang))
    for c, column in enumerate(columns, start=1):  # the KAM's input: read back by `kam next-period`
        if column.key.endswith("_suggested") and last >= GROUP_ROW + 2:
            area = f"{column_letter(c)}{GROUP_ROW + 2}:{column_letter(c)}{last}"
            sheet.validations.append(
                Validation(area, "decimal", lo=0, hi=1e12, error=review_text("dv_next_target", lang))
            )
    return sheet


def totals_row(sheet: SheetSpec, columns: list[Column], first: int, last: int, label: str) -> None:
    """Below the table: the label, SUM of the total columns and the formula columns on the sums."""
    row = last + 1
    sheet.set(row, 1, label, "label")
    refs = {column.key: column_letter(c) for c, column in enumerate(columns, start=1)}
    for c, column in enumerate(columns, start=1):
        letter = refs[column.key]
        if column.total:
            value = Formula(f"=SUM({letter}{first}:{letter}{max(last, first)})") if last >= first else 0
            sheet.set(row, c, value, "calc_int")
        elif column.kind == "formula":
            sheet.set(row, c, formula_at(column, refs, row), column.style)

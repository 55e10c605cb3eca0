"""`kam portfolio`: every key account in the history database side by side, for management, in one workbook.

One row per account (its latest reviewed period, or the period asked for), ranked by score: targets, attainment,
share vs the main competitor, execution, investment and ROI, the retailer's gain, relationship level vs target,
stores per quadrant and the top problems — the numbers each account's own review recorded (same definitions).
The total row sums the parts and recomputes every ratio from the sums (never an average of the accounts'
ratios); the execution score and the score are averaged weighted by the accounts' units targets, as the
scorecards roll them up; money is totalled only when every account uses one currency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kam_xl.errors import KamError
from kam_xl.history import query as Q
from kam_xl.history.store import choose, open_database
from kam_xl.lang.words import enum_label
from kam_xl.metrics.measures import ratios
from kam_xl.xlsx.guard import DEFAULT_WAIT, check_new_workbook_name, exclusive
from kam_xl.xlsx.read import open_book
from kam_xl.xlsx.spec import Chart, SheetSpec, area
from kam_xl.xlsx.styles import POINTS_STYLES, in_language
from kam_xl.xlsx.writer import new_package

QUADRANTS = ("star", "plan_issue", "execution_gap", "untapped")
WORDS = {
    "title": ("Key account portfolio", "大客户组合"),
    "note": (
        "Each account as its own review computed it (latest review of the period); ranked by score. The total row "
        "recomputes every ratio from the summed figures.",
        "各客户数据均取自其自身回顾（该期间最近一次回顾）；按得分排名。合计行的比率均由汇总数重新计算。",
    ),
    "total": ("All accounts", "全部客户"),
    "chart": ("Units vs target to date, by account", "各客户累计销量达成率"),
}
COLUMNS = (  # key, English, Chinese, style
    ("rank", "Rank", "排名", "fixed_int"),
    ("account", "Account", "客户", "fixed_id"),
    ("period", "Period", "期间", "fixed"),
    ("as_of_week_id", "Review week", "回顾周", "fixed_center"),
    ("stores", "Stores", "门店数", "fixed_int"),
    ("currency", "Currency", "币种", "fixed_center"),
    ("units_target", "Units target (period)", "销量目标（全期）", "fixed_int"),
    ("units_target_to_date", "Units target to date", "累计销量目标", "fixed_int"),
    ("units_actual", "Units to date", "累计销量", "fixed_int"),
    ("units_attainment", "Units attainment", "销量达成率", "fixed_pct"),
    ("value_actual", "Value to date", "累计销售额", "fixed_int"),
    ("value_attainment", "Value attainment", "销售额达成率", "fixed_pct"),
    ("score", "Score", "得分", "fixed_score"),
    ("share", "Share", "份额", "fixed_pct"),
    ("competitor_share", "Main competitor's share", "主要竞品份额", "fixed_pct"),
    ("share_gap_vs_competitor", "Gap vs competitor", "与竞品差距", "fixed_pts"),
    ("execution_score", "Execution score", "执行得分", "fixed_pct"),
    ("investment", "Investment", "投入", "fixed_int"),
    ("incremental_margin", "Incremental margin", "增量毛利", "fixed_int"),
    ("roi", "ROI", "投资回报率", "fixed_pct"),
    ("retailer_gain", "Retailer's gain", "零售商收益", "fixed_int"),
    ("relationship", "Relationship (evidence)", "关系层级（证据）", "fixed"),
    ("relationship_target", "Relationship target", "目标关系层级", "fixed"),
    ("star", "Stars", "明星门店", "fixed_int"),
    ("plan_issue", "Plan issue", "计划问题", "fixed_int"),
    ("execution_gap", "Execution gap", "执行差距", "fixed_int"),
    ("untapped", "Untapped", "潜力未挖", "fixed_int"),
    ("top_problems", "Top problems", "主要问题", "fixed_wrap"),
)
SUMMED = ("stores", "units_target", "units_target_to_date", "units_actual", *QUADRANTS)
MONEY = ("value_actual", "investment", "incremental_margin", "retailer_gain")


@dataclass
class PortfolioResult:
    path: Path
    accounts: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"{a['rank']:>3}. {a['account']} ({a['period']}): score {_fmt(a['score'], '.1f')}, units "
            f"{_fmt(a['units_attainment'], '.1%')} of target to date, share {_fmt(a['share'], '.1%')}"
            for a in self.accounts
        ]
        return out + [f"{len(self.accounts)} account(s) side by side in {self.path}"]

    def as_dict(self) -> dict:
        return {"portfolio": str(self.path), "accounts": self.accounts, "total": self.total}


def _fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def portfolio(
    db: str | Path | None,
    out: str | Path,
    *,
    period: str | None = None,
    wait: float | None = DEFAULT_WAIT,
    force: bool = False,
) -> PortfolioResult:
    """Write the portfolio workbook `out` from the history database `db` (KamError when it has no review)."""
    check_new_workbook_name(out)  # said before the database is opened
    target = choose(None, db)
    if target is None:
        raise KamError("--db none: the portfolio is read from the history database — give --db PATH_OR_URL")
    database = open_database(target, create=False)
    try:
        rows = account_rows(database, period)
    finally:
        database.close()
    if not rows:
        raise KamError(
            f"the history database {target} holds no reviewed account{' for ' + period if period else ''}: run "
            "`kam review BOOK --db ...` on each account's workbook first"
        )
    result = PortfolioResult(Path(out), rows, total_row(rows))
    lang = "zh" if all(r.get("language") == "zh" for r in rows) else "en"
    with exclusive(out, command="portfolio", wait=wait, force=force, new=True):
        if not force:
            _check_replaceable(Path(out))
        new_package([portfolio_sheet(result, lang)]).save(Path(out))
    return result


def _check_replaceable(out: Path) -> None:
    """KamError when `out` exists and is not a portfolio kam wrote (an account's workbook given as --out by
    mistake is not replaced without --force; an earlier portfolio is, its content kept as a backup)."""
    if not out.exists():
        return
    try:
        names = open_book(out).sheet_names
    except (KamError, OSError, ValueError):
        names = None
    if names is None or len(names) != 1 or names[0] not in WORDS["title"]:
        raise KamError(
            f"--out {out} exists and is not a portfolio written by kam — give another file name, or add --force to "
            "replace it (its content is kept as a backup beside it)"
        )


def _pick_period(rows: list[Q.PeriodRow], period: str | None) -> Q.PeriodRow | None:
    if not rows:
        return None
    if period is None:
        return rows[-1]
    exact = [r for r in rows if r.period == period]
    if exact:
        return exact[-1]
    try:
        day = date.fromisoformat(period.strip())
    except ValueError:
        raise KamError(f"--period {period}: give a period key such as {rows[-1].period} or a date YYYY-MM-DD") from None
    inside = [r for r in rows if r.start <= day <= r.end]
    return inside[-1] if inside else None


def account_rows(database, period: str | None) -> list[dict]:
    """One dict per account (the chosen period's latest review), ranked by score (1 = best)."""
    by_account: dict[str, list[Q.PeriodRow]] = {}
    for row in Q.periods(database):
        by_account.setdefault(row.account, []).append(row)
    rows = []
    for account, periods in by_account.items():
        chosen = _pick_period(periods, period)
        if chosen is None:
            continue
        cards = Q.scorecards(database, account, chosen.period)
        summary = cards.get("summary", {}).get(account)
        total = cards.get("account", {}).get(account)
        if not summary or not total:
            continue
        rows.append(account_row(chosen, summary, total, cards.get("problems", {}).get(account, {})))
    scored = sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0.0), r["account"]))
    for rank, row in enumerate(scored, start=1):
        row["rank"] = rank
    return scored


def account_row(period: Q.PeriodRow, summary: dict, total: dict, problems: dict) -> dict:
    kpis = {k["measure"]: k for k in summary.get("kpis", [])}
    relationship = summary.get("relationship", {})
    lang = period.language
    top = sorted(problems.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {
        "rank": None,
        "account": period.account,
        "period": period.period,
        "language": lang,
        "as_of_week_id": summary.get("as_of_week_id"),
        "stores": summary.get("stores"),
        "currency": period.currency,
        "units_target": total.get("units_target"),
        "units_target_to_date": total.get("units_target_to_date"),
        "units_actual": total.get("units_actual"),
        "units_attainment": kpis.get("units", {}).get("attainment"),
        "value_actual": total.get("value_actual"),
        "value_attainment": kpis.get("value", {}).get("attainment"),
        "score": summary.get("score"),
        "share": summary.get("share"),
        "competitor_share": summary.get("competitor_share"),
        "share_gap_vs_competitor": summary.get("share_gap_vs_competitor"),
        "execution_score": summary.get("execution_score"),
        "investment": summary.get("investment"),
        "incremental_margin": total.get("incremental_margin"),
        "roi": summary.get("roi"),
        "retailer_gain": summary.get("retailer_gain"),
        "relationship": _level(relationship.get("evidence"), lang),
        "relationship_target": _level(relationship.get("target"), lang),
        **{q: summary.get("quadrants", {}).get(q, 0) for q in QUADRANTS},
        "top_problems": "; ".join(f"{kind.replace('_', ' ')} ({n})" for kind, n in top),
        "parts": {
            k: total.get(k)
            for k in (
                "share_units",
                "share_category",
                "competitor_units",
                "competitor_category",
                "value_target_to_date",
            )
        },  # fmt: skip
    }


def _level(key: str | None, lang: str) -> str | None:
    if not key:
        return None
    try:
        return enum_label("relationship", key, lang)
    except KeyError:
        return key


def _sum(rows: list[dict], key: str, parts: bool = False) -> float | None:
    values = [(r["parts"] if parts else r).get(key) for r in rows]
    known = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return float(sum(known)) if known else None


def _ratio(num, den) -> float | None:
    value = float(ratios(num if num is not None else math.nan, den if den is not None else math.nan))
    return value if math.isfinite(value) else None


def _weighted(rows: list[dict], key: str) -> float | None:
    pairs = [(r.get(key), r.get("units_target")) for r in rows]
    pairs = [(v, w) for v, w in pairs if v is not None and w is not None]
    return _ratio(sum(v * w for v, w in pairs), sum(w for _, w in pairs)) if pairs else None


def total_row(rows: list[dict]) -> dict:
    """The accounts together: sums, and ratios recomputed from them."""
    total = {key: _sum(rows, key) for key in SUMMED}
    total["units_attainment"] = _ratio(total["units_actual"], total["units_target_to_date"])
    share = _ratio(_sum(rows, "share_units", True), _sum(rows, "share_category", True))
    rival = _ratio(_sum(rows, "competitor_units", True), _sum(rows, "competitor_category", True))
    total["share"], total["competitor_share"] = share, rival
    total["share_gap_vs_competitor"] = None if share is None or rival is None else share - rival
    total["execution_score"] = _weighted(rows, "execution_score")
    total["score"] = _weighted(rows, "score")
    if len({r["currency"] for r in rows}) == 1:
        for key in MONEY:
            total[key] = _sum(rows, key)
        total["value_attainment"] = _ratio(total["value_actual"], _sum(rows, "value_target_to_date", True))
        if total["investment"] is not None and total["incremental_margin"] is not None:
            total["roi"] = _ratio(total["incremental_margin"] - total["investment"], total["investment"])
        total["currency"] = rows[0]["currency"]
    return total


def portfolio_sheet(result: PortfolioResult, lang: str) -> SheetSpec:
    pick = 1 if lang == "en" else 2
    sheet = SheetSpec(WORDS["title"][pick - 1], role="portfolio", freeze="C5", tab_color="1F4E78")
    sheet.set(1, 1, WORDS["title"][pick - 1], "title")
    sheet.set(2, 1, WORDS["note"][pick - 1], "note")
    header = 4
    for col, column in enumerate(COLUMNS, start=1):
        sheet.set(header, col, column[pick], "header")
        sheet.widths[col] = 30 if column[0] == "top_problems" else (24 if column[0] == "account" else 13)
    sheet.heights[header] = 42
    row = header
    for row, record in enumerate(result.accounts, start=header + 1):
        _put_row(sheet, row, record, lang)
    total = dict(result.total, account=WORDS["total"][pick - 1])
    _put_row(sheet, row + 1, total, lang)
    sheet.autofilter = area(header, 1, row, len(COLUMNS))
    sheet.charts.append(
        Chart(
            "bar",
            WORDS["chart"][pick - 1],
            f"A{row + 4}",
            area(header + 1, 2, row, 2),
            ((COLUMNS[9][pick], area(header + 1, 10, row, 10)),),
            width_cm=18,
            height_cm=8,
        )
    )
    return sheet


def _put_row(sheet: SheetSpec, row: int, record: dict, lang: str = "en") -> None:
    for col, (key, _, _, style) in enumerate(COLUMNS, start=1):
        value = record.get(key)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        if style in POINTS_STYLES and value is not None:
            value = float(value) * 100  # percentage points
        sheet.set(row, col, value, in_language(style, lang))

"""Problems & opportunities in words: each flag's evidence and suggested action, in the workbook's language."""

from __future__ import annotations

import pandas as pd

from kam_xl.lang.numbers import percent
from kam_xl.lang.texts import review_text
from kam_xl.lang.words import ENUMS, enum_label
from kam_xl.model.plan import Plan

# How each detail of a flag is shown: percent with n decimals, whole number, or one decimal.
PERCENT = {
    "amber": 0,
    "latest_attainment": 0,
    "share_before": 1,
    "share_last": 1,
    "roi": 0,
    "execution": 0,
    "result": 0,
}
WHOLE = {"units_before", "units_last", "stock", "incremental_margin", "investment", "weeks"}
OPPORTUNITY_ACTIONS = {"star": "replicate", "untapped": "raise_bar"}
COLUMNS = (
    "number",
    "problem_id",
    "type",
    "kind",
    "store_id",
    "store_name",
    "sr_id",
    "sr_name",
    "region",
    "evidence",
    "suggested_action",
    "at_stake",
    "severity",
)
SELL_OUT_KINDS = frozenset({"below_amber", "share_falling", "stock_out_risk", "stale"})
HIGH, MEDIUM = 0.2, 0.5  # the top 20 % of the problems by money at stake are High, the next 30 % Medium


def shown(name: str, value: object, lang: str) -> str:
    """A flag detail as the evidence sentence shows it."""
    if value is None:
        return "–"
    if name in PERCENT:
        return percent(value, PERCENT[name])  # never "-0%"
    if name in WHOLE:
        return f"{value:,.0f}"
    if name == "weeks_of_cover":
        return f"{value:.1f}"
    if name == "status" and value in ENUMS["program_status"]:
        return enum_label("program_status", value, lang)
    return str(value)


def evidence(kind: str, detail: dict, lang: str, as_of: str | None) -> str:
    """The evidence of a flag in words, from its detail."""
    key = "program_no_status" if kind == "program_overdue" and not detail.get("status") else kind
    words = {name: shown(name, value, lang) for name, value in detail.items()}
    return review_text(f"ev_{key}", lang).format(as_of=as_of or "–", **words)


STAKE_COLUMNS = ("units_target_to_date", "units_actual", "investment", "incremental_margin", "roi")  # what it uses


def at_stake(plan: Plan, kind: str, detail: dict, store: pd.Series | dict) -> float:
    """The money at stake of a problem, in margin (docs/metrics.md "Problem tracker"): the sell-out gap's margin
    for sell-out problems, the money lost for ROI below 0, the program's cost for a program not closed, the
    incremental margin for an opportunity; 0 for overstock."""
    margin = plan.account.margin_per_unit
    if kind in SELL_OUT_KINDS:
        gap = store["units_target_to_date"] - store["units_actual"]
        return float(max(gap, 0.0) * margin) if pd.notna(gap) else 0.0
    if kind == "roi_negative":
        return float(max(store["investment"] - store["incremental_margin"], 0.0))
    if kind == "program_overdue":
        cost = {p.id: p.cost_per_store for p in plan.programs}.get(detail.get("program_id"), 0.0)
        return float(cost or 0.0)
    if kind in OPPORTUNITY_ACTIONS:
        value = store["incremental_margin"]
        return float(max(value, 0.0)) if pd.notna(value) else 0.0
    return 0.0


def problem_id(store_id: str, kind: str, detail: dict) -> str:
    """The tracker's key of a problem: store and kind (and the program, for a program not closed)."""
    program = detail.get("program_id") if kind == "program_overdue" else None
    return "·".join(str(part) for part in (store_id, kind, program) if part)


def severity(stake: pd.Series, is_problem: pd.Series) -> list[str | None]:
    """high / medium / low by rank of money at stake among the problems (HIGH, MEDIUM); None for opportunities."""
    ranks = stake.where(is_problem).rank(ascending=False, method="min", pct=True)
    out = []
    for rank, money, problem in zip(ranks, stake, is_problem):
        if not problem:
            out.append(None)
        elif money > 0 and rank <= HIGH:
            out.append("high")
        elif money > 0 and rank <= HIGH + MEDIUM:
            out.append("medium")
        else:
            out.append("low")
    return out


def problems_frame(plan: Plan, result) -> pd.DataFrame:
    """One row per flag, then one per star or untapped store; ranked: kinds by their total money at stake,
    then problems within a kind by their own (opportunities after the problems)."""
    lang, stores = plan.language, result.stores
    # each store's row as a dict (a DataFrame row lookup per flag was most of the time of this sheet)
    facts = stores[[c for c in STAKE_COLUMNS if c in stores.columns]].to_dict("index")
    rows = [
        (
            review_text("problem", lang),
            row.kind,
            row.store_id,
            evidence(row.kind, row.detail, lang, result.as_of_week_id),
            row.suggested_action_key,
            at_stake(plan, row.kind, row.detail, facts[row.store_id]),
            problem_id(row.store_id, row.kind, row.detail),
        )
        for row in result.flags.itertuples()
    ]
    for quadrant, action in OPPORTUNITY_ACTIONS.items():
        chosen = stores[stores["quadrant"] == quadrant]
        rows += [
            (
                review_text("opportunity", lang),
                quadrant,
                store_id,
                evidence(quadrant, {"execution": execution, "result": result_}, lang, None),
                _opportunity_action(action, facts[store_id]["roi"]),
                at_stake(plan, quadrant, {}, facts[store_id]),
                problem_id(store_id, quadrant, {}),
            )
            for store_id, execution, result_ in zip(
                chosen.index, chosen["execution_score"], chosen["result_attainment"]
            )
        ]
    frame = pd.DataFrame(rows, columns=["type", "kind_key", "store_id", "evidence", "action_key", "at_stake", "id"])
    frame = _ranked(frame, len(result.flags))
    info = stores.reindex(frame["store_id"])
    is_problem = ~frame["kind_key"].isin(list(OPPORTUNITY_ACTIONS))
    return pd.DataFrame(
        {
            "number": range(1, len(frame) + 1),
            "problem_id": frame["id"].to_numpy(),
            "type": frame["type"].to_numpy(),
            "kind": [review_text(f"flag_{k}", lang) for k in frame["kind_key"]],
            "store_id": frame["store_id"],
            "store_name": info["store_name"].to_numpy(),
            "sr_id": info["sr_id"].to_numpy(),
            "sr_name": info["sr_name"].to_numpy(),
            "region": info["region"].to_numpy(),
            "evidence": frame["evidence"].to_numpy(),
            "suggested_action": [review_text(f"act_{k}", lang) for k in frame["action_key"]],
            "at_stake": frame["at_stake"].to_numpy(dtype=float),
            "severity": severity(frame["at_stake"].reset_index(drop=True), is_problem.reset_index(drop=True)),
            "kind_key": frame["kind_key"].to_numpy(),
            "action_key": frame["action_key"].to_numpy(),
        },
        columns=[*COLUMNS, "kind_key", "action_key"],
    )


def _opportunity_action(action: str, roi: float) -> str:
    """A star that loses money is not told to replicate: fix its cost first."""
    return "fix_star_cost" if action == "replicate" and pd.notna(roi) and roi < 0 else action


def _ranked(frame: pd.DataFrame, problems: int) -> pd.DataFrame:
    """Problems before opportunities; kinds by total money at stake; rows by money at stake (stable)."""
    frame = frame.assign(_opportunity=[i >= problems for i in range(len(frame))])
    totals = frame.groupby("kind_key")["at_stake"].transform("sum")
    frame = frame.assign(_total=-totals, _own=-frame["at_stake"])
    order = frame.sort_values(["_opportunity", "_total", "kind_key", "_own"], kind="stable")
    return order.drop(columns=["_opportunity", "_total", "_own"]).reset_index(drop=True)

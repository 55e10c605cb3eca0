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
    "type",
    "kind",
    "store_id",
    "store_name",
    "sr_id",
    "sr_name",
    "region",
    "evidence",
    "suggested_action",
)


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


def problems_frame(plan: Plan, result) -> pd.DataFrame:
    """One row per flag (problems, in the engine's order), then one per star or untapped store."""
    lang, stores = plan.language, result.stores
    rows = [
        (
            review_text("problem", lang),
            row.kind,
            row.store_id,
            evidence(row.kind, row.detail, lang, result.as_of_week_id),
            row.suggested_action_key,
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
                action,
            )
            for store_id, execution, result_ in zip(
                chosen.index, chosen["execution_score"], chosen["result_attainment"]
            )
        ]
    frame = pd.DataFrame(rows, columns=["type", "kind_key", "store_id", "evidence", "action_key"])
    info = stores.reindex(frame["store_id"])
    return pd.DataFrame(
        {
            "number": range(1, len(frame) + 1),
            "type": frame["type"],
            "kind": [review_text(f"flag_{k}", lang) for k in frame["kind_key"]],
            "store_id": frame["store_id"],
            "store_name": info["store_name"].to_numpy(),
            "sr_id": info["sr_id"].to_numpy(),
            "sr_name": info["sr_name"].to_numpy(),
            "region": info["region"].to_numpy(),
            "evidence": frame["evidence"],
            "suggested_action": [review_text(f"act_{k}", lang) for k in frame["action_key"]],
        },
        columns=list(COLUMNS),
    )

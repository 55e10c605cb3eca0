"""What each e-mail says, as plain data for its templates: the SR's, the store manager's and management's."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from kam_xl.lang.numbers import day_words, percent, share_points, span_words, week_words
from kam_xl.lang.texts import EMAIL, email_text
from kam_xl.lang.words import enum_label, sheet_name
from kam_xl.metrics.flags import SUGGESTED_ACTIONS
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Kpi, Plan, Store
from kam_xl.reviewing.problems import problems_frame

# line breaks (Alt+Enter in Excel), tabs and other control characters, with the spaces around them
_BREAKS = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029]+\s*")
# a space between a CJK character (or full-width punctuation) and a placeholder, either side
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +(?=\{)|(?<=\}) +(?=[\u3000-\u9fff\uff00-\uffef])")
TOP_ACTIONS = 5
HQ_PROBLEMS = 15
# Problems management sees first: money lost, then sell-out and share, then stock and housekeeping.
PROBLEM_ORDER = (
    "roi_negative",
    "below_amber",
    "share_falling",
    "stock_out_risk",
    "program_overdue",
    "overstock",
    "stale",
    "star",
    "untapped",
)
NEXT_ACTION = {
    "units": "next_units",
    "value": "next_value",
    "share": "next_share",
    "display": "next_display",
    "promoter": "next_promoter",
    "programs": "next_programs",
    "actions": "next_actions",
}


# ---------------------------------------------------------------------------
# Numbers in words (also the templates' filters)
# ---------------------------------------------------------------------------


def one_line(text: str) -> str:
    """Text for one line (a header, a chart label): line breaks and control characters folded to one space."""
    return _BREAKS.sub(" ", text or "").strip()


def blank(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)) or value is pd.NaT


def pct(value, digits: int = 0) -> str:
    """A fraction as a percentage; one that rounds to zero has no sign (never "-0%")."""
    return percent(value, digits)


def pts(value, lang: str = "en") -> str:
    """A share difference in percentage points, signed, as the workbook shows it (kam_xl.lang.numbers)."""
    return share_points(value, lang)


def num(value, digits: int = 0) -> str:
    return "–" if blank(value) else f"{float(value):,.{digits}f}"


def money(value, currency: str) -> str:
    return "–" if blank(value) else f"{currency} {float(value):,.0f}"


def day(value) -> str:
    return "–" if blank(value) else str(pd.Timestamp(value).date())


def plain(value):
    """A JSON-able plain value: numpy numbers to Python, NaN and NaT to None."""
    if blank(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


class Words:
    """The e-mail words of one language: words("key", name=...) fills the placeholders."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, key: str, **values) -> str:
        text = email_text(key, self.lang)
        if self.lang == "zh":
            text = _CJK_GAP.sub("", text)  # 全角 typography: no space between a CJK word and a name
        return text.format(**values) if values else text

    def rag(self, key) -> str:
        return "–" if blank(key) else email_text(key, self.lang)

    def enum(self, kind: str, key) -> str:
        return "–" if blank(key) else enum_label(kind, key, self.lang)


# ---------------------------------------------------------------------------
# The shared facts of one review
# ---------------------------------------------------------------------------


@dataclass
class Review:
    """The plan, the review result and the entries that every e-mail is built from."""

    plan: Plan
    result: object  # kam_xl.review.ReviewResult
    entries: Entries
    previous: dict | None = None  # the previous review's account summary (history database), for management
    one_pager_png: bytes | None = None  # the management one-pager drawn for this batch (mail.onepager)

    @property
    def words(self) -> Words:
        return Words(self.plan.language)

    @property
    def week(self) -> str:
        """The review week as the reader says it ("the week of 30 Nov 2026" / "2026年11月30日当周")."""
        week = self.as_of
        return week_words(week.start, self.plan.language) if week else self.words("no_week")

    @property
    def as_of(self):
        """The plan week of the review (kam_xl.model.plan.Week), None before any entry."""
        position = self.result.as_of_week
        return self.plan.weeks[position - 1] if position else None

    @property
    def units_kpi(self) -> Kpi | None:
        return next((k for k in self.plan.kpis if k.measure == "units" and k.is_sum), None)

    @cached_property
    def problems(self) -> pd.DataFrame:
        """reviewing.problems.problems_frame (ranked by money at stake, each row's kind key in kind_key)."""
        return problems_frame(self.plan, self.result)

    @cached_property
    def feedback(self) -> pd.Series:
        """The store manager's feedback per store id."""
        return self.entries.stores.set_index("store_id")["manager_comment"]

    @cached_property
    def program_status(self) -> dict[tuple[str, str], object]:
        """(store id, program id) -> status key entered on the store tab."""
        frame = self.entries.programs
        return dict(zip(zip(frame["store_id"], frame["program_id"]), frame["status"]))

    @cached_property
    def actions(self) -> dict[str, pd.DataFrame]:
        """Per store id, the action rows that have an action text."""
        frame = self.entries.actions
        written = frame[frame["text"].map(lambda v: not blank(v) and str(v).strip() != "")]
        return {store_id: rows for store_id, rows in written.groupby("store_id", sort=False)}

    def common(self) -> dict:
        """What every template gets: language, words, the account, the week and the sender."""
        acc = self.plan.account
        return {
            "lang": self.plan.language,
            "t": self.words,
            "account": acc.name,
            "supplier": acc.supplier,
            "currency": acc.currency,
            "week": self.week,
            "kam_name": acc.kam_name,
            "kam_email": acc.kam_email,
            "has_data": bool(self.result.as_of_week),
        }


def store_rows(review: Review, stores: pd.DataFrame) -> list[dict]:
    """One scorecard row per store: units vs target to date, share, execution, score, quadrant, problems."""
    kpi = review.units_kpi
    feedback = review.feedback
    rows = []
    for store_id, row in stores.iterrows():
        rows.append(
            {
                "id": store_id,
                "name": row["store_name"],
                "units": plain(row["units_actual"]),
                "units_target": plain(row["units_target_to_date"]),
                "attainment": plain(row[f"{kpi.id}_attainment"]) if kpi else None,
                "rag": plain(row[f"{kpi.id}_rag"]) if kpi else None,
                "share": plain(row["share"]),
                "execution": plain(row["execution_score"]),
                "score": plain(row["score"]),
                "score_rag": plain(row["score_rag"]),
                "quadrant": plain(row["quadrant"]),
                "problems": int(row["flag_count"]),
                "feedback": plain(feedback.get(store_id)),
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Top actions: the largest weighted gaps
# ---------------------------------------------------------------------------


def weighted_gaps(plan: Plan, stores: pd.DataFrame) -> pd.DataFrame:
    """Per store and KPI below target: the score points its gap costs (weight share × (1 − attainment) × 100)."""
    kpis = list(plan.kpis)
    attainment = np.column_stack([stores[f"{k.id}_attainment"].to_numpy(dtype=float) for k in kpis])
    weights = np.where(np.isnan(attainment), 0.0, [k.weight for k in kpis])
    total = weights.sum(axis=1, keepdims=True)
    points = np.divide(
        weights * np.clip(1 - np.nan_to_num(attainment, nan=1.0), 0, None) * 100,
        total,
        out=np.zeros_like(weights),
        where=total > 0,
    )
    store_at, kpi_at = np.nonzero(points > 0)
    frame = pd.DataFrame(
        {
            "store_id": stores.index[store_at],
            "kpi": [kpis[i].id for i in kpi_at],
            "points": points[store_at, kpi_at],
            "order": store_at,
        }
    )
    return frame.sort_values(["points", "order"], ascending=[False, True], kind="stable")


def top_actions(review: Review, stores: pd.DataFrame, count: int = TOP_ACTIONS) -> list[dict]:
    """The `count` largest weighted gaps of these stores, each with where it stands and what to do."""
    words, plan = review.words, review.plan
    actions = []
    for gap in weighted_gaps(plan, stores).head(count).itertuples():
        kpi, row = plan.kpi(gap.kpi), stores.loc[gap.store_id]
        actions.append(
            {
                "store_id": gap.store_id,
                "store_name": row["store_name"],
                "kpi": kpi.name,
                "points": float(gap.points),
                "where": _standing(words, kpi, row, plan.account.currency),
                "action": words(NEXT_ACTION[kpi.measure]),
            }
        )
    return actions


def _standing(words: Words, kpi: Kpi, row: pd.Series, currency: str) -> str:
    actual = row[f"{kpi.id}_actual"]
    if kpi.is_sum:
        target = row[f"{kpi.id}_target_to_date"]
        show = (lambda v: money(v, currency)) if kpi.measure == "value" else num
        return words("gap_sum", actual=show(actual), target=show(target), gap=show(target - actual))
    return words("gap_rate", actual=pct(actual), target=pct(row[f"{kpi.id}_target"]))


def problem_rows(frame: pd.DataFrame, words: Words | None = None) -> list[dict]:
    """Problem rows for a template; with the SR's `words`, the action addressed to the SR (second person)."""
    return [
        {
            "type": r.type,
            "kind": r.kind,
            "store_id": r.store_id,
            "store_name": r.store_name,
            "sr_name": r.sr_name,
            "evidence": r.evidence,
            "action": words(f"sr_act_{r.action_key}")
            if words is not None and f"sr_act_{r.action_key}" in EMAIL
            else r.suggested_action,
        }
        for r in frame.itertuples()
    ]


# ---------------------------------------------------------------------------
# The three e-mails
# ---------------------------------------------------------------------------


def sr_context(review: Review, sr_id: str, stores: list[Store]) -> dict:
    """The SR's e-mail: their stores' scorecard, top actions for next week, problems and opportunities."""
    result = review.result
    mine = result.stores.loc[[s.store_id for s in stores]]
    totals = result.rollups["sr_id"].loc[sr_id]
    kpi = review.units_kpi
    problems = review.problems
    return {
        **review.common(),
        "kind": "sr",
        "sr_id": sr_id,
        "sr_name": stores[0].sr_name,
        "rows": store_rows(review, mine),
        "top_actions": top_actions(review, mine),
        "problems": problem_rows(problems[problems["sr_id"] == sr_id], review.words),
        "score": plain(totals["score"]),
        "score_rag": plain(totals["score_rag"]),
        "rank": plain(totals["rank"]),
        "srs": len(result.rollups["sr_id"]),
        "stores": len(stores),
        "attainment": plain(totals[f"{kpi.id}_attainment"]) if kpi else None,
        "attainment_rag": plain(totals[f"{kpi.id}_rag"]) if kpi else None,
    }


def sr_chart_data(review: Review, stores: list[Store]) -> tuple[list[str], list, list]:
    """(labels, units attainment, RAG) of the SR's stores, for the chart."""
    kpi = review.units_kpi
    mine = review.result.stores.loc[[s.store_id for s in stores]]
    labels = [f"{sid} {name}" for sid, name in zip(mine.index, mine["store_name"])]
    if kpi is None:
        return labels, [math.nan] * len(labels), [None] * len(labels)
    return labels, mine[f"{kpi.id}_attainment"].tolist(), [plain(r) for r in mine[f"{kpi.id}_rag"]]


def store_context(review: Review, store: Store) -> dict:
    """The store manager's brief, led by what is positive or by the ask (never a negative amount as a gain):
    what the plan brings, the programs with their current status, the results, what we need from the store
    this week and what comes next."""
    row = review.result.stores.loc[store.store_id]
    gain = plain(row["retailer_gain"])
    incremental = plain(row["value_actual"] - row["baseline_value_to_date"]) if row["value_weeks_entered"] > 0 else None
    programs = _programs(review, store)
    actions = _actions(review, store.store_id)
    return {
        **review.common(),
        "kind": "store",
        "store_id": store.store_id,
        "store_name": store.name,
        "manager": store.manager,
        "sr_name": store.sr_name,
        "sr_email": store.sr_email,
        "lead": store_lead(gain, incremental),
        "gain": gain,
        "incremental_value": incremental,
        "programs": [p for p in programs if p["state"] != "coming"],
        "coming": [p for p in programs if p["state"] == "coming"],
        "results": _results(review, row),
        "actions": actions,
        "asks": store_asks(review, store, row, actions),
        "feedback": plain(review.feedback.get(store.store_id)),
    }


def store_lead(gain, incremental) -> str:
    """What the store e-mail opens with: "gain" (a positive extra margin), "not_yet" (data but no gain yet:
    the e-mail leads with what is being done and the ask) or "no_data"."""
    if gain is None:
        return "no_data"
    return "gain" if gain > 0 and (incremental is None or incremental > 0) else "not_yet"


def program_state(program, entered, as_of) -> str:
    """A program's status as of the review week: the one entered when it is final (done, dropped); otherwise
    "coming" (starts after the review week), "missed" (ended and not done) or "running"."""
    if entered in ("done", "dropped"):
        return entered
    if as_of is None or program.start > as_of.end:
        return "coming"
    return "missed" if program.end < as_of.end else "running"  # as the program_overdue flag


def _programs(review: Review, store: Store) -> list[dict]:
    words, lang = review.words, review.plan.language
    status = review.program_status
    rows = []
    for p in review.plan.programs_for(store):
        state = program_state(p, status.get((store.store_id, p.id)), review.as_of)
        rows.append(
            {
                "name": p.name,
                "type": words.enum("program_type", p.type),
                "start": day_words(p.start, lang),
                "end": day_words(p.end, lang),
                "dates": span_words(p.start, p.end, lang),
                "benefit": p.benefit,
                "state": state,
                "status": words(f"prog_{state}"),
            }
        )
    return rows


STORE_ASKS = {"units": "ask_units", "value": "ask_value", "share": "ask_share", "display": "ask_display"}
STORE_ASKS["promoter"] = "ask_promoter"
MAX_ASKS = 3


def store_asks(review: Review, store: Store, row: pd.Series, actions: list[dict]) -> list[str]:
    """What we need from the store this week: its open actions (owner Store) first, then the asks of its
    largest KPI gaps (weighted gap order), at most MAX_ASKS."""
    words = review.words
    asks = [
        words("ask_action", action=a["text"], due=a["due"])
        for a in actions
        if a["owner_key"] == "store" and a["status_key"] not in ("done", "dropped")
    ]
    gaps = weighted_gaps(review.plan, review.result.stores.loc[[store.store_id]])
    for kpi_id in gaps["kpi"]:
        key = STORE_ASKS.get(review.plan.kpi(kpi_id).measure)
        text = words(key, sr=store.sr_name) if key else None
        if text and text not in asks:
            asks.append(text)
    return asks[:MAX_ASKS]


def _results(review: Review, row: pd.Series) -> list[dict]:
    """The store's results in the store manager's terms (no supplier margin, investment or ROI)."""
    words, plan, currency = review.words, review.plan, review.plan.account.currency
    lines = []
    for kpi in plan.kpis:
        if kpi.measure not in ("units", "value", "share", "display", "promoter"):
            continue
        show = (lambda v: money(v, currency)) if kpi.measure == "value" else (num if kpi.is_sum else pct)
        target = row.get(f"{kpi.id}_target_to_date") if kpi.is_sum else row.get(f"{kpi.id}_target")
        lines.append(
            {
                "label": kpi.name,
                "actual": show(row[f"{kpi.id}_actual"]),
                "target": show(target),
                "attainment": plain(row[f"{kpi.id}_attainment"]),
                "rag": plain(row[f"{kpi.id}_rag"]),
            }
        )
    lines.append(
        {
            "label": words("forecast_period"),
            "actual": num(row["units_forecast"]),
            "target": num(row["units_target"]),
            "attainment": plain(row["units_forecast_vs_target"]),
            "rag": None,
        }
    )
    lines.append(
        {
            "label": words("growth_usual"),
            "actual": pct(row["growth_units"], 1),
            "target": "",
            "attainment": None,
            "rag": None,
        }
    )
    return lines


def _actions(review: Review, store_id: str) -> list[dict]:
    words = review.words
    mine = review.actions.get(store_id, review.entries.actions.iloc[:0])
    lang = review.plan.language
    return [
        {
            "text": str(r.text),
            "owner": words.enum("owner", r.owner),
            "owner_key": plain(r.owner),
            "due": "–" if blank(r.due) else day_words(pd.Timestamp(r.due).date(), lang),
            "status": words.enum("action_status", r.status),
            "status_key": plain(r.status),
            "result": "" if blank(r.result) else str(r.result),
        }
        for r in mine.itertuples()
    ]


def hq_context(review: Review) -> dict:
    """Management's e-mail: account summary, KPIs, SR ranking, region roll-up, problems and opportunities."""
    result, summary = review.result, review.result.summary
    problems = review.problems
    return {
        **review.common(),
        "kind": "hq",
        "s": summary,
        "kpis": summary["kpis"],
        "units": next((k for k in summary["kpis"] if k["measure"] == "units"), None),
        "srs": _ranking(review, result.rollups["sr_id"], "sr_name"),
        "regions": _ranking(review, result.rollups["region"], None),
        "problems": problem_rows(_important(review, problems).head(HQ_PROBLEMS)),
        "problems_total": len(problems),
        "flag_counts": [
            {"kind": review.words(f"flag_{k}"), "count": n, "action": review.words(f"act_{a}")}
            for k, n, a in _flag_kinds(summary)
        ],
        "relationship": _relationship(review, summary["relationship"]),
        "problems_sheet": sheet_name("sc_problems", review.plan.language),
    }


def _ranking(review: Review, frame: pd.DataFrame, name_column: str | None) -> list[dict]:
    kpi = review.units_kpi
    ranked = frame.sort_values("rank", na_position="last", kind="stable")
    return [
        {
            "id": key,
            "name": plain(row[name_column]) if name_column else key,
            "stores": int(row["stores"]),
            "rank": plain(row["rank"]),
            "attainment": plain(row[f"{kpi.id}_attainment"]) if kpi else None,
            "rag": plain(row[f"{kpi.id}_rag"]) if kpi else None,
            "share": plain(row["share"]),
            "execution": plain(row["execution_score"]),
            "score": plain(row["score"]),
            "score_rag": plain(row["score_rag"]),
            "gain": plain(row["retailer_gain"]),
            "roi": plain(row["roi"]),
            "problems": int(row["flag_count"]),
        }
        for key, row in ranked.iterrows()
    ]


def _important(review: Review, problems: pd.DataFrame) -> pd.DataFrame:
    """Problems by kind (PROBLEM_ORDER), bigger stores (units target) first within a kind."""
    order = problems["kind_key"].map(lambda k: PROBLEM_ORDER.index(k) if k in PROBLEM_ORDER else len(PROBLEM_ORDER))
    size = review.result.stores["units_target"].reindex(problems["store_id"]).to_numpy(dtype=float)
    ranked = problems.assign(_order=order.to_numpy(), _size=-np.nan_to_num(size))
    return ranked.sort_values(["_order", "_size"], kind="stable")


def _flag_kinds(summary: dict):
    return [(kind, count, SUGGESTED_ACTIONS[kind]) for kind, count in summary["flags"].items() if count]


def _relationship(review: Review, r: dict) -> str:
    words = review.words

    def level(key):
        return words.enum("relationship", key) if key else words("none_met")

    return f"{level(r['evidence'])} → {level(r['target'])}"


def hq_chart_frames(review: Review) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(weekly units vs target, SR attainment best first) for the management chart."""
    kpi = review.units_kpi
    srs = review.result.rollups["sr_id"]
    if kpi is None:
        return review.result.weeks, pd.DataFrame(columns=["label", "attainment", "rag"])
    ranked = srs.sort_values(f"{kpi.id}_attainment", ascending=False, na_position="last", kind="stable")
    labels = [f"{name} ({sr_id})" for sr_id, name in zip(ranked.index, ranked["sr_name"])]
    return review.result.weeks, pd.DataFrame(
        {
            "label": labels,
            "attainment": ranked[f"{kpi.id}_attainment"].to_numpy(),
            "rag": [plain(r) for r in ranked[f"{kpi.id}_rag"]],
        }
    )

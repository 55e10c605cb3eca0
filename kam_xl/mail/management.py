"""What the management report says beyond the numbers: a headline computed from the data (what moved, why, what
is asked), the change since the previous review (history database), asks, quadrants with the stores that lose
money, per-program ROI, problems grouped by kind with money at stake, and the next-period proposal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl.history.query import review_weeks, scorecards
from kam_xl.history.record import period_key
from kam_xl.history.store import HistoryError, choose, open_database
from kam_xl.lang.numbers import percent, share_points, signed_percent, span_words, week_words
from kam_xl.lang.words import enum_label, sheet_name
from kam_xl.mail.content import Review, money, num, plain
from kam_xl.reviewing.program_sheet import need_rows
from kam_xl.reviewing.summary import QUADRANTS
from kam_xl.reviewing.voice import voice_summary

TOP_STORES = 3  # stores named per problem kind
REASONS = 2  # KPIs named as the reason of a score below the units' colour


# ---------------------------------------------------------------------------
# Change since the previous review (history database)
# ---------------------------------------------------------------------------


def previous_summary(review: Review, book: str | Path | None) -> dict | None:
    """The account summary of the latest review of the same plan period recorded before this review's week in the
    history database beside `book` (or KAM_DB); None when there is none or the database cannot be read."""
    week = review.result.as_of_week
    if not week or book is None:
        return None
    try:
        target = choose(book, None)
        if target is None:
            return None
        database = open_database(target, create=False)
    except HistoryError:
        return None
    try:
        account, period = review.plan.account.name, period_key(review.plan)
        earlier = [w for w in review_weeks(database, account, period) if w < week]
        if not earlier:
            return None
        then = scorecards(database, account, period, earlier[-1]).get("summary", {}).get(account)
        return then or None
    except HistoryError:
        return None
    finally:
        database.close()


def _units(summary: dict) -> dict | None:
    return next((k for k in summary.get("kpis", []) if k.get("measure") == "units"), None)


def since_rows(review: Review, then: dict | None) -> list[dict]:
    """Rows (label, then, now, change) of the headline numbers against the previous review."""
    if not then:
        return []
    words, now, currency = review.words, review.result.summary, review.plan.account.currency
    u_now, u_then = _units(now), _units(then)

    def row(label, a, b, show, change):
        return {"label": label, "then": show(b), "now": show(a), "change": change(a, b)}

    def diff_pct(a, b):
        return "–" if a is None or b is None else share_points(a - b, review.plan.language)

    def diff_num(a, b):
        return "–" if a is None or b is None else f"{a - b:+,.1f}".replace("-", "−")

    def diff_money(a, b):
        return "–" if a is None or b is None else f"{a - b:+,.0f}".replace("-", "−")

    def diff_count(a, b):
        return "–" if a is None or b is None else f"{a - b:+d}".replace("-", "−")

    rows = [
        row(words("since_week"), review.week, _week_of(review, then), str, lambda a, b: ""),
        row(words("score"), now.get("score"), then.get("score"), lambda v: num(v, 1), diff_num),
    ]
    if u_now and u_then:
        rows.append(row(words("units_line"), u_now["attainment"], u_then["attainment"], percent, diff_pct))
    rows += [
        row(words("share"), now.get("share"), then.get("share"), lambda v: percent(v, 1), diff_pct),
        row(words("roi"), now.get("roi"), then.get("roi"), lambda v: percent(v, 1), diff_pct),
        row(
            words("gain_short"),
            now.get("retailer_gain"),
            then.get("retailer_gain"),
            lambda v: money(v, currency),
            diff_money,
        ),
        row(
            words("problems_count"),
            sum(now.get("flags", {}).values()),
            sum(then.get("flags", {}).values()),
            lambda v: "–" if v is None else f"{v:,}",
            diff_count,
        ),
    ]
    return rows


def _week_of(review: Review, summary: dict) -> str:
    position = summary.get("as_of_week")
    if not position:
        return "–"
    return week_words(review.plan.weeks[int(position) - 1].start, review.plan.language)


# ---------------------------------------------------------------------------
# Headline and asks
# ---------------------------------------------------------------------------


def score_reasons(review: Review) -> list[str]:
    """The KPIs that cost the account's score the most points (weight × gap below 100 %), in words."""
    total = review.result.rollups["account"].iloc[0]
    kpis = list(review.plan.kpis)
    weights = sum(k.weight for k in kpis if pd.notna(total[f"{k.id}_attainment"]))
    lost = []
    for k in kpis:
        att = total[f"{k.id}_attainment"]
        if pd.notna(att) and att < 1 and weights:
            lost.append((k.weight * (1 - att) / weights, k, att))
    lost.sort(key=lambda item: -item[0])
    return [review.words("reason_kpi", kpi=k.name, attainment=percent(att)) for _, k, att in lost[:REASONS]]


def headline(review: Review) -> list[str]:
    """One to three sentences: what moved and why the score is what it is, money, and what is asked."""
    words, s = review.words, review.result.summary
    if not review.result.as_of_week:
        return [words("head_no_data")]
    zh = review.plan.language == "zh"
    sep, both = ("；", "、") if zh else ("; ", " and ")
    units = _units(s)
    score = num(s["score"], 1)
    rag = words.rag(s["score_rag"])
    lines = []
    if units and units["attainment"] is not None:
        reasons = score_reasons(review)
        same = units["rag"] == s["score_rag"] or not reasons
        key = "head_units_same" if same else "head_units_but"
        lines.append(words(key, units=percent(units["attainment"]), score=score, rag=rag, reasons=both.join(reasons)))
    else:
        lines.append(words("head_score", score=score, rag=rag))
    if s.get("roi") is not None:
        lines.append(
            words(
                "head_roi",
                roi=percent(s["roi"], 1),
                rag=words.rag(s.get("roi_rag")),
                losing=s["stores_roi_negative"],
                invested=s["stores_invested"],
            )
        )
    asks = program_asks(review)
    if asks:
        lines.append(words("head_ask", asks=sep.join(asks)))
    return lines


def program_asks(review: Review) -> list[str]:
    """The decisions asked of management: keep / change / stop, each with its programs."""
    programs = review.result.programs
    sep = "、" if review.plan.language == "zh" else ", "
    out = []
    for verdict in ("keep", "change", "stop"):
        ids = list(programs.index[programs["verdict"] == verdict]) if len(programs) else []
        if ids:
            out.append(review.words(f"ask_{verdict}", programs=sep.join(ids)))
    return out


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def quadrant_rows(review: Review) -> list[dict]:
    """Per quadrant: stores, and how many of them lose money (ROI below 0)."""
    stores = review.result.stores
    rows = []
    for q in QUADRANTS:
        chosen = stores[stores["quadrant"] == q]
        rows.append(
            {
                "name": review.words(q),
                "key": q,
                "stores": len(chosen),
                "losing": int((chosen["roi"] < 0).sum()),
                "action": review.words(f"quad_{q}"),
            }
        )
    return rows


def program_rows(review: Review) -> list[dict]:
    """The per-program ROI (metrics.programs) in words."""
    lang, currency = review.plan.language, review.plan.account.currency
    return [
        {
            "id": pid,
            "name": r["program_name"],
            "type": enum_label("program_type", r["program_type"], lang) if r["program_type"] else "",
            "dates": span_words(r["start"], r["end"], lang),
            "stores": int(r["stores"]),
            "cost": money(r["cost"], currency),
            "units": num(r["incremental_units"]),
            "margin": money(r["incremental_margin"], currency),
            "roi": percent(r["roi"]) if pd.notna(r["roi"]) else "–",
            "roi_value": plain(r["roi"]),
            "verdict": review.words(f"verdict_{r['verdict']}"),
            "verdict_key": r["verdict"],
        }
        for pid, r in review.result.programs.iterrows()
    ]


def problem_groups(review: Review) -> list[dict]:
    """Problems grouped by kind (one row each, not one per store), by money at stake: count, money, the stores with
    the most at stake and the suggested action."""
    frame = review.problems
    frame = frame[frame["type"] == review.words("problem")]
    if frame.empty:
        return []
    currency = review.plan.account.currency
    sep = "、" if review.plan.language == "zh" else ", "
    groups = []
    for kind, rows in frame.groupby("kind_key", sort=False):
        rows = rows.sort_values("at_stake", ascending=False, kind="stable")
        top = rows.head(TOP_STORES)
        groups.append(
            {
                "kind": rows["kind"].iloc[0],
                "kind_key": kind,
                "count": len(rows),
                "at_stake": float(rows["at_stake"].sum()),
                "at_stake_words": money(rows["at_stake"].sum(), currency),
                "stores": sep.join(
                    f"{n} ({money(m, currency)})" if m else n for n, m in zip(top["store_name"], top["at_stake"])
                ),
                "action": rows["suggested_action"].iloc[0],
            }
        )
    groups.sort(key=lambda g: -g["at_stake"])
    return groups


def next_period(review: Review) -> dict | None:
    """The next-period proposal in one line: suggested units target vs this period's, and the share gap."""
    proposal = review.result.next_period
    kpi = review.units_kpi
    if kpi is None or f"{kpi.id}_suggested" not in proposal.columns:
        return None
    current = float(np.nansum(proposal[f"{kpi.id}_current"].to_numpy(dtype=float)))
    suggested = float(np.nansum(proposal[f"{kpi.id}_suggested"].to_numpy(dtype=float)))
    gap = float(np.nansum(proposal["share_gap_units"].to_numpy(dtype=float)))
    return {
        "line": review.words(
            "next_line",
            suggested=num(suggested),
            current=num(current),
            change=signed_percent(suggested / current - 1 if current else None),
            gap=num(gap),
        )
    }


def voice(review: Review) -> dict:
    """What the stores say: the most frequent competitor activities and the latest feedback (5 of each)."""
    frame, lang = review.result.voice, review.plan.language
    if frame is None or frame.empty:
        return {"competitors": [], "feedback": []}

    def week(position: int) -> str:
        return week_words(review.plan.weeks[position - 1].start, lang)

    competitors = [
        review.words("voice_stores", text=v["text"], stores=v["stores"], week=week(v["latest"]))
        for v in voice_summary(frame, "competitor_activity")
    ]
    kinds = ["manager_comment", "comment", "sr_comment"]  # the store manager's own words first
    said = frame[frame["kind"].isin(kinds)]
    said = said.assign(_k=said["kind"].map(kinds.index)).sort_values(["_k", "week"], ascending=[True, False]).head(5)
    feedback = [
        {
            "store": f"{r.store_name} ({r.store_id})",
            "kind": review.words(f"voice_{r.kind}"),
            "text": r.text,
        }
        for r in said.itertuples()
    ]
    return {"competitors": competitors, "feedback": feedback}


def management_context(review: Review, previous: dict | None) -> dict:
    """The management report's own parts, added to content.hq_context."""
    return {
        "headline": headline(review),
        "since": since_rows(review, previous),
        "quadrant_rows": quadrant_rows(review),
        "program_rows": program_rows(review),
        "problem_groups": problem_groups(review),
        "next_period": next_period(review),
        "roi_rag": review.result.summary.get("roi_rag"),
        "voice": voice(review),
        "needs": need_rows(review.plan, review.result),
        "voice_sheet": sheet_name("sc_voice", review.plan.language),
    }

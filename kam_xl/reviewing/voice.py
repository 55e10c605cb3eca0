"""Voice of the store: the competitor activity and comments of the weekly logs, the SR's comment and the store
manager's feedback, by region and store, newest first, with the competitors each names (a sheet of the review and
a section of the management e-mail)."""

from __future__ import annotations

import pandas as pd

from kam_xl.lang.numbers import week_words
from kam_xl.lang.texts import review_text
from kam_xl.model.entries import Entries
from kam_xl.model.plan import Plan
from kam_xl.reviewing.scorecards import GROUP_ROW, Column, new_sheet, write_table

VOICE_KINDS = ("competitor_activity", "comment", "sr_comment", "manager_comment")
VOICE_COLUMNS = ("week", "week_id", "region", "store_id", "store_name", "sr_name", "kind", "competitors", "text")


def _said(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def voice_frame(plan: Plan, entries: Entries, review_week: int) -> pd.DataFrame:
    """One row per thing said (VOICE_COLUMNS, kind a VOICE_KINDS key), newest first; the SR's comment and the
    manager's feedback, which have no week, dated by the store's latest week with anything said or the review week."""
    stores = {s.store_id: s for s in plan.active_stores}
    names = [c.name for c in plan.competitors if c.name and c.name.casefold() not in ("others", "其他")]
    rows = []
    weekly = entries.weekly[entries.weekly["week"] < max(review_week, 0)]
    for kind in ("competitor_activity", "comment"):
        said = weekly.loc[weekly[kind].map(_said).astype(bool)]  # (an empty mask must not select columns)
        rows += [
            (store_id, int(week) + 1, kind, text.strip())
            for store_id, week, text in zip(said["store_id"], said["week"], said[kind])
        ]
    for kind in ("sr_comment", "manager_comment"):
        said = entries.stores.loc[entries.stores[kind].map(_said).astype(bool)]
        rows += [(store_id, review_week, kind, text.strip()) for store_id, text in zip(said["store_id"], said[kind])]
    out = []
    for store_id, week, kind, text in rows:
        store = stores.get(store_id)
        if store is None or not week:
            continue
        out.append(
            {
                "week": week,
                "week_id": plan.weeks[week - 1].id,
                "region": store.region,
                "store_id": store_id,
                "store_name": store.name,
                "sr_name": store.sr_name,
                "kind": kind,
                "competitors": ", ".join(n for n in names if n.casefold() in text.casefold()),
                "text": text,
            }
        )
    frame = pd.DataFrame(out, columns=list(VOICE_COLUMNS))
    order = frame.assign(_kind=frame["kind"].map(VOICE_KINDS.index))
    return (
        order.sort_values(["week", "region", "store_id", "_kind"], ascending=[False, True, True, True], kind="stable")
        .drop(columns="_kind")
        .reset_index(drop=True)
    )


def voice_summary(frame: pd.DataFrame, kind: str, top: int = 5) -> list[dict]:
    """The most frequent things said of one kind: text, stores, latest week (for the management e-mail)."""
    chosen = frame[frame["kind"] == kind]
    if chosen.empty:
        return []
    grouped = chosen.groupby("text", sort=False).agg(stores=("store_id", "nunique"), latest=("week", "max"))
    grouped = grouped.sort_values(["stores", "latest"], ascending=False, kind="stable").head(top)
    return [{"text": text, "stores": int(r.stores), "latest": int(r.latest)} for text, r in grouped.iterrows()]


def voice_sheet(plan: Plan, result):
    """The Voice of the store sheet: newest first, filterable (search the text or the competitor column)."""
    lang = plan.language
    sheet = new_sheet("sc_voice", plan, result)
    sheet.set(4, 1, review_text("voice_note", lang), "stamp")
    frame = result.voice.copy()
    frame["week_words"] = [week_words(plan.weeks[w - 1].start, lang) for w in frame["week"]]
    frame["kind_word"] = [review_text(f"voice_{k}", lang) for k in frame["kind"]]
    columns = [
        Column("week_words", review_text("voice_week", lang), kind="text", width=22),
        Column("region", review_text("region", lang), kind="text", width=10),
        Column("store_id", review_text("store_id", lang), "fixed_id", kind="text", width=10),
        Column("store_name", review_text("store_name", lang), kind="text", width=28),
        Column("sr_name", review_text("sr_name", lang), kind="text", width=12),
        Column("kind_word", review_text("voice_kind", lang), kind="text", width=18),
        Column("competitors", review_text("voice_competitors", lang), kind="text", width=14),
        Column("text", review_text("voice_text", lang), "fixed_wrap", kind="text", width=70),
    ]
    last = write_table(sheet, columns, frame, lang, freeze_cols=4)
    if frame.empty:
        sheet.set(GROUP_ROW + 2, 1, review_text("voice_none", lang), "note")
    del last
    return sheet

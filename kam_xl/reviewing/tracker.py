"""The Problems & opportunities sheet as a tracker: problems ranked by money at stake with their severity, and the
owner, due date, status and note the KAM types, which a re-review keeps for the problems that persist (matched by
problem id: store + kind) and marks "gone" for those that no longer show."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from kam_xl.book import Book
from kam_xl.lang.texts import review_text
from kam_xl.lang.words import ENUMS, enum_key, enum_label, enum_labels, sheet_name
from kam_xl.model.plan import Plan
from kam_xl.reviewing.problems import problems_frame
from kam_xl.reviewing.scorecards import GROUP_ROW, Column, new_sheet, text_column, write_table
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import CondFormat, SheetSpec, Validation, column_letter

KAM_FIELDS = ("owner", "due", "tracker_status", "kam_note")  # the columns the KAM fills, kept across reviews
SEVERITY_STYLE = {"high": "red", "medium": "amber", "low": "green"}


def tracker_columns(plan: Plan) -> list[Column]:
    lang, currency = plan.language, plan.account.currency
    kam = review_text("grp_tracker", lang)
    return [
        Column("number", review_text("number", lang), "fixed_int", width=6),
        text_column("problem_id", lang, "", 22, "fixed_id"),
        text_column("type", lang, "", 12),
        text_column("kind", lang, "", 24),
        Column("severity_word", review_text("severity", lang), "fixed_center", kind="text", width=9),
        Column("at_stake", review_text("at_stake", lang).format(currency=currency), "fixed_int", width=12),
        text_column("store_id", lang, "", 10, "fixed_id"),
        text_column("store_name", lang, "", 26),
        text_column("sr_name", lang, "", 12),
        text_column("region", lang, "", 10),
        text_column("evidence", lang, "", 50, "fixed_wrap"),
        text_column("suggested_action", lang, "", 50, "fixed_wrap"),
        Column("owner_word", review_text("owner", lang), "input_center", kam, "text", 10),
        Column("due", review_text("due", lang), "input_date", kam, "text", 12),
        Column("status_word", review_text("tracker_status", lang), "input_center", kam, "text", 14),
        Column("kam_note", review_text("kam_note", lang), "input_wrap", kam, "text", 36),
    ]


def read_tracker(book: Book, lang: str) -> dict[str, dict]:
    """What the KAM typed on the current Problems & opportunities sheet: {problem id: {field: value}} for the rows
    with an owner, due date, status or note (empty when the sheet is not there or is from before the tracker)."""
    name = sheet_name("sc_problems", lang)
    if name not in book.sheet_names():
        return {}
    grid = book.grid(name)
    header = GROUP_ROW + 1
    labels = {cell_at(grid, header, c): c for c in range(1, len(grid[header - 1]) + 1 if len(grid) >= header else 1)}
    columns = {key: labels.get(review_text(label, lang)) for key, label in _LABELS.items()}
    if columns["problem_id"] is None:
        return {}
    kept = {}
    for row in range(header + 1, len(grid) + 1):
        pid = cell_at(grid, row, columns["problem_id"])
        if not pid:
            continue
        typed = {key: cell_at(grid, row, col) for key, col in columns.items() if key != "problem_id" and col}
        typed = {key: _typed(key, value) for key, value in typed.items() if value not in (None, "")}
        if any(typed.get(key) not in (None, "") for key in KAM_FIELDS):
            kept[str(pid)] = typed
    return kept


_LABELS = {
    "problem_id": "problem_id",
    "owner": "owner",
    "due": "due",
    "tracker_status": "tracker_status",
    "kam_note": "kam_note",
    "kind": "kind",
    "store_id": "store_id",
    "store_name": "store_name",
    "evidence": "evidence",
}


def _typed(key: str, value):
    if key == "owner":
        return enum_key("owner", value) or value
    if key == "tracker_status":
        return enum_key("tracker_status", value) or value
    if key == "due" and isinstance(value, datetime):
        return value.date()
    return value


def tracker_frame(plan: Plan, result, kept: dict[str, dict]) -> pd.DataFrame:
    """This review's problems with the KAM's entries kept, then the earlier tracked problems that are gone."""
    lang = plan.language
    frame = problems_frame(plan, result)
    now = set(frame["problem_id"])
    entries = [kept.get(pid, {}) for pid in frame["problem_id"]]
    frame["owner"] = [e.get("owner") for e in entries]
    frame["due"] = [e.get("due") for e in entries]
    frame["tracker_status"] = [e.get("tracker_status") for e in entries]
    frame["kam_note"] = [e.get("kam_note") for e in entries]
    gone = [
        {
            "problem_id": pid,
            "type": review_text("problem", lang),
            "kind": e.get("kind"),
            "store_id": e.get("store_id"),
            "store_name": e.get("store_name"),
            "evidence": e.get("evidence"),
            "owner": e.get("owner"),
            "due": e.get("due"),
            "tracker_status": "gone",
            "kam_note": e.get("kam_note"),
            "at_stake": 0.0,
        }
        for pid, e in kept.items()
        if pid not in now
    ]
    if gone:
        frame = pd.concat([frame, pd.DataFrame(gone)], ignore_index=True)
    frame["number"] = range(1, len(frame) + 1)
    frame["severity_word"] = [
        enum_label("severity", s, lang) if isinstance(s, str) else None for s in frame["severity"]
    ]
    frame["owner_word"] = [_word("owner", v, lang) for v in frame["owner"]]
    frame["status_word"] = [_word("tracker_status", v, lang) for v in frame["tracker_status"]]
    frame["due"] = [v if isinstance(v, date) else (None if v in (None, "") or pd.isna(v) else v) for v in frame["due"]]
    return frame


def _word(kind: str, value, lang: str):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return enum_label(kind, value, lang) if value in ENUMS[kind] else value


def problems_sheet(plan: Plan, result, kept: dict[str, dict] | None = None) -> SheetSpec:
    """The tracker: problems by money at stake, severity coloured, the KAM's columns input-styled with lists."""
    lang = plan.language
    sheet = new_sheet("sc_problems", plan, result)
    sheet.set(4, 1, review_text("tracker_note", lang), "stamp")
    frame = tracker_frame(plan, result, kept or {})
    columns = tracker_columns(plan)
    last = write_table(sheet, columns, frame, lang, freeze_cols=2)
    first = GROUP_ROW + 2
    if frame.empty:
        sheet.set(last + 1, 2, review_text("no_flags", lang), "note")
        return sheet
    letters = {c.key: column_letter(i) for i, c in enumerate(columns, start=1)}
    sheet.cond_formats.append(
        CondFormat(f"C{first}:C{last}", f'=C{first}="{review_text("opportunity", lang)}"', "green")
    )
    sev = letters["severity_word"]
    sheet.cond_formats += [
        CondFormat(f"{sev}{first}:{sev}{last}", f'={sev}{first}="{enum_label("severity", k, lang)}"', style)
        for k, style in SEVERITY_STYLE.items()
    ]
    for key, kind in (("owner_word", "owner"), ("status_word", "tracker_status")):
        ref = f"{letters[key]}{first}:{letters[key]}{max(last, first) + 50}"
        sheet.validations.append(Validation(ref, "list", tuple(enum_labels(kind, lang))))
    return sheet

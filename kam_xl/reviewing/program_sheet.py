"""The Program ROI sheet of the review: per HQ program its stores, cost, extra units, sales and margin, ROI and
verdict (kam_xl.metrics.programs), then the retailer's needs with the programs that answer them."""

from __future__ import annotations

import pandas as pd

from kam_xl.lang.numbers import percent, span_words
from kam_xl.lang.texts import review_text
from kam_xl.lang.words import enum_label
from kam_xl.model.plan import Plan
from kam_xl.reviewing.scorecards import GROUP_ROW, Column, new_sheet, write_table
from kam_xl.xlsx.spec import CondFormat, column_letter

VERDICT_STYLE = {"keep": "green", "change": "amber", "stop": "red"}


def program_frame(plan: Plan, result) -> pd.DataFrame:
    """The per-program ROI with its words (type, dates, verdict) in the workbook's language."""
    lang, frame = plan.language, result.programs.copy()
    frame["program_type"] = [enum_label("program_type", t, lang) if t else "" for t in frame["program_type"]]
    frame["program_dates"] = [span_words(a, b, lang) for a, b in zip(frame["start"], frame["end"])]
    frame["verdict_word"] = [review_text(f"verdict_{v}", lang) for v in frame["verdict"]]
    return frame.reset_index()


def program_columns(plan: Plan) -> list[Column]:
    lang, currency = plan.language, plan.account.currency

    def label(key: str) -> str:
        return review_text(key, lang).format(currency=currency)

    return [
        Column("program_id", review_text("program", lang), "fixed_id", kind="text", width=8),
        Column("program_name", label("program_name"), "fixed_wrap", kind="text", width=30),
        Column("program_type", label("program_type"), kind="text", width=11),
        Column("need", label("need"), "fixed_center", kind="text", width=7),
        Column("program_dates", label("program_dates"), kind="text", width=22),
        Column("stores", label("program_stores"), "fixed_int", width=8),
        Column("stores_done", label("stores_done"), "fixed_int", width=8),
        Column("cost", label("program_cost"), "fixed_int", width=12),
        Column("incremental_units", label("program_units"), "fixed_int", width=11),
        Column("incremental_value", label("program_value"), "fixed_int", width=14),
        Column("incremental_margin", label("program_margin"), "fixed_int", width=13),
        Column("roi", label("program_roi"), "fixed_pct", width=9, colour=(0.0, 0.0)),
        Column("stores_losing", label("stores_losing"), "fixed_int", width=9),
        Column("verdict_word", label("verdict"), "fixed_center", kind="text", width=9),
    ]


def program_sheet(plan: Plan, result):
    """Per-program ROI, the rule of the verdict, then the needs review."""
    lang = plan.language
    sheet = new_sheet("sc_programs", plan, result)
    frame = program_frame(plan, result)
    columns = program_columns(plan)
    sheet.set(4, 1, review_text("programs_note", lang), "note")  # the rule of the verdict, wrapped over the table
    sheet.merges.append(f"A4:{column_letter(len(columns))}4")
    sheet.heights[4] = 48
    last = write_table(sheet, columns, frame, lang, freeze_cols=2)
    verdict = column_letter(len(columns))
    first = GROUP_ROW + 2
    if len(frame):
        sheet.cond_formats += [
            CondFormat(
                f"{verdict}{first}:{verdict}{last}", f'={verdict}{first}="{review_text(f"verdict_{k}", lang)}"', s
            )
            for k, s in VERDICT_STYLE.items()
        ]
    needs_table(sheet, plan, result, max(last, first) + 2)
    return sheet


def need_rows(plan: Plan, result) -> list[dict]:
    """Per retailer need: its words, priority, the programs that answer it (the Needs sheet's answers and the
    programs that name it) and their combined result."""
    lang, programs = plan.language, result.programs
    sep = "、" if lang == "zh" else ", "
    rows = []
    for need in plan.needs:
        ids = list(dict.fromkeys([*need.answer, *programs.index[programs["need"] == need.id]]))
        ids = [i for i in ids if i in programs.index]
        chosen = programs.loc[ids]
        if ids:
            cost = chosen["cost"].sum()
            margin = chosen["incremental_margin"].sum()
            roi = (margin - cost) / cost if cost else None
            verdicts = sep.join(f"{i} {review_text(f'verdict_{v}', lang)}" for i, v in chosen["verdict"].items())
            result_words = review_text("need_result_line", lang).format(
                units=f"{chosen['incremental_units'].sum():,.0f}", roi=percent(roi), verdicts=verdicts
            )
        else:
            result_words = review_text("need_no_program", lang)
        rows.append(
            {
                "id": need.id,
                "need": need.need,
                "priority": enum_label("priority", need.priority, lang) if need.priority else "",
                "programs": sep.join(f"{i} {programs.at[i, 'program_name']}" for i in ids),
                "result": result_words,
            }
        )
    return rows


NEED_PLACES = (("id", 1, 1), ("need", 2, 2), ("priority", 3, 4), ("programs", 5, 8), ("result", 9, 14))


def needs_table(sheet, plan: Plan, result, top: int) -> None:
    """The needs review under the program table: id, need, priority, programs (E:H), result (I:N)."""
    lang = plan.language
    sheet.set(top, 1, review_text("needs_title", lang), "section")
    labels = {
        "id": review_text("need", lang),
        "need": review_text("need_text", lang),
        "priority": review_text("need_priority", lang),
        "programs": review_text("need_programs", lang),
        "result": review_text("need_result", lang),
    }
    rows = need_rows(plan, result)
    for offset, row in enumerate([labels, *rows]):
        at = top + 1 + offset
        for key, first, last in NEED_PLACES:
            style = "header" if offset == 0 else ("fixed_wrap" if key != "id" else "fixed_id")
            sheet.set(at, first, row[key] or None, style)
            for col in range(first + 1, last + 1):
                sheet.set(at, col, None, style)
            if last > first:
                sheet.merges.append(f"{column_letter(first)}{at}:{column_letter(last)}{at}")
        sheet.heights[at] = 32 if offset == 0 else 45

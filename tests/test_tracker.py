"""The problem tracker keeps what the KAM typed (owner, due, status, note) across a re-review, for the problems
that persist (same problem id: store + kind), and marks the ones that went away."""

from __future__ import annotations

from datetime import date, datetime

from kam_xl.reviewing.run import review
from kam_xl.reviewing.scorecards import GROUP_ROW
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.spec import column_letter
from tests.test_review import hand_book

SHEET = "Problems & opportunities"


def rows(path) -> tuple[list, list[dict]]:
    grid = FileBook(path).grid(SHEET)
    header = grid[GROUP_ROW]
    return header, [dict(zip(header, row)) for row in grid[GROUP_ROW + 1 :] if row and row[0] not in (None, "")]


def test_a_re_review_keeps_the_kams_entries_and_marks_what_went_away(tmp_path):
    path = hand_book(tmp_path)
    review(path)
    header, before = rows(path)
    at = {row["Problem ID"]: GROUP_ROW + 2 + i for i, row in enumerate(before)}
    col = {name: column_letter(header.index(name) + 1) for name in ("Problem ID", "Owner", "Due", "Status", "KAM note")}
    package = Package.open(path)
    row = at["S4·roi_negative"]
    package.set_cells(
        SHEET,
        {
            f"{col['Owner']}{row}": "HQ",
            f"{col['Due']}{row}": date(2026, 2, 15),
            f"{col['Status']}{row}": "In progress",
            f"{col['KAM note']}{row}": "cut the promoter days",
        },
    )
    gone = at["S1·overstock"]  # a problem that will not show again: pretend it was another one
    package.set_cells(SHEET, {f"{col['Problem ID']}{gone}": "S9·stale", f"{col['Owner']}{gone}": "SR"})
    package.save(path, backup=False)

    review(path)
    _, after = rows(path)
    kept = next(r for r in after if r["Problem ID"] == "S4·roi_negative")
    due = kept["Due"].date() if isinstance(kept["Due"], datetime) else kept["Due"]
    assert (kept["Owner"], due, kept["Status"], kept["KAM note"]) == (
        "HQ",
        date(2026, 2, 15),
        "In progress",
        "cut the promoter days",
    )
    marked = next(r for r in after if r["Problem ID"] == "S9·stale")
    assert (marked["Owner"], marked["Status"]) == ("SR", "Gone at this review")
    untouched = next(r for r in after if r["Problem ID"] == "S3·roi_negative")
    assert not untouched["Owner"] and not untouched["Status"]
    assert len(after) == len(before) + 1  # S1's overstock shows again as new; the S9 entry is kept, marked gone

    review(path)  # a third review changes nothing the KAM typed
    _, again = rows(path)
    assert [(r["Problem ID"], r["Owner"], r["Status"], r["KAM note"]) for r in again] == [
        (r["Problem ID"], r["Owner"], r["Status"], r["KAM note"]) for r in after
    ]

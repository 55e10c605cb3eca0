"""build_entries' weekly frame, built column by column, is the frame of one row dict per store and week."""

import random

import pandas as pd
import pytest

from kam_xl.model.entries import WEEK_FIELDS, WEEK_NUMBERS, build_entries


def _row_by_row(per_store, week_ids) -> pd.DataFrame:
    """The reference: one dict per store-week, as the weekly frame was first built."""
    rows = []
    for store_id, values in per_store.items():
        for position, week_id in enumerate(week_ids):
            row = {"store_id": store_id, "week": position, "week_id": week_id}
            for field in WEEK_FIELDS:
                value = values.get(("week", week_id, field))
                row[field] = (1.0 if value else 0.0) if field == "display" and value is not None else value
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["store_id", "week", "week_id", *WEEK_FIELDS])
    for column in (*WEEK_NUMBERS, "display"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


@pytest.mark.parametrize("seed", range(25))
def test_weekly_frame_is_the_row_by_row_frame(seed):
    rng = random.Random(seed)
    week_ids = [f"2026-W{i:02d}" for i in range(1, rng.randint(1, 14))]
    filled = rng.random()
    per_store = {}
    for number in range(rng.randint(0, 25)):
        values = {}
        for week_id in week_ids:
            for field in WEEK_FIELDS:
                if rng.random() > filled:
                    continue
                pool = {"display": [True, False], "comment": ["hi", "x"], "competitor_activity": ["promo"]}
                choices = pool.get(field, [1.0, 2.5, 0.0, 7.0])
                if rng.random() < 0.05:
                    choices = [*choices, "kept as typed", 3]  # values review leaves out, kept by the reader
                values[("week", week_id, field)] = rng.choice(choices)
        per_store[f"S{number:03d}"] = values
    entries = build_entries(per_store, week_ids, {}, 2)
    pd.testing.assert_frame_equal(entries.weekly, _row_by_row(per_store, week_ids))

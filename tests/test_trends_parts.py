"""weekly_parts, summed for every week at once, is the frame of one group-by per level and week."""

import numpy as np
import pandas as pd
import pytest

from kam_xl.metrics.allocation import allocate_plan
from kam_xl.metrics.measures import Targets, week_data
from kam_xl.model.entries import build_entries
from kam_xl.plan.demo import demo_plan
from kam_xl.reviewing.trends import LEVELS, PARTS, store_info, store_week_parts, weekly_parts
from kam_xl.storetabs.layout import ACTION_ROWS
from tests.support.fill import random_entries


def _week_by_week(plan, targets, entries, as_of) -> pd.DataFrame:
    """The reference: one group-by per level and week, as the frame was first built."""
    stores, parts = store_week_parts(plan, targets, entries, as_of)
    info = store_info(plan, stores)
    last = int(week_data(plan, entries, as_of).review_week)
    frames = []
    for level in LEVELS:
        keys = np.full(len(stores), plan.account.name, dtype=object) if level == "account" else info[level].to_numpy()
        for week in range(1, last + 1):
            summed = pd.DataFrame({name: parts[name][:, week - 1] for name in PARTS}).groupby(keys, sort=False).sum()
            summed.insert(0, "week", week)
            summed.insert(0, "level", level)
            summed.index.name = "group_key"
            frames.append(summed.reset_index())
    if not frames:
        return pd.DataFrame(columns=["level", "group_key", "week", "week_id", "week_start", "month", *PARTS])
    frame = pd.concat(frames, ignore_index=True)
    weeks = plan.weeks
    frame.insert(3, "week_id", [weeks[w - 1].id for w in frame["week"]])
    frame.insert(4, "week_start", [weeks[w - 1].start for w in frame["week"]])
    frame.insert(5, "month", [weeks[w - 1].month for w in frame["week"]])
    return frame.sort_values(["level", "group_key", "week"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize(("stores", "weeks", "as_of"), [(120, 9, None), (60, 13, 5), (30, 0, None), (80, 13, 1)])
def test_weekly_parts_is_the_week_by_week_frame(stores, weeks, as_of):
    plan = demo_plan(stores)
    typed = random_entries(plan, weeks=weeks) if weeks else {s.store_id: {} for s in plan.active_stores}
    programs = {s.store_id: [p.id for p in plan.programs_for(s)] for s in plan.active_stores}
    entries = build_entries(typed, [w.id for w in plan.weeks], programs, ACTION_ROWS)
    targets = Targets.from_allocation(allocate_plan(plan))
    pd.testing.assert_frame_equal(
        weekly_parts(plan, targets, entries, as_of), _week_by_week(plan, targets, entries, as_of)
    )

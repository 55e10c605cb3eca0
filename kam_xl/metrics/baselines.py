"""The next period's baselines from the ending period's run-rate (docs/metrics.md, "Baselines of the next period").

A store's new weekly baseline of a measure (units, value, category units) is the mean of the weeks it
reported, blended with its old baseline while it reported fewer than FULL_WEEKS weeks:

    n = weeks with the measure entered,  r = (sum of those weeks) / n,  f = min(n, FULL_WEEKS) / FULL_WEEKS
    new baseline = f × r + (1 − f) × old baseline          (n = 0: the old baseline, unchanged)
"""

from __future__ import annotations

import numpy as np

FULL_WEEKS = 4  # from this many reported weeks on, the run-rate alone is the new baseline


def run_rate_baselines(
    weekly: np.ndarray, old: np.ndarray, full_weeks: int = FULL_WEEKS
) -> tuple[np.ndarray, np.ndarray]:
    """(new weekly baseline, weeks reported) per store from a store × week array (NaN = not reported) and
    the old weekly baselines; a store whose old baseline is blank keeps its run-rate (or stays blank)."""
    values = np.asarray(weekly, dtype=float)
    old = np.asarray(old, dtype=float)
    reported = ~np.isnan(values)
    weeks = reported.sum(axis=1)
    total = np.where(reported, values, 0.0).sum(axis=1)
    rate = np.divide(total, weeks, out=np.full(len(weeks), np.nan), where=weeks > 0)
    factor = np.minimum(weeks, full_weeks) / full_weeks
    blended = np.where(np.isnan(old), rate, factor * rate + (1.0 - factor) * old)
    return np.where(weeks > 0, blended, old), weeks

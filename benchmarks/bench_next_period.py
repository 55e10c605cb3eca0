"""Benchmark: kam next-period on a reviewed workbook of 5,000 stores (13 weeks, a quarter, every week entered).

Building and reviewing the workbook is not timed; the time is next_period end to end: reading the plan, the Next
period sheet and every store tab, the new plan, and writing the new workbook with its 5,000 store tabs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import timer  # noqa: E402

TARGET_S = 20.0


def run(stores: int = 5000, weeks: int = 13) -> dict:
    """Seconds of next_period on a reviewed `stores`-store workbook (one run)."""
    from benchmarks.bench_review import build_book
    from kam_xl.reviewing.carry import next_period
    from kam_xl.reviewing.run import review

    results: dict = {"stores": stores, "weeks": weeks}
    with tempfile.TemporaryDirectory() as folder:
        with timer(results, "setup_s"):
            book = build_book(Path(folder), stores, weeks)
            review(book, db="none")
        out = Path(folder) / "next.xlsx"
        cpu = time.process_time()
        with timer(results, "next_period_s"):
            made = next_period(book, out)
        results["cpu_s"] = round(time.process_time() - cpu, 2)
        results["load"] = round(os.getloadavg()[0], 1)
        results.update(tabs=made.stores, actions=made.actions, mb=round(out.stat().st_size / 1e6, 1))
    return results

"""Benchmark: kam review on 5,000 stores × 52 weeks: computing alone, and reading + computing + writing.

The workbook is the demo account with its calendar extended to 52 weeks, generated with random but
realistic entries in every week of every store tab (building it is not timed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import in_child, machine, timer  # noqa: E402

COMPUTE_TARGET_S, TOTAL_TARGET_S = 1.0, 20.0


def year_plan(stores: int, weeks: int):
    """The demo plan with its calendar extended to `weeks` weeks and the HQ targets scaled to match."""
    from kam_xl.model.plan import Week
    from kam_xl.plan import demo_data
    from kam_xl.plan.demo import demo_plan

    plan = demo_plan(stores)
    calendar = []
    for offset in range(weeks):
        monday = plan.weeks[0].start + timedelta(weeks=offset)
        year, number, _ = monday.isocalendar()
        weight, note = demo_data.SEASON.get(number, (1.0, ("", "")))
        thursday = monday + timedelta(days=3)
        calendar.append(
            Week(
                f"{year}-W{number:02d}",
                monday,
                monday + timedelta(days=6),
                f"{thursday.year}-{thursday.month:02d}",
                weight,
                note[0],
            )
        )
    scale = weeks / len(plan.weeks)
    kpis = tuple(replace(k, hq_target=round(k.hq_target * scale, -2)) if k.is_sum else k for k in plan.kpis)
    return replace(
        plan,
        weeks=tuple(calendar),
        kpis=kpis,
        account=replace(plan.account, period_end=calendar[-1].end),
    )


def build_book(folder: Path, stores: int, weeks: int) -> Path:
    """The HQ workbook with every store tab generated holding its entries (generate keeps what tabs hold)."""
    from kam_xl.plan.workbook import write_plan_workbook
    from kam_xl.storetabs.generate import generate_tabs
    from kam_xl.xlsx.filebook import FileBook
    from tests.support.fill import random_entries

    path = folder / f"review-{stores}x{weeks}.xlsx"
    plan = year_plan(stores, weeks)
    write_plan_workbook(path, plan, "en")
    generate_tabs(FileBook(path), carried=random_entries(plan, weeks=weeks))  # new tabs holding their entries
    return path


def run(stores: int = 5000, weeks: int = 52, repeats: int = 3) -> dict:
    """Seconds to read, compute and write (one run each), computing alone and end to end (best of `repeats`)."""
    from kam_xl.reviewing.run import compute_review, read_inputs, review, write_review
    from kam_xl.xlsx.filebook import FileBook

    results: dict = {"stores": stores, "weeks": weeks}
    with tempfile.TemporaryDirectory() as folder:
        with timer(results, "setup_s"):
            built = build_book(Path(folder), stores, weeks)
        results["mb"] = round(built.stat().st_size / 1e6, 1)
        book = FileBook(shutil.copy(built, Path(folder) / "phases.xlsx"))
        with timer(results, "read_s"):
            inputs = read_inputs(book)
        computed = seconds(lambda: compute_review(inputs.plan, inputs.targets, inputs.entries), repeats)
        result = compute_review(inputs.plan, inputs.targets, inputs.entries)
        with timer(results, "write_s"):
            write_review(book, inputs, result)
        copies = [shutil.copy(built, Path(folder) / f"whole-{i}.xlsx") for i in range(repeats)]
        cpu = time.process_time()
        totals = seconds(lambda: review(copies.pop()), repeats)
        results.update(
            compute_s=min(computed),
            compute_median_s=statistics.median(computed),
            total_s=min(totals),
            total_median_s=statistics.median(totals),
            total_cpu_s=round((time.process_time() - cpu) / repeats, 2),
            load=round(os.getloadavg()[0], 1),
            tabs=len(inputs.entries.stores),
            flags=len(result.flags),
            weekly_rows=len(inputs.entries.weekly),
        )
    return results


def seconds(work, repeats: int) -> list[float]:
    """Wall-clock seconds of each of `repeats` runs of work()."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        out.append(round(time.perf_counter() - start, 3))
    return out


def rows(stores: int = 5000, weeks: int = 52) -> list[list[str]]:
    """The README table's rows (run in a child process for its peak memory)."""
    r = in_child("bench_review", "run", stores=stores, weeks=weeks)
    size = f"{stores:,} stores × {weeks} weeks"
    return [
        [
            "review: computing (engine, roll-ups, flags, next period)",
            size,
            f"{r['compute_s']:.2f} s (median {r['compute_median_s']:.2f} s)",
            f"≤ {COMPUTE_TARGET_S:.0f} s",
            _ok(r["compute_s"] <= COMPUTE_TARGET_S),
        ],
        [
            "review: reading + computing + writing",
            f"{size}, {r['mb']} MB",
            f"{r['total_s']:.2f} s (median {r['total_median_s']:.2f} s, CPU {r['total_cpu_s']:.1f} s; read "
            f"{r['read_s']:.1f} s, write {r['write_s']:.1f} s; peak {r['peak_mb']} MB; load {r['load']})",
            f"≤ {TOTAL_TARGET_S:.0f} s",
            _ok(r["total_s"] <= TOTAL_TARGET_S),
        ],
    ]


def _ok(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    print(f"Measured on {machine()}\n")
    print("| what | size | measured | target | |\n|---|---|---|---|---|")
    for row in rows(args.stores, args.weeks):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

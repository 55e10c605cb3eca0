"""Run every benchmark in its own process and print (and save) the README's table."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, in_child, machine  # noqa: E402


def plan_rows() -> list[list[str]]:
    r = in_child("bench_plan", "run", stores=5000)
    return [
        [
            "read + validate the plan",
            "5,000 stores",
            f"{r['read_validate_s']:.2f} s",
            "≤ 2 s",
            _ok(r["read_validate_s"] <= 2),
        ]
    ]


def generate_rows() -> list[list[str]]:
    rows, ours = [], {}
    for stores in (100, 1000, 5000):
        r = in_child("bench_generate", "run_generate", stores=stores)
        floor = in_child("bench_generate", "run_floor", stores=stores)
        ours[stores] = r["generate_s"]
        ratio = r["generate_s"] / floor["xlsxwriter_s"]
        target, ok = "", True
        if stores == 1000:
            target, ok = "≤ 15 s and ≤ 2× floor", r["generate_s"] <= 15 and ratio <= 2
        if stores == 5000:
            growth = r["generate_s"] / ours[1000]
            target, ok = (
                f"≤ 5.5× the 1,000 time ({growth:.1f}×); peak ≤ 2 GB",
                growth <= 5.5 and r["peak_mb"] <= 2048,
            )
        rows.append(
            [
                f"generate store tabs ({r['tabs']:,} tabs, {floor['cells']:,} cells)",
                f"{stores:,} stores",
                f"{r['generate_s']:.2f} s (XlsxWriter floor {floor['xlsxwriter_s']:.2f} s, {ratio:.2f}×; "
                f"peak {r['peak_mb']} MB)",
                target,
                _ok(ok) if target else "",
            ]
        )
    return rows


def collect_rows() -> list[list[str]]:
    r = in_child("bench_collect", "run", stores=1000, srs=50)
    return [
        [
            f"collect {r['files']} SR files ({r['values_written']:,} values written)",
            "1,000 stores",
            f"{r['collect_s']:.2f} s (plain python-calamine read {r['calamine_s']:.2f} s, {r['ratio']:.1f}×; "
            f"again, nothing to change: {r['recollect_s']:.2f} s; peak {r['peak_mb']} MB)",
            "≤ 10 s and ≤ 3× the read",
            _ok(r["meets_10s"] and r["meets_3x"]),
        ]
    ]


def history_rows() -> list[list[str]]:
    r = in_child("bench_history", "run", stores=1000, srs=50)
    return [
        [
            f"collect with the history database recording ({r['recorded']:,} values, fresh SQLite file)",
            "1,000 stores",
            f"{r['with_s']:.2f} s vs {r['without_s']:.2f} s without (--db none): {r['ratio']:.2f}×",
            "≤ 1.3× without",
            _ok(r["meets"]),
        ]
    ]


def review_rows() -> list[list[str]]:
    r = in_child("bench_review", "run", stores=5000, weeks=52, repeats=1)
    return [
        [
            "review: compute the metrics",
            "5,000 stores × 52 weeks",
            f"{r['compute_s']:.2f} s",
            "≤ 1 s",
            _ok(r["compute_s"] <= 1),
        ],
        [
            "review: read + compute + write",
            "5,000 stores × 52 weeks",
            f"{r['total_s']:.2f} s ({r['mb']} MB workbook; peak {r['peak_mb']} MB)",
            "≤ 20 s",
            _ok(r["total_s"] <= 20),
        ],
    ]


def next_period_rows() -> list[list[str]]:
    r = in_child("bench_next_period", "run", stores=5000, weeks=13)
    return [
        [
            f"next-period: the next period's plan workbook ({r['tabs']:,} stores, {r['actions']:,} open actions "
            "carried)",
            "5,000 stores × 13 weeks",
            f"{r['next_period_s']:.2f} s (CPU {r['cpu_s']:.1f} s; load {r['load']}; {r['mb']} MB workbook; "
            f"peak {r['peak_mb']} MB)",
            "≤ 20 s",
            _ok(r["next_period_s"] <= 20),
        ]
    ]


def whole_rows() -> list[list[str]]:
    from benchmarks.bench_whole import rows

    return rows()


def _ok(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(rows: list[list[str]]) -> str:
    head = ["what", "size", "measured", "target", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("plan", "generate", "collect", "history", "review", "next-period", "whole"))
    args = parser.parse_args()
    sections = {
        "plan": plan_rows,
        "generate": generate_rows,
        "collect": collect_rows,
        "history": history_rows,
        "review": review_rows,
        "next-period": next_period_rows,
        "whole": whole_rows,
    }
    rows = []
    for name, build in sections.items():
        if args.only in (None, name):
            rows += build()
    text = f"Measured {date.today():%Y-%m-%d} on {machine()} (`make bench`).\n\n{table(rows)}\n"
    print(text)
    if args.only is None:
        (ROOT / "benchmarks" / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

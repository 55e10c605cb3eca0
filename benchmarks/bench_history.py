"""Benchmark: `collect` with the history database recording (a fresh SQLite file beside the workbook) against
`collect` without it (--db none), on the same 1,000-store HQ workbook and 50 SR files.

Target (issue 15): with history ≤ 1.3× without.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.3


def run(stores: int = 1000, srs: int = 50, repeats: int = 3) -> dict:
    """Best of `repeats` runs each, alternating without and with history, from the same pristine workbook."""
    from benchmarks.bench_collect import prepare
    from kam_xl.execution.collect import collect

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        book, files, _ = prepare(folder, stores, srs)
        pristine = folder / "hq-pristine.xlsx"
        shutil.copy(book, pristine)
        best = {"none": float("inf"), "sqlite": float("inf")}
        recorded = 0
        for _ in range(repeats):
            for mode in ("none", "sqlite"):
                shutil.copy(pristine, book)
                db = folder / "kam-history.sqlite"
                db.unlink(missing_ok=True)
                start = time.perf_counter()
                report = collect(book, files, db="none" if mode == "none" else str(db))
                best[mode] = min(best[mode], time.perf_counter() - start)
                if mode == "sqlite":
                    recorded = report.history.recorded
        results = {
            "stores": stores,
            "values_written": report.written,
            "recorded": recorded,
            "without_s": round(best["none"], 3),
            "with_s": round(best["sqlite"], 3),
            "ratio": round(best["sqlite"] / best["none"], 3),
        }
    results["meets"] = results["ratio"] <= TARGET_RATIO
    return results


if __name__ == "__main__":
    print(run())

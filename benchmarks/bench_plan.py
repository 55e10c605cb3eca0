"""Benchmark: reading and validating the plan of an HQ workbook with 5,000 stores (target ≤ 2 s)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import demo_book, timer


def run(stores: int = 5000) -> dict:
    from kam_xl.plan.workbook import validate

    with tempfile.TemporaryDirectory() as folder:
        book = demo_book(Path(folder), stores)
        results: dict = {"stores": stores}
        validate(book)  # warm up imports and file cache
        with timer(results, "read_validate_s"):
            problems = validate(book)
        results["errors"] = sum(p.is_error for p in problems)
    return results


if __name__ == "__main__":
    print(run())

"""Benchmark: generating store tabs at 100, 1,000 and 5,000 stores, against XlsxWriter as the floor.

The floor is the time XlsxWriter takes to write the same cell contents (values, formulas, number
formats) of the same tabs, laid out by the same code; only the writing is timed for it.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from benchmarks.common import demo_book, timer


def run_generate(stores: int, repeats: int = 2) -> dict:
    """Time `generate` on a fresh demo workbook, best of `repeats` (run in a child process to measure
    its peak memory)."""
    import shutil

    from kam_xl.storetabs.generate import generate

    with tempfile.TemporaryDirectory() as folder:
        fresh = demo_book(Path(folder), stores)
        results: dict = {"stores": stores}
        times = []
        for attempt in range(repeats):
            book = Path(shutil.copy(fresh, Path(folder) / f"run-{attempt}.xlsx"))
            with timer(results, "generate_s"):
                written = generate(book).written
            times.append(results["generate_s"])
        results["generate_s"] = min(times)
        results["tabs"] = len(written)
        results["mb"] = round(book.stat().st_size / 1e6, 1)
    return results


def tab_specs(stores: int) -> list:
    from kam_xl.metrics.allocation import allocate_plan
    from kam_xl.plan.demo import demo_plan
    from kam_xl.storetabs.generate import StoreTargets, tab_context
    from kam_xl.storetabs.layout import build_tab

    plan = demo_plan(stores)
    targets = StoreTargets(plan, allocate_plan(plan))
    return [build_tab(tab_context(plan, targets, s, s.store_id, {})).spec for s in plan.active_stores]


def run_floor(stores: int) -> dict:
    """Time XlsxWriter writing the cells of the same tabs (layout not timed)."""
    import xlsxwriter

    from kam_xl.xlsx import styles
    from kam_xl.xlsx.spec import Formula

    specs = tab_specs(stores)
    results: dict = {"stores": stores, "cells": sum(len(s.cells) for s in specs)}
    with tempfile.TemporaryDirectory() as folder, timer(results, "xlsxwriter_s"):
        workbook = xlsxwriter.Workbook(str(Path(folder) / "floor.xlsx"))
        formats = {
            key: workbook.add_format({"num_format": style.get("number_format", "General")})
            for key, style in styles.CELL.items()
        }
        for spec in specs:
            sheet = workbook.add_worksheet(spec.title)
            for (row, col), (value, style) in spec.cells.items():
                fmt = formats[style]
                if isinstance(value, Formula):
                    sheet.write_formula(row - 1, col - 1, value.text, fmt)
                elif isinstance(value, str):
                    sheet.write_string(row - 1, col - 1, value, fmt)
                elif isinstance(value, date):
                    sheet.write_datetime(row - 1, col - 1, datetime(value.year, value.month, value.day), fmt)
                elif value is None:
                    sheet.write_blank(row - 1, col - 1, None, fmt)
                else:
                    sheet.write_number(row - 1, col - 1, value, fmt)
        workbook.close()
    return results


if __name__ == "__main__":
    from benchmarks.common import in_child

    for n in (100, 1000, 5000):
        print(
            in_child("bench_generate", "run_generate", stores=n),
            in_child("bench_generate", "run_floor", stores=n),
        )

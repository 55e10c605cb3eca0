"""Shared benchmark helpers: timing, peak memory of a child process, demo workbooks, machine line."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def timer(results: dict, key: str):
    start = time.perf_counter()
    yield
    results[key] = round(time.perf_counter() - start, 3)


def in_child(module: str, function: str, **kwargs) -> dict:
    """Run benchmarks.<module>.<function>(**kwargs) in a fresh Python; its result plus peak memory (MB)."""
    code = (
        "import json, resource, sys\n"
        f"from benchmarks.{module} import {function}\n"
        f"result = {function}(**json.loads(sys.argv[1]))\n"
        "result['peak_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
        "print('RESULT ' + json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(kwargs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def demo_book(folder: Path, stores: int, lang: str = "en", generated: bool = False) -> Path:
    from kam_xl.plan.workbook import init_workbook
    from kam_xl.storetabs.generate import generate

    path = folder / f"demo-{lang}-{stores}{'-tabs' if generated else ''}.xlsx"
    init_workbook(path, lang=lang, demo=True, stores=stores)
    if generated:
        generate(path)
    return path


def machine() -> str:
    cpus = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpus} cores{memory}, Python {platform.python_version()}"

"""Benchmark: whole `kam` processes (issue 17) — wall, CPU and peak memory of the command as a user runs it,
against the real floors: a python-calamine read of the same files (collect, review) in a process of its own.

Each measure runs the command ≥ 3 times on a fresh copy of its workbook and reports the median and the best.
Building the workbooks is not timed. Run alone: `python benchmarks/bench_whole.py [--quick]`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT  # noqa: E402

KAM = [sys.executable, "-m", "kam_xl"]
CALAMINE_READ = (
    "import sys\n"
    "from python_calamine import CalamineWorkbook\n"
    "for path in sys.argv[1:]:\n"
    "    book = CalamineWorkbook.from_path(path)\n"
    "    for name in book.sheet_names:\n"
    "        book.get_sheet_by_name(name).to_python()\n"
)


# The command is started by a small fresh Python, not by this process: Linux counts the memory a process had
# before exec in its peak (ru_maxrss), so a child forked from this benchmark (holding its big fixtures) would
# report this process's size, not the command's.
_MEASURE = (
    "import json, os, subprocess, sys, time\n"
    "args = json.loads(sys.argv[1])\n"
    "start = time.perf_counter()\n"
    "child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sys.stderr)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "wall = time.perf_counter() - start\n"
    "print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'wall': wall,\n"
    "    'cpu': usage.ru_utime + usage.ru_stime, 'maxrss_kb': usage.ru_maxrss}))\n"
)


@dataclass
class Runs:
    """Whole-process measures of one command: wall seconds, CPU seconds (user + system), peak RSS in MB."""

    wall: list[float]
    cpu: list[float]
    peak_mb: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def best(self) -> float:
        return min(self.wall)

    def text(self) -> str:
        return (
            f"{self.median:.2f} s (best {self.best:.2f}; CPU {statistics.median(self.cpu):.2f} s; "
            f"peak {max(self.peak_mb):.0f} MB)"
        )


def run_process(args: list[str], before=None, repeats: int = 3, ok_codes=(0,)) -> Runs:
    """Run `args` `repeats` times (calling `before()` first each time); wall, CPU and peak RSS of each."""
    runs = Runs([], [], [])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(repeats):
        if before is not None:
            before()
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, json.dumps(args)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        if measured["code"] not in ok_codes:
            raise RuntimeError(f"{args} exited {measured['code']}: {done.stderr[-2000:]}")
        runs.wall.append(round(measured["wall"], 3))
        runs.cpu.append(round(measured["cpu"], 3))
        runs.peak_mb.append(round(measured["maxrss_kb"] / 1024, 1))  # the largest process of the command
    return runs


def fresh_copy(source: Path, target: Path):
    """A `before` that puts a pristine copy of the workbook in place and drops its backups."""

    def before() -> None:
        shutil.copy(source, target)
        for old in target.parent.glob(f"{target.stem}.kam-backup-*"):
            old.unlink()

    return before


def startup() -> dict:
    """`kam --version` against a bare `python -c pass`."""
    return {
        "version": run_process([*KAM, "--version"], repeats=5),
        "python": run_process([sys.executable, "-c", "pass"], repeats=5),
    }


def validate_demo(stores: int = 120) -> dict:
    from benchmarks.common import demo_book

    with tempfile.TemporaryDirectory() as folder:
        book = demo_book(Path(folder), stores, generated=True)
        return {"validate": run_process([*KAM, "validate", str(book)], repeats=5, ok_codes=(0, 1))}


def generate(stores: int, repeats: int = 3) -> dict:
    from benchmarks.common import demo_book

    with tempfile.TemporaryDirectory() as folder:
        pristine = demo_book(Path(folder), stores)
        book = Path(folder) / "run.xlsx"
        runs = run_process([*KAM, "generate", str(book)], before=fresh_copy(pristine, book), repeats=repeats)
        return {"generate": runs, "tabs": stores}


def collect(stores: int, srs: int, repeats: int = 3) -> dict:
    from benchmarks.bench_collect import prepare

    with tempfile.TemporaryDirectory() as folder:
        book, files, typed = prepare(Path(folder), stores, srs)
        pristine = Path(folder) / "pristine.xlsx"
        shutil.copy(book, pristine)
        read = run_process([sys.executable, "-c", CALAMINE_READ, *map(str, files)], repeats=repeats)
        runs = run_process(
            [*KAM, "collect", str(book), *map(str, files), "--db", "none"],
            before=fresh_copy(pristine, book),
            repeats=repeats,
            ok_codes=(0, 1),  # 1: the demo's planted mistakes were rejected (and logged)
        )
        return {"collect": runs, "floor": read, "files": len(files), "typed": typed}


def review(stores: int = 5000, weeks: int = 52, repeats: int = 3) -> dict:
    from benchmarks.bench_review import build_book

    with tempfile.TemporaryDirectory() as folder:
        pristine = build_book(Path(folder), stores, weeks)
        book = Path(folder) / "run.xlsx"
        shutil.copy(pristine, book)
        read = run_process([sys.executable, "-c", CALAMINE_READ, str(book)], repeats=repeats)
        runs = run_process(
            [*KAM, "review", str(book), "--db", "none"], before=fresh_copy(pristine, book), repeats=repeats
        )
        return {"review": runs, "floor": read}


def rows(quick: bool = False) -> list[list[str]]:
    """The README's whole-process table (issue 17's targets)."""
    out: list[list[str]] = []
    start = startup()
    version = start["version"]
    out.append(
        [
            "`kam --version`",
            "—",
            f"{version.text()}; bare python {start['python'].median:.2f} s",
            "≤ 0.15 s",
            _ok(version.median <= 0.15),
        ]
    )
    valid = validate_demo()["validate"]
    out.append(["`kam validate` (demo)", "120 stores", valid.text(), "≤ 0.6 s", _ok(valid.median <= 0.6)])
    sizes = (100, 1000) if quick else (100, 1000, 5000)
    times = {}
    for stores in sizes:
        made = generate(stores)["generate"]
        times[stores] = made
        target, ok = "", None
        if stores == 1000:
            target, ok = "≤ 1.5 s", made.median <= 1.5
        if stores == 5000:
            growth = [five / times[1000].median for five in made.wall]
            target = f"≤ 5× the 1,000 time, 3 runs of 3 ({', '.join(f'{g:.1f}×' for g in growth)})"
            ok = all(g <= 5 for g in growth)
        grew = f"; ×{made.median / times[100].median:.1f} from 100" if stores > 100 else ""
        out.append([f"`kam generate`{grew}", f"{stores:,} stores", made.text(), target, _ok(ok)])
    for stores, srs in ((1000, 50),) if quick else ((1000, 50), (5000, 250)):
        got = collect(stores, srs)
        ratio = got["collect"].median / got["floor"].median
        out.append(
            [
                f"`kam collect` {got['files']} SR files (`--db none`)",
                f"{stores:,} stores",
                f"{got['collect'].text()}; calamine read {got['floor'].median:.2f} s: {ratio:.1f}×",
                "≤ 1.5× the read",
                _ok(ratio <= 1.5),
            ]
        )
    if not quick:
        got = review()
        runs = got["review"]
        ok = runs.median <= 6 and max(runs.peak_mb) <= 600
        out.append(
            [
                "`kam review` (`--db none`)",
                "5,000 stores × 52 weeks",
                f"{runs.text()}; calamine read {got['floor'].median:.2f} s",
                "≤ 6 s and ≤ 600 MB",
                _ok(ok),
            ]
        )
    return out


def _ok(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "NOT met")


if __name__ == "__main__":
    from benchmarks.common import machine
    from benchmarks.run import table

    print(machine())
    print(table(rows(quick="--quick" in sys.argv)))

"""Benchmark: this code against an older commit, paired — each round runs both versions one after the other, in
alternating order, on their own fixtures, so the machine's drift (±30 % within an hour here) falls on both.

Measures `kam collect` of 50 SR files into 1,000 store tabs three ways — this code, this code with the cached-value
refresh switched off (what caching costs), the older commit — and `kam generate` of 1,000 stores against the older
commit; prints every round's ratios and their medians (issue 12: each ≤ 1.3× the older code).

Run: `python benchmarks/bench_paired.py [--base b6b957e] [--rounds 15]` (needs git; makes a temporary worktree).
Both trees are compiled first: a tree without .pyc files (PYTHONDONTWRITEBYTECODE) pays compiling on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT  # noqa: E402

# Each version builds its own fixtures with its own benchmark helpers (the module paths moved between versions).
_PREPARE_COLLECT = (
    "import shutil, sys\nfrom pathlib import Path\nfrom benchmarks.bench_collect import prepare\n"
    "book, files, typed = prepare(Path(sys.argv[1]), 1000, 50)\n"
    "shutil.copy(book, Path(sys.argv[1]) / 'pristine.xlsx')\n"
)
_PREPARE_GENERATE = (
    "import shutil, sys\nfrom pathlib import Path\nfrom benchmarks.common import demo_book\n"
    "shutil.copy(demo_book(Path(sys.argv[1]), 1000), Path(sys.argv[1]) / 'pristine.xlsx')\n"
)
# This code with the refresh of cached values off: each tab's values written at once, its formulas untouched.
_WITHOUT_CACHING = (
    "import sys\nimport kam_xl.execution.collect as collect\n"
    "class NoRefresh:\n"
    "    def __init__(self, book, *args, **kwargs):\n        self.book = book\n"
    "    def add(self, sheet, grid, writes, cells=None):\n"
    "        if cells:\n            self.book.set_cells(sheet, cells)\n"
    "    def finish(self):\n        return {}\n"
    "collect.Refresh = NoRefresh\nfrom kam_xl.cli import main\nsys.exit(main(sys.argv[1:]))\n"
)


def _run(tree: Path, args: list[str], ok=(0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,  # `python -m` and `-c` put the working folder first on sys.path: it must be the version's own
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode not in ok:
        raise SystemExit(f"{args[:3]} in {tree} failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - start


def _collect(tree: Path, folder: Path, head: list[str], extra: list[str]) -> float:
    shutil.copy(folder / "pristine.xlsx", folder / "hq.xlsx")
    files = sorted(str(p) for p in (folder / "sr").glob("*.xlsx"))
    # 1: the benchmark plan's planted mistakes were rejected (and logged)
    return _run(tree, [*head, "collect", str(folder / "hq.xlsx"), *files, *extra], ok=(0, 1))


def _generate(tree: Path, folder: Path) -> float:
    shutil.copy(folder / "pristine.xlsx", folder / "run.xlsx")
    return _run(tree, ["-m", "kam_xl", "generate", str(folder / "run.xlsx")])


def paired(base: str, rounds: int) -> dict:
    """Every round's times and the medians of the ratios."""
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        old = work / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(old), base], check=True)
        try:
            return _measure(old, work, rounds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)


def _measure(old: Path, work: Path, rounds: int) -> dict:
    for tree in (ROOT, old):
        compileall.compile_dir(str(tree / "kam_xl"), quiet=1)
    folders = {}
    for label, tree in (("new", ROOT), ("old", old)):
        for what, script in (("collect", _PREPARE_COLLECT), ("generate", _PREPARE_GENERATE)):
            folder = folders[label, what] = work / f"{label}-{what}"
            folder.mkdir()
            _run(tree, ["-c", script, str(folder)])
    new_extra = ["--db", "none"]  # the older code had no history database
    runs = {
        "on": lambda: _collect(ROOT, folders["new", "collect"], ["-m", "kam_xl"], new_extra),
        "off": lambda: _collect(ROOT, folders["new", "collect"], ["-c", _WITHOUT_CACHING], new_extra),
        "old": lambda: _collect(old, folders["old", "collect"], ["-m", "kam_xl"], []),
        "generate": lambda: _generate(ROOT, folders["new", "generate"]),
        "generate old": lambda: _generate(old, folders["old", "generate"]),
    }
    rows = []
    for index in range(rounds):
        order = list(runs) if index % 2 == 0 else list(reversed(runs))
        times = {key: runs[key]() for key in order}
        rows.append(times)
        print(
            f"round {index + 1}: collect {times['on']:.2f} s (caching off {times['off']:.2f} s, old {times['old']:.2f}"
            f" s): {times['on'] / times['old']:.3f}× the old, {times['on'] / times['off']:.3f}× without caching; "
            f"generate {times['generate']:.2f} s (old {times['generate old']:.2f} s): "
            f"{times['generate'] / times['generate old']:.3f}×",
            flush=True,
        )
    return {
        "collect_vs_old": statistics.median(r["on"] / r["old"] for r in rows),
        "collect_vs_no_caching": statistics.median(r["on"] / r["off"] for r in rows),
        "generate_vs_old": statistics.median(r["generate"] / r["generate old"] for r in rows),
        "rounds": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="b6b957e", help="the older commit (default: the code of 2026-11-27)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    got = paired(args.base, args.rounds)
    print(
        f"medians over {args.rounds} rounds: collect {got['collect_vs_old']:.3f}× {args.base} "
        f"({got['collect_vs_no_caching']:.3f}× without caching), generate {got['generate_vs_old']:.3f}× {args.base}"
    )


if __name__ == "__main__":
    main()

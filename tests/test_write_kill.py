"""SIGKILL at any moment of `kam generate`, `kam review` and `kam split`: the workbook (or each SR file) opens and
holds the state before or after the run, the next run takes the lock at once, finishes and leaves no temporary file."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import VOLATILE_KEYS
from kam_xl.reviewing.scorecards import STAMP_CELL
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.spec import split_ref
from tests.support.guarded import temps
from tests.support.sr_files import inputs, split_copy

ROOT = Path(__file__).resolve().parent.parent
KILLS = 10


def content(path: Path) -> dict:
    """Every sheet's values, without the times a run stamps (_meta's generated_at, review's computed-at)."""
    Package.open(path)  # opens as a package...
    book = FileBook(path)  # ...and for reading
    stamp_row, stamp_col = split_ref(STAMP_CELL)
    found = {"order": book.sheet_names()}
    for name in book.sheet_names():
        grid = [list(row) for row in book.grid(name)]
        for row in grid:
            if name == "_meta" and row and row[0] in VOLATILE_KEYS:
                row[1:] = []
        stamp = grid[stamp_row - 1][stamp_col - 1] if len(grid) >= stamp_row else None
        if str(stamp).startswith("Computed"):  # a review sheet's computed-at stamp
            grid[stamp_row - 1][stamp_col - 1] = None
        found[name] = grid
    return found


def sr_contents(folder: Path) -> dict[str, object]:
    """Each SR file's typed inputs, by file name."""
    return {path.name: inputs(path) for path in sorted(folder.glob("*.xlsx"))}


@pytest.fixture(scope="module")
def states(demo_book_factory, tmp_path_factory):
    """Workbooks before and after each command, made by the library: (folder, dict of paths)."""
    folder = tmp_path_factory.mktemp("write-kill")
    paths = {"plain": folder / "plain.xlsx"}
    shutil.copy(demo_book_factory("en", 40), paths["plain"])
    book, _ = split_copy(paths["plain"], folder / "work")
    paths["generated"] = folder / "generated.xlsx"
    shutil.copy(book, paths["generated"])
    fill_sr_files(folder / "work" / "sr", load_plan(book), weeks=5, seed=31)
    collect(book, [folder / "work" / "sr"])
    paths["collected"] = folder / "collected.xlsx"
    shutil.copy(book, paths["collected"])
    return folder, paths


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - start


def _kill_at(command: list[str], folder: Path, number: int, seconds: float, rng: random.Random) -> bool:
    """Run the command and SIGKILL it: odd numbers at a moment of the run, even ones once a save's temporary
    file appears in `folder`; whether the temporary file was seen."""
    seen = False
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        if number % 2:
            time.sleep(rng.uniform(0.15, 1.1) * seconds)
        else:
            while process.poll() is None and not seen:
                seen = any(p.suffix == ".kam-tmp" for p in folder.iterdir())
            time.sleep(rng.uniform(0.0, 0.01 if number % 4 else 0.2 * seconds))
        process.send_signal(signal.SIGKILL)
        process.wait()
    return seen


def _quietly(argv: list) -> int:
    return main(["--quiet", *[str(a) for a in argv]])


@pytest.mark.parametrize("step", ["generate", "review"])
def test_a_killed_generate_or_review_leaves_the_workbook_before_or_after(states, step, tmp_path):
    folder, paths = states
    start = paths["plain"] if step == "generate" else paths["collected"]
    reference = tmp_path / "reference.xlsx"
    shutil.copy(start, reference)
    seconds = _timed([sys.executable, "-m", "kam_xl", "--quiet", step, str(reference)])
    before, after = content(start), content(reference)
    assert before != after
    rng, outcomes, saving = random.Random(11), [], 0
    for number in range(KILLS):
        run = tmp_path / f"run{number}"
        run.mkdir()
        book = run / "hq.xlsx"
        shutil.copy(start, book)
        saving += _kill_at([sys.executable, "-m", "kam_xl", step, str(book)], run, number, seconds, rng)
        found = content(book)
        assert found in (before, after), f"kill {number}: neither before nor after"
        outcomes.append("after" if found == after else "before")
        assert _quietly([step, book, "--wait", "0"]) == 0  # the lock was released with the killed process
        assert content(book) == after and temps(run) == []
    assert "before" in outcomes and saving, (outcomes, saving)


def test_a_killed_split_leaves_each_sr_file_before_or_after(states, tmp_path):
    folder, paths = states
    earlier = tmp_path / "earlier"
    main(["--quiet", "split", str(paths["generated"]), "--out", str(earlier)])
    reference = tmp_path / "reference"
    seconds = _timed(
        [sys.executable, "-m", "kam_xl", "--quiet", "split", str(paths["collected"]), "--out", str(reference)]
    )
    before, after = sr_contents(earlier), sr_contents(reference)
    assert set(before) == set(after) and all(before[name] != after[name] for name in before)
    rng, saving = random.Random(12), 0
    for number in range(KILLS):
        out = tmp_path / f"run{number}"
        shutil.copytree(earlier, out)
        command = [sys.executable, "-m", "kam_xl", "split", str(paths["collected"]), "--out", str(out)]
        saving += _kill_at(command, out, number, seconds, rng)
        for name, found in sr_contents(out).items():
            assert found in (before[name], after[name]), f"kill {number}: {name} is neither before nor after"
        assert _quietly(["split", paths["collected"], "--out", out, "--wait", "0"]) == 0  # no file is foreign
        assert sr_contents(out) == after and temps(out) == []
        assert not [p for p in out.iterdir() if p.is_dir()]  # nothing had to be moved aside
    assert saving

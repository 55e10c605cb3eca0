"""SIGKILL at any moment of `kam collect`: the HQ workbook opens and holds either the old or the new inputs."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kam_xl.execution.collect import collect
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.sr_files import inputs, split_copy

ROOT = Path(__file__).resolve().parent.parent
KILLS = 22


def collect_command(book: Path, folder: Path) -> list[str]:
    """`python -m kam_xl collect BOOK FOLDER` once the CLI has the command, else the library call."""
    from kam_xl import cli

    if "collect" in getattr(cli, "COMMANDS", {}):
        return [sys.executable, "-m", "kam_xl", "collect", str(book), str(folder)]
    code = "import sys; from kam_xl.collect import collect; collect(sys.argv[1], [sys.argv[2]])"
    return [sys.executable, "-c", code, str(book), str(folder)]


@pytest.fixture(scope="module")
def prepared(demo_book_factory, tmp_path_factory):
    """(folder, pristine HQ workbook, inputs before, inputs after a complete collect, seconds of a run)."""
    folder = tmp_path_factory.mktemp("kill")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=6, seed=21)
    pristine = folder / "pristine.xlsx"
    shutil.copy(book, pristine)
    collect(book, [folder / "sr"])
    before, after = inputs(pristine), inputs(book)
    assert before != after
    run = _fresh(folder, pristine)
    seconds = _timed_run(collect_command(run, folder / "sr"))
    assert inputs(run) == after
    return folder, pristine, before, after, seconds


def _timed_run(command: list[str]) -> float:
    """Seconds a complete run takes."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: the command reports refused files or values
    return time.perf_counter() - start


def _fresh(folder: Path, pristine: Path) -> Path:
    """An empty folder holding a copy of the pristine HQ workbook."""
    run = folder / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    shutil.copy(pristine, run / "hq.xlsx")
    return run / "hq.xlsx"


def _kill_while_saving(process: subprocess.Popen, folder: Path, extra: float) -> bool:
    """SIGKILL `extra` seconds after the save's temporary file appears; whether it was seen in time."""
    seen = False
    while process.poll() is None and not seen:
        seen = any(p.suffix == ".kam-tmp" for p in folder.iterdir())
    time.sleep(extra)
    process.send_signal(signal.SIGKILL)
    return seen


def test_a_kill_at_any_moment_leaves_the_old_or_the_new_workbook(prepared):
    folder, pristine, before, after, done = prepared
    rng = random.Random(20)
    seen, saving = [], 0
    for number in range(KILLS):
        book = _fresh(folder, pristine)
        process = subprocess.Popen(
            collect_command(book, folder / "sr"),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if number % 2:  # any moment of the run
            time.sleep(rng.uniform(0.1, 1.05) * done)
            process.send_signal(signal.SIGKILL)
        else:  # while the temporary file is written, the backup made and the file replaced
            saving += _kill_while_saving(process, book.parent, rng.uniform(0.0, 0.01))
        process.wait()
        Package.open(book)  # opens as a package...
        FileBook(book).sheet_names()  # ...and for reading
        found = inputs(book)
        assert found in (before, after)
        seen.append("after" if found == after else "before")
    assert set(seen) == {"before", "after"}, seen
    assert saving, "no kill was aimed at the save: the temporary file was never seen"

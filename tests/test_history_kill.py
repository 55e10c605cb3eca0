"""SIGKILL at 10 moments of `kam collect` with history: the database never claims data the workbook lacks, and
the workbook never holds collected data the database lacks without saying so (its `_history` token unknown to
the database), which the next command's catch-up then records.

Definitions. The database *claims* (store, week, field) = v when the latest committed row of that key holds v
(tests/support/history.claims). The workbook *holds collected* (store, week, field) = v when its store tab holds
v and v differs from the pristine workbook (what collect wrote). After every kill:
  1. claims ⊆ what the workbook holds (every claimed value is in the workbook, the same);
  2. either claims == holds collected, or the workbook's `_history` token is unknown to the database (pending)
     and, after the catch-up that the next collect or review runs first, claims == holds collected.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kam_xl.history.record import read_marker, recording
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.xlsx.filebook import FileBook
from tests.support.history import claims, holds, runs
from tests.support.sr_files import inputs, split_copy

ROOT = Path(__file__).resolve().parent.parent
KILLS = 10


@pytest.fixture(scope="module")
def prepared(demo_book_factory, tmp_path_factory):
    folder = tmp_path_factory.mktemp("history-kill")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=6, seed=21)
    pristine = folder / "pristine.xlsx"
    shutil.copy(book, pristine)
    return folder, pristine, inputs(pristine)


def command(book: Path, sr: Path, db: str) -> list[str]:
    return [sys.executable, "-m", "kam_xl", "collect", str(book), str(sr), "--db", db]


def fresh_run(folder: Path, pristine: Path, number: int) -> Path:
    run = folder / f"run{number}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    shutil.copy(pristine, run / "hq.xlsx")
    return run / "hq.xlsx"


def kill_around_the_replace(process: subprocess.Popen, folder: Path, extra: float) -> None:
    """SIGKILL `extra` seconds after the save's temporary file is gone again (renamed over the workbook)."""
    seen = False
    while process.poll() is None:
        present = any(p.suffix == ".kam-tmp" for p in folder.iterdir())
        if present:
            seen = True
        elif seen:
            break
    time.sleep(extra)
    process.send_signal(signal.SIGKILL)


def test_a_killed_collect_never_leaves_the_database_and_the_workbook_disagreeing(prepared, db_url):
    folder, pristine, before = prepared
    sqlite = "://" not in db_url
    timing = fresh_run(folder, pristine, 99)
    start = time.perf_counter()
    done = subprocess.run(command(timing, folder / "sr", db_url if not sqlite else str(folder / "t.sqlite")), cwd=ROOT)
    seconds = time.perf_counter() - start
    assert done.returncode in (0, 1)
    rng = random.Random(15)
    outcomes = []
    for number in range(KILLS):
        book = fresh_run(folder, pristine, number)
        db = str(book.parent / "h.sqlite") if sqlite else _fresh_pg(db_url, number)
        process = subprocess.Popen(command(book, folder / "sr", db), cwd=ROOT, stderr=subprocess.DEVNULL)
        if number % 2:
            time.sleep(rng.uniform(0.2, 1.05) * seconds)
            process.send_signal(signal.SIGKILL)
        else:
            kill_around_the_replace(process, book.parent, rng.uniform(0.0, 0.004))
        process.wait()
        held, claimed = holds(book, before), claims(db, book)
        workbook = holds(book)
        assert all(workbook.get(key) == value for key, value in claimed.items()), "the database claims too much"
        marker = read_marker(FileBook(book))
        pending = marker is not None and marker.token not in {token for _, token, _ in runs(db)}
        if pending:
            with recording(book, db, "collect"):
                pass
            claimed = claims(db, book)
        # a collect records what it wrote; a catch-up every value the workbook holds (prefilled ones too)
        assert claimed == (workbook if pending else held)
        outcomes.append("pending" if pending else ("after" if held else "before"))
    assert "before" in outcomes and {"after", "pending"} & set(outcomes), outcomes


def _fresh_pg(server_db: str, number: int) -> str:
    from tests.support.postgres import fresh_database

    return fresh_database(server_db.rsplit("/", 1)[0] + "/postgres")

"""Two real `kam collect` processes into one HQ workbook at once: the second waits, and both SRs' values arrive."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kam_xl.execution.collect import collect
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from tests.support.guarded import temps
from tests.support.sr_files import inputs, split_copy

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 20


def test_two_collects_at_once_keep_every_value_of_both_files(demo_book_factory, tmp_path):
    book, files = split_copy(demo_book_factory("en", 40), tmp_path / "made")
    fill_sr_files(tmp_path / "made" / "sr", load_plan(book), weeks=4, seed=17)
    first, second = sorted(files)[:2]
    pristine = tmp_path / "pristine.xlsx"
    shutil.copy(book, pristine)
    collect(book, [first])
    collect(book, [second])
    expected = inputs(book)
    alone = [inputs(_alone(pristine, source, tmp_path)) for source in (first, second)]
    assert expected not in [inputs(pristine), *alone]  # each file brings values of its own
    waited = 0
    for number in range(ROUNDS):
        run = tmp_path / f"round{number}"
        run.mkdir()
        hq = run / "hq.xlsx"
        shutil.copy(pristine, hq)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "kam_xl", "collect", str(hq), str(source)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for source in (first, second)
        ]
        outputs = [process.communicate() for process in processes]
        assert all(process.returncode in (0, 1) for process in processes), outputs
        assert all("workbook saved" in out for out, _ in outputs), outputs  # each one saved...
        assert inputs(hq) == expected, f"round {number}: a value of one of the files is missing"  # ...both kept
        assert temps(run) == []
        waited += any("waiting for another kam command" in err for _, err in outputs)
    assert waited, "the two commands never overlapped"


def _alone(pristine: Path, source: Path, folder: Path) -> Path:
    """The HQ workbook after collecting only `source`."""
    book = folder / "alone.xlsx"
    shutil.copy(pristine, book)
    collect(book, [source])
    return book

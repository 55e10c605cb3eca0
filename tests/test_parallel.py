"""Work shared with a forked helper (kam_xl.parallel): same results in the same order as one process, errors
raised here, nothing left running, and generate writes the same workbook either way."""

from __future__ import annotations

import os
import re
import signal
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_xl.errors import KamError, WorkbookError
from kam_xl.parallel import shared_map, workers


def square_and_pid(batch: list[int]) -> tuple[list[int], int]:
    return [x * x for x in batch], os.getpid()


def test_results_come_back_in_order_and_every_other_batch_is_done_by_a_helper(monkeypatch):
    monkeypatch.setenv("KAM_WORKERS", "2")
    batches = [[i, i + 100] for i in range(7)]
    results = list(shared_map(square_and_pid, batches))
    assert [r[0] for r in results] == [[x * x for x in b] for b in batches]
    pids = [r[1] for r in results]
    if os.cpu_count() and hasattr(os, "fork"):
        assert set(pids[0::2]) == {os.getpid()}
        assert os.getpid() not in pids[1::2]


def test_one_worker_keeps_everything_in_this_process(monkeypatch):
    monkeypatch.setenv("KAM_WORKERS", "1")
    assert workers() == 1
    results = list(shared_map(square_and_pid, [[1], [2], [3]]))
    assert {pid for _, pid in results} == {os.getpid()}


def fail_on_three(batch: list[int]) -> list[int]:
    if 3 in batch:
        raise WorkbookError("batch three cannot be read")
    return batch


@pytest.mark.parametrize("where", [[[1], [3]], [[3], [1]]], ids=["in the helper", "here"])
def test_an_error_in_either_process_is_raised_with_its_type(monkeypatch, where):
    monkeypatch.setenv("KAM_WORKERS", "2")
    with pytest.raises(WorkbookError, match="batch three"):
        list(shared_map(fail_on_three, where))


def die_in_helper(batch: list[int]) -> list[int]:
    if batch == [2]:
        os.kill(os.getpid(), signal.SIGKILL)
    return batch


def test_a_killed_helper_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setenv("KAM_WORKERS", "2")
    with pytest.raises(KamError, match="helper process ended"):
        list(shared_map(die_in_helper, [[1], [2], [3], [4]]))


def test_stopping_early_leaves_no_helper_running(monkeypatch):
    import multiprocessing

    monkeypatch.setenv("KAM_WORKERS", "2")
    results = shared_map(square_and_pid, [[i] for i in range(40)])
    next(results)
    results.close()  # the caller stops: the helper is stopped too
    assert multiprocessing.active_children() == []


def test_generate_writes_the_same_workbook_with_one_or_two_processes(tmp_path, monkeypatch):
    from kam_xl.plan.workbook import init_workbook
    from kam_xl.storetabs import generate as generating

    monkeypatch.setattr(generating, "CACHE_BATCH", 16)  # 40 stores: three batches, shared out
    parts = {}
    for count in ("1", "2"):
        monkeypatch.setenv("KAM_WORKERS", count)
        book = tmp_path / f"book-{count}.xlsx"
        init_workbook(book, lang="en", demo=True, stores=40)
        generating.generate(book)
        with zipfile.ZipFile(book) as package:
            parts[count] = {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}
    assert parts["1"].keys() == parts["2"].keys()
    differ = [name for name in parts["1"] if parts["1"][name] != parts["2"][name]]
    # only the meta sheet differs: it carries the time of the run
    assert len(differ) <= 1, differ


@given(st.integers(0, 3000), st.integers(1, 600))
def test_even_batches_keep_every_item_once_in_order_and_share_evenly(count, largest):
    from kam_xl.storetabs.generate import even_batches

    batches = even_batches(list(range(count)), largest)
    assert [x for batch in batches for x in batch] == list(range(count))
    sizes = [len(batch) for batch in batches]
    assert all(0 < size <= largest for size in sizes)
    assert not sizes or max(sizes) - min(sizes) <= 1
    assert count < 2 or len(batches) % 2 == 0 or len(batches) == count  # odd only when one item a batch


def test_collect_writes_the_same_workbook_and_report_with_one_or_two_processes(
    demo_book_factory, tmp_path, monkeypatch
):
    """Two processes read the SR files and merge half of them each (the helper hands back its sheets): the
    workbook and the report are those of one process — values, cached formula values, the log."""
    from kam_xl.execution.collect import collect
    from kam_xl.plan.load import load_plan
    from kam_xl.simulation.simulate import fill_sr_files
    from tests.support.sr_files import split_copy

    outcomes = {}
    for count in ("1", "2"):
        monkeypatch.setenv("KAM_WORKERS", count)
        book, _ = split_copy(demo_book_factory("en", 40), tmp_path / count)
        fill_sr_files(tmp_path / count / "sr", load_plan(book), weeks=6, seed=5)  # typed values and mistakes
        report = collect(book, [tmp_path / count / "sr"], db="none")
        with zipfile.ZipFile(book) as package:
            parts = {  # times of the runs (log, _meta) and the files' digests (they hold their split time) aside
                name: re.sub(rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d|[0-9a-f]{64}", b"X", package.read(name))
                for name in package.namelist()
                if name != "docProps/core.xml"
            }
        log = [(e.what, e.file, e.sheet, e.cell, e.old, e.new) for e in report.entries]
        outcomes[count] = (parts, log, [f.as_dict() | {"file": Path(f.path).name} for f in report.files])
    one, two = outcomes["1"], outcomes["2"]
    assert one[1] == two[1] and one[2] == two[2]
    assert sum(f["new"] for f in two[2]) > 100 and any(e[0] == "rejected" for e in two[1])
    assert one[0].keys() == two[0].keys()
    differ = [name for name in one[0] if one[0][name] != two[0][name]]
    assert differ == [], differ


_INTERRUPTED = """
import os, sys, time
from kam_xl.parallel import shared_map

def slow(batch):
    time.sleep(0.3)
    return batch

try:
    for done in shared_map(slow, [[i] for i in range(40)]):
        print("batch", done, flush=True)
except KeyboardInterrupt:
    import multiprocessing
    print("interrupted; children left:", len(multiprocessing.active_children()), flush=True)
"""


def test_ctrl_c_stops_both_processes_without_a_traceback_from_the_helper(monkeypatch):
    """Ctrl-C reaches the whole process group: the parent stops (and stops the helper); the helper says nothing."""
    import subprocess
    import sys
    import time

    monkeypatch.setenv("KAM_WORKERS", "2")
    child = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    assert child.stdout.readline().startswith("batch")  # both processes are at work
    time.sleep(0.2)
    os.killpg(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert "interrupted; children left: 0" in out
    assert "Traceback" not in err, err


class _Panic(BaseException):
    """What python-calamine raises when it panics on a damaged file (pyo3's PanicException is a BaseException)."""


@pytest.mark.parametrize("count", ["1", "2"])
def test_a_reader_that_panics_on_one_file_refuses_that_file_only(demo_book_factory, tmp_path, monkeypatch, count):
    from kam_xl.execution import collect as collecting
    from tests.support.sr_files import split_copy

    monkeypatch.setenv("KAM_WORKERS", count)
    book, files = split_copy(demo_book_factory("en", 40), tmp_path)
    real = collecting.read_sr_file

    def panicking(path, hq):
        if path == files[1]:
            raise _Panic("called `Option::unwrap()` on a `None` value")
        return real(path, hq)

    monkeypatch.setattr(collecting, "read_sr_file", panicking)
    report = collecting.collect(book, files, db="none")
    outcome = {Path(f.path).name: (f.status, f.reason) for f in report.files}
    assert outcome[files[1].name][0] == "refused" and "_Panic" in outcome[files[1].name][1]
    assert all(status != "refused" for name, (status, _) in outcome.items() if name != files[1].name)


@given(st.integers(0, 3000), st.integers(1, 600))
def test_the_helper_gets_a_little_less_and_every_item_stays_once_in_order(count, largest):
    from kam_xl.storetabs.generate import even_batches, lighter_helper

    even = even_batches(list(range(count)), largest)
    batches = lighter_helper(even)
    assert [x for batch in batches for x in batch] == list(range(count))
    assert len(batches) == len(even) and all(batches)
    for mine, helpers in zip(batches[0::2], batches[1::2], strict=False):
        assert len(helpers) <= len(mine)
        if len(mine) + len(helpers) >= 100:
            assert len(helpers) < len(mine) <= len(helpers) * 1.15

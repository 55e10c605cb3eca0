"""Work shared with a second core: one forked helper process takes every other batch, this process the rest.

Used where a command turns thousands of independent batches into bytes (generate's store tabs; collect's SR files,
read, then merged into their HQ tabs). The helper is a
fork, so it sees everything this process built (plan, styles) without pickling it; it sends each batch's result
back through a pipe and ends with os._exit (no atexit handler, so a lock this process holds is never released
by it). If this process dies, the helper's next send fails on the broken pipe and it ends too: nothing is left
running. Results come back in the order of the batches.

One process, no helper, when: fork does not exist (Windows, where Excel runs the macros), the machine has one
core, there are fewer than two batches, or KAM_WORKERS=1.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from kam_xl.errors import KamError

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """How many processes share the work: KAM_WORKERS when set (1 or 2), else 2 on a machine with 2+ cores."""
    chosen = os.environ.get("KAM_WORKERS", "").strip()
    if chosen.isdigit() and int(chosen) >= 1:
        return min(int(chosen), 2)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


_IN_HELPER = False  # True in the forked helper (see in_helper)


def in_helper() -> bool:
    """Whether this is the forked helper: a work function that uses what its parent had open (files, threads)
    opens its own there (the parent's threads do not exist in a fork)."""
    return _IN_HELPER


def sharing(batches: Sequence) -> bool:
    """Whether shared_map will give these batches to two processes."""
    return len(batches) >= 2 and workers() >= 2 and "fork" in multiprocessing.get_all_start_methods()


def shared_map(work: Callable[[T], R], batches: Sequence[T]) -> Iterator[R]:
    """work(batch) for every batch, in order; every other batch is done by a forked helper when it helps."""
    if not sharing(batches):
        for batch in batches:
            yield work(batch)
        return
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    helper = context.Process(target=_helper, args=(work, batches, reader, writer), daemon=True)
    helper.start()
    writer.close()
    finished = False
    try:
        for index, batch in enumerate(batches):
            if index % 2 == 0:
                yield work(batch)
                continue
            try:
                ok, result = reader.recv()
            except EOFError:
                raise KamError(
                    "the helper process ended without its result (killed?) — run the command again"
                ) from None
            if not ok:
                raise result
            yield result
        finished = True
    finally:
        reader.close()
        if not finished:  # an error here, or the caller stopped early: the helper's work is not wanted
            helper.kill()
        helper.join()


def _helper(work: Callable, batches: Sequence, reader, writer) -> None:
    global _IN_HELPER
    _IN_HELPER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops this process (no traceback)
    reader.close()  # only the parent reads: once it is gone, a send fails and this process ends
    try:
        _work_and_send(work, batches[1::2], writer)
    except OSError:  # the parent is gone (killed): no one to tell, and nothing to print
        os._exit(1)
    writer.close()


def _work_and_send(work: Callable, batches: Sequence, writer) -> None:
    for batch in batches:
        try:
            message = (True, work(batch))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the parent raises it (a library's panic too: pyo3 panics are BaseException)
            try:
                writer.send((False, exc))
            except OSError:
                raise
            except Exception:  # an exception that cannot be pickled: its words
                writer.send((False, KamError(f"{type(exc).__name__}: {exc}")))
            return
        writer.send(message)

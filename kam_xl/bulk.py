"""Fewer garbage collections while a command builds and keeps many small objects (collect, review, generate).

Python's cycle collector runs after every 700 new container objects and, every so often, walks *every* object
the process holds. A collect holds the HQ workbook's cell map and every SR file's values (hundreds of
thousands of tuples) while it makes millions more: measured on 1,000 stores, 0.4 s of its 3.8 s went to
walking the same long-lived objects again and again, and in the forked helper each walk also copies the
memory pages it touches.

`bulk_work()` raises the first threshold (collections stay, 70× rarer) and moves what exists when a phase
starts to the permanent generation (`gc.freeze()`), which a collection does not walk; both are undone on exit,
so a long-lived process (the Excel add-in's UDF server) gets its usual collector back and frees the frozen
objects once unreferenced. Nothing is disabled: cyclic garbage is still collected.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

FIRST_THRESHOLD = 50_000  # new containers between two young collections (Python's default: 700)


_lock = threading.Lock()
_depth = 0  # bulk_work blocks running now, in any thread of this process
_before: tuple[int, int, int] | None = None  # the thresholds before the first of them
_ours = False  # whether the frozen objects were frozen by the first of them (then the last one unfreezes them)


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Within: young collections 70× rarer and what exists now never walked again (see the module). Nested or
    concurrent blocks (two commands in the add-in's process) share one setting: the first one makes it, the last
    one to end restores what was there before; objects a caller froze itself stay frozen."""
    global _depth, _before, _ours
    with _lock:
        if _depth == 0:
            _before = gc.get_threshold()
            gc.set_threshold(max(FIRST_THRESHOLD, _before[0]), *_before[1:])
            _ours = not gc.get_freeze_count()
            if _ours:
                gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _ours:
                    gc.unfreeze()
                    _ours = False
                gc.set_threshold(*_before)


def freeze_more() -> None:
    """Inside bulk_work: what exists now (a phase's data, once built) is left out of later collections too, and
    a forked helper does not copy its pages by walking it."""
    with _lock:
        if _ours:
            gc.freeze()

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
from collections.abc import Iterator

FIRST_THRESHOLD = 50_000  # new containers between two young collections (Python's default: 700)


_ours = False  # whether the frozen objects are frozen by bulk_work (then it unfreezes them)


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Within: young collections 70× rarer and what exists now never walked again (see the module). Nested
    calls, or a process that froze objects itself, leave the freezing to whoever began it."""
    global _ours
    import os

    if os.environ.get("KAM_AB_NOBULK"):
        yield
        return
    before = gc.get_threshold()
    owner = not gc.get_freeze_count()
    gc.set_threshold(max(FIRST_THRESHOLD, before[0]), *before[1:])
    if owner:
        gc.freeze()
        _ours = True
    try:
        yield
    finally:
        if owner:
            _ours = False
            gc.unfreeze()
        gc.set_threshold(*before)


def freeze_more() -> None:
    """Inside bulk_work: what exists now (a phase's data, once built) is left out of later collections too, and
    a forked helper does not copy its pages by walking it."""
    if _ours:
        gc.freeze()

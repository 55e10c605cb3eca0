"""Recording into the history database when it is on, and a recorder that records nothing when it is off,
without importing SQLAlchemy then (collect and import with `--db none`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kam_xl.history.target import choose


@dataclass
class NotRecording:
    """The recorder of a command run with recording off: it records nothing (kam_xl.history.record.Recorder's
    face, without SQLAlchemy)."""

    enabled: bool = False
    label: str = ""
    recorded: int = 0
    caught_up: int = 0
    warnings: list[str] = field(default_factory=list)

    def stage_collect(self, book, report) -> int:
        """Nothing to record."""
        return 0


@contextmanager
def recording(book: str | os.PathLike | None, db: str | os.PathLike | None, command: str) -> Iterator:
    """kam_xl.history.record.recording for this command, or NotRecording when recording is off."""
    if choose(book, db) is None:
        yield NotRecording()
        return
    from kam_xl.history.record import recording as recording_into  # SQLAlchemy: only when recording

    with recording_into(book, db, command) as recorder:
        yield recorder

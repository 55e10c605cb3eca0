"""Recording into the history database when it is on, and a recorder that records nothing when it is off,
without importing SQLAlchemy then (collect and import with `--db none`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.history.target import choose
from kam_xl.history.values import Ancestors


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

    def collected_before(self, book, stores=None) -> Ancestors:
        """Nothing recorded: no earlier values to merge against."""
        return Ancestors()


@contextmanager
def recording(book: str | os.PathLike | None, db: str | os.PathLike | None, command: str) -> Iterator:
    """kam_xl.history.record.recording for this command, or NotRecording when recording is off."""
    if choose(book, db) is None:
        yield NotRecording()
        return
    from kam_xl.history.record import recording as recording_into  # SQLAlchemy: only when recording

    with recording_into(book, db, command) as recorder:
        yield recorder


def collected_before(book_path: str | os.PathLike, book, command: str, stores=None) -> Ancestors:
    """What `command`'s files last brought into the workbook `book` (saved at `book_path`), from its history
    database when one exists: the macros, which record nothing, still keep a KAM's correction against a newer
    file (kam_xl.execution.collect.three_way). Empty when recording is off, no database exists yet, or it
    cannot be read."""
    target = choose(book_path, None)
    if target is None:
        return Ancestors()
    try:
        from kam_xl.history.record import Recorder, new_sqlite_file
        from kam_xl.history.store import HistoryError, open_database
    except ImportError:  # xlwings Lite (Pyodide) has no SQLAlchemy: there is no database to read there
        return Ancestors()
    if new_sqlite_file(target) is not None:
        return Ancestors()  # no database yet: nothing was recorded (and reading must not create one)
    try:
        recorder = Recorder(open_database(target), Path(book_path), command)
    except HistoryError:
        return Ancestors()
    try:
        return recorder.collected_before(book, stores)
    finally:
        recorder.close()

"""Which history database a command records into, decided without loading SQLAlchemy.

`--db PATH_OR_URL`, else the KAM_DB environment variable, else `kam-history.sqlite` beside the workbook;
`none` (or off, no, false, 0) turns recording off. A command run with recording off never imports SQLAlchemy
(history/optional.py hands it a recorder that records nothing), so `kam collect --db none` starts faster.
"""

from __future__ import annotations

import os
from pathlib import Path

from kam_xl.errors import KamError

DB_ENV = "KAM_DB"
DEFAULT_NAME = "kam-history.sqlite"
OFF = frozenset({"none", "off", "no", "false", "0"})


class HistoryError(KamError):
    """The history database cannot be opened, read or written (the message names it and what to do)."""


def choose(book: str | os.PathLike | None, db: str | os.PathLike | None = None) -> str | None:
    """The database to use: `db`, else KAM_DB, else kam-history.sqlite beside `book`; None when turned off."""
    chosen = db if db is not None and str(db).strip() else os.environ.get(DB_ENV, "").strip() or None
    if chosen is None:
        if book is None:
            raise HistoryError("no history database given: add --db PATH_OR_URL (or set KAM_DB)")
        return str(Path(book).absolute().parent / DEFAULT_NAME)
    return None if str(chosen).strip().casefold() in OFF else str(chosen).strip()

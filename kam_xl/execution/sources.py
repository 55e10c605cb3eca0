"""Which files a collect (or import) reads: the files given, and the workbooks in the folders given.

Nothing in a folder is passed over in silence: workbooks are read, spreadsheets kam_xl cannot read (.xls,
.ods, .csv…) are refused with what to do, other files are listed as skipped. Only kam_xl's own files (its
backups, locks, temporary files and the index/manifest files it writes) and Office's lock files are left
out without a word.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_TYPES = (".xlsx", ".xlsm")
UNREADABLE_TYPES = {
    ".xls": "an Excel 97-2003 workbook",
    ".xlsb": "a binary Excel workbook",
    ".ods": "an OpenDocument spreadsheet",
    ".fods": "an OpenDocument spreadsheet",
    ".csv": "a CSV file",
    ".et": "a WPS spreadsheet",
    ".ett": "a WPS template",
    ".numbers": "an Apple Numbers file",
    ".xltx": "an Excel template",
    ".xltm": "an Excel template",
    ".xml": "an XML file",
}
OWN_FILES = {"index.csv", "index.html"}  # what split and e-mail write next to the SR files


@dataclass(frozen=True)
class Source:
    """One file to read, or why it is not read (`refused`: tell the person; `skipped`: not a workbook)."""

    path: Path
    refused: str = ""
    skipped: str = ""


def _quiet(path: Path) -> bool:
    """kam_xl's own and Office's helper files, never anyone's data."""
    name = path.name
    return (
        name.startswith(("~$", ".~lock.", "."))
        or ".kam-backup-" in name
        or name.endswith((".kam-tmp", ".kam-lock"))
        or name in OWN_FILES
    )


def _classify(path: Path) -> Source:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_TYPES:
        return Source(path)
    if suffix in UNREADABLE_TYPES:
        kind = UNREADABLE_TYPES[suffix]
        return Source(path, refused=f"{kind} ({suffix}): open it and save it as .xlsx, then collect it")
    return Source(path, skipped=f"not a workbook ({suffix or 'no extension'}): left alone")


def identity(path: Path) -> str:
    """A path's identity for finding the same file twice (symlinks and case-insensitive disks included)."""
    return os.path.normcase(os.path.realpath(path))


def collect_sources(given: list[Path], skip: Path | None = None) -> list[Source]:
    """The files to read from the paths given: a file as it is (whatever its name), a folder's files by
    type (sorted by name, not recursive); each file once, never the HQ workbook itself (`skip`)."""
    found: list[Source] = []
    for path in given:
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if _quiet(entry):
                    continue
                if entry.is_dir():
                    found.append(Source(entry, skipped="a folder inside the folder given: not read (give it too)"))
                elif entry.is_file():
                    found.append(_classify(entry))
        elif path.suffix.lower() in UNREADABLE_TYPES:
            found.append(_classify(path))
        else:
            found.append(Source(path))
    seen = {identity(skip)} if skip is not None else set()
    unique = []
    for source in found:
        key = identity(source.path)
        if key not in seen:
            seen.add(key)
            unique.append(source)
    return unique

"""Helpers of the write-safety tests: a process holding a workbook's lock, file digests, the backups of a book."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_HOLDER = """
import sys, time
from kam_xl.xlsx.guard import exclusive, exclusive_folder
hold = exclusive_folder if sys.argv[2] == "folder" else exclusive
with hold(sys.argv[1], command="test holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def hold_lock(path: Path, seconds: float, folder: bool = False) -> subprocess.Popen:
    """A real process holding the lock of the workbook (or folder) at `path` for `seconds`, once it says so."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), "folder" if folder else "book", str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "held"
    return process


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def backups(path: Path) -> list[Path]:
    """The backups beside a workbook, by name."""
    return sorted(path.parent.glob(f"{path.stem}.kam-backup-*"))


def temps(folder: Path) -> list[Path]:
    """Temporary files of saves in a folder."""
    return sorted(folder.glob("*.kam-tmp"))

"""Backups kept beside a workbook before every save: numbered, one per distinct content, the newest five.

A backup is `<stem>.kam-backup-<sequence>-<YYYYmmdd-HHMMSS><suffix>` next to the workbook (the real file when
the workbook is reached through a symbolic link). The sequence number orders them, not the clock (another
machine's clock, or a clock set back, cannot make a new backup look old); the timestamp is only there for
people. Before a save the current file becomes a backup unless a backup with the same bytes already exists:
then that one is renamed to the newest number instead of adding a copy. After the save the newest KEEP_BACKUPS
distinct contents stay and the others are deleted, oldest first; the backup this save made (or renamed) is
never deleted. Backups named the old way, `<stem>.kam-backup-YYYYmmdd-HHMMSS[-n]<suffix>`, count as older
than any numbered one and are pruned first, oldest timestamp first. Callers hold the workbook's lock
(kam_xl.xlsx.guard), so no two saves number backups at the same time.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kam_xl.errors import WorkbookError

KEEP_BACKUPS = 5
_STAMP = r"\d{8}-\d{6}"


@dataclass(frozen=True)
class Backup:
    """One backup file and its place in the order (legacy ones first, by timestamp; then by number)."""

    path: Path
    order: tuple  # (0, timestamp, n) for legacy names, (1, sequence) for numbered ones


def backups_of(path: Path) -> list[Backup]:
    """The backups of the workbook at `path`, oldest first."""
    stem, suffix = re.escape(path.stem), re.escape(path.suffix)
    numbered = re.compile(rf"^{stem}\.kam-backup-(\d+)-{_STAMP}{suffix}$")
    legacy = re.compile(rf"^{stem}\.kam-backup-({_STAMP})(?:-(\d+))?{suffix}$")
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if match := numbered.match(entry.name):
                found.append(Backup(entry, (1, int(match.group(1)))))
            elif match := legacy.match(entry.name):
                found.append(Backup(entry, (0, match.group(1), int(match.group(2) or 0))))
    return sorted(found, key=lambda backup: backup.order)


def same_content(first: Path, second: Path) -> bool:
    """Whether two files hold the same bytes (hard links to one file trivially do)."""
    try:
        a, b = first.stat(), second.stat()
    except OSError:
        return False
    if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
        return True
    return a.st_size == b.st_size and filecmp.cmp(first, second, shallow=False)


def next_name(path: Path, existing: list[Backup]) -> Path:
    """The name of a new newest backup: the next sequence number and the time now."""
    numbers = [backup.order[1] for backup in existing if backup.order[0] == 1]
    number = 1 + max(numbers, default=0)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.kam-backup-{number:04d}-{stamp}{path.suffix}")


@dataclass
class PendingBackup:
    """The backup of the file about to be replaced: made before the save, settled after it."""

    path: Path  # the backup that holds the old content once the save has succeeded
    made: bool  # True: a new hard link or copy; False: an existing backup with the same bytes
    previous: Path | None = None  # the existing backup renamed to `path` when the save succeeds

    def settle(self) -> Path:
        """After a successful save: an existing backup with the same bytes becomes the newest one."""
        if self.previous is not None:
            os.replace(self.previous, self.path)
        return self.path

    def discard(self) -> None:
        """After a failed save: remove a backup made for it (an existing one stays as it was)."""
        if self.made:
            self.path.unlink(missing_ok=True)


def prepare_backup(path: Path) -> PendingBackup:
    """Keep the current content of `path` as the newest backup (hard link, else copy), unless a backup already
    holds these bytes: that one is renamed to the newest number when the save succeeds (PendingBackup.settle)."""
    existing = backups_of(path)
    target = next_name(path, existing)
    for backup in reversed(existing):
        if same_content(path, backup.path):
            return PendingBackup(target, made=False, previous=backup.path)
    if target.exists():
        raise WorkbookError(f"{target} exists already — remove it or rename it, then run the command again")
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return PendingBackup(target, made=True)


def prune_backups(path: Path, keep: int = KEEP_BACKUPS, protect: Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest distinct contents among the backups of `path` (a backup whose bytes
    equal a newer one's goes too); `protect` is never deleted. Returns the deleted paths."""
    kept: list[Path] = []
    stale: list[Path] = []
    for backup in reversed(backups_of(path)):
        distinct = len(kept) < keep and not any(same_content(backup.path, other) for other in kept)
        if backup.path == protect or distinct:
            kept.append(backup.path)
        else:
            stale.append(backup.path)
    for entry in stale:
        entry.unlink(missing_ok=True)
    return stale

"""What `kam split` wrote into its folder, so that running it again never overwrites anyone else's file.

`FOLDER/.kam-split.json` (hidden) holds the SHA-256 of every file split wrote there, index.csv included. On a
re-run a file may be replaced only while it is byte for byte what split wrote; a file that changed since
(an SR's returned workbook saved over the original), that split never wrote, that is read-only or open in
Excel or LibreOffice (owner file beside it) is a conflict: split refuses, naming each one, or with --force
moves them into `FOLDER/replaced-YYYYmmdd-HHMMSS/` first (nothing is deleted). Before a file is replaced the
hash of its new content is added to the record, so a run killed between the two leaves a file the next run
still recognises; at the end the record holds only what is on disk. The caller holds the folder's lock
(kam_xl.xlsx.guard.exclusive_folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

from kam_xl.errors import KamError
from kam_xl.xlsx.guard import app_of, owner_files
from kam_xl.xlsx.safezip import atomic_write, is_read_only

RECORD = ".kam-split.json"
MAX_LISTED = 10


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class WrittenFiles:
    """The record of the files kam wrote into one folder, and the checks made before replacing them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.hashes: dict[str, list[str]] = _read_record(folder / RECORD)
        self.latest: dict[str, str] = {}  # name -> hash of what this run wrote

    def conflict(self, name: str) -> str | None:
        """Why the file `name` in the folder must not be replaced, or None when it may be (absent, or unchanged)."""
        path = self.folder / name
        if not path.exists() and not path.is_symlink():
            return None
        if path.is_symlink() or not path.is_file():
            return "not a plain file"
        owners = owner_files(path)
        if owners:
            return f"open in {app_of(owners[0])} ({owners[0].name})"
        if is_read_only(path):
            return "read-only"
        if name not in self.hashes:
            return "not written by kam split"
        if sha256_of(path) not in self.hashes[name]:
            return "changed since kam split wrote it"
        return None

    def conflicts(self, names: list[str]) -> dict[str, str]:
        """The files among `names` that must not be replaced, with the reason."""
        return {name: why for name in names if (why := self.conflict(name))}

    def refuse(self, conflicts: dict[str, str], book: str) -> KamError:
        """The error naming the conflicts and what to do about them."""
        listed = "; ".join(f"{name} ({why})" for name, why in list(conflicts.items())[:MAX_LISTED])
        more = f"; and {len(conflicts) - MAX_LISTED} more" if len(conflicts) > MAX_LISTED else ""
        return KamError(
            f"{self.folder} holds {len(conflicts)} file(s) that split would overwrite but did not write, or that "
            f"changed since: {listed}{more}. Returned SR workbooks? Collect them first (kam collect {book} "
            f"{self.folder}), then split into another folder (--out NEW_FOLDER), or add --force to move these "
            "files into a dated replaced-… subfolder (nothing is deleted) and write the new ones"
        )

    def move_aside(self, names: list[str]) -> tuple[Path, list[Path]]:
        """Move these files into a new FOLDER/replaced-YYYYmmdd-HHMMSS/ subfolder; returns it and where they went."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target, number = self.folder / f"replaced-{stamp}", 2
        while target.exists():
            target, number = self.folder / f"replaced-{stamp}-{number}", number + 1
        target.mkdir()
        moved = []
        for name in names:
            os.replace(self.folder / name, target / name)
            self.hashes.pop(name, None)
            moved.append(target / name)
        self._save()
        return target, moved

    def write(self, name: str, data: bytes) -> Path:
        """Replace (or create) the file `name` with `data`, recording its hash first; returns its path."""
        digest = self.latest[name] = hashlib.sha256(data).hexdigest()
        known = self.hashes.setdefault(name, [])
        if digest not in known:
            known.append(digest)
            self._save()
        path = self.folder / name
        atomic_write(path, data, backup=False)
        return path

    def finish(self) -> None:
        """Keep only what is on disk now: the hash of each file written, and earlier records of files still there."""
        for name in list(self.hashes):
            if name in self.latest:
                self.hashes[name] = [self.latest[name]]
            elif not (self.folder / name).is_file():
                del self.hashes[name]
        self._save()

    def _save(self) -> None:
        record = {
            "about": "what kam split wrote here (SHA-256 per file); split replaces only files that still match",
            "files": self.hashes,
        }
        atomic_write(self.folder / RECORD, json.dumps(record, indent=1).encode("utf-8"), backup=False)


def _read_record(path: Path) -> dict[str, list[str]]:
    """The hashes recorded per file name ({} when there is no record or it cannot be read)."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {str(name): [str(h) for h in hashes] for name, hashes in files.items() if isinstance(hashes, list)}

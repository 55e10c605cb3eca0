"""One writer at a time: the lock a command takes before it reads a workbook it will change, or a folder it writes.

Every command that changes a workbook (init, generate, collect, review) runs inside `exclusive(path)`, taken
BEFORE the workbook is read, so a second command reads what the first one saved instead of overwriting it.
The lock is the maintained `filelock` library's OS lock (flock on Linux and macOS, LockFileEx on Windows)
on a hidden file beside the workbook, `.NAME.kam-lock` (beside the real file when NAME is a symbolic link).
The OS drops it when the process ends, even when it is killed, so a lock never stays held by a dead
command; the lock file itself stays (it holds only who had the lock last). On a file system without OS
locks filelock falls back to the lock file's existence, which a killed command leaves behind: the message
of a command that gives up then says to delete it. Commands that write a folder
(split, email) hold `exclusive_folder(folder)`, whose lock file is `FOLDER/.kam-lock`.

* A second command waits for the first, saying so once through `notify` (by default a line on stderr naming
  the command that holds the lock), up to `wait` seconds (DEFAULT_WAIT; 0 = do not wait), then gives up
  with BusyError (exit 2), never having read or written anything.
* A workbook open in Excel (owner file `~$NAME`, and for long names `~$` + NAME without its first two
  characters, unless a file of that shorter name is there and owns it) or in LibreOffice (`.~lock.NAME#`)
  is refused with BusyError, unless `force`: then the command goes on and `Guard.forced` says what was
  overridden, for the command to report.
* A read-only workbook (mode bits: the owner may not write) is refused before anything is read.
* Once the lock is held, temporary files of earlier killed saves (`.<stem>.<8 letters>.kam-tmp`) are removed:
  no other kam command can be writing them.
Within one thread the lock is re-entrant, so a library caller may hold it around several steps.
"""

from __future__ import annotations

import math
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from filelock import FileLock, SoftFileLock, Timeout

from kam_xl.errors import BusyError, KamError, WorkbookError
from kam_xl.xlsx.safezip import leftover_temps, real_path, refuse_read_only

DEFAULT_WAIT = 600.0  # seconds a command waits for another kam command on the same workbook or folder
FOLDER_LOCK = ".kam-lock"
APPS = {"~$": "Excel", ".~lock.": "LibreOffice"}


@dataclass
class Guard:
    """The lock held on a workbook or folder, and what taking it found."""

    target: Path  # the workbook (symbolic links followed) or the folder
    lock_file: Path
    forced: list[str] = field(default_factory=list)  # what `force` overrode, in words, for the command's report
    waited: float = 0.0  # seconds spent waiting for another kam command
    cleaned: list[Path] = field(default_factory=list)  # temporary files of killed runs removed


def say_on_stderr(message: str) -> None:
    """The default `notify`: one line on stderr (the command's output on stdout stays clean)."""
    print(message, file=sys.stderr, flush=True)


def lock_file_of(path: str | os.PathLike) -> Path:
    """`.NAME.kam-lock` beside the workbook (beside the real file when `path` is a symbolic link)."""
    real = real_path(Path(path))
    return real.with_name(f".{real.name}.kam-lock")


def checked_wait(wait: float | None) -> float:
    """Seconds to wait (None: DEFAULT_WAIT); KamError for a negative or non-finite number."""
    if wait is None:
        return DEFAULT_WAIT
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not math.isfinite(wait) or wait < 0:
        raise KamError(f"--wait {wait}: give the seconds to wait for another kam command, 0 or more (0: do not wait)")
    return float(wait)


def owner_files(path: str | os.PathLike) -> list[Path]:
    """Owner files saying the workbook is open in Excel or LibreOffice, for the path as given and its real file."""
    path = Path(path)
    found: list[Path] = []
    for where in dict.fromkeys([path.absolute(), real_path(path).absolute()]):
        folder, name = where.parent, where.name
        candidates = [folder / f"~${name}", folder / f".~lock.{name}#"]
        if len(name) > 2 and not (folder / name[2:]).exists():  # Excel's owner file of a long name
            candidates.append(folder / f"~${name[2:]}")
        found += [candidate for candidate in candidates if candidate.is_file() and candidate not in found]
    return found


def app_of(owner: Path) -> str:
    """'Excel' or 'LibreOffice': which application leaves this owner file."""
    return next(app for prefix, app in APPS.items() if owner.name.startswith(prefix))


def check_not_open(path: Path, force: bool, guard: Guard) -> None:
    """BusyError when an owner file shows the workbook open elsewhere; with `force`, a note in guard.forced."""
    for owner in owner_files(path):
        app = app_of(owner)
        if not force:
            raise BusyError(
                f"{path.name} is open in {app} ({owner.name} is beside it) — close it there first (saving your "
                f"changes), then run the command again; if nobody has it open (after a crash), delete "
                f"{owner.name}, or add --force to change it anyway"
            )
        note = (
            f"{path.name} is open in {app} ({owner.name}): changed anyway because of --force — close it there "
            f"without saving, or {app} saves its copy over these changes"
        )
        if note not in guard.forced:
            guard.forced.append(note)


_OTHER_TYPES = (".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".ods", ".csv", ".txt", ".et")  # replaced, not kept


def check_new_workbook_name(path: str | Path, real: Path | None = None) -> None:
    """WorkbookError when a workbook about to be made cannot be made at `path`: a folder is there, or the name
    does not end in .xlsx (Excel refuses to open an .xlsx saved as .xlsm or .xls, and a name without .xlsx is
    not opened by Excel at all)."""
    path = Path(path)
    if (real or real_path(path)).is_dir():
        raise WorkbookError(f"{path} is a folder — give the path of the new .xlsx workbook")
    if path.suffix.lower() != ".xlsx":
        wrong = path.suffix.lower() in _OTHER_TYPES
        better = path.with_suffix(".xlsx").name if wrong else path.name + ".xlsx"
        raise WorkbookError(
            f"{path.name}: kam writes .xlsx workbooks and Excel opens them only under an .xlsx name — name it "
            f"{better} (for the Excel buttons, open it in Excel and save it as .xlsm: docs/excel.md)"
        )


@contextmanager
def exclusive(
    path: str | os.PathLike,
    *,
    command: str = "kam",
    wait: float | None = DEFAULT_WAIT,
    force: bool = False,
    notify: Callable[[str], None] | None = say_on_stderr,
    new: bool = False,
) -> Iterator[Guard]:
    """Hold the workbook at `path` for one command that changes it: take this before reading the workbook.

    Refuses (BusyError, WorkbookError) an open or read-only workbook and gives up after `wait` seconds of
    another kam command holding it; see the module's docstring. `command` names this command to the others.
    Unless `new` (a workbook about to be made), a path that is not a file is refused before any lock file is
    made beside it.
    """
    path = Path(path)
    real = real_path(path)
    if not real.parent.is_dir():
        raise WorkbookError(f"{real.parent} is not a folder that exists — check the path of {path.name}")
    if new:
        check_new_workbook_name(path, real)
    elif real.is_dir():
        raise WorkbookError(f"{path} is a folder, not a workbook — give the path of an .xlsx file")
    if not new and not real.is_file():
        raise WorkbookError(f"{path}: file not found — check the path and the file name")
    guard = Guard(real, lock_file_of(path))
    check_not_open(path, force, guard)
    refuse_read_only(real)
    with _held(guard, path.name, command, checked_wait(wait), notify):
        if guard.waited:
            check_not_open(path, force, guard)  # it may have been opened meanwhile
            refuse_read_only(real)
        guard.cleaned = _remove(leftover_temps(real))
        yield guard


@contextmanager
def exclusive_folder(
    folder: str | os.PathLike,
    *,
    command: str = "kam",
    wait: float | None = DEFAULT_WAIT,
    notify: Callable[[str], None] | None = say_on_stderr,
) -> Iterator[Guard]:
    """Hold a folder a command writes files into (created if missing); its lock file is FOLDER/.kam-lock.

    The command removes the leftovers of the files it writes (safezip.leftover_temps) once it knows their names.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise KamError(f"{folder} is a file, not a folder — give a folder (it is created if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"cannot make the folder {folder} ({exc.strerror or exc}) — check the path") from exc
    guard = Guard(real_path(folder), real_path(folder) / FOLDER_LOCK)
    with _held(guard, f"{folder}{os.sep}", command, checked_wait(wait), notify):
        yield guard


def _remove(paths: list[Path]) -> list[Path]:
    removed = []
    for path in paths:
        with suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


@contextmanager
def _held(guard: Guard, label: str, command: str, wait: float, notify) -> Iterator[None]:
    lock = FileLock(str(guard.lock_file), is_singleton=True)
    started = time.monotonic()
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            holder = _holder(guard.lock_file)
            if not wait:
                raise BusyError(
                    f"{label} is being changed by another kam command ({holder}) — try again when it has "
                    f"finished, or give --wait SECONDS to wait for it{_stale_hint(lock, guard)}"
                ) from None
            if notify is not None:
                notify(f"waiting for another kam command ({holder}) to finish with {label} (up to {wait:g} s)…")
            try:
                lock.acquire(timeout=wait)
            except Timeout:
                raise BusyError(
                    f"{label} is still being changed by another kam command ({holder}) after {wait:g} s — try "
                    f"again when it has finished, or give --wait SECONDS to wait longer{_stale_hint(lock, guard)}"
                ) from None
            guard.waited = max(time.monotonic() - started, 1e-6)
    except OSError as exc:
        raise WorkbookError(
            f"cannot lock {label} ({exc.strerror or exc}; lock file {guard.lock_file}) — check the folder is writable"
        ) from exc
    try:
        _sign(guard.lock_file, command)
        yield
    finally:
        lock.release()


def _stale_hint(lock: FileLock, guard: Guard) -> str:
    """Where the file system has no OS locks filelock falls back to the lock file's mere existence, which a
    killed command leaves behind: then say how to clear it."""
    if isinstance(lock, SoftFileLock):
        return f"; if no kam command is running (one was killed), delete {guard.lock_file}"
    return ""


def _sign(lock_file: Path, command: str) -> None:
    """Write who holds the lock into the lock file, for the message of a command that has to wait."""
    if lock_file.is_symlink():
        return
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    with suppress(OSError):
        lock_file.write_text(f"kam {command}, process {os.getpid()} on {socket.gethostname()}, since {stamp}\n")


def _holder(lock_file: Path) -> str:
    with suppress(OSError, UnicodeDecodeError):
        text = lock_file.read_text(encoding="utf-8").strip()
        if text:
            return text[:200]
    return "who holds it is not recorded"

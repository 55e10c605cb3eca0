"""Safe reading of untrusted .xlsx zips and XML parts, and atomic saving (backups: backups.py)."""

from __future__ import annotations

import contextlib
import errno
import io
import lzma
import os
import re
import secrets
import stat
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.backups import PendingBackup, prepare_backup, prune_backups

try:  # ISA-L (python-isal): the same deflate, inflated 2× and deflated 3.5× faster than zlib at level 1
    from isal import isal_zlib as deflate

    def _level(zlib_level: int) -> int:
        """ISA-L's level (0–3) for a zlib level (0–9): 1 for the fast saves kam makes, 3 for zlib's 7–9."""
        return 1 if zlib_level <= 3 else 2 if zlib_level <= 6 else 3

except ImportError:  # a platform without its wheel: the standard library's zlib
    deflate = zlib

    def _level(zlib_level: int) -> int:
        return zlib_level


CFB_MAGIC = b"\xd0\xcf\x11\xe0"
RATIO_FLOOR = 4_000_000  # members smaller than this are never treated as bombs
MAX_MEMBERS = 200_000
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    deflate.error,
    lzma.LZMAError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse one XML part without entity expansion or network access; refuse DTDs."""
    if b"<!DOCTYPE" in data:
        raise WorkbookError(f"{where} contains a DTD, which no workbook has — refusing to read it")
    try:
        return etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise WorkbookError(f"{where} is damaged ({exc}) — open and re-save it in Excel") from exc


def to_xml(root: etree._Element) -> bytes:
    """Serialise a part the way Excel writes it (UTF-8, standalone declaration)."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def read_source(source: str | os.PathLike | bytes, max_size: int) -> tuple[str, bytes]:
    """Return a label for messages and the raw bytes of a file or an in-memory workbook."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "the workbook", bytes(source)
    path = checked_path(source, max_size)
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read it ({exc.strerror}) — is it open elsewhere?") from exc


def checked_path(source: str | os.PathLike, max_size: int) -> Path:
    """The path of a workbook file that exists and is not larger than `max_size` (else WorkbookError)."""
    path = Path(source)
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not a workbook — give the path of an .xlsx file")
    if not path.is_file():
        raise WorkbookError(f"{path}: file not found — check the path and the file name")
    if path.stat().st_size > max_size:
        raise WorkbookError(f"{path} is larger than {max_size // 1_000_000} MB — split it up")
    return path


def unzip_parts(label: str, data: bytes, *, max_size: int, max_ratio: int) -> dict[str, bytes]:
    """Every member of an .xlsx zip by name, after checks against bombs and damage."""
    archive, infos = open_checked(label, data, max_size=max_size, max_ratio=max_ratio)
    with archive:
        return {info.filename: read_member(label, archive, info) for info in infos}


def open_checked(
    label: str, data: bytes | FileSource, *, max_size: int, max_ratio: int
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip over `data` (bytes, or a file read where it is) and its members (folders left out), after the
    checks of its central directory against bombs (check_not_bomb); WorkbookError for an encrypted file, an old
    .xls or no zip at all."""
    head = data.read(0, 4, exact=False) if isinstance(data, FileSource) else data[:4]
    if head == CFB_MAGIC:
        raise WorkbookError(
            f"{label} is encrypted with a password, or an old .xls — save it as .xlsx without a password"
        )
    try:
        archive = zipfile.ZipFile(data._handle if isinstance(data, FileSource) else io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookError(
            f"{label} is not an .xlsx workbook (not a zip package) — save it from Excel as 'Excel Workbook (*.xlsx)'"
        ) from exc
    infos = [info for info in archive.infolist() if not info.is_dir()]
    try:
        check_not_bomb(label, infos, max_size=max_size, max_ratio=max_ratio)
    except WorkbookError:
        archive.close()
        raise
    return archive, infos


def stored_members(data: bytes) -> dict[str, Packed]:
    """packed_members of zip bytes already checked by unzip_parts."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return packed_members(data, [info for info in archive.infolist() if not info.is_dir()])


def _identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class FileSource:
    """The file a lazy package was opened from, read by ranges. No handle stays open between reads (`opened()`
    holds one for a run of reads, such as copying every member at a save); each opening checks that the file is
    still the one first opened (same device, inode, size and time), so a file replaced meanwhile is never mixed
    in, and nothing keeps the file from being replaced (Windows refuses to replace an open file)."""

    CHUNK = 1 << 20

    def __init__(self, path: Path, label: str):
        self.path, self.label = path, label
        with open(path, "rb") as handle:
            self.identity = _identity(os.fstat(handle.fileno()))
        self._handle = None
        self._depth = 0
        self._lock = threading.RLock()

    def after_fork(self) -> None:
        """In a forked process: its own opening from now on (the parent's handle and lock are the parent's)."""
        self._handle, self._depth, self._lock = None, 0, threading.RLock()

    @contextlib.contextmanager
    def opened(self):
        """The open file, for a run of reads (closed when the outermost run ends)."""
        with self._lock:
            if self._handle is None:
                handle = open(self.path, "rb")  # noqa: SIM115 — closed when the outermost run ends
                if _identity(os.fstat(handle.fileno())) != self.identity:
                    handle.close()
                    raise WorkbookError(
                        f"{self.label} was replaced while kam was working on it — run the command again"
                    )
                self._handle = handle
            self._depth += 1
            try:
                yield self._handle
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._handle.close()
                    self._handle = None

    def read(self, offset: int, length: int, *, exact: bool = True) -> bytes:
        with self.opened() as handle:
            handle.seek(offset)
            data = handle.read(length)
        if exact and len(data) != length:
            raise WorkbookError(f"{self.label} is damaged (a zip member ends early) — restore it from a backup")
        return data

    def read_apart(self, offset: int, length: int) -> bytes:
        """`read` through an opening of its own (for another thread: it neither waits for nor holds the run of
        reads of the thread working on the package)."""
        with open(self.path, "rb") as handle:
            if _identity(os.fstat(handle.fileno())) != self.identity:
                raise WorkbookError(f"{self.label} was replaced while kam was working on it — run the command again")
            handle.seek(offset)
            data = handle.read(length)
        if len(data) != length:
            raise WorkbookError(f"{self.label} is damaged (a zip member ends early) — restore it from a backup")
        return data

    def copy(self, offset: int, length: int, out) -> None:
        """Copy a range of the file into `out` in chunks (never all of it in memory)."""
        with self.opened():
            done = 0
            while done < length:
                size = min(self.CHUNK, length - done)
                out.write(self.read(offset + done, size))
                done += size


@dataclass(frozen=True)
class FileSlice:
    """Compressed bytes of a member left in the file (read when decompressed or copied)."""

    source: FileSource
    offset: int
    length: int

    def __len__(self) -> int:
        return self.length

    def read(self) -> bytes:
        return self.source.read(self.offset, self.length)


def inflate(label: str, name: str, member: Packed) -> bytes:
    """The bytes of a member as stored, checked as zipfile checks them: never more than its declared size, and
    its CRC-32; WorkbookError (damaged) otherwise."""
    data = member.data.read() if isinstance(member.data, FileSlice) else member.data
    try:
        if member.method == zipfile.ZIP_STORED:
            out = bytes(data)
        else:
            inflater = deflate.decompressobj(-15)
            out = inflater.decompress(data, member.size + 1)
            if len(out) <= member.size and not inflater.eof:
                raise ValueError("the compressed data ends early")
        if len(out) != member.size:
            raise ValueError(f"{len(out)} bytes where {member.size} were declared")
        if deflate.crc32(out) != member.crc:
            raise ValueError(f"Bad CRC-32 for file {name!r}")
    except (zlib.error, deflate.error, ValueError) as exc:
        raise WorkbookError(
            f"{label} is damaged (zip member {name}: {exc}) — restore it from a backup or re-save it in Excel"
        ) from exc
    return out


class LazyParts(MutableMapping):
    """The members of a checked .xlsx zip by name, each decompressed only when first read (and then kept).

    The zip-bomb checks of the central directory ran before (open_checked); reading a member goes through
    read_member (CRC and codec errors become a WorkbookError naming the member) and the XML guards apply when
    it is parsed (parse_xml). A member never read stays as it is stored (`packed(name)`), so a command that
    does not change it can copy its compressed bytes into the new file without ever decompressing it."""

    def __init__(self, label: str, data: bytes | FileSource, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]):
        self.label = label
        self.source = data if isinstance(data, FileSource) else None
        self._infos = {info.filename: info for info in infos}
        # views into `data`, or ranges of the file: no copy of the compressed bytes
        self._stored = packed_members(data, infos)
        self._values: dict[str, bytes | None] = dict.fromkeys(self._infos)  # None: not decompressed yet
        for name in self._infos:
            if name not in self._stored:  # stored in a way only zipfile reads (rare): read now
                self._values[name] = read_member(label, archive, self._infos[name])
        archive.close()
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> bytes:
        value = self._values[name]
        if value is None:
            with self._lock:
                value = self._values[name]
                if value is None:
                    value = self._values[name] = inflate(self.label, name, self._stored[name])
        return value

    def warm(self, name: str) -> None:
        """Decompress a member ahead, in another thread (a read-ahead), so that the thread working on the package
        finds it in memory: its file and zlib calls would otherwise each hand the GIL to the other threads and
        wait to get it back. A member in memory already, or replaced meanwhile, is left as it is."""
        member = self._stored.get(name)
        if member is None or self._values.get(name) is not None:
            return
        data = member.data
        if isinstance(data, FileSlice):
            data = data.source.read_apart(data.offset, data.length)
        value = inflate(self.label, name, Packed(data, member.crc, member.size, member.method))
        with self._lock:
            if self._values.get(name) is None and self._stored.get(name) is member:
                self._values[name] = value

    def __setitem__(self, name: str, value: bytes) -> None:
        self._values[name] = value
        self._infos.pop(name, None)  # replaced: no longer the member as stored
        self._stored.pop(name, None)

    def __delitem__(self, name: str) -> None:
        del self._values[name]
        self._infos.pop(name, None)
        self._stored.pop(name, None)

    def pop(self, name: str, *default):
        """Remove a member without decompressing it; its bytes if they were in memory, else None."""
        if name not in self._values and default:
            return default[0]
        value = self._values.pop(name)
        self._infos.pop(name, None)
        self._stored.pop(name, None)
        return value

    def keys(self):
        return self._values.keys()

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def put_packed(self, name: str, member: Packed) -> None:
        """Put a member already compressed elsewhere (a forked helper's sheet): it is decompressed only if read."""
        self._values[name] = None
        self._infos.pop(name, None)
        self._stored[name] = member

    def after_fork(self) -> None:
        """In a forked process: a fresh lock (a thread of the parent may have held this one when it forked)."""
        self._lock = threading.Lock()
        if self.source is not None:
            self.source.after_fork()

    def packed(self, name: str) -> Packed | None:
        """The member as stored in the zip opened, while it has not been replaced (None once it has, or for a
        member stored in a way zip_parts cannot copy)."""
        return self._stored.get(name)

    def rebase(self, path: Path) -> None:
        """After the package was saved over the file it was opened from: its members never read (copied as
        stored) are read from the new file from now on."""
        if self.source is None:
            return
        source = FileSource(path, self.label)
        try:
            with source.opened() as handle, zipfile.ZipFile(handle) as archive:
                infos = [info for info in archive.infolist() if not info.is_dir()]
                fresh = packed_members(source, infos)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise WorkbookError(f"{self.label} cannot be read back after saving ({exc})") from exc
        for name in list(self._stored):
            if self._values.get(name) is None and name not in fresh:
                raise WorkbookError(f"{self.label}: member {name} is missing after saving")
            if name in fresh:
                self._stored[name] = fresh[name]
        self.source = source

    def raw(self, name: str) -> bytes | None:
        """The member's bytes if they are in memory (read, or put there), else None (never decompresses)."""
        return self._values.get(name)


def check_not_bomb(label: str, infos: list[zipfile.ZipInfo], *, max_size: int, max_ratio: int):
    """Refuse zips that unpack to too much data, overall or for one member."""
    if len(infos) > MAX_MEMBERS:
        raise WorkbookError(f"{label} has {len(infos)} zip members — not a workbook kam_xl opens")
    if len({info.filename for info in infos}) != len(infos):
        raise WorkbookError(f"{label} is damaged (duplicate zip members) — re-save it in Excel")
    total = sum(info.file_size for info in infos)
    if total > max_size:
        raise WorkbookError(
            f"{label} unpacks to {total // 1_000_000} MB, more than the limit of "
            f"{max_size // 1_000_000} MB (a zip bomb, or far too large) — check where it comes from"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            raise WorkbookError(
                f"{label}: member {info.filename} is compressed {ratio:.0f}:1 "
                f"(limit {max_ratio}:1), typical of a zip bomb — refusing to unpack it"
            )


def read_member(label: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress one member, turning CRC and codec errors into a WorkbookError."""
    try:
        return archive.read(info)
    except _READ_ERRORS as exc:
        raise WorkbookError(
            f"{label} is damaged (zip member {info.filename}: {exc}) — restore it from a backup or re-save it in Excel"
        ) from exc


@dataclass(frozen=True)
class Packed:
    """A zip member as stored: its compressed bytes (a view into the zip's bytes, or where they are in the file),
    CRC-32, unpacked size and method."""

    data: bytes | memoryview | FileSlice
    crc: int
    size: int
    method: int


def packed_members(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, Packed]:
    """The stored form of each plain (unencrypted, deflated or stored) member of a zip, so that an
    unchanged part is written back as it was instead of being compressed again."""
    out = {}
    in_file = isinstance(data, FileSource)
    view = None if in_file else memoryview(data)
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_STORED,
        ):
            continue
        if in_file:
            head = data.read(info.header_offset, 30, exact=False)
        else:
            head = data[info.header_offset : info.header_offset + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            continue
        start = info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
        stored = FileSlice(data, start, info.compress_size) if in_file else view[start : start + info.compress_size]
        out[info.filename] = Packed(stored, info.CRC, info.file_size, info.compress_type)
    return out


def unpack(member: Packed | bytes) -> bytes:
    """The bytes of a member as stored (a Packed, deflated or stored), or the bytes given."""
    if not isinstance(member, Packed):
        return member
    data = member.data.read() if isinstance(member.data, FileSlice) else member.data
    if member.method == zipfile.ZIP_STORED:
        return bytes(data)
    return deflate.decompress(data, -15)


def pack(data: bytes, level: int) -> Packed:
    """Deflate one part at zlib's `level` (or ISA-L's nearest); other threads run meanwhile."""
    compressor = deflate.compressobj(_level(level), deflate.DEFLATED, -15)
    return Packed(
        compressor.compress(data) + compressor.flush(),
        deflate.crc32(data),
        len(data),
        zipfile.ZIP_DEFLATED,
    )


_CHUNK = 1 << 20  # characters of text encoded and compressed at a time by pack_pieces


def pack_pieces(pieces: Iterable[str], level: int) -> Packed:
    """pack() of the UTF-8 bytes of "".join(pieces), made a megabyte at a time as the pieces come: neither the
    whole text nor its bytes are ever held (the same member once decompressed; one chunk gives pack()'s very
    bytes)."""
    compressor = deflate.compressobj(_level(level), deflate.DEFLATED, -15)
    out, crc, size = [], 0, 0
    chunk, length = [], 0

    def flush() -> None:
        nonlocal crc, size
        data = "".join(chunk).encode("utf-8")
        crc, size = deflate.crc32(data, crc), size + len(data)
        out.append(compressor.compress(data))
        chunk.clear()

    for piece in pieces:
        chunk.append(piece)
        length += len(piece)
        if length >= _CHUNK:
            flush()
            length = 0
    if chunk:
        flush()
    out.append(compressor.flush())
    return Packed(b"".join(out), crc, size, zipfile.ZIP_DEFLATED)


def zip_parts(parts: dict[str, bytes], compresslevel: int = 6, stored: dict[str, Packed] | None = None) -> bytes:
    """A zip of the parts, [Content_Types].xml first, with fixed timestamps; parts found in `stored`
    are copied as they are (their value in `parts` is not used), the others are compressed in parallel threads."""
    buffer = io.BytesIO()
    write_zip(buffer, parts, compresslevel, stored)
    return buffer.getvalue()


def write_zip(stream, parts: dict[str, bytes], compresslevel: int = 6, stored: dict[str, Packed] | None = None) -> None:
    """zip_parts written into a binary file object (nothing of the zip is held in memory)."""
    stored = stored or {}
    names = sorted(parts, key=lambda name: name != "[Content_Types].xml")
    fresh = [name for name in names if name not in stored]
    with ThreadPoolExecutor(max_workers=2) as pool:
        packed = dict(zip(fresh, pool.map(lambda name: pack(parts[name], compresslevel), fresh)))
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            _write_packed(out, name, stored.get(name) or packed[name])


def _write_packed(out: zipfile.ZipFile, name: str, member: Packed) -> None:
    """Append an already compressed member (zipfile has no public call for this)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type, info.CRC, info.file_size = member.method, member.crc, member.size
    info.compress_size = len(member.data)
    info.header_offset = out.fp.tell()
    out.fp.write(info.FileHeader())
    if isinstance(member.data, FileSlice):
        member.data.source.copy(member.data.offset, member.data.length, out.fp)
    else:
        out.fp.write(member.data)
    out.filelist.append(info)
    out.NameToInfo[name] = info
    out.start_dir = out.fp.tell()
    out._didModify = True


def atomic_write(
    path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None], *, backup: bool = True
) -> Path | None:
    """Replace the file at `path` by `data` atomically; returns the backup of the old content (see backups.py).
    `data` is bytes, or a function that writes them into the binary file it is given (a big zip is then never
    held in memory whole).

    The data goes to a hidden temporary file `.<stem>.<8 letters>.kam-tmp` in the same folder, is synced to
    disk, and replaces the file in one rename, so a crash at any moment leaves the old or the new file. A
    symbolic link is written through: its target gets the data and the link stays a link. The new file keeps
    the old one's permissions (and owner, where allowed). A read-only file (no write permission in its mode)
    is refused, never replaced. Leftover temporary files of killed runs are removed by the next command that
    takes the workbook's lock (kam_xl.xlsx.guard), not here.
    """
    target = real_path(Path(path))
    folder = target.parent
    refuse_read_only(target)
    temp = _new_temp(target)
    pending: PendingBackup | None = None
    replaced = False
    try:
        _write_synced(os.open(temp, os.O_WRONLY), data)
        _copy_mode(target, temp)
        if backup and target.exists():
            pending = prepare_backup(target)
        os.replace(temp, target)
        replaced = True
    except OSError as exc:
        raise WorkbookError(f"cannot write {path} ({exc.strerror or exc}) — {_what_to_do(exc)}") from exc
    finally:
        if not replaced:
            temp.unlink(missing_ok=True)
            if pending is not None:
                pending.discard()
    WRITTEN.append(target)
    _fsync_folder(folder)
    if pending is None:
        return None
    with contextlib.suppress(OSError):  # the save succeeded; a backup that cannot be renamed is still there
        pending.settle()
    with contextlib.suppress(OSError):  # stale backups go next time
        prune_backups(target, protect=pending.path)
    return pending.path if pending.path.exists() else pending.previous


WRITTEN: list[Path] = []  # each file atomic_write replaced in this process, in order (the CLI names them on a failure)


def _what_to_do(exc: OSError) -> str:
    """What the person can do about a file that could not be written (the old file is untouched either way)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full: free some space on it and run the command again (the file is unchanged)"
    return "check the folder is writable and the file is not open in Excel"


def real_path(path: Path) -> Path:
    """The file a path names, following symbolic links (a path that is no link is returned as it is)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def is_read_only(path: Path) -> bool:
    """Whether an existing file's mode denies writing to its owner (chmod a-w, or Windows' read-only flag).

    The mode bits are checked, not os.access: an administrator may write anything, but a file someone
    made read-only is not one kam_xl replaces."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return stat.S_ISREG(mode) and not mode & stat.S_IWUSR


def refuse_read_only(path: Path) -> None:
    """WorkbookError when the file at `path` is read-only."""
    if is_read_only(path):
        raise WorkbookError(
            f"{path} is read-only — kam_xl does not replace a read-only file; make it writable "
            "(Properties › untick Read-only, or chmod u+w) or work on a copy, then run the command again"
        )


def leftover_temps(path: Path) -> list[Path]:
    """Temporary files `.<stem>.<8 letters>.kam-tmp` that killed saves of `path` left in its folder."""
    pattern = re.compile(rf"^\.{re.escape(path.stem)}\.[a-z0-9_]{{8}}\.kam-tmp$")
    try:
        return sorted(entry for entry in path.parent.iterdir() if pattern.match(entry.name))
    except OSError:
        return []


def _new_temp(target: Path) -> Path:
    """Create the hidden temporary file of a save (private until its mode is set)."""
    for _ in range(100):
        temp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.kam-tmp")
        try:
            os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        except OSError as exc:
            raise WorkbookError(f"cannot write in {target.parent} ({exc.strerror or exc}) — check the folder") from exc
        return temp
    raise WorkbookError(f"cannot make a temporary file in {target.parent} — check the folder")


def _write_synced(handle: int, data: bytes | Callable[[BinaryIO], None]) -> None:
    with os.fdopen(handle, "wb") as out:
        if callable(data):
            data(out)
        else:
            out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _copy_mode(target: Path, temp: Path) -> None:
    """Give the new file the old file's permissions and, where allowed, its owner (it was created private)."""
    if target.exists():
        info = target.stat()
        mode = stat.S_IMODE(info.st_mode)
        if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):
                os.chown(temp, info.st_uid, info.st_gid)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""Helpers of the e-mail tests: demo workbooks with entries, hostile names, and reading .eml files back."""

from __future__ import annotations

import html
import io
import shutil
import zipfile
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from kam_xl.plan.load import plan_of
from kam_xl.plan.workbook import init_workbook
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.fill import random_entries, write_entries

HOSTILE_NAME = '<script>alert("x")</script> & \'Tom\'s\' "Best" $5 华为旗舰店'
HOSTILE_COMMENT = "</td><b>bold?</b> & <img src=x onerror=alert(1)> “引号” 店长反馈"
HOSTILE_MANAGER = '王 "经理" Wang, Jr.'


def generated_book(folder: Path, lang: str = "en", stores: int = 24) -> Path:
    """A demo HQ workbook with its store tabs generated and nothing entered yet."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"hq-{lang}.xlsx"
    init_workbook(path, lang=lang, demo=True, stores=stores)
    generate(path)
    return path


def reviewed_book(folder: Path, lang: str = "en", stores: int = 24, weeks: int = 8) -> Path:
    """A demo HQ workbook with its store tabs generated and `weeks` weeks of entries typed in."""
    path = generated_book(folder, lang, stores)
    plan = plan_of(FileBook(path))
    write_entries(path, random_entries(plan, weeks=weeks), lang)
    return path


def hostile_book(folder: Path, store_id: str = "HX0001") -> Path:
    """A reviewed workbook whose first store has a hostile name and manager, and hostile comments and actions."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hq-hostile.xlsx"
    init_workbook(path, lang="en", demo=True, stores=12)
    grid = FileBook(path).grid("Stores")
    row = next(r for r, values in enumerate(grid, start=1) if values and values[0] == store_id)
    package = Package.open(path)
    package.set_cells("Stores", {f"B{row}": HOSTILE_NAME, f"K{row}": HOSTILE_MANAGER})
    package.save(path, backup=False)
    generate(path)
    plan = plan_of(FileBook(path))
    entries = random_entries(plan, weeks=6, silent=0.0)
    entries[store_id].update(
        {
            ("comment", "manager"): HOSTILE_COMMENT,
            ("action", 1, "text"): HOSTILE_NAME,
            ("action", 1, "owner"): "store",
            ("action", 1, "status"): "open",
        }
    )
    write_entries(path, entries, "en")
    return path


def edited_book(
    folder: Path,
    account: dict[str, object] | None = None,
    stores: dict[str, dict[str, object]] | None = None,
    size: int = 12,
    weeks: int = 4,
) -> Path:
    """A reviewed demo workbook with Account cells (`{"B12": ...}`) and Stores cells (`{store id: {"B": ...}}`) set."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hq-edited.xlsx"
    init_workbook(path, lang="en", demo=True, stores=size)
    grid = FileBook(path).grid("Stores")
    rows = {values[0]: row for row, values in enumerate(grid, start=1) if values}
    package = Package.open(path)
    if account:
        package.set_cells("Account", account)
    cells = {
        f"{column}{rows[store]}": value for store, edits in (stores or {}).items() for column, value in edits.items()
    }
    if cells:
        package.set_cells("Stores", cells)
    package.save(path, backup=False)
    generate(path)
    if weeks:
        write_entries(path, random_entries(plan_of(FileBook(path)), weeks=weeks), "en")
    return path


def copy_book(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / source.name))


def read_eml(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=default)


def attachment_text(data: bytes) -> str:
    """Every XML part of an .xlsx attachment as one text (shared strings, sheets, names, metadata)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return html.unescape(
            "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))
            )
        )


def everything_readable(message: EmailMessage) -> str:
    """The text of every part of a message: headers, bodies, attachment contents and file names."""
    chunks = [str(value) for _, value in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        chunks.append(part.get_filename() or "")
        if part.get_content_maintype() == "text":
            chunks.append(part.get_content())
        elif part.get_content_subtype().endswith("spreadsheetml.sheet"):
            chunks.append(attachment_text(part.get_payload(decode=True)))
    return "\n".join(chunks)

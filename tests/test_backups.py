"""Backups beside a saved workbook: numbered, one per distinct content, the five newest, legacy names first out."""

from __future__ import annotations

import os
import re

import pytest

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.backups import backups_of, prune_backups
from kam_xl.xlsx.safezip import atomic_write


def names(path) -> list[str]:
    return [backup.path.name for backup in backups_of(path)]


def contents(path) -> list[bytes]:
    return [backup.path.read_bytes() for backup in backups_of(path)]


def test_backups_are_numbered_and_keep_a_readable_time(tmp_path):
    book = tmp_path / "book.xlsx"
    for number in range(3):
        atomic_write(book, b"content %d" % number)
    assert all(re.fullmatch(r"book\.kam-backup-\d{4}-\d{8}-\d{6}\.xlsx", name) for name in names(book))
    assert [name.split("-")[2] for name in names(book)] == ["0001", "0002"]
    assert contents(book) == [b"content 0", b"content 1"]


def test_content_already_backed_up_is_not_copied_again(tmp_path):
    book = tmp_path / "book.xlsx"
    for content in (b"A", b"B", b"A", b"B", b"A", b"B"):
        atomic_write(book, content)
    assert contents(book) == [b"B", b"A"]  # two distinct contents, the latest one newest
    assert book.read_bytes() == b"B"


def test_the_five_newest_distinct_contents_are_kept(tmp_path):
    book = tmp_path / "book.xlsx"
    for number in range(9):
        returned = atomic_write(book, b"content %d" % number)
    assert contents(book) == [b"content %d" % n for n in range(3, 8)]
    assert returned == backups_of(book)[-1].path


def test_legacy_backups_go_first_whatever_their_date(tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"now")
    legacy = ["book.kam-backup-20990101-000000.xlsx", "book.kam-backup-20990101-000000-1.xlsx"]
    for number, name in enumerate(legacy):
        (tmp_path / name).write_bytes(b"legacy %d" % number)
    for number in range(4):
        atomic_write(book, b"content %d" % number)
    assert names(book)[0] == legacy[1] and len(names(book)) == 5
    atomic_write(book, b"content 4")
    assert not any(name in names(book) for name in legacy)
    assert contents(book) == [b"now", *(b"content %d" % n for n in range(4))]


def test_pruning_drops_older_copies_of_a_content_and_never_the_protected_backup(tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"x")
    for number, content in enumerate([b"A", b"B", b"A", b"C"], start=1):
        (tmp_path / f"book.kam-backup-{number:04d}-20260101-000000.xlsx").write_bytes(content)
    assert [p.name[16:20] for p in prune_backups(book)] == ["0001"]
    assert contents(book) == [b"B", b"A", b"C"]
    protected = tmp_path / "book.kam-backup-0002-20260101-000000.xlsx"
    assert [p.name[16:20] for p in prune_backups(book, keep=1, protect=protected)] == ["0003"]
    assert contents(book) == [b"B", b"C"]


def test_a_failed_save_leaves_the_backups_as_they_were(tmp_path, monkeypatch):
    book = tmp_path / "book.xlsx"
    atomic_write(book, b"A")
    atomic_write(book, b"B")
    before = sorted(os.listdir(tmp_path))

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WorkbookError, match="cannot write"):
        atomic_write(book, b"C")
    assert sorted(os.listdir(tmp_path)) == before and book.read_bytes() == b"B"

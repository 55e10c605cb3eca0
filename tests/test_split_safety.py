"""kam split into a folder that already holds files: only its own unchanged files are ever replaced."""

from __future__ import annotations

import json
import shutil

import pytest

from kam_xl.cli import main
from kam_xl.execution.split import split
from kam_xl.execution.written import RECORD
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from tests.support.guarded import digest, hold_lock
from tests.support.sr_files import generated_copy


@pytest.fixture(scope="module")
def generated(demo_book_factory, tmp_path_factory):
    return generated_copy(demo_book_factory("en", 40), tmp_path_factory.mktemp("split-safety"))


@pytest.fixture
def hq(generated, tmp_path):
    path = tmp_path / "hq.xlsx"
    shutil.copy(generated, path)
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def returned(folder, hq) -> dict[str, str]:
    """Fill the SR files in `folder` as SRs would (their returned workbooks saved over the originals)."""
    fill_sr_files(folder, load_plan(hq), weeks=3, seed=8)
    return {path.name: digest(path) for path in folder.glob("*.xlsx")}


def test_split_again_replaces_its_own_unchanged_files(hq, tmp_path, capsys):
    out = tmp_path / "sr"
    assert run(capsys, "split", hq, "--out", out)[0] == 0
    first = {path.name: digest(path) for path in out.iterdir() if path.is_file()}
    assert run(capsys, "split", hq, "--out", out)[0] == 0
    assert {path.name for path in out.iterdir() if path.is_file()} == set(first)
    record = json.loads((out / RECORD).read_text())["files"]
    assert set(record) == {name for name in first if not name.startswith(".")}
    assert all(len(hashes) == 1 for hashes in record.values())
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_split_into_a_folder_with_returned_files_refuses_and_keeps_them(hq, tmp_path, capsys):
    out = tmp_path / "sr"
    split(hq, out)
    kept = returned(out, hq)
    code, _, err = run(capsys, "split", hq, "--out", out)
    assert code == 2 and "changed since kam split wrote it" in err and "kam collect" in err and "--force" in err
    assert all(name in err for name in list(kept)[:3])
    assert {path.name: digest(path) for path in out.glob("*.xlsx")} == kept


def test_split_force_moves_returned_files_into_a_dated_subfolder(hq, tmp_path, capsys):
    out = tmp_path / "sr"
    split(hq, out)
    kept = returned(out, hq)
    code, said, _ = run(capsys, "split", hq, "--out", out, "--force")
    assert code == 0 and "moved to" in said
    [aside] = [p for p in out.iterdir() if p.is_dir()]
    assert aside.name.startswith("replaced-")
    assert {path.name: digest(path) for path in aside.glob("*.xlsx")} == kept
    assert all(digest(out / name) != kept[name] for name in kept)  # fresh SR files in their place


def test_split_refuses_files_it_did_not_write(hq, tmp_path, capsys):
    out = tmp_path / "sr"
    split(hq, out)
    (out / RECORD).unlink()  # as after a split by an earlier version: nothing says which files are kam's
    (out / "index.csv").write_text("my own notes\n")
    before = digest(out / "index.csv")
    code, _, err = run(capsys, "split", hq, "--out", out)
    assert code == 2 and "index.csv (not written by kam split)" in err
    assert digest(out / "index.csv") == before


def test_split_out_naming_a_file_is_refused(hq, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    code, _, err = run(capsys, "split", hq, "--out", target)
    assert code == 2 and "is a file, not a folder" in err and target.read_text() == "mine"


def test_split_waits_for_another_command_writing_the_folder(hq, tmp_path, capsys):
    out = tmp_path / "sr"
    out.mkdir()
    with hold_lock(out, 60, folder=True) as holder:
        code, _, err = run(capsys, "split", hq, "--out", out, "--wait", "0")
        holder.kill()
    assert code == 2 and "another kam command" in err
    assert not list(out.glob("*.xlsx"))


def test_split_leaves_no_backups_among_the_sr_files(hq, tmp_path):
    out = tmp_path / "sr"
    split(hq, out)
    split(hq, out)
    assert not list(out.glob("*.kam-backup-*"))

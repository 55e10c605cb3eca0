"""Every command, given what a hurried person types: a message and exit 2 (or 1 for refused input files),
never a traceback, and nothing written."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kam_xl.cli import Output, main
from kam_xl.xlsx.package import Package

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def place(tmp_path_factory, demo_book_factory):
    """A folder with a generated HQ workbook, a plain workbook, a text file, an empty file and a folder."""
    folder = tmp_path_factory.mktemp("mistakes")
    book = folder / "hq.xlsx"
    book.write_bytes(demo_book_factory("en", 30).read_bytes())
    assert main(["--quiet", "generate", str(book)]) == 0
    plain = openpyxl.Workbook()
    plain.active["A1"] = "my own numbers"
    plain.save(folder / "plain.xlsx")
    (folder / "notes.txt").write_text("not a workbook")
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "a folder").mkdir()
    return folder


def _digests(folder: Path) -> dict:
    """Every file's content, kam's lock files aside (they hold who had the lock last)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(".kam-lock")
    }


CASES = [
    # (arguments, with {f} for the folder, exit code, a word the message must contain)
    (["validate", "{f}/nothere.xlsx"], 2, "not found"),
    (["validate", "{f}/a folder"], 2, "folder"),
    (["validate", "{f}/notes.txt"], 2, "workbook"),
    (["validate", "{f}/empty.xlsx"], 2, "workbook"),
    (["generate", "{f}/plain.xlsx"], 2, "error"),
    (["generate", "{f}/hq.xlsx", "--sr", "NOBODY"], 2, "NOBODY"),
    (["generate", "{f}/hq.xlsx", "--region", "Atlantis"], 2, "Atlantis"),
    (["review", "{f}/hq.xlsx", "--as-of", "99"], 2, "week"),
    (["review", "{f}/hq.xlsx", "--as-of", "someday"], 2, "as-of"),
    (["review", "{f}/notes.txt"], 2, "workbook"),
    (["split", "{f}/hq.xlsx", "--out", "{f}/notes.txt"], 2, "notes.txt"),
    (["split", "{f}/plain.xlsx", "--out", "{f}/out"], 2, "error"),
    (["email", "{f}/hq.xlsx", "--out", "{f}/notes.txt"], 2, "notes.txt"),
    (["email", "{f}/hq.xlsx", "--out", "{f}/mails", "--to", "everybody"], 2, "everybody"),
    (["email", "{f}/hq.xlsx", "--out", "{f}/mails", "--send"], 2, "smtp"),
    (["collect", "{f}/notes.txt", "{f}/plain.xlsx"], 2, "workbook"),
    (["collect", "{f}/plain.xlsx", "{f}/hq.xlsx"], 2, "store tabs"),
    (["collect", "{f}/hq.xlsx", "{f}/nothere.xlsx"], 1, "not found"),
    (["collect", "{f}/hq.xlsx", "{f}/plain.xlsx", "{f}/notes.txt"], 1, "refused"),
    (["init", "{f}/hq.xlsx"], 2, "exists"),
    (["init", "{f}/new.xlsx", "--demo", "--stores", "0"], 2, "stores"),
    (["init", "{f}/new.xlsx", "--demo", "--seed", "-3"], 2, "seed"),
    (["init", "{f}/no such folder/new.xlsx"], 2, "folder"),
    (["init", "{f}/a folder"], 2, "is a folder"),
    (["init", "{f}/new.xlsm"], 2, "name it new.xlsx"),
    (["init", "{f}/new.xls"], 2, "name it new.xlsx"),
    (["init", "{f}/new"], 2, "name it new.xlsx"),
    (["next-period", "{f}/hq.xlsx", "--out", "{f}/next.csv"], 2, "name it next.xlsx"),
    (["portfolio", "--db", "{f}/none.sqlite", "--out", "{f}/all.xlsm"], 2, "name it all.xlsx"),
    (["demo", "--out", "{f}/notes.txt"], 2, "notes.txt"),
    (["demo", "--out", "{f}/d", "--stores", "0"], 2, "stores"),
]


@pytest.mark.parametrize("arguments, code, word", CASES, ids=[" ".join(c[0][:2] + c[0][3:4]) for c in CASES])
def test_a_mistake_gets_a_message_and_its_exit_code_never_a_traceback(place, capsys, arguments, code, word):
    before = _digests(place)
    got = main([a.replace("{f}", str(place)) for a in arguments])
    captured = capsys.readouterr()
    text = (captured.out + captured.err).lower()
    assert got == code, text
    assert "traceback" not in text and word.lower() in text, text
    if code == 2:
        assert _digests(place) == before


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["frobnicate"],
        ["collect"],
        ["collect", "hq.xlsx"],
        ["init"],
        ["review", "--as-of"],
        ["init", "x.xlsx", "--stores", "many"],
    ],
)
def test_arguments_the_parser_cannot_take_exit_2_with_the_usage(arguments, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_a_real_process_prints_no_traceback_on_a_damaged_workbook(place):
    done = subprocess.run(
        [sys.executable, "-m", "kam_xl", "review", str(place / "empty.xlsx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "error:" in done.stderr


def _kam(*arguments: str, encoding: str) -> subprocess.CompletedProcess:
    """The real `kam` in a process whose console speaks only `encoding` (an old terminal, a redirect on Windows)."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-m", "kam_xl", *arguments], cwd=ROOT, capture_output=True, env=env, timeout=300
    )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_console_that_cannot_show_a_character_gets_an_escape_not_a_traceback(place, tmp_path, encoding):
    """The review's report holds "→" and "·", the error messages "—": on an ASCII console they were a
    UnicodeEncodeError half way through the report (after the save, yet the message said nothing was saved)."""
    book = tmp_path / "hq.xlsx"
    book.write_bytes((place / "hq.xlsx").read_bytes())
    done = _kam("review", str(book), "--db", "none", encoding=encoding)
    out, err = done.stdout.decode("ascii", "replace"), done.stderr.decode("ascii", "replace")
    assert done.returncode in (0, 1), err
    assert "Traceback" not in out + err and "unexpected" not in err
    assert "ROI" in out and "\\u2192" in out  # the arrow, escaped
    missing = _kam("review", str(tmp_path / "nothere.xlsx"), "--json", encoding=encoding)
    assert missing.returncode == 2 and b"Traceback" not in missing.stderr
    said = json.loads(missing.stdout.decode("ascii"))  # still JSON, its dash escaped as JSON does
    assert said["exit_code"] == 2 and "not found — check" in said["error"]


def test_a_full_disk_is_named_and_the_workbook_is_left_as_it_was(place, tmp_path, monkeypatch, capsys):
    book = tmp_path / "hq.xlsx"
    book.write_bytes((place / "hq.xlsx").read_bytes())
    before = _digests(tmp_path)

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    got = main(["review", str(book), "--db", "none"])
    err = capsys.readouterr().err
    assert got == 2 and "disk is full" in err and "free some space" in err, err
    assert _digests(tmp_path) == before  # the workbook unchanged, no backup, no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kam-lock")) == ["hq.xlsx"]


def test_a_problem_after_the_save_says_what_was_saved(place, tmp_path, monkeypatch, capsys):
    """An unexpected failure once the workbook is saved must not claim that nothing was saved."""
    book = tmp_path / "hq.xlsx"
    book.write_bytes((place / "hq.xlsx").read_bytes())
    was = book.read_bytes()

    def broken(self, payload):
        raise RuntimeError("the report could not be printed")

    monkeypatch.setattr(Output, "data", broken)
    got = main(["review", str(book), "--db", "none", "--json"])
    err = capsys.readouterr().err
    assert got == 3 and "saved before the problem" in err and "hq.xlsx" in err and "nothing was saved" not in err
    assert book.read_bytes() != was  # it was indeed saved: the scorecards are in it


@pytest.mark.parametrize(
    "arguments",
    [
        ["split", "{sr}", "--out", "{f}/new-out"],
        ["split", "{f}/nothere.xlsx", "--out", "{f}/new-out"],
        ["split", "{f}/notes.txt", "--out", "{f}/new-out"],
        ["validate", "{sr}"],
        ["export", "{sr}", "--out", "{f}/new-out"],
        ["email", "{sr}", "--out", "{f}/new-out"],
    ],
    ids=["split-sr-file", "split-missing", "split-text", "validate-sr-file", "export-sr-file", "email-sr-file"],
)
def test_the_wrong_workbook_is_said_and_no_output_folder_is_made(place, tmp_path, capsys, arguments):
    """An SR's file (or no workbook at all) given where the HQ workbook belongs: exit 2 with what it is, and
    --out is not created (split made it, with its lock file, before finding out)."""
    sr = tmp_path / "SR001.xlsx"
    if not sr.exists():
        assert main(["--quiet", "split", str(place / "hq.xlsx"), "--out", str(tmp_path / "sr")]) == 0
        sr.write_bytes(sorted((tmp_path / "sr").glob("SR*.xlsx"))[0].read_bytes())
    given = [a.replace("{f}", str(tmp_path)).replace("{sr}", str(sr)) for a in arguments]
    capsys.readouterr()
    assert main(given) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("SR workbook" in err or "not found" in err or "workbook" in err), err
    if "{sr}" in arguments:
        assert "SR workbook of" in err
    assert not (tmp_path / "new-out").exists()


@pytest.mark.parametrize("lang, stores", [("en", 1), ("en", 3), ("en", 6), ("en", 11), ("zh", 2), ("zh", 5)])
def test_a_small_demo_account_is_a_valid_plan(tmp_path, capsys, lang, stores):
    """`kam init --demo --stores 6` made programs for regions that had no store in so small an account:
    its own plan failed `kam validate` (and `kam demo --stores 6` stopped)."""
    book = tmp_path / "small.xlsx"
    assert main(["--quiet", "init", str(book), "--demo", "--stores", str(stores), "--lang", lang]) == 0
    assert main(["validate", str(book)]) == 0, capsys.readouterr().out


def test_the_demo_run_again_keeps_a_workbook_the_person_worked_in(tmp_path, capsys):
    """`kam demo` into its own folder again: unchanged workbooks are simply made anew; one changed since (a person
    tried things in it) is moved into replaced-…/ first — with 5 saves a run, the backups' rotation would
    otherwise have dropped it."""
    out = tmp_path / "demo"
    assert main(["--quiet", "demo", "--stores", "2", "--out", str(out)]) == 0
    assert main(["--quiet", "demo", "--stores", "2", "--out", str(out)]) == 0
    assert not list(out.glob("replaced-*"))
    workbook = openpyxl.load_workbook(out / "account.xlsx")
    workbook["Account"]["B3"] = "my own try"
    workbook.save(out / "account.xlsx")
    mine = (out / "account.xlsx").read_bytes()
    capsys.readouterr()
    assert main(["demo", "--stores", "2", "--out", str(out)]) == 0
    (kept,) = out.glob("replaced-*")
    assert (kept / "account.xlsx").read_bytes() == mine and str(kept) in capsys.readouterr().out
    assert (out / "account.xlsx").read_bytes() != mine


def _far_cell(source: Path, target: Path, sheet_prefix: str, lie: bool = False) -> None:
    """`source` with one value at XFD1048576 in its first sheet named `sheet_prefix`… (and with `lie`, a
    <dimension> that says A1:G60, as only a handmade file would)."""
    package = Package.open(source)
    sheet = next(name for name in package.sheet_names() if name.startswith(sheet_prefix))
    package.set_cells(sheet, {"XFD1048576": 1})
    package.save(target, backup=False)
    if lie:
        with zipfile.ZipFile(target) as zin:
            parts = {info.filename: zin.read(info) for info in zin.infolist()}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in parts.items():
                if name.startswith("xl/worksheets/"):
                    data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:G60"/>', data)
                zout.writestr(name, data)


@pytest.mark.parametrize("command", ["validate", "review", "generate", "split", "email", "export"])
def test_an_hq_workbook_with_a_cell_far_away_is_said_not_a_crash(place, tmp_path, command):
    """One value typed at XFD1048576 (Ctrl+End, Ctrl+→ and a stray key): python-calamine asked for 549 GB and
    aborted the process (exit 134, a Rust backtrace) in every command reading the workbook."""
    book = tmp_path / "hq.xlsx"
    _far_cell(place / "hq.xlsx", book, "Account")
    extra = {"split": ["--out", str(tmp_path / "o")], "email": ["--out", str(tmp_path / "o")],
             "export": ["--out", str(tmp_path / "o")], "review": ["--db", "none"]}.get(command, [])  # fmt: skip
    done = _kam(command, str(book), *extra, encoding="utf-8")
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err and "backtrace" not in err, err
    assert "'Account'" in err and "XFD1048576" in err and "Ctrl+End" in err


@pytest.mark.parametrize("lie", [False, True], ids=["honest-dimension", "lying-dimension"])
def test_a_retailer_report_with_a_cell_far_away_is_refused_not_a_crash(place, tmp_path, lie):
    from kam_xl.plan.load import load_plan
    from kam_xl.simulation.retailer import retailer_report

    book = tmp_path / "hq.xlsx"
    book.write_bytes((place / "hq.xlsx").read_bytes())
    plan = load_plan(book)
    report = retailer_report(plan, plan.weeks[2], tmp_path / "sell-out.xlsx", seed=1)
    _far_cell(report, tmp_path / "far.xlsx", "Sell-out", lie=lie)
    before = book.read_bytes()
    done = _kam("import", str(book), str(tmp_path / "far.xlsx"), "--db", "none", encoding="utf-8")
    err = done.stderr.decode()
    assert done.returncode == 2 and "XFD1048576" in err and "backtrace" not in err, err
    assert book.read_bytes() == before

"""Commands that change a workbook, under what people really do: two at once, Excel open, links, read-only files,
killed runs, re-running init, commands that change nothing."""

from __future__ import annotations

import json
import shutil
import signal
import stat

import pytest

from kam_xl.cli import main
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from tests.support.guarded import backups, digest, hold_lock, temps
from tests.support.sr_files import inputs, split_copy


@pytest.fixture(scope="module")
def base(demo_book_factory, tmp_path_factory):
    """(HQ workbook with store tabs, folder of filled SR files for it)."""
    folder = tmp_path_factory.mktemp("safety")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=4, seed=5)
    return book, folder / "sr"


@pytest.fixture
def hq(base, tmp_path):
    """A fresh copy of the HQ workbook, alone in its folder."""
    path = tmp_path / "hq.xlsx"
    shutil.copy(base[0], path)
    return path


@pytest.fixture
def sr(base):
    return base[1]


def run(capsys, *argv) -> tuple[int, str, str]:
    """`kam ARGV` through the real command line: (exit code, stdout, stderr)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ----- init -------------------------------------------------------------------------------


def test_init_refuses_an_existing_workbook(hq, capsys):
    before = digest(hq)
    code, _, err = run(capsys, "init", hq, "--demo")
    assert code == 2 and "exists already" in err and "--force" in err
    assert digest(hq) == before and backups(hq) == []


def test_init_force_replaces_the_workbook_and_keeps_a_backup(hq, capsys):
    before = digest(hq)
    code, out, _ = run(capsys, "init", hq, "--demo", "--stores", "12", "--force")
    assert code == 0 and "backup:" in out
    assert len(load_plan(hq).stores) == 12
    [backup] = backups(hq)
    assert digest(backup) == before


@pytest.mark.parametrize(
    "options, word",
    [(["--stores", "0"], "--stores"), (["--stores", "20001"], "--stores"), (["--seed", "-1"], "--seed")],
)
def test_init_refuses_demo_sizes_and_seeds_it_cannot_make(tmp_path, capsys, options, word):
    book = tmp_path / "x.xlsx"
    code, _, err = run(capsys, "init", book, "--demo", *options)
    assert code == 2 and word in err and not book.exists()


# ----- commands that change nothing -------------------------------------------------------


def test_generate_that_changes_nothing_does_not_save(hq, capsys):
    before = digest(hq)
    code, out, _ = run(capsys, "generate", hq)
    assert code == 0 and "nothing changed, not saved" in out
    code, out, _ = run(capsys, "generate", hq, "--json")
    result = json.loads(out)
    assert code == 0 and result["saved"] is False and result["backup"] is None
    assert digest(hq) == before and backups(hq) == []


def test_review_that_changes_nothing_does_not_save(hq, capsys):
    assert run(capsys, "review", hq)[0] == 0
    after_first, made = digest(hq), backups(hq)
    assert len(made) == 1
    code, out, _ = run(capsys, "review", hq)
    assert code == 0 and "nothing changed, not saved" in out
    code, out, _ = run(capsys, "review", hq, "--json")
    assert code == 0 and json.loads(out)["saved"] is False
    assert digest(hq) == after_first and backups(hq) == made


def test_six_runs_that_change_nothing_keep_the_collected_values_in_the_backups(hq, sr, capsys):
    assert run(capsys, "collect", hq, sr)[0] in (0, 1)
    assert run(capsys, "generate", hq)[0] == 0
    assert run(capsys, "review", hq)[0] == 0
    collected, made = inputs(hq), backups(hq)
    assert any(inputs(backup) == collected for backup in made)
    for number in range(6):
        code, out, _ = run(capsys, "generate" if number % 2 else "review", hq)
        assert code == 0 and "nothing changed, not saved" in out
    assert backups(hq) == made and inputs(hq) == collected
    assert any(inputs(backup) == collected for backup in made)


def test_collecting_the_same_files_again_changes_nothing(hq, sr, capsys):
    run(capsys, "collect", hq, sr)
    before, made = digest(hq), backups(hq)
    code, out, _ = run(capsys, "collect", hq, sr)
    assert code in (0, 1) and "nothing changed, not saved" in out
    assert digest(hq) == before and backups(hq) == made


# ----- backups ----------------------------------------------------------------------------


def test_backups_dated_in_the_future_do_not_push_out_the_new_one(hq, sr, capsys):
    pristine = hq.read_bytes()
    future = [  # another machine's clock: dated 2099, named the old way and the new way
        "hq.kam-backup-20990101-000000.xlsx",
        "hq.kam-backup-20990102-000000.xlsx",
        "hq.kam-backup-20990102-000000-1.xlsx",
        "hq.kam-backup-0007-20990104-000000.xlsx",
        "hq.kam-backup-0008-20990105-000000.xlsx",
    ]
    for number, name in enumerate(future):
        (hq.parent / name).write_bytes(b"old %d" % number)
    code, out, _ = run(capsys, "collect", hq, sr)
    assert code in (0, 1) and "workbook saved" in out
    [new] = [path for path in backups(hq) if ".kam-backup-0009-" in path.name]
    assert new.read_bytes() == pristine and f"backup: {new}" in out
    assert sorted(p.name for p in backups(hq)) == sorted([new.name, *future[1:]])  # the oldest legacy one went


# ----- links, permissions, leftovers ------------------------------------------------------


def test_a_symlinked_workbook_stays_a_link_and_its_target_gets_the_values(hq, sr, tmp_path, capsys):
    link = tmp_path / "elsewhere" / "account.xlsx"
    link.parent.mkdir()
    link.symlink_to(hq)
    assert run(capsys, "collect", link, sr)[0] in (0, 1)
    assert link.is_symlink() and link.resolve() == hq
    assert sum(len(values) for values in inputs(hq).values()) > 0
    assert backups(hq) and not list(link.parent.glob("*.kam-backup-*"))


def test_a_read_only_workbook_is_refused_and_left_as_it_is(hq, sr, capsys):
    hq.chmod(0o444)
    before = digest(hq)
    for argv in (["collect", hq, sr], ["generate", hq], ["review", hq]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "read-only" in err
    assert digest(hq) == before and backups(hq) == [] and stat.S_IMODE(hq.stat().st_mode) == 0o444


def test_a_save_keeps_the_workbook_permissions(hq, sr, capsys):
    hq.chmod(0o640)
    assert run(capsys, "collect", hq, sr)[0] in (0, 1)
    assert stat.S_IMODE(hq.stat().st_mode) == 0o640


def test_leftovers_of_killed_saves_are_removed_by_the_next_command(hq, capsys):
    leftovers = [hq.parent / ".hq.0a1b2c3d.kam-tmp", hq.parent / ".hq.x_9kq2m7.kam-tmp"]
    other = hq.parent / ".other.0a1b2c3d.kam-tmp"
    for path in [*leftovers, other]:
        path.write_bytes(b"PK half a workbook")
    assert run(capsys, "generate", hq)[0] == 0  # even a run that changes nothing
    assert temps(hq.parent) == [other]


# ----- one writer at a time ---------------------------------------------------------------


def test_a_second_command_with_wait_0_is_refused_while_another_holds_the_workbook(hq, sr, capsys):
    before = digest(hq)
    with hold_lock(hq, 60) as holder:
        code, _, err = run(capsys, "collect", hq, sr, "--wait", "0")
        holder.kill()
    assert code == 2 and "another kam command" in err and "test holder" in err
    assert digest(hq) == before


def test_a_second_command_waits_for_the_first_and_says_so(hq, capsys):
    with hold_lock(hq, 1.5):
        code, _, err = run(capsys, "generate", hq, "--wait", "60")
    assert code == 0 and "waiting for another kam command" in err


def test_a_command_that_waits_too_long_gives_up(hq, capsys):
    with hold_lock(hq, 60) as holder:
        code, _, err = run(capsys, "review", hq, "--wait", "0.5")
        holder.kill()
    assert code == 2 and "after 0.5 s" in err and "--wait" in err


def test_a_killed_command_does_not_keep_the_lock(hq, capsys):
    with hold_lock(hq, 60) as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert run(capsys, "generate", hq, "--wait", "0")[0] == 0


def test_wait_takes_seconds(hq):
    with pytest.raises(SystemExit) as stopped:
        main(["generate", str(hq), "--wait", "-1"])
    assert stopped.value.code == 2


# ----- open in Excel or LibreOffice -------------------------------------------------------


@pytest.mark.parametrize("command", ["collect", "generate", "review"])
def test_a_workbook_open_in_excel_is_refused_unless_forced(hq, sr, capsys, command):
    (hq.parent / "~$hq.xlsx").write_bytes(b"\x05alice")
    argv = [command, hq, sr] if command == "collect" else [command, hq]
    before = digest(hq)
    code, _, err = run(capsys, *argv)
    assert code == 2 and "open in Excel" in err and "~$hq.xlsx" in err and "--force" in err
    assert digest(hq) == before
    code, out, _ = run(capsys, *argv, "--force", "--json")
    assert code in (0, 1) and any("open in Excel" in note for note in json.loads(out)["forced"])


def test_excel_owner_file_of_a_long_name_and_libreoffice_lock_are_seen(hq, capsys):
    long = hq.with_name("account-plan-2026.xlsx")
    hq.rename(long)
    owner = long.with_name("~$count-plan-2026.xlsx")
    owner.write_bytes(b"\x05alice")
    code, _, err = run(capsys, "generate", long)
    assert code == 2 and "open in Excel" in err
    owner.unlink()
    long.with_name(".~lock.account-plan-2026.xlsx#").write_text("alice,host,,")
    code, out, err = run(capsys, "generate", long, "--force")
    assert code == 0 and "open in LibreOffice" in out


def test_init_force_says_it_replaced_a_workbook_open_in_excel(hq, capsys):
    (hq.parent / "~$hq.xlsx").write_bytes(b"\x05alice")
    code, _, err = run(capsys, "init", hq)
    assert code == 2 and "open in Excel" in err
    code, out, _ = run(capsys, "init", hq, "--force")
    assert code == 0 and "open in Excel" in out and "backup:" in out

"""The history database: what collect records, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.history import store as S
from kam_xl.history.record import Recorder, read_marker, recording
from kam_xl.history.store import SCHEMA_VERSION, HistoryError, migrate, open_database, schema_version
from kam_xl.plan.load import load_plan
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.guarded import digest
from tests.support.history import claims, count, holds, runs
from tests.support.sr_files import first_tab, inputs, split_copy


@pytest.fixture(scope="module")
def filled(demo_book_factory, tmp_path_factory):
    """(pristine HQ workbook with tabs, folder of filled SR files, the HQ inputs before collecting)."""
    folder = tmp_path_factory.mktemp("history")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=4, seed=5)
    return book, folder / "sr", inputs(book)


def fresh(filled, tmp_path: Path, name: str = "hq.xlsx") -> tuple[Path, Path]:
    """A copy of the pristine workbook and of the SR files in tmp_path."""
    book, sr, _ = filled
    shutil.copy(book, tmp_path / name)
    if not (tmp_path / "sr").exists():
        shutil.copytree(sr, tmp_path / "sr")
    return tmp_path / name, tmp_path / "sr"


def test_collect_records_what_it_wrote_and_recollecting_adds_nothing(filled, tmp_path, db_url):
    book, sr = fresh(filled, tmp_path)
    report = collect(book, [sr], db=db_url)
    assert report.saved and report.history.recorded == report.written > 500
    assert claims(db_url, book) == holds(book, filled[2])  # exactly the values collect wrote
    rows = count(db_url, S.entries)
    again = collect(book, [sr], db=db_url)  # the same files: skipped, nothing saved, nothing recorded
    assert not again.saved and count(db_url, S.entries) == rows
    other, _ = fresh(filled, tmp_path, "copy.xlsx")  # the same values through another workbook of the account
    third = collect(other, [sr], db=db_url)
    assert third.saved and third.history.recorded == 0 and count(db_url, S.entries) == rows
    assert [r[0] for r in runs(db_url)] == ["collect"]


def test_a_changed_value_is_recorded_with_its_time_and_source(filled, tmp_path, db_url):
    book, sr = fresh(filled, tmp_path)
    collect(book, [sr], db=db_url)
    sr_file = sorted(sr.glob("*.xlsx"))[0]
    tab, cells = first_tab(sr_file)
    cell = next(ref for key, ref in field_cells(cells).items() if key[0] == "week" and key[-1] == "units")
    package = Package.open(sr_file)
    package.set_cells(tab, {cell: 999})
    package.save(sr_file, backup=False)
    report = collect(book, [sr], db=db_url)
    assert report.history.recorded == 1
    database = open_database(db_url)
    with database.engine.connect() as conn:
        e = S.entries
        last = conn.execute(sa.select(e).order_by(e.c.id.desc()).limit(1)).mappings().one()
        history = conn.execute(
            sa.select(e.c.number).where(
                e.c.store_id == last["store_id"], e.c.week == last["week"], e.c.field == "units"
            )
        ).all()
    database.close()
    assert last["number"] == 999 and last["source"] == sr_file.name and last["recorded_at"]
    assert len(history) == 2  # the first value and the change
    assert claims(db_url, book) == holds(book, filled[2])


def test_a_kams_correction_is_kept_against_the_srs_next_file_on_either_database(filled, tmp_path, db_url):
    book, sr = fresh(filled, tmp_path)
    collect(book, [sr], db=db_url)
    sr_file = sorted(sr.glob("*.xlsx"))[0]
    tab, cells = first_tab(sr_file)
    weekly = [ref for key, ref in field_cells(cells).items() if key[0] == "week" and key[-1] == "units"]
    typed = FileBook(sr_file).cell_values(tab, weekly)
    filled_cell = next(ref for ref in weekly if typed[ref] not in (None, ""))
    empty_cell = next(ref for ref in weekly if typed[ref] in (None, ""))
    hq = Package.open(book)  # the KAM corrects the collected figure in HQ
    hq.set_cells(tab, {filled_cell: 1})
    hq.save(book, backup=False)
    package = Package.open(sr_file)  # the SR types another week in the same file
    package.set_cells(tab, {empty_cell: 5})
    package.save(sr_file, backup=False)
    report = collect(book, [sr_file], db=db_url)
    assert [(e.what, e.cell, e.old) for e in report.entries if e.cell == filled_cell] == [("held", filled_cell, "1")]
    assert FileBook(book).cell_values(tab, [filled_cell, empty_cell]) == {filled_cell: 1, empty_cell: 5}


def test_a_failing_database_write_stops_collect_before_the_workbook_is_replaced(filled, tmp_path, db_url, capsys):
    book, sr = fresh(filled, tmp_path)
    database = open_database(db_url)
    with database.engine.begin() as conn:
        S.entries.drop(conn)  # the database breaks: every write of an entry fails
    database.close()
    before = digest(book)
    assert main(["collect", str(book), str(sr), "--db", db_url]) == 2
    assert "history database" in capsys.readouterr().err
    assert digest(book) == before and not list(tmp_path.glob("*.kam-backup-*"))
    assert runs(db_url) == []


def test_a_failing_workbook_save_leaves_the_database_without_the_data(filled, tmp_path, db_url, monkeypatch):
    book, sr = fresh(filled, tmp_path)

    def broken_save(self, order=None, before=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileBook, "save", broken_save)
    with pytest.raises(OSError):
        collect(book, [sr], db=db_url)
    assert runs(db_url) == [] and claims(db_url, book) == {}


def test_a_run_killed_between_the_replace_and_the_commit_is_caught_up_next_time(filled, tmp_path, db_url, monkeypatch):
    book, sr = fresh(filled, tmp_path)
    monkeypatch.setattr(Recorder, "commit", Recorder.rollback)  # as if the process died right after the replace
    report = collect(book, [sr], db=db_url)
    monkeypatch.undo()
    assert report.saved and read_marker(FileBook(book)) is not None
    assert claims(db_url, book) == {}  # the database claims nothing the workbook lacks...
    with recording(book, db_url, "collect") as recorder:  # ...and the next command catches up first
        # what collect wrote, and what the workbook held before (the plan's prefilled promoter days)
        assert recorder.caught_up == len(holds(book)) and report.written < recorder.caught_up
    assert claims(db_url, book) == holds(book)
    assert [r[0] for r in runs(db_url)] == ["catch-up"]
    with recording(book, db_url, "collect") as recorder:  # once is enough
        assert recorder.caught_up == 0


def test_a_workbook_collected_before_history_is_loaded_once(filled, tmp_path, db_url):
    book, sr = fresh(filled, tmp_path)
    collect(book, [sr], db="none")
    assert not (tmp_path / S.DEFAULT_NAME).exists()
    with recording(book, db_url, "collect") as recorder:
        assert recorder.caught_up > 500
    assert claims(db_url, book) == holds(book)  # every value the workbook holds, prefilled ones too


def test_the_database_is_chosen_by_option_environment_or_default(filled, tmp_path, monkeypatch):
    book, sr = fresh(filled, tmp_path)
    monkeypatch.delenv(S.DB_ENV, raising=False)
    assert main(["collect", str(book), str(sr), "-q"]) in (0, 1)
    default = tmp_path / S.DEFAULT_NAME
    assert default.is_file() and claims(str(default), book)
    other, _ = fresh(filled, tmp_path, "other.xlsx")
    monkeypatch.setenv(S.DB_ENV, str(tmp_path / "env.sqlite"))
    assert main(["collect", str(other), str(sr), "-q"]) in (0, 1)
    assert claims(str(tmp_path / "env.sqlite"), other)


@pytest.mark.parametrize(
    "db, words",
    [
        ("mysql://u@h/x", "SQLite"),
        ("/no/such/folder/h.sqlite", "does not exist"),
        ("postgresql://", "cannot be opened"),
    ],
)
def test_a_database_that_cannot_be_used_is_a_message_and_exit_2(filled, tmp_path, capsys, db, words):
    book, sr = fresh(filled, tmp_path)
    before = digest(book)
    assert main(["collect", str(book), str(sr), "--db", db]) == 2
    assert words in capsys.readouterr().err and digest(book) == before


def test_an_older_schema_is_migrated_keeping_its_data_and_a_newer_one_is_refused(db_url):
    engine = sa.create_engine(S.url_of(db_url))
    with engine.begin() as conn:
        assert migrate(conn, up_to=1) == 1  # a database made by the first schema
        conn.execute(
            sa.insert(S.runs).values(
                token="t", account="A", period="p", command="collect", book="b", recorded_at="now", rows=0
            )
        )
    engine.dispose()
    database = open_database(db_url)
    with database.engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert sa.inspect(conn).has_table("kam_scorecards")
        assert conn.execute(sa.select(S.runs.c.token)).scalars().all() == ["t"]
    with database.engine.begin() as conn:
        conn.execute(sa.update(S.schema).values(value=str(SCHEMA_VERSION + 1)))
    database.close()
    with pytest.raises(HistoryError, match="newer kam_xl"):
        open_database(db_url)

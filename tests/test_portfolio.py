"""`kam portfolio`: three demo accounts (different seeds and sizes) recorded in one history database give a
workbook whose numbers equal each account's own review, and that LibreOffice opens without an error cell."""

from __future__ import annotations

import pytest

from kam_xl.cli import main
from kam_xl.execution.collect import collect
from kam_xl.execution.split import split
from kam_xl.history.store import open_database
from kam_xl.plan.load import load_plan
from kam_xl.plan.workbook import init_workbook
from kam_xl.reviewing.run import review
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.libreoffice import error_cells, recalculate

ACCOUNTS = (("North Star Electronics", 3, 30), ("Riverside Digital", 7, 45), ("Golden Bay Retail", 11, 60))


def make_account(folder, name: str, seed: int, stores: int, db: str):
    """A demo account renamed `name`, generated, split, filled by simulated SRs, collected and reviewed."""
    folder.mkdir()
    book = folder / "hq.xlsx"
    old = init_workbook(book, demo=True, seed=seed, stores=stores).plan.account.name
    package = Package.open(book)
    grid = FileBook(book).grid("Account")
    cell = next(f"B{r}" for r, row in enumerate(grid, start=1) if len(row) > 1 and row[1] == old)
    package.set_cells("Account", {cell: name})
    package.save(book, backup=False)
    generate(book)
    split(book, folder / "sr")
    fill_sr_files(folder / "sr", load_plan(book), weeks=4 + seed % 3, seed=seed)
    collect(book, [folder / "sr"], db=db)
    return review(book, db=db)


@pytest.fixture
def three(tmp_path, db_url):
    return {name: make_account(tmp_path / f"a{seed}", name, seed, stores, db_url) for name, seed, stores in ACCOUNTS}


def test_the_portfolio_equals_each_accounts_review(three, tmp_path, db_url):
    out = tmp_path / "portfolio.xlsx"
    assert main(["portfolio", "--db", db_url, "--out", str(out), "-q"]) == 0
    grid = FileBook(out).grid(FileBook(out).sheet_names()[0])
    header = grid[3]
    rows = {row[1]: dict(zip(header, row)) for row in grid[4:] if len(row) > 1 and row[1]}
    assert set(three) <= set(rows)
    for name, result in three.items():
        mine, summary = rows[name], result.summary
        total = result.rollups["account"].iloc[0]
        units = next(k for k in summary["kpis"] if k["measure"] == "units")
        assert mine["Units to date"] == pytest.approx(total["units_actual"])
        assert mine["Units target to date"] == pytest.approx(total["units_target_to_date"])
        assert mine["Units attainment"] == pytest.approx(units["attainment"])
        assert mine["Score"] == pytest.approx(summary["score"])
        assert mine["Share"] == pytest.approx(summary["share"])
        assert mine["Main competitor's share"] == pytest.approx(summary["competitor_share"])
        assert mine["Execution score"] == pytest.approx(summary["execution_score"])
        assert mine["Investment"] == pytest.approx(summary["investment"])
        assert mine["ROI"] == pytest.approx(summary["roi"])
        assert mine["Stars"] == summary["quadrants"]["star"]
        assert mine["Stores"] == summary["stores"]
    ranked = [rows[n]["Rank"] for n in sorted(three, key=lambda n: -three[n].summary["score"])]
    assert ranked == [1, 2, 3]
    everyone = rows["All accounts"]
    actual = sum(r.rollups["account"].iloc[0]["units_actual"] for r in three.values())
    target = sum(r.rollups["account"].iloc[0]["units_target_to_date"] for r in three.values())
    assert everyone["Units attainment"] == pytest.approx(actual / target)  # recomputed from sums
    share_units = sum(r.rollups["account"].iloc[0]["share_units"] for r in three.values())
    category = sum(r.rollups["account"].iloc[0]["share_category"] for r in three.values())
    assert everyone["Share"] == pytest.approx(share_units / category)


@pytest.mark.libreoffice
def test_the_portfolio_replaces_its_own_earlier_workbook_but_not_an_accounts_without_force(three, tmp_path, db_url):
    out = tmp_path / "portfolio.xlsx"
    assert main(["portfolio", "--db", db_url, "--out", str(out), "-q"]) == 0
    assert main(["portfolio", "--db", db_url, "--out", str(out), "-q"]) == 0  # its own: replaced
    hq = tmp_path / "a3" / "hq.xlsx"  # an account's workbook given as --out by mistake
    before = hq.read_bytes()
    assert main(["portfolio", "--db", db_url, "--out", str(hq)]) == 2
    assert hq.read_bytes() == before
    assert main(["portfolio", "--db", db_url, "--out", str(hq), "--force", "-q"]) == 0
    assert sorted(hq.parent.glob("hq.kam-backup-*.xlsx"))[-1].read_bytes() == before  # kept beside it


def test_the_portfolio_recalculates_without_error_cells(three, tmp_path, db_url):
    out = tmp_path / "portfolio.xlsx"
    assert main(["portfolio", "--db", db_url, "--out", str(out), "-q"]) == 0
    assert error_cells(recalculate(out, tmp_path / "lo")) == []


def test_portfolio_mistakes_are_messages(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite"
    assert main(["portfolio", "--db", str(tmp_path / "missing.sqlite"), "--out", str(tmp_path / "p.xlsx")]) == 2
    assert "no such file" in capsys.readouterr().err
    open_database(str(empty)).close()  # a database with the schema and nothing reviewed
    assert main(["portfolio", "--db", str(empty), "--out", str(tmp_path / "p.xlsx")]) == 2
    assert "no reviewed account" in capsys.readouterr().err

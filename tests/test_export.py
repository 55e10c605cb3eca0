"""`kam export`: the tables read back with pandas equal the workbook's values, in parquet and in CSV."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kam_xl.cli import main
from kam_xl.csvfile import safe_cell
from kam_xl.execution.collect import collect
from kam_xl.plan.load import load_plan
from kam_xl.reviewing.run import review
from kam_xl.simulation.simulate import fill_sr_files
from tests.support.history import holds
from tests.support.sr_files import split_copy


@pytest.fixture(scope="module")
def reviewed(demo_book_factory, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    book, _ = split_copy(demo_book_factory("en", 40), folder)
    fill_sr_files(folder / "sr", load_plan(book), weeks=5, seed=12)
    collect(book, [folder / "sr"], db="none")
    return book, review(book, db="none")


def read(folder, table: str, fmt: str) -> pd.DataFrame:
    if fmt == "parquet":
        return pd.read_parquet(folder / f"{table}.parquet")
    return pd.read_csv(folder / f"{table}.csv", encoding="utf-8-sig", dtype={"store_id": str, "value_text": str},
                       keep_default_na=False, na_values=[""])  # fmt: skip


def code(row, fmt: str) -> tuple:
    kind = row["kind"]
    if kind == "number":
        return ("number", float(row["value_number"]), None)
    if kind == "bool":
        flag = row["value_flag"]
        flag = flag if isinstance(flag, (bool, np.bool_)) else str(flag).lower() == "true"
        return ("bool", 1.0 if flag else 0.0, None)
    if kind == "date":
        value = row["value_date"]
        return ("date", None, value.isoformat() if isinstance(value, date) else str(value)[:10])
    return (kind, None, row["value_text"])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_tables_read_back_equal_the_workbook(reviewed, tmp_path, fmt):
    book, result = reviewed
    assert main(["export", str(book), "--out", str(tmp_path), "--format", fmt, "-q"]) == 0
    entries = read(tmp_path, "entries", fmt)
    found = {(r["store_id"], r["week_id"] if isinstance(r["week_id"], str) else "", r["field"]): code(r, fmt)
             for _, r in entries.iterrows()}  # fmt: skip
    expected = holds(book)
    if fmt == "csv":  # text a spreadsheet would run as a formula comes back with its apostrophe (OWASP)
        expected = {k: (v[0], v[1], safe_cell(v[2])) for k, v in expected.items()}
    assert found == expected and len(found) > 500
    plan = load_plan(book)
    stores = read(tmp_path, "stores", fmt).set_index("store_id")
    assert list(stores.index) == [s.store_id for s in plan.stores]
    assert stores["base_units"].tolist() == pytest.approx([s.base_units for s in plan.stores])
    assert set(stores["account"]) == {plan.account.name}
    cards = read(tmp_path, "scorecards", fmt)
    store_cards = cards[cards["level"] == "store"].pivot_table(index="group_key", columns="metric", values="value")
    for metric in ("units_actual", "share", "execution_score", "roi", "score"):
        mine = result.stores[metric].astype(float)
        assert store_cards[metric].reindex(mine.index).to_numpy() == pytest.approx(mine.to_numpy(), nan_ok=True)
    words = cards[(cards["level"] == "store") & (cards["metric"] == "quadrant")].set_index("group_key")["text"]
    assert words.reindex(result.stores.index).fillna("").tolist() == result.stores["quadrant"].fillna("").tolist()
    targets = read(tmp_path, "targets", fmt)
    full = targets[targets["week_id"].isna()]
    units = plan.kpi_for("units").id
    got = full[full["kpi_id"] == units].set_index("store_id")["target"]
    assert got.sum() == pytest.approx(result.stores["units_target"].sum())
    problems = read(tmp_path, "problems", fmt)
    assert len(problems) == len(result.flags)
    programs = read(tmp_path, "programs", fmt)
    assert len(programs) == sum(len(plan.programs_for(s)) for s in plan.active_stores)


def test_export_from_the_history_database(reviewed, tmp_path, db_url):
    book, _ = reviewed
    collect(book, [], db=db_url)  # nothing to merge: the catch-up loads what was collected before history
    review(book, db=db_url)
    assert main(["export", "--db", db_url, "--out", str(tmp_path), "-q"]) == 0
    entries = pd.read_parquet(tmp_path / "entries.parquet")
    found = {
        (r.store_id, r.week_id if isinstance(r.week_id, str) else "", r.field): code(r._asdict(), "parquet")
        for r in entries.itertuples()
    }
    assert found == holds(book)
    cards = pd.read_parquet(tmp_path / "scorecards.parquet")
    assert {"store", "sr_id", "region", "store_tier", "account"} <= set(cards["level"])


def test_export_mistakes_are_messages(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path)]) == 2
    assert "HQ workbook" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_replaces_its_own_tables_but_never_a_persons_file_of_the_same_name(reviewed, tmp_path, capsys, fmt):
    book, _ = reviewed
    out = tmp_path / "out"
    assert main(["export", str(book), "--out", str(out), "--format", fmt, "-q"]) == 0
    assert main(["export", str(book), "--out", str(out), "--format", fmt, "-q"]) == 0  # an earlier export: replaced
    mine = out / f"stores.{fmt}"
    mine.write_bytes(b"id,name\n1,my own list\n")
    tables = {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".kam-lock"}
    assert main(["export", str(book), "--out", str(out), "--format", fmt]) == 2
    assert f"stores.{fmt}" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".kam-lock"} == tables  # nothing written

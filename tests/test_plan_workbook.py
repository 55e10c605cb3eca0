"""The HQ workbook: built from code, pleasant to fill, read back exactly in both languages."""

from __future__ import annotations

import openpyxl
import pytest

from kam_xl.lang.words import enum_labels, sheet_name
from kam_xl.plan.demo import demo_plan
from kam_xl.plan.load import load_plan, read_plan
from kam_xl.plan.schema import TABLES
from kam_xl.plan.sheets import UDF_MODULE
from kam_xl.plan.workbook import init_workbook, validate

LANGS = ("en", "zh")


@pytest.mark.parametrize("lang", LANGS)
def test_demo_round_trip(demo_book_factory, lang):
    """The plan read back from a demo workbook equals the plan the demo generator wrote."""
    path = demo_book_factory(lang, 120)
    assert load_plan(path) == demo_plan(120, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_demo_plan_has_no_problems(demo_book_factory, lang):
    problems = validate(demo_book_factory(lang, 120))
    assert [str(p) for p in problems if p.is_error] == []


def test_demo_is_deterministic_and_the_same_account_in_both_languages():
    en, zh = demo_plan(200, "en", seed=5), demo_plan(200, "zh", seed=5)
    assert en == demo_plan(200, "en", seed=5)
    assert en != demo_plan(200, "en", seed=6)
    assert [s.store_id for s in en.stores] == [s.store_id for s in zh.stores]
    assert [(s.base_units, s.store_tier, s.sr_id) for s in en.stores] == [
        (s.base_units, s.store_tier, s.sr_id) for s in zh.stores
    ]
    assert [k.hq_target for k in en.kpis] == [k.hq_target for k in zh.kpis]
    assert en.stores[0].city != zh.stores[0].city


@pytest.mark.parametrize("stores", [120, 300, 1000, 5000])
def test_demo_is_realistic(stores):
    plan = demo_plan(stores, "en")
    frame = plan.store_frame(active_only=False)
    per_sr = frame.groupby("sr_id").size()
    assert per_sr.between(10, 40).all(), per_sr.describe()
    if stores <= 1000:
        assert 8 <= len(per_sr) <= 40
    assert frame["region"].nunique() == 7
    assert set(frame["store_tier"]) == {"A", "B", "C"}
    share = frame["base_units"] / frame["category_units"]
    assert share.between(0.14, 0.41).all() and 0.2 < share.mean() < 0.35
    assert frame["base_units"].max() > 8 * frame["base_units"].median()  # flagships sell many times a small store
    assert frame["sr_email"].str.endswith("@example.com").all()
    assert frame["manager_email"].str.endswith("@example.net").all()
    assert frame.groupby("sr_id")["sr_email"].nunique().eq(1).all()
    assert len(plan.weeks) == 13 and max(w.season_weight for w in plan.weeks) > 1.5
    assert len(plan.kpis) >= 6 and len(plan.programs) >= 6
    assert len({(p.tiers, p.regions, p.formats) for p in plan.programs}) >= 5


def test_empty_template_needs_filling(tmp_path):
    path = tmp_path / "empty.xlsx"
    init_workbook(path, lang="zh")
    problems = validate(path)
    assert any(p.is_error for p in problems)
    messages = " ".join(str(p) for p in problems)
    assert "门店" in messages  # the Stores sheet is named in Chinese


@pytest.mark.parametrize("lang", LANGS)
def test_workbook_is_pleasant_and_safe_to_fill(demo_book_factory, lang):
    book = openpyxl.load_workbook(demo_book_factory(lang, 120))
    assert book.sheetnames[:8] == [
        sheet_name(k, lang)
        for k in (
            "readme",
            "account",
            "needs",
            "objectives",
            "programs",
            "competition",
            "stores",
            "calendar",
        )
    ]
    assert book[sheet_name("meta", lang)].sheet_state == "hidden"
    conf = book["xlwings.conf"]
    assert conf.sheet_state == "hidden" and conf["A1"].value == "UDF Modules" and conf["B1"].value == UDF_MODULE
    for key, columns in TABLES.items():
        sheet = book[sheet_name(key, lang)]
        assert sheet.protection.sheet, key
        assert sheet.freeze_panes in ("A2", "B2")
        assert sheet["A1"].protection.locked and sheet["A1"].value == columns[0].header(lang)
        assert not sheet["A2"].protection.locked and sheet["A2"].fill.fgColor.rgb.endswith("FFF2CC")
        validated = {str(cell) for dv in sheet.data_validations.dataValidation for cell in dv.sqref.ranges}
        for col, column in enumerate(columns, start=1):
            letter = openpyxl.utils.get_column_letter(col)
            if column.kind in ("enum", "yes_no", "number", "percent", "date", "email"):
                assert any(r.startswith(f"{letter}2:") for r in validated), (key, column.key)
    stores = book[sheet_name("stores", lang)]
    lists = {dv.formula1 for dv in stores.data_validations.dataValidation if dv.type == "list"}
    assert '"' + ",".join(enum_labels("format", lang)) + '"' in lists


def test_reader_finds_columns_by_header_in_any_order(demo_book_factory, tmp_path):
    """Reordered and extra columns, a title row and blank rows do not change the plan."""
    source = demo_book_factory("en", 120)
    book = openpyxl.load_workbook(source)
    stores = book["Stores"]
    stores.insert_cols(3)  # an extra column in the middle
    stores.cell(1, 3, "My notes")
    stores.cell(2, 3, "call back")
    stores.move_range("A1:A200", cols=30)  # the store id column moves to the far right
    stores.insert_rows(1)
    stores.cell(1, 1, "Stores of the account (title row)")
    stores.insert_rows(10, amount=3)  # blank rows inside the table
    path = tmp_path / "shuffled.xlsx"
    book.save(path)
    plan, problems, _ = read_plan(path)
    assert [str(p) for p in problems if p.is_error] == []
    assert plan.stores == demo_plan(120, "en").stores

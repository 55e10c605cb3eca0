"""Regeneration after plan changes keeps every value typed into the store tabs, in the same field."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from kam_xl.lang.words import enum_labels
from kam_xl.model.entries import enum_kind, field_kind, normalise
from kam_xl.plan.load import read_plan
from kam_xl.plan.meta import read_meta
from kam_xl.plan.workbook import init_workbook
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.find import existing_tabs, read_tab_entries
from kam_xl.storetabs.generate import generate
from kam_xl.storetabs.layout import LAYOUT_VERSION, LOG_HEADER_ROW, STATUS_CELL, STORE_ID_CELL
from kam_xl.storetabs.names import is_valid_sheet_name
from kam_xl.xlsx.filebook import FileBook

DATA = Path(__file__).parent / "data"
TEXTS = [
    "checked shelf",
    "店长同意加大陈列",
    "promoter late; 'quoted' & <b>",
    "  spaces  ",
    "竞品降价200元",
    "ok",
]


def typed_value(rng: random.Random, key, lang: str):
    """A random valid value for an input field, as an SR would type it."""
    kind = field_kind(key)
    if kind == "number":
        return rng.choice([rng.randint(0, 500), round(rng.uniform(0, 5000), 2)])
    if kind == "date":
        return date(2026, 9, 28) + timedelta(days=rng.randint(0, 90))
    if kind in ("yes_no", "enum"):
        return rng.choice(enum_labels(enum_kind(key), lang))
    return rng.choice(TEXTS) + f" {rng.randint(1, 999)}"


def read_back(path) -> tuple[dict, dict]:
    book = FileBook(path)
    meta = read_meta(book)
    tabs = existing_tabs(book, meta)
    return read_tab_entries(book, tabs), {sid: record for sid, (_, record) in tabs.items()}


def fill_every_input(path, lang: str, seed: int) -> dict:
    """Type a random value into every input cell of every store tab (openpyxl, like a person would)."""
    rng = random.Random(seed)
    book = FileBook(path)
    tabs = existing_tabs(book, read_meta(book))
    workbook = openpyxl.load_workbook(path)
    expected = {}
    for store_id, (name, record) in tabs.items():
        sheet = workbook[name]
        values = {}
        for key, cell in field_cells(record.cells).items():
            typed = typed_value(rng, key, lang)
            sheet[cell] = typed
            values[key] = normalise(key, typed)
        expected[store_id] = values
    workbook.save(path)
    return expected


def edit_plan(path, change) -> None:
    """Apply a change to the plan sheets through openpyxl, as the KAM would in Excel."""
    _, _, reader = read_plan(path)
    workbook = openpyxl.load_workbook(path)
    change(workbook, reader)
    workbook.save(path)


def cell(reader, table: str, index: int, field: str) -> str:
    return reader.tables[table].cell(index, field)


def check_kept(path, expected: dict, gone_programs=()) -> dict:
    entries, records = read_back(path)
    for store_id, values in expected.items():
        assert store_id in entries, f"tab of {store_id} lost"
        assert entries[store_id] == values, _diff(store_id, entries[store_id], values)
        assert not any(
            key[0] == "program" and key[1] in gone_programs for key in field_cells(records[store_id].cells)
        ), "a removed program still has input cells"
    return records


def _diff(store_id, got, want) -> str:
    missing = {k: v for k, v in want.items() if got.get(k) != v}
    sample = list(missing)[:3]
    wanted, found = [(k, missing[k]) for k in sample], [got.get(k) for k in sample]
    return f"{store_id}: {len(missing)} value(s) differ, e.g. {wanted} got {found}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_typed_value_survives_every_kind_of_plan_change(tmp_path, lang):
    path = tmp_path / "hq.xlsx"
    init_workbook(path, lang=lang, demo=True, stores=60)
    generate(path)
    expected = fill_every_input(path, lang, seed=7)
    assert sum(len(v) for v in expected.values()) > 59 * 150

    # 1. targets and weights change
    def targets_and_weights(book, r):
        objectives = book[r.names["objectives"]]
        objectives[cell(r, "objectives", 0, "hq_target")] = (
            objectives[cell(r, "objectives", 0, "hq_target")].value + 300
        )
        objectives[cell(r, "objectives", 0, "weight")] = 0.25
        objectives[cell(r, "objectives", 1, "weight")] = 0.25
        book[r.names["calendar"]][cell(r, "calendar", 2, "season_weight")] = 1.4
        book[r.names["stores"]][cell(r, "stores", 3, "base_units")] = 77.5

    edit_plan(path, targets_and_weights)
    generate(path)
    check_kept(path, expected)

    # 2. a program is added (rows below move) and one is removed (its values go to the kept section)
    def programs(book, r):
        sheet = book[r.names["programs"]]
        last = r.tables["programs"].record_rows[-1]
        for col in range(1, sheet.max_column + 1):
            sheet.cell(last + 1, col, sheet.cell(last, col).value)
        sheet.cell(last + 1, r.tables["programs"].columns["id"], "P08")
        sheet.cell(last + 1, r.tables["programs"].columns["tiers"]).value = None
        sheet.cell(last + 1, r.tables["programs"].columns["regions"]).value = None
        removed_row = r.tables["programs"].record_rows[0]
        for col in range(1, sheet.max_column + 1):
            sheet.cell(removed_row, col).value = None
        needs = book[r.names["needs"]]
        needs[cell(r, "needs", 0, "answer")] = "P04"

    edit_plan(path, programs)
    generate(path)
    entries, records = read_back(path)
    check_kept(path, expected, gone_programs=("P01",))
    some = next(iter(records.values()))
    assert ("program", "P08", "status") in field_cells(some.cells)

    # 3. stores: one added, one renamed, one moved to another SR, one deactivated
    def stores(book, r):
        sheet = book[r.names["stores"]]
        table = r.tables["stores"]
        last = table.record_rows[-1]
        for col in range(1, sheet.max_column + 1):
            sheet.cell(last + 1, col, sheet.cell(last, col).value)
        sheet.cell(last + 1, table.columns["store_id"], "HX9999")
        sheet.cell(last + 1, table.columns["name"], "New store 新店 [pilot]: A/B test?")
        sheet[cell(r, "stores", 1, "name")] = "Renamed store 改名后的门店 with a very long name indeed"
        for field in ("sr_id", "sr_name", "sr_email"):
            sheet[cell(r, "stores", 2, field)] = sheet[cell(r, "stores", 40, field)].value
        sheet[cell(r, "stores", 4, "active")] = enum_labels("yes_no", lang)[1]

    edit_plan(path, stores)
    result = generate(path)
    records = check_kept(path, expected, gone_programs=("P01",))
    plan, _, _ = read_plan(path)
    renamed, moved, deactivated = plan.stores[1], plan.stores[2], plan.stores[4]
    assert renamed.store_id in result.renamed
    assert "HX9999" in result.written
    assert records[moved.store_id].sr_id == moved.sr_id
    assert deactivated.store_id in result.kept_inactive and records[deactivated.store_id].status == "inactive"
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert (
        workbook[records[deactivated.store_id].tab][STATUS_CELL].value
        != workbook[records[moved.store_id].tab][STATUS_CELL].value
    )
    for store_id, record in records.items():
        assert is_valid_sheet_name(record.tab)
        assert workbook[record.tab][STORE_ID_CELL].value == store_id

    # 4. the removed program comes back: its values return to their field
    def program_back(book, r):
        sheet = book[r.names["programs"]]
        row = r.tables["programs"].record_rows[-1] + 1
        values = {
            "id": "P01",
            "name": "Golden Week bundle promotion",
            "type": enum_labels("program_type", lang)[0],
            "start": date(2026, 9, 28),
            "end": date(2026, 10, 11),
            "cost_per_store": 2000,
        }
        for field, value in values.items():
            sheet.cell(row, r.tables["programs"].columns[field], value)

    edit_plan(path, program_back)
    generate(path)
    records = check_kept(path, expected)
    entries, _ = read_back(path)
    for store_id, values in expected.items():
        if records[store_id].status == "inactive":
            continue  # a store that left the plan keeps its tab as it was
        program_values = {k: v for k, v in values.items() if k[:2] == ("program", "P01")}
        keys = field_cells(records[store_id].cells)
        for key, value in program_values.items():
            assert key in keys and entries[store_id][key] == value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_layout_1_workbook_regenerated_keeps_every_value_in_the_laptop_layout(tmp_path, lang):
    """tests/data/layout-v1-*.xlsx: 16 demo stores made by layout 1 (the log at row 43, 21 columns, nothing
    frozen), every input filled (test data made with fill_every_input, seed 11, before layout 2)."""
    path = tmp_path / "old.xlsx"
    shutil.copy(DATA / f"layout-v1-{lang}.xlsx", path)
    expected, records = read_back(path)
    assert {record.cells["v"] for record in records.values()} == {1}
    assert sum(len(values) for values in expected.values()) > 15 * 150
    generate(path)
    entries, records = read_back(path)
    assert entries == expected
    assert {record.cells["v"] for record in records.values()} == {LAYOUT_VERSION}
    workbook = openpyxl.load_workbook(path, read_only=True)
    for record in records.values():
        cells = record.cells["week"]
        assert min(cells["rows"].values()) == LOG_HEADER_ROW + 1 and cells["cols"]["units"] == "C"
        assert workbook[record.tab][STORE_ID_CELL].value == record.store_id
    # the fields layout 1 did not have are inputs now, and a second run keeps what is typed into them
    more = fill_every_input(path, lang, seed=12)
    assert any(key[-1] == "sell_in" for values in more.values() for key in values)
    generate(path)
    check_kept(path, more)

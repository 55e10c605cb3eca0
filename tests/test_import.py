"""`kam import`: the retailer's sell-out report into the store tabs, through the real command line."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kam_xl.cli import main
from kam_xl.execution.log import read_log
from kam_xl.execution.split import split
from kam_xl.plan.load import load_plan
from kam_xl.simulation.retailer import retailer_report
from kam_xl.xlsx.filebook import FileBook
from tests.support.sr_files import generated_copy, inputs


@pytest.fixture
def hq(demo_book_factory, tmp_path) -> Path:
    return generated_copy(demo_book_factory("en", 30), tmp_path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _log(book: Path):
    return read_log(FileBook(book), "en")


def test_the_demo_retailers_report_fills_every_matching_cell_and_twice_changes_nothing(hq, tmp_path):
    plan = load_plan(hq)
    week = plan.weeks[4]
    report = retailer_report(plan, week, tmp_path / "sell-out.xlsx", seed=5)
    assert main(["--quiet", "import", str(hq), str(report)]) == 0
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("Sell-out").to_python()[2:]
    expected: dict[str, dict] = {}
    codes = {s.retailer_code: s.store_id for s in plan.stores}
    for code, _, _, units, value, stock, sell_in in rows:
        totals = expected.setdefault(codes[code], {"units": 0.0, "value": 0.0, "sell_in": 0.0})
        totals["units"] += units
        totals["value"] += value
        totals["sell_in"] += sell_in or 0.0  # receipts: a day without a delivery is blank
        if stock != "":
            totals["stock"] = stock
    assert all(fields["sell_in"] > 0 for fields in expected.values())
    typed = inputs(hq)
    assert len(expected) == len(plan.active_stores)
    for store_id, fields in expected.items():
        for name, number in fields.items():
            assert typed[store_id][("week", week.id, name)] == number, (store_id, name)
    before = _digest(hq)
    assert main(["--quiet", "import", str(hq), str(report)]) == 0
    assert _digest(hq) == before


def test_a_messy_report_is_imported_in_part_with_every_problem_logged_by_its_row(hq, tmp_path):
    plan = load_plan(hq)
    first, second, third = plan.active_stores[:3]
    week, later = plan.weeks[1], plan.weeks[2]
    lines = [
        "门店编码,周,销量,销售额,库存",
        f"{first.retailer_code},{week.id},12,3400,20",  # row 2: fine
        f"NOPE-999,{week.id},5,100,1",  # row 3: unknown store
        f"{second.retailer_code},{week.id},7,700,3",  # rows 4 and 5: the same store and week twice
        f"{second.retailer_code},{week.id},8,800,3",
        f"{third.retailer_code},2031-W01,9,900,3",  # row 6: a week outside the plan
        f"{third.retailer_code},{later.id},12 pcs,-5,4",  # row 7: bad numbers, stock fine
    ]
    report = tmp_path / "report.csv"
    report.write_bytes("\n".join(lines).encode("gb18030"))  # what a Chinese Excel saves
    assert main(["--quiet", "import", str(hq), str(report)]) == 1
    typed = inputs(hq)
    assert typed[first.store_id][("week", week.id, "units")] == 12
    assert typed[first.store_id][("week", week.id, "stock")] == 20
    assert ("week", week.id, "units") not in typed[second.store_id]
    assert typed[third.store_id][("week", later.id, "stock")] == 4
    assert ("week", later.id, "units") not in typed[third.store_id]
    problems = {e.cell: e.reason for e in _log(hq) if e.what == "rejected"}
    assert "NOPE-999" in problems["A3"]
    assert "rows 4, 5" in problems["A4"] and "rows 4, 5" in problems["A5"]
    assert "2031-W01" in problems["A6"] and "outside" in problems["A6"]
    rejected_row_7 = [e for e in _log(hq) if e.what == "rejected" and e.cell == "A7"]
    assert {e.field for e in rejected_row_7} == {f"week|{later.id}|units", f"week|{later.id}|value"}


def test_a_mapping_names_other_headers_and_store_codes(hq, tmp_path):
    plan = load_plan(hq)
    store, week = plan.active_stores[0], plan.weeks[3]
    report = tmp_path / "portal.csv"
    report.write_text(f"Outlet no.,Fiscal week,Pieces\nR-1,{week.id},31\n", encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {"Outlet no.": "store", "Fiscal week": "week", "Pieces": "units"},
                "stores": {"R-1": store.store_id},
            }
        ),
        encoding="utf-8",
    )
    assert main(["--quiet", "import", str(hq), str(report), "--map", str(mapping)]) == 0
    assert inputs(hq)[store.store_id][("week", week.id, "units")] == 31


@pytest.mark.parametrize(
    "content, word",
    [("store,units\nHX0001,3\n", "no header row"), ("", "no header row")],
)
def test_a_report_without_the_columns_kam_needs_is_refused_with_what_to_do(hq, tmp_path, capsys, content, word):
    report = tmp_path / "odd.csv"
    report.write_text(content, encoding="utf-8")
    before = _digest(hq)
    assert main(["import", str(hq), str(report)]) == 2
    assert word in capsys.readouterr().err and _digest(hq) == before


def test_a_report_in_a_format_kam_cannot_read_is_refused(hq, tmp_path, capsys):
    report = tmp_path / "report.ods"
    report.write_bytes(b"PK")
    assert main(["import", str(hq), str(report)]) == 2
    assert ".csv" in capsys.readouterr().err


def _daily_report(plan, week, separator: str = ",", value=lambda number: f"{number:,.2f}") -> tuple[str, dict]:
    """A daily report of the first two active stores over `week`, values written by `value`; their totals."""
    lines, totals = [separator.join(["Store code", "Date", "Units", "Sales value"])], {}
    for n, store in enumerate(plan.active_stores[:2]):
        for day in range(7):
            units, money = 3 + day + n, 1234.5 * (day + 1) + n
            when = (week.start + timedelta(days=day)).isoformat()
            lines.append(separator.join([store.retailer_code, when, str(units), value(money)]))
            got = totals.setdefault(store.store_id, [0.0, 0.0])
            got[0] += units
            got[1] += money
    return "\n".join(lines) + "\n", totals


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_daily_values_with_thousands_separators_are_added_up_whole(hq, tmp_path, encoding):
    """ "1,234.50" a day: all seven days were once dropped but the last (a week's total of one day, silently)."""
    plan = load_plan(hq)
    week = plan.weeks[2]
    if encoding == "utf-8":  # quoted, as Excel writes a value holding the separator
        text, totals = _daily_report(plan, week, ",", lambda m: f'"{m:,.2f}"')
    else:  # Excel's "Unicode Text": UTF-16 with tabs, nothing quoted
        text, totals = _daily_report(plan, week, "\t")
    report = tmp_path / "daily.csv"
    report.write_bytes(text.encode(encoding))
    assert main(["--quiet", "import", str(hq), str(report)]) == 0
    typed = inputs(hq)
    for store_id, (units, money) in totals.items():
        assert typed[store_id][("week", week.id, "units")] == units
        assert typed[store_id][("week", week.id, "value")] == pytest.approx(money)


def test_a_day_that_is_not_a_number_rejects_the_week_not_a_part_of_it(hq, tmp_path):
    plan = load_plan(hq)
    week = plan.weeks[2]
    text, _ = _daily_report(plan, week, ",", lambda m: f"{m:.2f}")
    lines = text.splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",n/a"  # the first store's third day
    report = tmp_path / "daily.csv"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--quiet", "import", str(hq), str(report)]) == 1
    first = plan.active_stores[0].store_id
    assert ("week", week.id, "value") not in inputs(hq)[first]
    assert any(e.what == "rejected" and "n/a" in e.reason + e.new for e in _log(hq))


def test_a_report_separated_by_semicolons_is_refused_before_a_decimal_comma_is_misread(hq, tmp_path, capsys):
    plan = load_plan(hq)
    text, _ = _daily_report(plan, plan.weeks[2], ";", lambda m: f"{m:.2f}".replace(".", ","))
    report = tmp_path / "europe.csv"
    report.write_text(text, encoding="utf-8")
    before = _digest(hq)
    assert main(["import", str(hq), str(report)]) == 2
    assert "semicolons" in capsys.readouterr().err and _digest(hq) == before


def test_a_report_with_a_store_whose_hq_tab_was_deleted_can_be_imported_again_after_generate(hq, tmp_path):
    plan = load_plan(hq)
    week = plan.weeks[4]
    report = retailer_report(plan, week, tmp_path / "sell-out.xlsx", seed=5)
    store = plan.active_stores[0]
    workbook = openpyxl.load_workbook(hq)
    tab = next(name for name in workbook.sheetnames if name.startswith(store.store_id + " "))
    del workbook[tab]
    workbook.save(hq)
    assert main(["--quiet", "import", str(hq), str(report)]) == 1
    assert ("week", week.id, "units") not in inputs(hq).get(store.store_id, {})
    assert main(["--quiet", "generate", str(hq)]) == 0
    assert main(["--quiet", "import", str(hq), str(report)]) == 0  # not skipped as "already imported"
    assert ("week", week.id, "units") in inputs(hq)[store.store_id]


def test_total_rows_of_a_report_are_left_out_with_a_note_not_rejected(hq, tmp_path):
    """A retailer's report ends with 合计 / Total rows: they are not stores, and not mistakes (exit 0)."""
    plan = load_plan(hq)
    first, second = plan.active_stores[:2]
    week = plan.weeks[1]
    lines = [
        "Store code,Store,Week,Units",
        f"{first.retailer_code},{first.name},{week.id},12",
        f"{second.retailer_code},{second.name},{week.id},8",
        f",小计：,{week.id},20",
        f"合计,,{week.id},20",
        f"Grand Total,,{week.id},20",
    ]
    report = tmp_path / "with-totals.csv"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--quiet", "import", str(hq), str(report)]) == 0
    typed = inputs(hq)
    assert typed[first.store_id][("week", week.id, "units")] == 12
    assert typed[second.store_id][("week", week.id, "units")] == 8
    notes = {e.cell for e in _log(hq) if e.what == "note" and "total row" in e.reason}
    assert notes == {"A4", "A5", "A6"} and not [e for e in _log(hq) if e.what == "rejected"]


@pytest.mark.parametrize(
    "name, content, word",
    [
        ("list.json", "[1, 2]", "not a mapping"),
        ("stores-as-list.json", '{"stores": ["R-1"]}', "not a mapping"),
        ("nobody.csv", "R-1,ZZ9999\n", "ZZ9999"),
        ("gbk.csv", "门店,店名\n".encode("gb18030"), "店名"),
    ],
)
def test_a_mapping_file_kam_cannot_use_is_said_with_what_to_write(hq, tmp_path, capsys, name, content, word):
    """A JSON list, a code mapped to a store the plan does not have, a GB18030 CSV: exit 2 with the reason
    (the list was an AttributeError, exit 3; an unknown store id was taken silently)."""
    mapping = tmp_path / name
    mapping.write_bytes(content if isinstance(content, bytes) else content.encode())
    report = tmp_path / "r.csv"
    report.write_text("Store code,Week,Units\nR-1,2026-W44,7\n", encoding="utf-8")
    before = _digest(hq)
    assert main(["import", str(hq), str(report), "--map", str(mapping)]) == 2
    err = capsys.readouterr().err
    assert word in err and "unexpected" not in err and _digest(hq) == before


def test_a_csv_mapping_may_have_its_own_header_row(hq, tmp_path):
    plan = load_plan(hq)
    store, week = plan.active_stores[0], plan.weeks[3]
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"code,store id\nR-1,{store.store_id}\nOutlet,store\nPieces,units\n", encoding="utf-8")
    report = tmp_path / "portal.csv"
    report.write_text(f"Outlet,Week,Pieces\nR-1,{week.id},31\n", encoding="utf-8")
    assert main(["--quiet", "import", str(hq), str(report), "--map", str(mapping)]) == 0
    assert inputs(hq)[store.store_id][("week", week.id, "units")] == 31


def test_an_sr_workbook_or_the_hq_workbook_given_as_the_report_is_said_as_such(hq, tmp_path, capsys):
    files = split(hq, tmp_path / "sr").files
    before = _digest(hq)
    assert main(["import", str(hq), str(files[0].path)]) == 2
    err = capsys.readouterr().err
    assert f"{files[0].path.name} is the SR workbook of" in err and "kam collect" in err
    copy = tmp_path / "other.xlsx"
    shutil.copy(hq, copy)
    assert main(["import", str(hq), str(copy)]) == 2
    assert "is a kam HQ workbook, not a retailer's report" in capsys.readouterr().err
    assert _digest(hq) == before
    report = retailer_report(load_plan(hq), load_plan(hq).weeks[0], tmp_path / "sell-out.xlsx", seed=1)
    assert main(["collect", str(hq), str(report)]) == 1  # and the other way round: collect points at import
    assert "kam import" in capsys.readouterr().out


def test_a_value_typed_as_a_formula_saved_without_its_result_is_rejected_not_taken_as_blank(hq, tmp_path):
    plan = load_plan(hq)
    first, second = plan.active_stores[:2]
    week = plan.weeks[2]
    workbook = openpyxl.Workbook()  # openpyxl saves formulas without results, as some reporting tools do
    sheet = workbook.active
    sheet.append(["Store ID", "Week", "Units"])
    sheet.append([first.store_id, week.id, "=100+1"])
    sheet.append([second.store_id, week.id, 55])
    report = tmp_path / "tool-made.xlsx"
    workbook.save(report)
    assert main(["--quiet", "import", str(hq), str(report)]) == 1
    rejected = [e for e in _log(hq) if e.what == "rejected"]
    assert [(e.store, e.cell) for e in rejected] == [(first.store_id, "A2")]
    assert "formula saved without its result" in rejected[0].reason and rejected[0].new == "formula in C2"
    typed = inputs(hq)
    assert typed[second.store_id][("week", week.id, "units")] == 55
    assert typed[first.store_id].get(("week", week.id, "units")) in (None, "")

"""kam split: one plain workbook per SR with only that SR's stores, nothing about anyone else's."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from lxml import etree

from kam_xl.errors import KamError
from kam_xl.execution.split import file_names, file_stem, review_cells, split
from kam_xl.metrics.allocation import allocate_plan
from kam_xl.model.entries import WEEK_FIELDS
from kam_xl.plan.load import load_plan
from kam_xl.plan.meta import read_meta
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.find import existing_tabs
from kam_xl.storetabs.layout import HOME_CELL, STORE_ID_CELL
from kam_xl.xlsx.cellpatch import MAIN_NS, strip_tab_selected
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.libreoffice import computed_values, error_cells, recalculate, require_soffice
from tests.support.sr_files import generated_copy, split_copy


@pytest.fixture(scope="module")
def split_300(demo_book_factory, tmp_path_factory):
    """(HQ workbook, SR files) of the 300-store demo."""
    return split_copy(demo_book_factory("en", 300), tmp_path_factory.mktemp("split300"))


def test_one_workbook_per_sr_with_readme_summary_its_tabs_and_meta(split_300):
    book, files = split_300
    plan = load_plan(book)
    by_sr = {}
    for store in plan.active_stores:
        by_sr.setdefault(store.sr_id, []).append(store.store_id)
    assert sorted(path.name for path in files) == sorted(f"{sr}.xlsx" for sr in by_sr)
    hq_tabs = {r.store_id: r for r in read_meta(FileBook(book)).tabs}
    for path in files:
        package = Package.open(path)
        meta = read_meta(FileBook(path))
        sr_id = meta.values["sr_id"]
        assert meta.values["role"] == "sr" and meta.values["account"] == plan.account.name
        assert meta.values["fingerprint"] == plan.fingerprint()
        assert [r.store_id for r in meta.tabs] == by_sr[sr_id]
        assert all(
            r.cells == hq_tabs[r.store_id].cells and r.fingerprint == hq_tabs[r.store_id].fingerprint for r in meta.tabs
        )
        names = package.sheet_names()
        assert names == ["README", "My stores", "This week", *[r.tab for r in meta.tabs], "_meta"]
        assert package.sheet_state("_meta") == "hidden"
        assert not any(
            name.endswith((".bin", "vbaProject.bin")) or "vba" in name.lower() for name in package.part_names()
        )


def test_index_lists_every_sr_file(split_300):
    book, files = split_300
    with (files[0].parent / "index.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["file"] for row in rows] == [path.name for path in files]
    first = read_meta(FileBook(files[0]))
    assert rows[0]["sr_id"] == first.values["sr_id"] and rows[0]["sr_name"] == first.values["sr_name"]
    assert rows[0]["store_ids"].split() == [r.store_id for r in first.tabs]
    assert int(rows[0]["stores"]) == len(first.tabs) and "@" in rows[0]["sr_email"]


def _canonical(xml: bytes, without: set[str] = frozenset()) -> bytes:
    """The sheet's XML in canonical form, without the cells `without` (and without values: a cell kam gives a
    formula elsewhere keeps its style, which is compared)."""
    root = etree.fromstring(xml)
    strip_tab_selected(root)
    for cell in root.iter(f"{{{MAIN_NS}}}c"):
        if cell.get("r") in without:
            for child in list(cell):
                cell.remove(child)
            cell.attrib.pop("t", None)
    for dimension in root.iter(f"{{{MAIN_NS}}}dimension"):
        dimension.getparent().remove(dimension)
    return etree.tostring(root, method="c14n")


def test_store_tabs_are_exactly_as_in_the_hq_workbook(split_300):
    """Cell for cell, but for the log cells of the "This week" sheet's week, which read that sheet."""
    book, files = split_300
    hq = Package.open(book)
    for path in files[:6]:
        sr = Package.open(path)
        week = FileBook(path).grid("This week")[2][2]
        for record in read_meta(FileBook(path)).tabs:
            cells = field_cells(record.cells)
            linked = {cells[key] for key in cells if key[:2] == ("week", week)}
            assert len(linked) == len(WEEK_FIELDS)
            home = FileBook(path).package.formula_cells(record.tab)[HOME_CELL]
            assert home == '=HYPERLINK("#\'My stores\'!A1","← My stores")'  # SR files have no Stores sheet
            formulas = {
                c.get("r"): c.findtext(f"{{{MAIN_NS}}}f")
                for c in etree.fromstring(sr.sheet_xml(record.tab)).iter(f"{{{MAIN_NS}}}c")
            }
            assert all("'This week'!" in (formulas.get(ref) or "") for ref in linked), record.tab
            linked.add(HOME_CELL)
            assert _canonical(sr.sheet_xml(record.tab), linked) == _canonical(hq.sheet_xml(record.tab), linked), (
                record.tab
            )


def _package_text(path: Path) -> str:
    """Every part of a package, decompressed."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def _atoms(text: str) -> str:
    """Every text and attribute value of XML, each distinct one once (fast to search)."""
    return "\n".join(set(re.findall(r">([^<]+)<", text)) | set(re.findall(r'="([^"]*)"', text)))


_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.,])\d+(?![\w,])")


def _numbers(text: str) -> set[int]:
    """Every whole number written in cell values and texts (<v>, <t>), '1,234' included."""
    found = set()
    for content in re.findall(r"<(?:v|t)(?: [^>]*)?>([^<]*)</(?:v|t)>", text):
        found |= {int(match.replace(",", "")) for match in _NUMBER.findall(content)}
    return found


class Secrets:
    """What an SR's workbook must not show: other SRs' store ids, store names, SR names and ids, targets."""

    def __init__(self, book: Path):
        self.plan = load_plan(book)
        allocation = allocate_plan(self.plan)
        self.targets = {kpi: frame["target"].to_dict() for kpi, frame in allocation.kpis.items()}
        self.hq = FileBook(book)
        self.tabs = {r.store_id: r.tab for r in read_meta(self.hq).tabs}

    def leaks(self, path: Path, sr_id: str, own: set[str]) -> tuple[list[str], list[int]]:
        """(words, numbers) of other SRs found in the package at `path`, whose own stores are `own`."""
        mine = [s for s in self.plan.stores if s.store_id in own]
        others = [s for s in self.plan.stores if s.sr_id != sr_id]
        own_text = "\n".join(str(v) for s in mine for row in self.hq.grid(self.tabs[s.store_id]) for v in row)
        own_text += f"\n{mine[0].sr_name}\n{self.plan.account.name}"
        words = {w for s in others for w in (s.store_id, s.name, s.sr_name, s.sr_id) if w not in own_text}
        numbers = {round(t[s.store_id]) for t in self.targets.values() for s in others if s.store_id in t}
        numbers |= {
            round(sum(t.get(s.store_id, 0) for s in others if s.sr_id == sr))
            for t in self.targets.values()
            for sr in {s.sr_id for s in others}
        }
        numbers = {n for n in numbers if n >= 100 and str(n) not in own_text and f"{n:,}" not in own_text}
        text = _package_text(path)
        atoms = _atoms(text)
        assert mine[0].store_id in atoms and escape(mine[0].name) in atoms  # the search does find things
        return [w for w in words if w in atoms or escape(w) in atoms], sorted(numbers & _numbers(text))


def test_no_sr_workbook_holds_anything_about_another_srs_stores(split_300):
    book, files = split_300
    secrets = Secrets(book)
    for path in files:
        meta = read_meta(FileBook(path))
        words, numbers = secrets.leaks(path, meta.values["sr_id"], {r.store_id for r in meta.tabs})
        assert not words and not numbers, (path.name, words[:5], numbers[:5])


def test_the_leak_check_finds_a_workbook_cut_down_from_the_hq_one(split_300, tmp_path):
    book, files = split_300
    meta = read_meta(FileBook(files[0]))
    own = {r.store_id for r in meta.tabs}
    stranger = next(r for r in read_meta(FileBook(book)).tabs if r.store_id not in own)
    package = Package.open(book)
    package.remove_sheets(
        [r.tab for r in read_meta(FileBook(book)).tabs if r.store_id not in own | {stranger.store_id}]
    )
    package.save(tmp_path / "cut.xlsx", backup=False)
    secrets = Secrets(book)
    words, numbers = secrets.leaks(tmp_path / "cut.xlsx", meta.values["sr_id"], own)
    assert len(words) > 100 and stranger.store_id in words
    value_kpi = secrets.plan.kpi_for("value").id
    assert round(secrets.targets[value_kpi][stranger.store_id]) in numbers


def test_review_cells_point_at_the_review_block(split_300):
    book, files = split_300
    plan = load_plan(book)
    tab, cells = (
        read_meta(FileBook(files[0])).tabs[0].tab,
        read_meta(FileBook(files[0])).tabs[0].cells,
    )
    grid = FileBook(files[0]).grid(tab)
    found = review_cells(cells, plan.kpis)
    labels = {"score": "Score (100 = on target)", "score_rag": "Score RAG", "data_week": "Data up to week"}
    for key, label in labels.items():
        row = int(found[key][1:])
        assert grid[row - 1][0] == label
    units_row = int(found["units_target"][1:])
    assert grid[units_row - 1][0] == plan.kpi_for("units").id
    assert found["attainment"][0] == "G" and grid[int(STORE_ID_CELL[1:]) - 1][2] == cells["store_id"]


def test_split_refuses_when_the_plan_changed_since_generate(demo_book_factory, tmp_path):
    book = generated_copy(demo_book_factory("en", 40), tmp_path)
    header = FileBook(book).grid("Stores")[0]
    column = openpyxl.utils.get_column_letter(header.index("Baseline units / week") + 1)
    package = Package.open(book)
    package.set_cells("Stores", {f"{column}2": 20.0})
    package.save(book, backup=False)
    with pytest.raises(KamError, match="generate"):
        split(book, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.xlsx"))


def test_split_refuses_a_workbook_without_store_tabs(demo_book_factory, tmp_path):
    with pytest.raises(KamError, match="generate"):
        split(demo_book_factory("en", 40), tmp_path / "out")


def test_file_names_are_safe_and_unique():
    assert file_stem("SR/01:a*b") == "SR_01_a_b"
    assert file_stem("con") == "_con" and file_stem("~$x") == "_~$x" and file_stem(" . ") == "SR"
    names = file_names(["SR1", "sr1", "a/b", "a_b", "王伟"])
    assert names == {
        "SR1": "SR1.xlsx",
        "sr1": "sr1-2.xlsx",
        "a/b": "a_b.xlsx",
        "a_b": "a_b-2.xlsx",
        "王伟": "王伟.xlsx",
    }


@pytest.mark.libreoffice
@pytest.mark.parametrize("lang, stores", [("en", 45), ("zh", 30)])
def test_every_sr_workbook_recalculates_without_errors(demo_book_factory, tmp_path, lang, stores):
    require_soffice()
    book, files = split_copy(demo_book_factory(lang, stores), tmp_path)
    filled = fill_sr_files(tmp_path / "sr", load_plan(book), weeks=6, seed=3)
    assert filled.values > 0
    for path in files:
        out = recalculate(path, tmp_path / "lo")
        assert error_cells(out) == [], path.name
        _check_summary(path, out)


def _check_summary(path: Path, recalculated: Path) -> None:
    """The My stores row of the first store shows what its tab computes from the units typed."""
    book = FileBook(path)
    meta = read_meta(book)
    record = meta.tabs[0]
    grid = book.grid(existing_tabs(book, meta)[record.store_id][0])
    cells = field_cells(record.cells)
    units = sum(_number(grid, cell) for key, cell in cells.items() if key[0] == "week" and key[2] == "units")
    summary = computed_values(recalculated, FileBook(path).sheet_names()[1])
    assert summary["A5"] == record.store_id
    assert summary["G5"] == pytest.approx(units)
    assert summary["E5"] > 0 and isinstance(summary.get("I5"), (int, float))


def _number(grid: list[list], cell: str) -> float:
    value = grid[int(re.sub(r"\D", "", cell)) - 1][openpyxl.utils.column_index_from_string(re.sub(r"\d", "", cell)) - 1]
    return value if isinstance(value, (int, float)) else 0.0

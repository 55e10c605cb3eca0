"""The formula fast path (kam_xl/xlsx/formulapatch.py) against the parser: the same formulas read from kam's store
tabs and from every sheet of the workbooks saved by Excel, and cached values written that openpyxl reads back."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_xl.errors import WorkbookError
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.cellcodec import ErrorValue, cached_value_xml
from kam_xl.xlsx.formulapatch import cached_value_bytes, read_formulas, write_formula_values
from kam_xl.xlsx.package import Package
from tests.support.schema import fixtures_dir


def openpyxl_formulas(data: bytes, sheet: str) -> dict[str, str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    try:
        return {
            cell.coordinate: cell.value
            for row in workbook[sheet].iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type == "f"
        }
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def hq(tmp_path_factory, demo_book_factory):
    path = tmp_path_factory.mktemp("formulas") / "hq.xlsx"
    path.write_bytes(demo_book_factory("en", 12).read_bytes())
    generate(path)
    return path


def test_store_tab_formulas_read_fast_equal_openpyxls(hq):
    package = Package.open(hq)
    data = hq.read_bytes()
    tabs = [name for name in package.sheet_names() if name.startswith("HX")]
    assert tabs
    for name in tabs[:3]:
        fast = read_formulas(package.read_part(package.sheet_part(name)))
        assert fast, name  # a store tab is plain: the fast path answers
        assert fast == openpyxl_formulas(data, name)


def test_cached_values_written_fast_read_back_with_formulas_kept(hq, tmp_path):
    package = Package.open(hq)
    name = next(n for n in package.sheet_names() if n.startswith("HX"))
    part = package.sheet_part(name)
    formulas = read_formulas(package.read_part(part))
    refs = sorted(formulas)[:4]
    wanted = dict(zip(refs, [12.5, "a < b & c ", True, None], strict=True))
    patched = write_formula_values(package.read_part(part), wanted)
    assert read_formulas(patched) == formulas
    with zipfile.ZipFile(hq) as source, zipfile.ZipFile(tmp_path / "out.xlsx", "w") as out:
        for item in source.infolist():
            out.writestr(item, patched if item.filename == part else source.read(item))
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)[name]
    assert [values[ref].value for ref in refs] == [12.5, "a < b & c ", True, None]


@pytest.mark.parametrize(
    "xml",
    [
        b'<c r="A1"><f t="shared" si="0" ref="A1:A3">B1</f><v>1</v></c>',  # shared formulas: the parser expands them
        b'<c r="A1"><f t="array" ref="A1">SUM(B1:B2*C1:C2)</f><v>1</v></c>',
        b'<x:c r="A1"><x:f>B1</x:f><x:v>1</x:v></x:c>',  # a prefix
        b'<c s="1" r="A1"><f>B1</f><v>1</v></c>',  # the reference not first
        b'<c r="A1"><f>CHAR(10)&amp;"&#10;"</f><v>1</v></c>',  # a character reference
    ],
)
def test_sheets_the_fast_path_does_not_understand_go_to_the_parser(xml):
    data = b'<worksheet><sheetData><row r="1">' + xml + b"</row></sheetData></worksheet>"
    assert read_formulas(data) is None
    assert write_formula_values(data, {"A1": 2.0}) is None


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_a_namespace_declared_inside_the_sheet_data_sends_the_sheet_to_the_parser():
    plain = b'<c r="A1"><f>B1</f><v>1</v></c>'
    prefixed = b'<x:c xmlns:x="' + MAIN + b'" r="A2"><x:f>C1</x:f><x:v>1</x:v></x:c>'
    head = b'<worksheet xmlns="' + MAIN + b'"><sheetData><row r="1">'
    assert read_formulas(head + plain + b"</row></sheetData></worksheet>") == {"A1": "=B1"}
    data = head + plain + b'</row><row r="2">' + prefixed + b"</row></sheetData></worksheet>"
    assert read_formulas(data) is None  # the parser reads both formulas
    assert write_formula_values(data, {"A1": 2.0}) is None


@given(
    st.one_of(
        st.floats(),
        st.integers(min_value=-(10**18), max_value=10**18),
        st.booleans(),
        st.none(),
        st.text(max_size=80),
        st.sampled_from([ErrorValue("#DIV/0!"), ErrorValue("#N/A"), 0.0, -0.0, 1e15, -1e15, 1e15 - 1, 2.5e-300]),
    )
)
def test_cached_value_bytes_are_the_cell_codecs(value):
    kind, xml = cached_value_xml(value)
    assert cached_value_bytes(value) == (kind.encode(), xml.encode())


def test_the_fast_path_equals_openpyxl_on_every_sheet_saved_by_excel():
    folder = fixtures_dir("excel-saved", "KAM_EXCEL_SAVED")
    answered = compared = 0
    for path in sorted(folder.glob("*.xlsx")):
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")]
            parts = {n: archive.read(n) for n in sheets}
        found = {n: read_formulas(x) for n, x in parts.items()}
        if not any(found.values()):
            answered += sum(f is not None for f in found.values())
            continue
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        try:
            package = Package.open(path)
            for sheet in workbook.sheetnames:
                fast = found.get(package.sheet_part(sheet))
                if fast is None:
                    continue
                expected = {
                    c.coordinate: c.value
                    for row in workbook[sheet].iter_rows()
                    for c in row
                    if c.data_type == "f" and isinstance(c.value, str)
                }
                assert fast == expected, (path.name, sheet)
                compared += 1
        finally:
            workbook.close()
    assert compared > 20  # the corpus has formulas the fast path reads; each equal to openpyxl's


def parser_formulas(data: bytes) -> dict[str, str]:
    """Each cell's formula as lxml reads it (the last cell of a reference twice), shared and array ones left out."""
    from lxml import etree

    out = {}
    for formula in etree.fromstring(data).iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f"):
        if formula.get("t") not in ("shared", "array"):
            out[formula.getparent().get("r")] = "=" + (formula.text or "")
    return out


def test_the_scans_plain_formula_texts_equal_the_parsers_on_every_sheet_saved_by_excel():
    """What an SR file's scan keeps of each formula (kam_xl.xlsx.scan: SheetScan.texts, read by collect for this
    week's linked cells) is, where it answers, the parser's formula; cells it does not answer go to the parser."""
    from kam_xl.xlsx.formulapatch import formula_text
    from kam_xl.xlsx.scan import scan_sheet

    folder = fixtures_dir("excel-saved", "KAM_EXCEL_SAVED")
    answered = 0
    for path in sorted(folder.glob("*.xlsx")):
        package = Package.open(path)
        for sheet in package.sheet_names():
            part = package.sheet_part(sheet)
            if part is None or not part.startswith("xl/worksheets/"):
                continue
            try:
                texts = scan_sheet(package.read_part(part), sheet).texts
            except WorkbookError:  # a sheet an SR file may not be (one spanning every cell): refused, not read
                continue
            if not texts:
                continue
            parsed = parser_formulas(package.read_part(part))
            for ref, raw in texts.items():
                text = formula_text(raw) if raw else None
                if text is not None:
                    assert parsed[ref.decode()] == text, (path.name, sheet, ref)
                    answered += 1
    assert answered > 100


@pytest.mark.parametrize(
    "xml, expected",
    [
        (b'<c r="A1" s="2"><f>B1*2</f><v>4</v></c>', b"B1*2"),
        (b'<c r="A1"><f t="shared" si="0" ref="A1:A3">B1</f><v>1</v></c>', b""),  # not plain: the parser's
        (b'<c r="A1"><f aca="false">B1</f><v>1</v></c>', b""),
        (b'<c r="A1"><f><![CDATA[B1]]></f><v>1</v></c>', b""),
        (b'<c r="A1"><f>1</f></c><c r="A1"><f>2</f></c>', b"2"),  # twice: the last, as the parser reads it
    ],
)
def test_the_scan_keeps_only_plain_formula_texts(xml, expected):
    from kam_xl.xlsx.scan import scan_sheet

    data = b'<worksheet xmlns="x"><sheetData><row r="1">' + xml + b"</row></sheetData></worksheet>"
    assert scan_sheet(data, "Sheet1").texts == {b"A1": expected}

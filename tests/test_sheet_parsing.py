"""Reading which cells of a sheet are filled, and their values, is parsing, not pattern matching: right for any
valid sheet XML, however another application writes it."""

from __future__ import annotations

import io
import zipfile

import pytest

from kam_xl.xlsx.cellpatch import MAIN_NS, filled_refs, read_cells
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.spec import SheetSpec
from kam_xl.xlsx.writer import new_package


def _sheet(cells: str, prefix: str = "") -> bytes:
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN_NS}"'
    p = f"{prefix}:" if prefix else ""
    return f'<{p}worksheet {ns}><{p}sheetData><{p}row r="1">{cells}</{p}row></{p}sheetData></{p}worksheet>'.encode()


@pytest.mark.parametrize(
    "cells, filled",
    [
        ('<c r="A1"><v>5</v></c>', {"A1"}),  # how Excel writes a cell of the default style
        ('<c r="B1" s="0"></c>', set()),  # a styled empty cell is not filled
        ('<c r="B1" s="3"/>', set()),
        ("<c r='C1' t='s'><v>0</v></c>", {"C1"}),  # single quotes
        ('<c s="1" r="D1" t="n"><v>1.5</v></c>', {"D1"}),  # another attribute order
        ('<c r="E1"><f>1+1</f></c>', {"E1"}),  # a formula without a cached value
        ('<c r="F1" t="inlineStr"><is><r><t>rich</t></r><r><t> text</t></r></is></c>', {"F1"}),
        ('<c r="G1"><v></v></c>', set()),
        ('<c><v>1</v></c><c><v>2</v></c><c r="E1"/><c><v>3</v></c>', {"A1", "B1", "F1"}),  # cells without r
        ('<c r="h1"><v>1</v></c>', {"H1"}),
    ],
)
def test_filled_cells_for_any_valid_sheet_xml(cells, filled):
    assert filled_refs(_sheet(cells)) == filled
    assert (
        filled_refs(
            _sheet(
                cells.replace("<c", "<x:c")
                .replace("</c>", "</x:c>")
                .replace("<v", "<x:v")
                .replace("</v>", "</x:v>")
                .replace("<f>", "<x:f>")
                .replace("</f>", "</x:f>")
                .replace("<is>", "<x:is>")
                .replace("</is>", "</x:is>")
                .replace("<r>", "<x:r>")
                .replace("</r>", "</x:r>")
                .replace("<t>", "<x:t>")
                .replace("</t>", "</x:t>"),
                "x",
            )
        )
        == filled
    )


def _replaced(data: bytes, name: str, part: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, part if item.filename == name else source.read(item))
    return out.getvalue()


def test_a_package_reads_values_of_sheets_written_with_a_prefix_or_without_references():
    made = new_package([SheetSpec("S")])
    part = made.sheet_part("S")
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="1"><x:c><x:v>7</x:v></x:c>'
        "<x:c t='inlineStr'><x:is><x:t>seven</x:t></x:is></x:c></x:row><x:row><x:c r='A2' s='0'/></x:row>"
        "</x:sheetData></x:worksheet>"
    ).encode()
    package = Package.open(_replaced(made.to_bytes(), part, xml))  # a sheet as another application saves it
    assert read_cells(xml, ["A1", "B1"], list) is None  # the fast path declines; the parser answers
    assert package.cell_values("S", ["A1", "b1", "A2"]) == {"A1": 7.0, "b1": "seven", "A2": None}
    assert package.filled_cells("S") == {"A1", "B1"}
    assert package.set_cells("S", {"B1": "eight", "A2": 2}) == {"B1": "seven", "A2": None}
    assert Package.open(package.to_bytes()).cell_values("S", ["A1", "B1", "A2"]) == {
        "A1": 7.0,
        "B1": "eight",
        "A2": 2.0,
    }

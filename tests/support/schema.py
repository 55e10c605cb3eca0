"""Linting a workbook as Excel would judge it: every XML part against the ECMA-376 transitional schemas (by content
type), the OPC rules, and Excel's documented limits.

`workbook_problems(path_or_bytes)` lists what is wrong, one readable line each ("xl/charts/chart1.xml: ..."); an
empty list is a workbook Excel opens without a repair prompt as far as these rules can tell.

The schemas come from ../shared/fixtures/ooxml-xsd (or env KAM_OOXML_XSD); `fixtures_dir` skips a test when a
fixtures folder is absent and fails it in CI (env CI). Schemas are compiled once per process.

What the ECMA schemas do not say and this helper does on purpose:
- xml:space="preserve" is allowed everywhere (Excel writes it on <t>, the schemas forget to declare it), so it is
  removed before validation instead of importing xml.xsd;
- Markup Compatibility (mc:Ignorable, mc:AlternateContent) is applied first, as Office does: attributes and elements
  of ignorable namespaces are dropped, an AlternateContent block is replaced by its Fallback;
- docProps/core.xml needs the Dublin Core schemas, which are not in the fixtures: it is only checked to be XML;
  VML drawings (legacy comments, buttons) are not XML Schema material: checked to be XML; binary parts are skipped.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

MAX_SHEET_NAME = 31
MAX_FORMULA = 8_192
MAX_LITERAL = 255
MAX_TEXT = 32_767
MAX_NESTING = 64
MAX_LIST = 255  # characters of a data validation's explicit list

# content type -> (schema file, expected root element)
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
SCHEMAS = {
    _SML + "sheet.main+xml": ("sml.xsd", f"{{{MAIN_NS}}}workbook"),
    _SML + "sheet.macroEnabled.main+xml": ("sml.xsd", f"{{{MAIN_NS}}}workbook"),
    _SML + "template.main+xml": ("sml.xsd", f"{{{MAIN_NS}}}workbook"),
    _SML + "worksheet+xml": ("sml.xsd", f"{{{MAIN_NS}}}worksheet"),
    _SML + "chartsheet+xml": ("sml.xsd", f"{{{MAIN_NS}}}chartsheet"),
    _SML + "styles+xml": ("sml.xsd", f"{{{MAIN_NS}}}styleSheet"),
    _SML + "sharedStrings+xml": ("sml.xsd", f"{{{MAIN_NS}}}sst"),
    _SML + "calcChain+xml": ("sml.xsd", f"{{{MAIN_NS}}}calcChain"),
    _SML + "comments+xml": ("sml.xsd", f"{{{MAIN_NS}}}comments"),
    _SML + "table+xml": ("sml.xsd", f"{{{MAIN_NS}}}table"),
    _SML + "externalLink+xml": ("sml.xsd", f"{{{MAIN_NS}}}externalLink"),
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml": (
        "dml-chart.xsd",
        "{http://schemas.openxmlformats.org/drawingml/2006/chart}chartSpace",
    ),
    "application/vnd.openxmlformats-officedocument.drawing+xml": (
        "dml-spreadsheetDrawing.xsd",
        "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}wsDr",
    ),
    "application/vnd.openxmlformats-officedocument.theme+xml": (
        "dml-main.xsd",
        "{http://schemas.openxmlformats.org/drawingml/2006/main}theme",
    ),
    "application/vnd.openxmlformats-officedocument.extended-properties+xml": (
        "shared-documentPropertiesExtended.xsd",
        "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Properties",
    ),
    "application/vnd.openxmlformats-package.relationships+xml": ("opc-relationships.xsd", f"{{{REL_NS}}}Relationships"),
}
XML_ONLY = (
    "application/vnd.openxmlformats-package.core-properties+xml",
    "application/vnd.openxmlformats-officedocument.vmlDrawing",
    "application/xml",
    "text/xml",
)


def fixtures_dir(name: str, env: str) -> Path:
    """A folder of ../shared/fixtures (or the folder env `env` names); skip when absent, fail in CI."""
    folder = Path(os.environ.get(env) or REPO.parent / "shared" / "fixtures" / name)
    if folder.is_dir():
        return folder
    reason = f"the fixtures folder {folder} is absent (set {env} to its path)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: it is required in CI")
    pytest.skip(reason)


@cache
def _schema(name: str) -> etree.XMLSchema:
    folder = fixtures_dir("ooxml-xsd", "KAM_OOXML_XSD")
    return etree.XMLSchema(etree.parse(str(folder / name)))


def schema_for(content_type: str) -> tuple[etree.XMLSchema, str] | None:
    """The compiled schema and the expected root element of a content type (None: not schema-checked)."""
    found = SCHEMAS.get(content_type)
    return None if found is None else (_schema(found[0]), found[1])


# ----- markup compatibility ---------------------------------------------------------------------------


def _apply_mc(root: etree._Element) -> etree._Element:
    """The part as an Office application without the ignorable extensions reads it."""
    ignorable = set()
    for element in root.iter():
        value = element.get(f"{{{MC_NS}}}Ignorable")
        if value:
            ignorable |= {element.nsmap.get(prefix) for prefix in value.split()}
    for block in list(root.iter(f"{{{MC_NS}}}AlternateContent")):
        fallback = block.find(f"{{{MC_NS}}}Fallback")
        parent = block.getparent()
        position = parent.index(block)
        for child in reversed(list(fallback) if fallback is not None else []):
            parent.insert(position, child)
        parent.remove(block)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        for name in list(element.attrib):
            namespace = etree.QName(name).namespace
            if namespace in ignorable or namespace == MC_NS or name == XML_SPACE:
                del element.attrib[name]
        if etree.QName(element).namespace in ignorable and element.getparent() is not None:
            element.getparent().remove(element)
    return root


def part_problems(data: bytes, content_type: str) -> list[str]:
    """Schema problems of one XML part of the given content type ([] when valid or not schema-checked)."""
    found = schema_for(content_type)
    if found is None:
        return []
    schema, expected = found
    root = etree.fromstring(data)
    if root.tag != expected:
        return [f"root element {root.tag} where {content_type} needs {expected}"]
    if schema.validate(_apply_mc(root)):
        return []
    return [f"line {error.line}: {error.message}" for error in list(schema.error_log)[:10]]


# ----- the package ------------------------------------------------------------------------------------


def _parts(source) -> dict[str, bytes]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def _content_types(parts: dict[str, bytes], problems: list[str]) -> dict[str, str]:
    """part name -> content type ([Content_Types].xml validated too)."""
    raw = parts.get("[Content_Types].xml")
    if raw is None:
        problems.append("[Content_Types].xml is missing")
        return {}
    root = etree.fromstring(raw)
    schema = _schema("opc-contentTypes.xsd")
    if not schema.validate(root):
        problems += [f"[Content_Types].xml: {e.message}" for e in list(schema.error_log)[:5]]
    defaults = {d.get("Extension", "").lower(): d.get("ContentType") for d in root.iter(f"{{{CT_NS}}}Default")}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in root.iter(f"{{{CT_NS}}}Override")}
    types = {}
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        kind = overrides.get(name) or defaults.get(name.rpartition(".")[2].lower())
        if kind is None:
            problems.append(f"{name}: has no content type")
        else:
            types[name] = kind
    for name in overrides:
        if name not in parts:
            problems.append(f"[Content_Types].xml: an override names {name}, which does not exist")
    return types


def _rels_of(name: str) -> str:
    folder, _, base = name.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def _relationships(parts: dict[str, bytes], name: str, problems: list[str]) -> dict[str, str]:
    """rId -> target part of a part's relationships (external ones map to ''), checking every target exists."""
    raw = parts.get(_rels_of(name))
    if raw is None:
        return {}
    base = posixpath.dirname(name)
    found = {}
    for rel in etree.fromstring(raw).iter(f"{{{REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or target.startswith("#"):  # a place in the workbook, not a part
            found[rel.get("Id")] = ""
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        found[rel.get("Id")] = path
        if path not in parts:
            problems.append(f"{_rels_of(name)}: relationship {rel.get('Id')} points at {path}, which does not exist")
    return found


# ----- Excel's limits ---------------------------------------------------------------------------------

_LITERAL = re.compile(r'"((?:[^"]|"")*)"')
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def formula_problems(formula: str) -> list[str]:
    """What Excel refuses in a formula's text: length, text constants, nesting."""
    problems = []
    if len(formula) > MAX_FORMULA:
        problems.append(f"a formula of {len(formula)} characters (Excel's limit is {MAX_FORMULA})")
    for literal in _LITERAL.findall(formula):
        if len(literal.replace('""', '"')) > MAX_LITERAL:
            problems.append(f"a text constant of {len(literal)} characters in a formula (limit {MAX_LITERAL})")
    depth = deepest = 0
    for char in _LITERAL.sub('""', formula):
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        problems.append(f"a formula nested {deepest} levels deep (limit {MAX_NESTING})")
    return problems


def _text_of(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{{{MAIN_NS}}}t"))


def _sheet_limits(name: str, root: etree._Element, strings: int | None, problems: list[str]) -> None:
    for cell in root.iter(f"{{{MAIN_NS}}}c"):
        where = f"{name}!{cell.get('r')}"
        kind = cell.get("t", "n")
        formula = cell.find(f"{{{MAIN_NS}}}f")
        if formula is not None and formula.text:
            problems += [f"{where}: {p}" for p in formula_problems(formula.text)]
        if kind == "inlineStr":
            inline = cell.find(f"{{{MAIN_NS}}}is")
            if inline is None and formula is None:
                problems.append(f'{where}: t="inlineStr" without its <is> element')
            elif inline is not None and len(_text_of(inline)) > MAX_TEXT:
                problems.append(f"{where}: text longer than {MAX_TEXT} characters")
        value = cell.find(f"{{{MAIN_NS}}}v")
        shared = kind == "s" and value is not None and strings is not None
        if shared and (not (value.text or "").strip().isdigit() or int(value.text) >= strings):
            problems.append(f"{where}: shared string {value.text!r} does not exist")
        if kind == "str" and value is not None and len(value.text or "") > MAX_TEXT:
            problems.append(f"{where}: text longer than {MAX_TEXT} characters")
    for validation in root.iter(f"{{{MAIN_NS}}}dataValidation"):
        first = validation.find(f"{{{MAIN_NS}}}formula1")
        listed = first is not None and validation.get("type") == "list" and (first.text or "").startswith('"')
        if listed and len(first.text) - 2 > MAX_LIST:
            problems.append(f"{name}: a validation list of {len(first.text) - 2} characters (limit {MAX_LIST})")


def _workbook_limits(name: str, root: etree._Element, problems: list[str]) -> None:
    seen = set()
    for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
        title = sheet.get("name", "")
        if not title or len(title.encode("utf-16-le")) // 2 > MAX_SHEET_NAME:
            problems.append(f"{name}: sheet name {title!r} is empty or longer than {MAX_SHEET_NAME} characters")
        if _SHEET_NAME_FORBIDDEN.search(title) or title.startswith("'") or title.endswith("'"):
            problems.append(f"{name}: sheet name {title!r} has a character Excel forbids")
        if title.casefold() in seen:
            problems.append(f"{name}: sheet name {title!r} is used twice")
        seen.add(title.casefold())
    for defined in root.iter(f"{{{MAIN_NS}}}definedName"):
        problems += [f"{name}: name {defined.get('name')}: {p}" for p in formula_problems(defined.text or "")]


# ----- everything -------------------------------------------------------------------------------------


def workbook_problems(source) -> list[str]:
    """Every problem of a workbook (a path or its bytes): schema, OPC and Excel's limits; [] when none."""
    parts = _parts(source)
    problems: list[str] = []
    types = _content_types(parts, problems)
    strings = None
    for name, kind in types.items():
        if kind.endswith("sharedStrings+xml"):
            strings = len(etree.fromstring(parts[name]).findall(f"{{{MAIN_NS}}}si"))
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        kind = types.get(name, "")
        rels = _relationships(parts, name, problems) if not name.endswith(".rels") else {}
        if not (kind.endswith("xml") or kind in XML_ONLY or name.endswith((".xml", ".rels", ".vml"))):
            continue  # binary: images, printer settings, VBA
        try:
            root = etree.fromstring(parts[name])
        except etree.XMLSyntaxError as exc:
            problems.append(f"{name}: not well-formed XML ({exc})")
            continue
        for element in root.iter():
            for attribute, value in element.attrib.items():
                if etree.QName(attribute).namespace == DOC_REL_NS and value not in rels:
                    problems.append(f"{name}: r:id {value!r} has no relationship")
        if kind.endswith("worksheet+xml"):
            _sheet_limits(name, root, strings, problems)
        elif kind.endswith("main+xml"):
            _workbook_limits(name, root, problems)
        found = schema_for(kind)
        if found is None:
            continue
        schema, expected = found
        if root.tag != expected:
            problems.append(f"{name}: root element {root.tag} where {kind} needs {expected}")
            continue
        checked = _apply_mc(root)
        if not schema.validate(checked):
            problems += [f"{name}:{error.line}: {error.message}" for error in list(schema.error_log)[:10]]
    return problems

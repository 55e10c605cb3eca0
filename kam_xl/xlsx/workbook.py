"""The workbook part of a package: its sheets, defined names, views and calculation settings."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.cellpatch import MAIN_NS, rich_text, strip_tab_selected
from kam_xl.xlsx.parts import CONTENT_TYPES, PartStore, Rel

DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
R_ID = f"{{{DOC_REL}}}id"
WORKBOOK_ORDER = (
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
    "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
    "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
    "fileRecoveryPr", "webPublishObjects", "extLst",
)  # fmt: skip
_SELECTED = re.compile(rb'tabSelected="(?:1|true)"')
SHEET_REF = re.compile(r"'((?:[^']|'')+)'!|(?<![\w.'\]])([\w.]+)!")


def main_tag(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


@dataclass(frozen=True)
class SheetEntry:
    """One <sheet> of workbook.xml with its relationship and part."""

    name: str
    element: etree._Element
    rid: str
    rel_type: str
    part: str | None

    @property
    def state(self) -> str:
        return self.element.get("state", "visible")


def referenced_sheets(formula: str | None) -> set[str]:
    """Lower-cased names of the sheets a defined name's formula refers to."""
    found = set()
    for quoted, plain in SHEET_REF.findall(formula or ""):
        found.add((quoted.replace("''", "'") if quoted else plain).lower())
    return found


def insert_in_order(parent: etree._Element, child: etree._Element, order: tuple[str, ...]) -> None:
    """Insert `child` before the first sibling that the schema puts after it."""
    later = set(order[order.index(etree.QName(child).localname) + 1 :])
    for sibling in parent:
        if isinstance(sibling.tag, str) and etree.QName(sibling).localname in later:
            sibling.addprevious(child)
            return
    parent.append(child)


class WorkbookParts(PartStore):
    """A package seen through its workbook.xml: sheets in order, names, views."""

    def __init__(self, parts: dict[str, bytes], label: str):
        super().__init__(parts, label)
        self._entries_cache: list[SheetEntry] | None = None
        self._names: dict[str, SheetEntry] | None = None
        self._strings: list[tuple[str, bool]] | None = None
        self.workbook_part = self._find_workbook()

    def _find_workbook(self) -> str:
        targets = [rel.target for rel in self._rels("") if rel.type.endswith("/officeDocument")]
        part = next((target for target in targets if target in self._parts), "xl/workbook.xml")
        if part.endswith(".bin") or (part not in self._parts and "xl/workbook.bin" in self._parts):
            raise WorkbookError(f"{self.label} is a binary workbook (.xlsb) — save it as .xlsx")
        if part not in self._parts:
            raise WorkbookError(
                f"{self.label} has no xl/workbook.xml — it is not an Excel workbook; "
                "save it from Excel as 'Excel Workbook (*.xlsx)'"
            )
        if CONTENT_TYPES not in self._parts:
            raise WorkbookError(f"{self.label} is damaged (no [Content_Types].xml) — re-save it")
        root = self._tree(part)
        if root.tag != main_tag("workbook"):
            hint = "Strict Open XML" if "purl.oclc.org" in root.tag else "an unknown format"
            raise WorkbookError(f"{self.label} is saved as {hint} — save it as 'Excel Workbook (*.xlsx)'")
        return part

    def _workbook_part_of_type(self, suffix: str) -> str | None:
        """The part the workbook relates to with a type ending in `suffix` ('/styles'...)."""
        for rel in self._rels(self.workbook_part):
            if rel.type.endswith(suffix) and rel.target in self._parts:
                return rel.target
        return None

    def _workbook(self) -> etree._Element:
        return self._tree(self.workbook_part)

    def _entries(self) -> list[SheetEntry]:
        if self._entries_cache is None:
            rels = {rel.id: rel for rel in self._rels(self.workbook_part)}
            sheets = self._workbook().find(main_tag("sheets"))
            self._names = None
            self._entries_cache = [
                self._entry(element, rels.get(element.get(R_ID)))
                for element in ([] if sheets is None else sheets.iterchildren(main_tag("sheet")))
            ]
        return self._entries_cache

    @staticmethod
    def _entry(element: etree._Element, rel: Rel | None) -> SheetEntry:
        part = rel.target if rel else None
        return SheetEntry(element.get("name", ""), element, element.get(R_ID), rel.type if rel else "", part)

    def _find(self, name: str) -> SheetEntry | None:
        """The sheet called `name`, matched exactly or else ignoring case (as Excel does)."""
        entries = self._entries()
        if self._names is None:
            self._names = {entry.name.casefold(): entry for entry in reversed(entries)}
            self._names.update({entry.name: entry for entry in reversed(entries)})
        return self._names.get(name) or self._names.get(name.casefold())

    def _sheet(self, name: str) -> SheetEntry:
        entry = self._find(name)
        if entry is None:
            known = ", ".join(self.sheet_names()[:10])
            raise WorkbookError(f"{self.label}: no sheet named {name!r} (sheets: {known}...)")
        return entry

    def sheet_part(self, name: str) -> str:
        """The zip member holding a sheet's XML; WorkbookError when the sheet has none."""
        entry = self._sheet(name)
        if entry.part not in self._parts:
            raise WorkbookError(f"{self.label}: sheet {name!r} has no content part — re-save the file")
        return entry.part

    def sheet_names(self) -> list[str]:
        """Sheet names in workbook (tab) order, hidden ones included."""
        return [entry.name for entry in self._entries()]

    def sheet_state(self, name: str) -> str:
        """'visible', 'hidden' or 'veryHidden'."""
        return self._sheet(name).state

    def sheet_xml(self, name: str) -> bytes:
        """The sheet's XML as it would be saved now."""
        return self.read_part(self.sheet_part(name))

    def styles_xml(self) -> bytes | None:
        part = self._workbook_part_of_type("/styles")
        return None if part is None else self.read_part(part)

    def is_date1904(self) -> bool:
        properties = self._workbook().find(main_tag("workbookPr"))
        return properties is not None and properties.get("date1904") in ("1", "true")

    def shared_string_items(self) -> list[tuple[str, bool]]:
        """Each shared string's plain text and whether it is unformatted (no rich-text runs)."""
        if self._strings is None:
            self._strings = [(rich_text(item), item.find(main_tag("r")) is None) for item in self._string_elements()]
        return self._strings

    def shared_strings(self) -> list[str]:
        """Plain text of each shared string, in index order (rich-text runs joined)."""
        return [text for text, _ in self.shared_string_items()]

    def _string_elements(self) -> list[etree._Element]:
        part = self._workbook_part_of_type("/sharedStrings")
        return [] if part is None else list(self._tree(part).iterchildren(main_tag("si")))

    # ----- workbook-level bookkeeping ----------------------------------------------------

    def _defined_names(self) -> list[etree._Element]:
        names = self._workbook().find(main_tag("definedNames"))
        return [] if names is None else list(names.iterchildren(main_tag("definedName")))

    def _views(self) -> list[etree._Element]:
        return list(self._workbook().iter(main_tag("workbookView")))

    @contextmanager
    def _sheet_order_change(self):
        """Keep local defined names and firstSheet attached to their sheets across a change."""
        before = self.sheet_names()
        local = [
            (element, self._index_name(before, element.get("localSheetId")))
            for element in self._defined_names()
            if element.get("localSheetId") is not None
        ]
        first = [
            (view, self._index_name(before, view.get("firstSheet"))) for view in self._views() if view.get("firstSheet")
        ]
        self._edit(self.workbook_part)
        yield
        self._entries_cache = None
        after = {name.lower(): index for index, name in enumerate(self.sheet_names())}
        for element, name in local:
            if name is None or name.lower() not in after:
                element.getparent().remove(element)
            else:
                element.set("localSheetId", str(after[name.lower()]))
        for view, name in first:
            view.set("firstSheet", str(after.get((name or "").lower(), 0)))
        self._drop_empty_names()

    @staticmethod
    def _index_name(names: list[str], index: str | None) -> str | None:
        return names[int(index)] if index and index.isdigit() and int(index) < len(names) else None

    def _drop_empty_names(self) -> None:
        names = self._workbook().find(main_tag("definedNames"))
        if names is not None and not len(names):
            names.getparent().remove(names)

    def _drop_names_referring_to(self, removed: set[str]) -> None:
        for element in self._defined_names():
            if referenced_sheets(element.text) & removed:
                element.getparent().remove(element)
        self._drop_empty_names()

    def _active_sheet_name(self) -> str | None:
        views = self._views()
        index = views[0].get("activeTab", "0") if views else "0"
        return self._index_name(self.sheet_names(), index)

    def _after_structure_change(self, active_before: str | None, new_parts: set[str]) -> None:
        self._drop_calc_chain()
        self._drop_sheet_titles_from_app()
        self._settle_active_tab(active_before, new_parts)

    def _drop_calc_chain(self) -> None:
        chains = [rel for rel in self._rels(self.workbook_part) if rel.type.endswith("/calcChain")]
        if chains:
            self._drop_rels(self.workbook_part, {rel.id for rel in chains})
            for rel in chains:
                self._delete(rel.target)

    def _drop_sheet_titles_from_app(self) -> None:
        """docProps/app.xml lists sheet names: drop the list rather than let it go stale."""
        for rel in self._rels(""):
            if rel.type.endswith("/extended-properties") and rel.target in self._parts:
                root = self._tree(rel.target)
                stale = [root.find(f"{{{APP_NS}}}{tag}") for tag in ("TitlesOfParts", "HeadingPairs")]
                for element in filter(lambda e: e is not None, stale):
                    self._edit(rel.target).remove(element)

    def _settle_active_tab(self, active_before: str | None, new_parts: set[str]) -> None:
        """Keep the active tab on the same sheet, or on the first visible one if it is gone."""
        entries = self._entries()
        visible = [entry for entry in entries if entry.state == "visible"]
        if not visible:
            return
        kept = self._find(active_before) if active_before else None
        target = kept if kept is not None and kept.state == "visible" else visible[0]
        for view in self._views():
            view.set("activeTab", str(entries.index(target)))
        if target is not kept:
            self._clear_tab_selected()
        if target is not kept or target.part in new_parts:
            self._mark_tab_selected(target.part)

    def _clear_tab_selected(self) -> None:
        """Unselect every tab (only sheets whose XML says tabSelected="1"/"true" are parsed)."""
        for entry in self._entries():
            part = entry.part
            if part in self._dirty or (part in self._parts and _SELECTED.search(self._parts[part])):
                root = self._edit(part)
                strip_tab_selected(root)

    def _mark_tab_selected(self, part: str | None) -> None:
        if part not in self._parts:
            return
        view = self._tree(part).find(f".//{main_tag('sheetView')}")
        if view is not None:
            self._edit(part)
            view.set("tabSelected", "1")

    def set_calc_on_load(self) -> None:
        """<calcPr fullCalcOnLoad="1"/>: Excel and LibreOffice recompute formulas on open."""
        calc = self._workbook().find(main_tag("calcPr"))
        if calc is not None and calc.get("fullCalcOnLoad") in ("1", "true"):
            return  # set already: the workbook part is not touched
        workbook = self._edit(self.workbook_part)
        if calc is None:
            calc = workbook.makeelement(main_tag("calcPr"))
            insert_in_order(workbook, calc, WORKBOOK_ORDER)
        calc.set("fullCalcOnLoad", "1")

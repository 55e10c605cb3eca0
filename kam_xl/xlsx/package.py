"""An .xlsx package held as its parts and edited at the part level (sheets, rels, names)."""

from __future__ import annotations

import contextlib
import copy
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.cellcodec import escape_text, value_parts
from kam_xl.xlsx.cellpatch import (
    IS,
    C,
    F,
    SheetCells,
    V,
    filled_refs,
    is_filled,
    located,
    patch_cells,
    positioned_cells,
    read_cells,
    read_value,
    strip_tab_selected,
)
from kam_xl.xlsx.formulapatch import read_formulas, write_formula_values
from kam_xl.xlsx.parts import CONTENT_TYPES, NameAllocator, PartCopier, rels_name
from kam_xl.xlsx.safezip import (
    FileSource,
    LazyParts,
    Packed,
    atomic_write,
    checked_path,
    open_checked,
    pack,
    parse_xml,
    read_source,
    real_path,
    to_xml,
    unpack,
    write_zip,
    zip_parts,
)
from kam_xl.xlsx.sheetnames import is_valid_sheet_name
from kam_xl.xlsx.spec import quote_sheet, split_ref
from kam_xl.xlsx.workbook import (
    DOC_REL,
    R_ID,
    SHEET_REF,
    WORKBOOK_ORDER,
    SheetEntry,
    WorkbookParts,
    insert_in_order,
    main_tag,
)

__all__ = ["NewPart", "NewSheet", "Package"]  # and seed_workbook, imported when asked for (below)


def __getattr__(name: str):
    """seed_workbook, imported when first asked for (kam_xl.xlsx.seeding imports openpyxl, which reading and
    patching cells never need)."""
    if name == "seed_workbook":
        from kam_xl.xlsx.seeding import seed_workbook

        return seed_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
END = object()  # "at the very end" for _anchor
COMPRESS_LEVEL = 1  # fast saves: files about 10% larger than at level 6, written 3× faster


@dataclass(frozen=True)
class NewPart:
    """A part a new sheet refers to (a drawing, a chart...), with the parts it refers to."""

    rel_type: str
    path: str  # a name to number from, e.g. "xl/drawings/drawing1.xml"
    data: bytes
    content_type: str
    children: tuple[NewPart, ...] = ()


@dataclass(frozen=True)
class NewSheet:
    """A sheet to add as finished worksheet XML; `volatile` cells (a time stamp) do not count when deciding
    whether the package holds this sheet already (Package.same_sheet)."""

    name: str
    xml: bytes  # empty when the sheet comes compressed (`packed`)
    state: str = "visible"
    related: tuple[NewPart, ...] = ()
    volatile: frozenset[str] = frozenset()
    packed: Packed | None = None  # the XML compressed as a zip member, as the package will store it

    def content(self) -> bytes:
        """The sheet's XML (decompressed if it came compressed)."""
        return unpack(self.packed) if self.packed is not None else self.xml


_TAB_SELECTED = re.compile(rb'\stabSelected="(?:1|true|0|false)"')


def comparable_xml(xml: bytes, volatile: frozenset[str] = frozenset()) -> bytes:
    """Sheet XML without what does not make two sheets different: the tab selection and the volatile cells."""
    xml = _TAB_SELECTED.sub(b"", xml)
    for ref in sorted(volatile):
        cell = re.compile(rb'<c r="' + re.escape(ref.encode()) + rb'"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
        xml = cell.sub(b"", xml, count=1)
    return xml


class Package(WorkbookParts):
    """An .xlsx file held as its parts, edited at the part level.

    Parts are parsed only when an operation needs them and serialised only if edited, so
    untouched parts are saved byte for byte. Nothing reaches the disk before save().
    """

    def __init__(self, parts: LazyParts, label: str):
        self._cells: dict[str, SheetCells] = {}
        self._plain_strings: list[str] | None = None
        self._handed: set[str] = set()  # parts put compressed by a forked helper (take_sheet_changes): changed
        # the members of the file opened: as stored (Packed) or, for the few a zip cannot be copied from, their
        # bytes (a part still `is` them: unchanged)
        self._original: dict[str, Packed | bytes] = {}
        super().__init__(parts, label)

    @classmethod
    def open(
        cls,
        source: str | os.PathLike | bytes,
        *,
        max_size: int = 2_000_000_000,
        max_ratio: int = 200,
        lazy: bool = False,
    ) -> Package:
        """Read and check a workbook; WorkbookError says what is wrong and what to do.

        By default every member is decompressed (and its CRC checked) here. With `lazy`, only the checks of the
        zip's central directory run here (bombs, encryption); each member is decompressed when first read (its
        CRC and codec errors then raise the same WorkbookError, its XML the same DTD refusal), and a member
        never read nor changed is saved as it was stored, without being decompressed (docs/architecture.md)."""
        if lazy and not isinstance(source, (bytes, bytearray, memoryview)):
            path = checked_path(source, max_size)
            label, data = str(path), FileSource(path, str(path))  # the file's bytes stay on disk
        else:
            label, data = read_source(source, max_size)
        with data.opened() if isinstance(data, FileSource) else contextlib.nullcontext():
            archive, infos = open_checked(label, data, max_size=max_size, max_ratio=max_ratio)
            parts = LazyParts(label, data, archive, infos)
        for name in parts:
            if not lazy or parts.packed(name) is None:
                parts[name]  # noqa: B018 — read now: checked at open, or a member that cannot be copied as stored
        package = cls(parts, label)
        package._original = {name: parts.packed(name) or parts.raw(name) for name in parts}
        return package

    def _unchanged(self, name: str) -> bool:
        """Whether a part is still the member of the file opened, never edited (it may not be decompressed)."""
        if name in self._dirty or name in self._handed:
            return False
        return self._parts.packed(name) is not None or self._parts.raw(name) is self._original.get(name)

    def _forget(self, name: str) -> None:
        super()._forget(name)
        self._cells.pop(name, None)

    # ----- removing sheets ---------------------------------------------------------------

    def remove_sheets(self, names: Iterable[str]) -> None:
        """Remove sheets with every part only they used, and the names local to or naming them.

        Their drawings, charts, comments, tables... go unless another sheet still uses them; the
        calculation chain is dropped (Excel rebuilds it). Shared strings only they used stay in
        the table (harmless; Excel drops them on its next save).
        """
        entries = self._unique(self._sheet(name) for name in names)
        if not entries:
            return
        self._require_visible_left(entries)
        active = self._active_sheet_name()
        self._remove_entries(entries, keep_name_refs=False)
        self._after_structure_change(active, set())

    @staticmethod
    def _unique(entries: Iterable[SheetEntry]) -> list[SheetEntry]:
        return list({id(entry.element): entry for entry in entries}.values())

    def _require_visible_left(self, removed: list[SheetEntry]) -> None:
        gone = {id(entry.element) for entry in removed}
        left = [entry for entry in self._entries() if id(entry.element) not in gone and entry.state == "visible"]
        if not left:
            raise WorkbookError(f"{self.label}: a workbook must keep at least one visible sheet")

    def _remove_entries(self, entries: list[SheetEntry], *, keep_name_refs: bool) -> None:
        candidates = self._reachable(entry.part for entry in entries if entry.part in self._parts)
        with self._sheet_order_change():
            for entry in entries:
                entry.element.getparent().remove(entry.element)
            self._drop_rels(self.workbook_part, {entry.rid for entry in entries})
        if not keep_name_refs:
            self._drop_names_referring_to({entry.name.lower() for entry in entries})
        for part in candidates - self._reachable([""]):
            self._delete(part)

    # ----- adding sheets -----------------------------------------------------------------

    def copy_sheets_from(
        self,
        source: Package,
        names: Iterable[str],
        *,
        inline_strings: bool = True,
        drop_cached_values: bool = True,
    ) -> None:
        """Copy sheets as they are from another package (building SR workbooks).

        Shared-string cells become inline strings (so no other string of the source travels),
        formula results are dropped and fullCalcOnLoad set, and only names local to the copied
        sheets come along. Style indices are kept: this package must have been built by
        seed_workbook(source, strings=False). With inline_strings=False, t="s" cells keep their
        indices, which are only right if both packages share one string table.
        """
        chosen = source._unique(source._sheet(name) for name in names)
        clashes = [entry.name for entry in chosen if self._find(entry.name)]
        if clashes:
            raise WorkbookError(f"{self.label} already has sheet(s) {', '.join(clashes)}")
        if not chosen:
            return
        copier = PartCopier(source, self, [entry.part for entry in chosen])
        items = source._string_elements() if inline_strings else None
        active = self._active_sheet_name()
        mapping = copier.copy(lambda data: _prepared_sheet(data, items, drop_cached_values))
        self._insert_sheets(chosen, mapping, None)
        self._copy_local_names(source, [entry.name for entry in chosen])
        if drop_cached_values:
            self.set_calc_on_load()
        self._after_structure_change(active, set(mapping.values()))

    def _anchor(self, before: str | None, leaving: set[str]) -> object:
        """The sheet new sheets go before: `before`, or the first sheet after it that is not `leaving`
        (casefolded names); None: after the last visible sheet; END: at the very end."""
        if before is None:
            return None
        names = self.sheet_names()
        start = names.index(self._sheet(before).name)
        return next((name for name in names[start:] if name.casefold() not in leaving), END)

    def _insert_position(self, sheets: etree._Element, anchor: object) -> int:
        elements = list(sheets.iterchildren(main_tag("sheet")))
        if anchor is END:
            return len(elements)
        if anchor is None:
            visible = [i for i, element in enumerate(elements) if element.get("state", "visible") == "visible"]
            return visible[-1] + 1 if visible else 0
        return next(i for i, element in enumerate(elements) if element.get("name") == anchor)

    def _insert_sheets(self, chosen: list[SheetEntry], mapping: dict[str, str], anchor: object) -> None:
        self._insert_sheet_entries([(e.name, e.state, e.rel_type, mapping[e.part]) for e in chosen], anchor)

    def _insert_sheet_entries(self, items: list[tuple[str, str, str, str]], anchor: object) -> None:
        """Add <sheet> elements (name, state, relationship type, part) at the anchor."""
        with self._sheet_order_change():
            workbook = self._workbook()
            sheets = workbook.find(main_tag("sheets"))
            ids = self._add_rels(self.workbook_part, [(rel_type, part) for _, _, rel_type, part in items])
            sheet_id = 1 + max((int(s.get("sheetId", "0")) for s in sheets), default=0)
            position = self._insert_position(sheets, anchor)
            existing = list(sheets.iterchildren(main_tag("sheet")))
            follower = existing[position] if position < len(existing) else None
            for offset, ((name, state, _, _), rid) in enumerate(zip(items, ids, strict=True)):
                element = sheets.makeelement(main_tag("sheet"), name=name, sheetId=str(sheet_id + offset))
                if state != "visible":
                    element.set("state", state)
                element.set(R_ID, rid)
                if follower is None:
                    sheets.append(element)
                else:
                    follower.addprevious(element)  # in order, without walking the list each time

    def add_sheets(self, sheets: Iterable[NewSheet], *, before: str | None = None, replace: bool = False) -> None:
        """Add sheets given as finished worksheet XML (with their drawings and charts, if any).

        Their style indices must be this package's (see writer.py). With `replace`, a sheet of the same
        name (ignoring case) is replaced: defined names that refer to it by name stay valid, and if it was
        the active tab the new one is. Without it, a clash is a WorkbookError. `before` puts the sheets
        before that sheet (when it is being replaced, before the first sheet after it that stays), else
        after the last visible sheet.
        """
        sheets = list(sheets)
        new = {sheet.name.casefold() for sheet in sheets}
        clashes = self._unique(filter(None, (self._find(sheet.name) for sheet in sheets)))
        if clashes and not replace:
            raise WorkbookError(f"{self.label} already has sheet(s) {', '.join(e.name for e in clashes[:5])}")
        anchor = self._anchor(before, {entry.name.casefold() for entry in clashes} & new)
        active = self._active_sheet_name()
        if clashes:
            if not any(sheet.state == "visible" for sheet in sheets):
                self._require_visible_left(clashes)
            self._remove_entries(clashes, keep_name_refs=True)
        allocator = NameAllocator(self._parts)
        items = []
        for sheet in sheets:
            part = allocator.allocate("xl/worksheets/sheet1.xml")
            self._put_sheet_part(part, sheet)
            self._set_content_type(part, WORKSHEET_TYPE)
            self._add_related(part, sheet.related, allocator)
            items.append((sheet.name, sheet.state, f"{DOC_REL}/worksheet", part))
        self._insert_sheet_entries(items, anchor)
        self._after_structure_change(active, {part for *_, part in items})

    def same_sheet(self, sheet: NewSheet) -> bool:
        """Whether the package holds this sheet already as it would be written: same name, state, XML (apart from
        its volatile cells and the tab selection) and related parts (drawings, charts)."""
        entry = self._find(sheet.name)
        if entry is None or entry.name != sheet.name or entry.state != sheet.state or entry.part not in self._parts:
            return False
        old = comparable_xml(self.read_part(entry.part), sheet.volatile)
        return old == comparable_xml(sheet.content(), sheet.volatile) and self._same_related(entry.part, sheet.related)

    def _put_sheet_part(self, part: str, sheet: NewSheet) -> None:
        """A new sheet's XML as the part: kept compressed when it came so and the parts can hold it so (it is
        then copied into the saved file as it is, like a helper's sheet, take_sheet_changes)."""
        if sheet.packed is not None and isinstance(self._parts, LazyParts):
            self._forget(part)
            self._parts.put_packed(part, sheet.packed)
            self._handed.add(part)
        else:
            self._put(part, sheet.content())

    def _same_related(self, owner: str, related: tuple[NewPart, ...]) -> bool:
        rels = self._rels(owner)
        if len(rels) != len(related):
            return False
        for number, (rel, item) in enumerate(zip(rels, related), start=1):
            if rel.id != f"rId{number}" or rel.type != item.rel_type or rel.target not in self._parts:
                return False
            if self.read_part(rel.target) != item.data or not self._same_related(rel.target, item.children):
                return False
        return True

    def _add_related(self, owner: str, related: Iterable[NewPart], allocator: NameAllocator) -> None:
        """Add parts that `owner` refers to (rId1, rId2... in order), with their own related parts."""
        related = list(related)
        if not related:
            return
        names = [allocator.allocate(item.path) for item in related]
        self._add_rels(owner, [(item.rel_type, name) for item, name in zip(related, names, strict=True)])
        for item, name in zip(related, names, strict=True):
            self._put(name, item.data)
            self._set_content_type(name, item.content_type)
            self._add_related(name, item.children, allocator)

    def reorder_sheets(self, names: list[str]) -> None:
        """Put the named sheets in this order, in the places they occupy together now."""
        wanted = {name.lower(): i for i, name in enumerate(names)}
        current = [name for name in self.sheet_names() if name.lower() in wanted]
        if current == sorted(current, key=lambda name: wanted[name.lower()]):
            return  # already in this order: the workbook part is not touched
        with self._sheet_order_change():
            sheets = self._workbook().find(main_tag("sheets"))
            elements = list(sheets.iterchildren(main_tag("sheet")))
            slots = [i for i, e in enumerate(elements) if e.get("name", "").lower() in wanted]
            moving = sorted((elements[i] for i in slots), key=lambda e: wanted[e.get("name").lower()])
            for slot, element in zip(slots, moving, strict=True):
                elements[slot] = element
            for element in elements:
                sheets.append(element)

    def rename_sheet(self, old: str, new: str) -> None:
        """Rename a sheet as Excel does: formulas and defined names referring to it follow."""
        entry, clash = self._sheet(old), self._find(new)
        if clash is not None and clash.element is not entry.element or not is_valid_sheet_name(new):
            raise WorkbookError(f"{self.label}: cannot rename {old!r} to {new!r} (taken or not a valid name)")
        with self._sheet_order_change():
            entry.element.set("name", new)
        for element in self._defined_names():
            element.text = renamed_in_formula(element.text or "", entry.name, new)
        escaped = entry.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        needles = {escaped.encode(), escaped.replace("'", "''").encode(), escaped.replace("'", "&apos;&apos;").encode()}
        for other in self._entries():
            if other.part in self._parts and any(needle in self.read_part(other.part) for needle in needles):
                for formula in self._edit(other.part).iter(F):
                    formula.text = renamed_in_formula(formula.text or "", entry.name, new)
        self._drop_sheet_titles_from_app()

    def _copy_local_names(self, source: Package, names: list[str]) -> None:
        """Bring the source's names local to the copied sheets (print areas, filters)."""
        wanted = {name.lower() for name in names}
        order = source.sheet_names()
        index = {name.lower(): i for i, name in enumerate(self.sheet_names())}
        for element in source._defined_names():
            sheet = self._index_name(order, element.get("localSheetId"))
            if sheet is not None and sheet.lower() in wanted:
                self._add_defined_name(element, index[sheet.lower()])

    def _add_defined_name(self, element: etree._Element, local: int) -> None:
        """A copy of a defined name, local to sheet number `local`, replacing one of the same name there."""
        workbook = self._edit(self.workbook_part)
        container = workbook.find(main_tag("definedNames"))
        if container is None:
            container = workbook.makeelement(main_tag("definedNames"))
            insert_in_order(workbook, container, WORKBOOK_ORDER)
        name = element.get("name", "").lower()
        for existing in container.iterchildren(main_tag("definedName")):
            if existing.get("name", "").lower() == name and existing.get("localSheetId") == str(local):
                container.remove(existing)
        added = copy.deepcopy(element)
        added.set("localSheetId", str(local))
        container.append(added)

    # ----- styles and shared strings ----------------------------------------------------

    def _merged_tables(self, donor: Package) -> tuple[bytes | None, bytes | None]:
        """The new styles.xml and sharedStrings.xml (None: unchanged), checked before any edit."""
        from kam_xl.xlsx.seeding import merge_strings, merge_styles  # openpyxl: only when sheets are added

        host_styles, donor_styles = self.styles_xml(), donor.styles_xml()
        styles = None
        if donor_styles is not None:
            styles = donor_styles if host_styles is None else merge_styles(host_styles, donor_styles, self.label)
        host_part = self._workbook_part_of_type("/sharedStrings")
        donor_part = donor._workbook_part_of_type("/sharedStrings")
        strings = merge_strings(
            None if host_part is None else self.read_part(host_part),
            None if donor_part is None else donor.read_part(donor_part),
            self.label,
        )
        return styles, strings

    def adopt_styles(self, donor: Package) -> None:
        """Take the new cell and conditional styles of a donor made by seed_workbook(self)."""
        self._store_tables(*self._merged_tables(donor))

    def _store_tables(self, styles: bytes | None, strings: bytes | None) -> None:
        if styles is not None:
            self._store_workbook_part("/styles", "xl/styles.xml", STYLES_TYPE, styles)
        if strings is not None:
            self._store_workbook_part("/sharedStrings", "xl/sharedStrings.xml", STRINGS_TYPE, strings)
            self._strings = self._plain_strings = None

    def _store_workbook_part(self, suffix: str, default: str, content_type: str, data: bytes) -> None:
        part = self._workbook_part_of_type(suffix)
        if part is None:
            part = default
            self._add_rels(self.workbook_part, [(f"{DOC_REL}{suffix}", part)])
            self._set_content_type(part, content_type)
        self._put(part, data)

    # ----- cells -------------------------------------------------------------------------

    def set_cells(self, sheet: str, values: dict[str, object]) -> dict[str, object]:
        """Write values into cells ("D20" -> value) of a sheet; return the cells' old values.

        Values: None (clears value and formula), int, float, bool, str (always text, even
        "=..."), date/datetime/time (serial number). Each cell keeps its style; missing cells and
        rows are created in order (taking the row or column style). Old values come back as
        float, str, bool or None. Everything is checked before anything is written.
        """
        part = self.sheet_part(sheet)
        date1904 = self.is_date1904()
        if part not in self._trees:
            patched = patch_cells(self._parts[part], values, self._plain, date1904, f"{self.label}: {sheet}")
            if patched is not None:
                self._parts[part], old = patched
                return old
        cells = self._cells.get(part)
        if cells is None:
            cells = self._cells[part] = SheetCells(self._edit(part), f"{self.label}: {sheet}")
        self._dirty.add(part)
        old = cells.write_many(values, self._plain(), date1904)
        if cells.formulas_removed:
            cells.formulas_removed = False
            self._drop_calc_chain()
        return old

    def set_formulas(self, sheet: str, formulas: dict[str, tuple[str, object]]) -> None:
        """Put live formulas into cells of a sheet ("D20" -> ("=...", its cached value)), keeping each
        cell's style (the "This week" sheet's links into the store tabs, execution/thisweek.py)."""
        part = self.sheet_part(sheet)
        cells = self._cells.get(part)
        if cells is None:
            cells = self._cells[part] = SheetCells(self._edit(part), f"{self.label}: {sheet}")
        self._dirty.add(part)
        cells.write_formulas(formulas)
        self._drop_calc_chain()

    def cell_values(self, sheet: str, refs: list[str]) -> dict[str, object]:
        """The current values of cells of a sheet (numbers as float, text as str, empty as None)."""
        part = self.sheet_part(sheet)
        if part not in self._trees:
            found = read_cells(self._parts[part], refs, self._plain)
            if found is not None:
                return found
        wanted: dict[str, list[str]] = {}
        for ref in refs:
            wanted.setdefault(located(ref)[0], []).append(ref)
        values = dict.fromkeys(refs)
        for ref, cell in positioned_cells(self._tree(part)):
            for asked in wanted.get(ref, ()):
                values[asked] = read_value(cell, self._plain())
        return values

    def filled_cells(self, sheet: str) -> set[str]:
        """The references of the cells of a sheet that hold a value or a formula."""
        part = self.sheet_part(sheet)
        if part not in self._trees:
            return filled_refs(self._parts[part])
        return {ref for ref, cell in positioned_cells(self._tree(part)) if is_filled(cell)}

    def formula_cells(self, sheet: str) -> dict[str, str]:
        """Every formula of a sheet by cell ("R48" -> "=IF(...)"), shared formulas expanded as Excel fills them."""
        part = self.sheet_part(sheet)
        if part not in self._trees:
            found = read_formulas(self._parts[part])
            if found is not None:
                return found
        root = self._tree(part)
        out: dict[str, str] = {}
        masters: dict[str, tuple[str, int, int]] = {}
        pending = []
        for formula in root.iter(F):
            cell = formula.getparent()
            ref = cell.get("r")
            if ref is None:
                continue
            text = formula.text or ""
            if formula.get("t") == "shared":
                index = formula.get("si", "")
                if text:
                    row, col = split_ref(ref)
                    masters[index] = (text, row, col)
                else:
                    pending.append((ref, index))
                    continue
            elif formula.get("t") == "array" and not text:
                continue
            out[ref] = "=" + text
        if pending:
            from kam_xl.xlsx.calc import shifted  # numpy: only for a shared formula
        for ref, index in pending:
            if index in masters:
                text, row, col = masters[index]
                at_row, at_col = split_ref(ref)
                out[ref] = shifted("=" + text, at_row - row, at_col - col)
        return out

    def set_formula_values(self, sheet: str, values: dict[str, object]) -> None:
        """Set the cached value of formula cells ("R48" -> value), keeping their formulas: a number as <v>,
        text as t="str", TRUE/FALSE as t="b", an error as t="e", None as no cached value."""
        part = self.sheet_part(sheet)
        if part not in self._trees:
            patched = write_formula_values(self._parts[part], values)
            if patched is not None:
                self._parts[part] = patched
                return
        root = self._edit(part)
        for formula in list(root.iter(F)):
            cell = formula.getparent()
            ref = cell.get("r")
            if ref not in values:
                continue
            for old in cell.findall(V):
                cell.remove(old)
            cell.attrib.pop("t", None)
            parts = None if values[ref] is None else value_parts(values[ref])
            if parts is None:
                continue
            kind, text = parts
            element = cell.makeelement(V)
            if kind == "inlineStr":
                kind, text = "str", escape_text(text)
            if kind is not None:
                cell.set("t", kind)
            element.text = text
            cell.append(element)

    def warm(self, part: str) -> None:
        """Decompress a part ahead, from a read-ahead thread (LazyParts.warm)."""
        self._parts.warm(part)

    def reading(self):
        """A context in which the file's members are read through one opening of it (a run of many reads, such
        as collect's merge of a thousand tabs), not one opening each."""
        source = self._parts.source
        return source.opened() if source is not None else contextlib.nullcontext()

    # ----- work shared with a forked helper (kam_xl.parallel) -----------------------------------

    def after_fork(self) -> None:
        """In a forked helper: the members are read through this process's own opening of the file."""
        self._parts.after_fork()

    def sheet_changes(self, sheets: Iterable[str]) -> tuple[dict[str, bytes], bool]:
        """The bytes of the parts of `sheets` changed since the package was opened, and whether the calculation
        chain was dropped (a formula overwritten): what a forked helper that wrote into these sheets hands back
        (take_sheet_changes). WorkbookError if anything else changed: that cannot be handed back."""
        wanted = {self.sheet_part(sheet) for sheet in sheets}
        removed = self._original.keys() - self._parts.keys()
        dropped = bool(removed)
        allowed = wanted | ({CONTENT_TYPES, rels_name(self.workbook_part)} if dropped else set())
        edited = {name for name in self._parts if not self._unchanged(name)}
        chains = {name for name in removed if name.lower().endswith("calcchain.xml")}
        if edited - allowed or removed - chains:
            raise WorkbookError(
                f"{self.label}: a helper process changed {sorted((edited - allowed) | (removed - chains))}, which it "
                "cannot hand back — run the command again with KAM_WORKERS=1 and report this"
            )
        return {name: pack(self.read_part(name), COMPRESS_LEVEL) for name in sorted(edited & wanted)}, dropped

    def take_sheet_changes(self, parts: dict[str, Packed], calc_chain_dropped: bool) -> None:
        """Put sheet parts changed (and compressed) by a forked helper (sheet_changes) into this package."""
        for name, member in parts.items():
            self._forget(name)
            self._parts.put_packed(name, member)
            self._handed.add(name)
        if calc_chain_dropped:
            self._drop_calc_chain()

    def _plain(self) -> list[str]:
        if self._plain_strings is None:
            self._plain_strings = self.shared_strings()
        return self._plain_strings

    # ----- output ------------------------------------------------------------------------

    def is_modified(self) -> bool:
        """Whether the package differs from the workbook it was opened from, or last saved over (a part added,
        removed or changed)."""
        if self._parts.keys() != self._original.keys() or self._handed:
            return True
        return any(
            self.read_part(name) != unpack(self._original[name]) for name in self._parts if not self._unchanged(name)
        )

    def to_bytes(self, compresslevel: int = COMPRESS_LEVEL) -> bytes:
        """The package as .xlsx bytes: unchanged members copied as stored, the others compressed."""
        parts, stored = self._members()
        return zip_parts(parts, compresslevel, stored)

    def _members(self) -> tuple[dict[str, bytes | None], dict[str, Packed]]:
        """Every part's bytes (None for those copied as stored) and the unchanged members as stored."""
        stored = {
            name: self._parts.packed(name) for name in self._parts if self._unchanged(name) or name in self._handed
        }
        stored = {name: packed for name, packed in stored.items() if packed is not None}
        return {name: None if name in stored else self.read_part(name) for name in self._parts}, stored

    def write_to(self, stream, compresslevel: int = COMPRESS_LEVEL) -> None:
        """to_bytes written into a binary file object."""
        parts, stored = self._members()
        source = self._parts.source
        with source.opened() if source is not None else contextlib.nullcontext():  # one opening for every copy
            write_zip(stream, parts, compresslevel, stored)

    def save(self, path: str | os.PathLike, *, backup: bool = True) -> Path | None:
        """Write atomically (temp file in the same folder, fsync, replace; symbolic links are written through, a
        read-only file is refused): see safezip.atomic_write. Always writes, changed or not (FileBook.save
        skips an unchanged workbook).

        With `backup`, the old content is kept as the newest numbered backup beside the file (or an existing
        backup with the same bytes becomes the newest); the 5 newest distinct backups are kept
        (kam_xl.xlsx.backups). Returns the backup's path, or None.
        """
        source = self._parts.source
        if source is None:
            return atomic_write(path, self.write_to, backup=backup)
        backup_path = atomic_write(path, self.write_to, backup=backup)  # the file is open only while copying
        if real_path(Path(path)) == real_path(source.path):
            self._parts.rebase(Path(path))  # the members never read are now in the file just written
            self._handed = set()
            # the file as saved is what is_modified compares with from now on (the old members are gone with it)
            self._original = {
                name: self._parts.packed(name) if self._unchanged(name) and self._parts.packed(name) is not None
                else self.read_part(name)
                for name in self._parts
            }  # fmt: skip
            for name in self._dirty:
                self._original[name] = self.read_part(name)
        return backup_path


def renamed_in_formula(formula: str, old: str, new: str) -> str:
    """A formula whose references to sheet `old` (quoted or not, any case) point at sheet `new`."""
    wanted = old.casefold()

    def swap(match) -> str:
        name = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
        return quote_sheet(new) + "!" if name.casefold() == wanted else match.group(0)

    return SHEET_REF.sub(swap, formula)


def _prepared_sheet(data: bytes, items: list[etree._Element] | None, drop_values: bool) -> bytes:
    root = parse_xml(data, "a copied sheet")
    strip_tab_selected(root)
    if items is not None:
        inline_shared_strings(root, items)
    if drop_values:
        drop_formula_values(root)
    return to_xml(root)


def inline_shared_strings(root: etree._Element, items: list[etree._Element]) -> None:
    """Turn every t="s" cell into an inline string copied from the <si> items."""
    for cell in root.iter(C):
        if cell.get("t") != "s":
            continue
        value = cell.find(V)
        if value is not None:
            cell.remove(value)
        inline = cell.makeelement(IS)
        inline.extend(copy.deepcopy(child) for child in _shared_item(items, value))
        cell.insert(0, inline)
        cell.set("t", "inlineStr")


def _shared_item(items: list[etree._Element], value: etree._Element | None) -> etree._Element:
    text = "" if value is None else (value.text or "").strip()
    if not text.isdigit() or int(text) >= len(items):
        raise WorkbookError(f"a cell refers to shared string {text!r}, which does not exist")
    return items[int(text)]


def drop_formula_values(root: etree._Element) -> None:
    """Remove the cached result of every formula cell (the app recomputes on load)."""
    for formula in root.iter(F):
        cell = formula.getparent()
        for value in cell.findall(V):
            cell.remove(value)
        cell.attrib.pop("t", None)

"""The parts of an OPC zip package: their bytes, relationships, content types, and copying."""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from kam_xl.errors import WorkbookError
from kam_xl.xlsx.safezip import parse_xml, to_xml

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CONTENT_TYPES = "[Content_Types].xml"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
UNSUPPORTED_RELS = ("/pivotTable", "/slicer", "/timeline", "/queryTable")
_NUMBERED = re.compile(r"^(.*?)(\d*)((?:\.[^.]*)?)$")


@dataclass(frozen=True)
class Rel:
    """One relationship: its id, type, and the part it points at (None when external)."""

    id: str
    type: str
    target: str | None


def rels_name(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (the package) -> '_rels/.rels'."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def resolve(part: str, target: str) -> str:
    """The part name a relationship target of `part` points at."""
    target = unquote(target)
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def relative(part: str, target: str) -> str:
    """The relationship target from `part` to the part named `target`."""
    return posixpath.relpath(target, posixpath.dirname(part) or ".")


class PartStore:
    """Named parts (zip members) parsed on demand; edited trees are serialised when read."""

    def __init__(self, parts: dict[str, bytes], label: str):
        self.label = label
        self._parts = parts
        self._trees: dict[str, etree._Element] = {}
        self._dirty: set[str] = set()
        self._rels_cache: dict[str, list[Rel]] = {}
        self._overrides: dict[str, etree._Element] | None = None

    def part_names(self) -> list[str]:
        """Zip member names, in the order they will be saved."""
        return list(self._parts)

    def read_part(self, name: str) -> bytes:
        """The current bytes of a part (edited parts are serialised)."""
        if name in self._dirty:
            return to_xml(self._trees[name])
        return self._parts[name]

    def _tree(self, name: str) -> etree._Element:
        if name not in self._trees:
            self._trees[name] = parse_xml(self._parts[name], f"{self.label}: {name}")
        return self._trees[name]

    def _edit(self, name: str) -> etree._Element:
        root = self._tree(name)
        self._dirty.add(name)
        self._rels_cache.pop(name, None)
        return root

    def _put(self, name: str, data: bytes) -> None:
        self._forget(name)
        self._parts[name] = data

    def _forget(self, name: str) -> None:
        for cache in (self._trees, self._rels_cache):
            cache.pop(name, None)
        self._dirty.discard(name)

    def _delete(self, name: str) -> None:
        for part in (name, rels_name(name)):
            self._forget(part)
            self._parts.pop(part, None)
            self._drop_override(part)

    def _rels(self, part: str) -> list[Rel]:
        name = rels_name(part)
        if name not in self._rels_cache:
            self._rels_cache[name] = list(self._read_rels(part, name))
        return self._rels_cache[name]

    def _read_rels(self, part: str, name: str) -> Iterator[Rel]:
        if name not in self._parts:
            return
        for element in self._tree(name).iterchildren(f"{{{REL_NS}}}Relationship"):
            external = element.get("TargetMode") == "External"
            target = None if external else resolve(part, element.get("Target", ""))
            yield Rel(element.get("Id"), element.get("Type", ""), target)

    def _rels_root(self, part: str) -> etree._Element:
        name = rels_name(part)
        if name not in self._parts:
            self._parts[name] = b""
            self._trees[name] = etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
            self._set_content_type(name, RELS_TYPE)
        return self._edit(name)

    def _add_rels(self, part: str, targets: list[tuple[str, str]]) -> list[str]:
        """Add relationships (type, target part) from `part`; return their new ids."""
        root = self._rels_root(part)
        taken = {element.get("Id") for element in root}
        ids, number = [], 1
        for rel_type, target in targets:
            while f"rId{number}" in taken:
                number += 1
            ids.append(f"rId{number}")
            taken.add(ids[-1])
            root.append(
                root.makeelement(
                    f"{{{REL_NS}}}Relationship",
                    Id=ids[-1],
                    Type=rel_type,
                    Target=relative(part, target),
                )
            )
        return ids

    def _drop_rels(self, part: str, ids: set[str]) -> None:
        root = self._rels_root(part)
        for element in list(root):
            if element.get("Id") in ids:
                root.remove(element)

    def _override_index(self) -> dict[str, etree._Element]:
        if self._overrides is None:
            root = self._tree(CONTENT_TYPES)
            self._overrides = {
                element.get("PartName", "").lstrip("/").lower(): element
                for element in root.iterchildren(f"{{{CT_NS}}}Override")
            }
        return self._overrides

    def content_type(self, part: str) -> str | None:
        override = self._override_index().get(part.lower())
        if override is not None:
            return override.get("ContentType")
        extension = posixpath.splitext(part)[1].lstrip(".").lower()
        for element in self._tree(CONTENT_TYPES).iterchildren(f"{{{CT_NS}}}Default"):
            if element.get("Extension", "").lower() == extension:
                return element.get("ContentType")
        return None

    def _set_content_type(self, part: str, content_type: str | None) -> None:
        if content_type is None or self.content_type(part) == content_type:
            return
        self._drop_override(part)
        root = self._edit(CONTENT_TYPES)
        element = root.makeelement(f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=content_type)
        root.append(element)
        self._override_index()[part.lower()] = element

    def _drop_override(self, part: str) -> None:
        element = self._override_index().pop(part.lower(), None)
        if element is not None:
            self._edit(CONTENT_TYPES).remove(element)

    def _reachable(self, roots: Iterable[str]) -> set[str]:
        """Every part reachable through internal relationships from `roots` ('' = package)."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            part = stack.pop()
            if part in seen:
                continue
            seen.add(part)
            stack.extend(rel.target for rel in self._rels(part) if rel.target in self._parts)
        seen.discard("")
        return seen


class NameAllocator:
    """Fresh part names (sheet7.xml, chart3.xml...) that collide with nothing in a package."""

    def __init__(self, taken: Iterable[str]):
        self.taken = {name.lower() for name in taken}
        self.next: dict[tuple[str, str, str], int] = {}

    def allocate(self, name: str) -> str:
        folder, base = posixpath.split(name)
        stem, _, extension = _NUMBERED.match(base).groups()
        key = (folder.lower(), stem.lower(), extension.lower())
        number = self.next.get(key, 1)
        while posixpath.join(folder, f"{stem}{number}{extension}").lower() in self.taken:
            number += 1
        chosen = posixpath.join(folder, f"{stem}{number}{extension}")
        self.taken.add(chosen.lower())
        self.next[key] = number + 1
        return chosen


class PartCopier:
    """Copies the parts reachable from some source parts into a package under fresh names."""

    def __init__(self, source: PartStore, target: PartStore, roots: list[str | None]):
        self.source, self.target = source, target
        missing = [root for root in roots if root not in source._parts]
        if missing:
            raise WorkbookError(f"{source.label}: sheet part {missing[0]} is missing — re-save the file")
        self.roots = set(roots)
        self.parts = self._plan(roots)
        allocator = NameAllocator(target._parts)
        self.mapping = {part: allocator.allocate(part) for part in self.parts}
        self._tables: tuple[int, set[str]] | None = None

    def _plan(self, roots: list[str]) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()
        stack = list(reversed(roots))
        while stack:
            part = stack.pop()
            if part in seen:
                continue
            seen.add(part)
            order.append(part)
            for rel in self.source._rels(part):
                self._check(part, rel)
                if rel.target is not None:
                    stack.append(rel.target)
        return order

    def _check(self, part: str, rel: Rel) -> None:
        if rel.type.endswith(UNSUPPORTED_RELS):
            kind = rel.type.rsplit("/", 1)[-1]
            raise WorkbookError(f"{self.source.label}: {part} has a {kind}; kam_xl cannot copy those")
        if rel.target is not None and rel.target not in self.source._parts:
            raise WorkbookError(f"{self.source.label}: {part} refers to missing {rel.target}")

    def copy(self, transform: Callable[[bytes], bytes]) -> dict[str, str]:
        """Copy every planned part (sheets through `transform`); return old -> new names."""
        for part in self.parts:
            new = self.mapping[part]
            data = self.source.read_part(part)
            content_type = self.source.content_type(part)
            if part in self.roots:
                data = transform(data)
            elif content_type == TABLE_TYPE:
                data = self._renumbered_table(data)
            self.target._put(new, data)
            self.target._set_content_type(new, content_type)
            self._copy_rels(part, new)
        return self.mapping

    def _copy_rels(self, part: str, new: str) -> None:
        name = rels_name(part)
        if name not in self.source._parts:
            return
        root = copy.deepcopy(self.source._tree(name))
        for element in root.iterchildren(f"{{{REL_NS}}}Relationship"):
            target = element.get("Target", "")
            if element.get("TargetMode") == "External":
                continue
            moved = self.mapping[resolve(part, target)]
            element.set("Target", f"/{moved}" if target.startswith("/") else relative(new, moved))
        self.target._put(rels_name(new), to_xml(root))
        self.target._set_content_type(rels_name(new), self.source.content_type(name))

    def _renumbered_table(self, data: bytes) -> bytes:
        """Tables need workbook-unique ids and names."""
        next_id, names = self._host_tables()
        root = parse_xml(data, f"{self.source.label}: a table")
        if root.get("displayName", "").lower() in names:
            raise WorkbookError(f"{self.target.label} already has a table named {root.get('displayName')}")
        root.set("id", str(next_id))
        names.add(root.get("displayName", "").lower())
        self._tables = (next_id + 1, names)
        return to_xml(root)

    def _host_tables(self) -> tuple[int, set[str]]:
        if self._tables is None:
            roots = [
                self.target._tree(part) for part in self.target._parts if self.target.content_type(part) == TABLE_TYPE
            ]
            top = max((int(root.get("id", "0")) for root in roots), default=0)
            self._tables = (top + 1, {root.get("displayName", "").lower() for root in roots})
        return self._tables

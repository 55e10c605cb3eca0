"""The architecture rules of kam_xl, checked on the source (tests/test_architecture.py runs them).

* Workbook libraries (openpyxl, lxml, python-calamine, defusedxml) are imported only under kam_xl/xlsx/;
  xlwings only under kam_xl/excel/ (and lite/).
* Stages sit in layers (LAYERS): a module imports only from lower layers or from its own package.
* No import cycle between modules (imports inside functions and TYPE_CHECKING blocks count too).
* No module imports a private name (`_name`) of another module, nor reads one off an imported module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

# Lower layers first. A package may import from any lower layer and from itself, never sideways or up.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "progress", "version", "csvfile", "bulk", "memo"}),
    frozenset({"parallel"}),
    frozenset({"lang"}),
    frozenset({"model"}),
    frozenset({"xlsx"}),
    frozenset({"book"}),
    frozenset({"metrics"}),
    frozenset({"plan"}),
    frozenset({"storetabs"}),
    frozenset({"history"}),
    frozenset({"execution"}),
    frozenset({"reviewing"}),
    frozenset({"reporting"}),
    frozenset({"mail"}),
    frozenset({"simulation", "excel"}),
    frozenset({"__init__"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
ONLY_UNDER = {  # third-party package -> the only kam_xl folders that may import it
    "openpyxl": ("kam_xl/xlsx/",),
    "lxml": ("kam_xl/xlsx/",),
    "python_calamine": ("kam_xl/xlsx/",),
    "defusedxml": ("kam_xl/xlsx/",),
    "xlwings": ("kam_xl/excel/", "lite/"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: the file and line, and what is wrong."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Import:
    """One imported module (and the names taken from it) at a line of a file."""

    module: str
    names: tuple[str, ...]
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str) -> list[Import]:
    """Every import in a file, relative ones resolved to absolute module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.append(Import(base, tuple(alias.name for alias in node.names), node.lineno))
    return found


def python_files(root: Path, folders: tuple[str, ...]) -> list[Path]:
    return sorted(p for folder in folders for p in (root / folder).rglob("*.py") if "__pycache__" not in p.parts)


def check_libraries(root: Path) -> list[Violation]:
    """openpyxl, lxml, calamine and defusedxml only in kam_xl/xlsx/; xlwings only in kam_xl/excel/ and lite/."""
    out = []
    for path in python_files(root, ("kam_xl", "lite")):
        where = path.relative_to(root).as_posix()
        for item in imports_of(path, module_name(root, path)):
            top = item.module.split(".")[0]
            allowed = ONLY_UNDER.get(top)
            if allowed and not where.startswith(allowed):
                out.append(Violation(where, item.line, "library", f"imports {top}, allowed only in {allowed}"))
    return out


def layer_of(module: str) -> tuple[int, str] | None:
    """(layer index, package) of a kam_xl module, or None for anything else."""
    parts = module.split(".")
    if parts[0] != "kam_xl":
        return None
    package = parts[1] if len(parts) > 1 else "__init__"
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index, package
    raise ValueError(f"{module}: package {package!r} is in no layer of tests/support/architecture.py LAYERS")


def targets(item: Import, known: set[str]) -> list[str]:
    """The kam_xl modules an import depends on (`from kam_xl.x import y` is module kam_xl.x.y when y is one)."""
    if not item.module.startswith("kam_xl"):
        return []
    subs = [f"{item.module}.{name}" for name in item.names if f"{item.module}.{name}" in known]
    rest = [name for name in item.names if f"{item.module}.{name}" not in known]
    return subs + ([item.module] if rest or not item.names else [])


def graph(root: Path) -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    """module -> [(imported kam_xl module, line)], and module -> file path."""
    paths = {module_name(root, p): p for p in python_files(root, ("kam_xl",))}
    known = set(paths)
    edges = {
        module: [(t, item.line) for item in imports_of(path, module) for t in targets(item, known) if t != module]
        for module, path in paths.items()
    }
    return edges, {m: p.relative_to(root).as_posix() for m, p in paths.items()}


def check_layers(root: Path) -> list[Violation]:
    """Every kam_xl import goes to a lower layer or stays within its own package."""
    edges, files = graph(root)
    out = []
    for module, deps in edges.items():
        mine = layer_of(module)
        for target, line in deps:
            theirs = layer_of(target)
            if theirs is None or theirs[1] == mine[1]:
                continue
            if theirs[0] >= mine[0]:
                out.append(
                    Violation(
                        files[module],
                        line,
                        "layer",
                        f"{mine[1]} (layer {mine[0]}) imports {target} ({theirs[1]}, layer {theirs[0]}): "
                        "a stage may use only lower layers",
                    )
                )
    return out


def check_cycles(root: Path) -> list[Violation]:
    """No two modules import each other, directly or through others (Tarjan's strongly connected components)."""
    edges, files = graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in edges.get(node, ()):
            if target not in edges:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [Violation(files[c[0]], 1, "cycle", "import cycle: " + " ↔ ".join(c)) for c in cycles]


def check_private_names(
    root: Path, folders: tuple[str, ...] = ("kam_xl", "tests", "lite", "benchmarks")
) -> list[Violation]:
    """No `from kam_xl.x import _name`, and no `module._name` on an imported kam_xl module."""
    out = []
    for path in python_files(root, folders):
        where = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kam_xl"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        out.append(Violation(where, node.lineno, "private", f"imports {node.module}.{alias.name}"))
                    aliases.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                aliases.update(a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("kam_xl"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.value.id[:1].islower()
            ):
                out.append(Violation(where, node.lineno, "private", f"reads {node.value.id}.{node.attr}"))
    return out


def check_all(root: Path) -> list[Violation]:
    """Every rule on the source tree at `root` (the repository folder)."""
    return check_libraries(root) + check_layers(root) + check_cycles(root) + check_private_names(root)

"""The one exception base of kam_xl and the Problem record every check reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One finding about a workbook: where it is, what is wrong, what was found."""

    sheet: str
    cell: str
    message: str
    value: object = None
    severity: str = "error"  # "error" or "warning"

    @property
    def is_error(self) -> bool:
        """True for an error (the plan cannot be used), False for a warning."""
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        found = "" if self.value in (None, "") else f" ({self.value!r})"
        tag = "" if self.is_error else "warning: "
        return f"{where}: {tag}{self.message}{found}"

    def as_dict(self) -> dict:
        """The problem as plain JSON-able data."""
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "value": None if self.value is None else str(self.value),
            "severity": self.severity,
        }


class KamError(Exception):
    """Base of every error kam_xl raises on purpose; the message says what to do."""


class WorkbookError(KamError):
    """A file is not a workbook kam_xl can use (missing, not xlsx, encrypted, too large...)."""


class CellRefError(WorkbookError, ValueError):
    """Text that is not one A1 cell reference within Excel's grid (also a ValueError, for parsers)."""


class BusyError(KamError):
    """A workbook or folder is in use: another kam command is changing it, or it is open in Excel or LibreOffice."""


class PlanError(KamError):
    """The plan in the HQ workbook has errors; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        head = f"{len(errors)} error(s) in the plan"
        lines = "\n".join(str(p) for p in errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{head}:\n{lines}{more}")


class AllocationError(KamError):
    """Targets cannot be allocated as the plan asks (for example infeasible growth caps)."""


class CollectError(KamError):
    """An SR file cannot be merged as a whole."""


class SendError(KamError):
    """E-mail could not be delivered."""


class MissingExtraError(KamError, ImportError):
    """A step needs an optional part of kam-xl that is not installed (`pip install "kam-xl[mail]"`).

    Also an ImportError, for code that imports a module of kam_xl that needs the part."""


# The optional parts of kam-xl (pyproject.toml's extras) and the modules each brings. The core (plan, store tabs,
# split, collect, review, the Excel functions) needs none of them, so it installs where only pure-Python
# wheels and Pyodide's own packages exist (xlwings Lite).
EXTRAS = {
    "mail": {"jinja2": "Jinja2", "css_inline": "css-inline", "matplotlib": "matplotlib", "PIL": "pillow"},
    "excel": {"xlwings": "xlwings"},
}


def require_extra(extra: str, what: str) -> None:
    """Raise MissingExtraError, naming the extra to install, when a module of `extra` is not installed.

    Nothing is imported here (the step imports what it uses when it uses it), so the check is cheap.
    """
    missing = [package for module, package in EXTRAS[extra].items() if not _installed(module)]
    if missing:
        raise MissingExtraError(
            f"{what} needs kam-xl's optional {extra} part ({', '.join(missing)} not installed): "
            f'install kam-xl[{extra}] (pip install "kam-xl[{extra}]"), or kam-xl[all] for everything'
        )


def _installed(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it (import blocked)
        return False

"""Can xlwings Lite install kam-xl's core? Its Requires-Dist, and their dependencies, checked against Pyodide.

xlwings Lite runs Python in Pyodide and installs requirements.txt with micropip: a package comes from the Pyodide
distribution (the packages listed in its pyodide-lock.json, built for WebAssembly) or, failing that, from PyPI as
a pure-Python wheel (`py3-none-any`). `lite_problems` follows the core's requirements the way micropip does and
names every package that is neither (a Rust or C extension, such as css-inline).

The rule is stricter than micropip: micropip also takes a wheel built for the running Pyodide's ABI from PyPI
(`pyemscripten_2026_0_wasm32`; css-inline 0.24 and python-calamine 0.9 publish one). Such a wheel exists only
for the Pyodide releases its authors chose to build for, so the core does not count on it.

The package list of one Pyodide release is kept in tests/data/ (`python -m tests.support.lite
path/to/pyodide-lock.json` writes it; the lock file is in the npm package: `npm pack pyodide@VERSION`).
"""

from __future__ import annotations

import email.parser
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DATA = Path(__file__).resolve().parents[1] / "data"
PYODIDE_LIST = DATA / "pyodide-314.0.8-packages.txt"


@dataclass(frozen=True)
class Pyodide:
    """One Pyodide release: its Python version and the packages of its distribution (canonical name -> version)."""

    release: str
    python: str
    packages: dict[str, str]

    def environment(self) -> dict[str, str]:
        """The environment markers are evaluated in under Pyodide (sys.platform is "emscripten")."""
        env = default_environment()
        env.update(
            python_version=".".join(self.python.split(".")[:2]),
            python_full_version=self.python,
            sys_platform="emscripten",
            platform_system="Emscripten",
            platform_machine="wasm32",
            os_name="posix",
            implementation_name="cpython",
            platform_python_implementation="CPython",
            platform_release="",
            platform_version="",
        )
        return env


def load_pyodide(path: Path = PYODIDE_LIST) -> Pyodide:
    """The package list written by `extract` (comment lines start with #; `# release:` and `# python:` are read)."""
    release = python = ""
    packages = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# release:"):
            release = line.split(":", 1)[1].strip()
        elif line.startswith("# python:"):
            python = line.split(":", 1)[1].strip()
        elif line.strip() and not line.startswith("#"):
            name, version = line.split()
            packages[canonicalize_name(name)] = version
    return Pyodide(release, python, packages)


def extract(lock_path: Path, release: str, today: date | None = None) -> str:
    """The text of the package list of tests/data/ from a pyodide-lock.json (packages only, no shared libraries)."""
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    info = lock["info"]
    rows = sorted(
        (canonicalize_name(name), package["version"])
        for name, package in lock["packages"].items()
        if package.get("package_type", "package") == "package"
    )
    head = [
        f"# The packages of the Pyodide {release} distribution (name version), which micropip installs without PyPI.",
        f"# Source: pyodide-lock.json of the npm package pyodide@{release} (`npm pack pyodide@{release}`),",
        f"# extracted {(today or date.today()).isoformat()} by"
        f" `python -m tests.support.lite pyodide-lock.json {release}`.",
        "# xlwings Lite runs Python in Pyodide (its documentation refers to Pyodide 314.0.0 and later).",
        f"# release: {release}",
        f"# python: {info['python']}",
        f"# abi: {info.get('abi_version', '')} ({info.get('platform', '')}, {info.get('arch', '')})",
    ]
    return "\n".join(head + [f"{name} {version}" for name, version in rows]) + "\n"


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------

# A finder answers for a requirement that is not in Pyodide: the Requires-Dist of a pure-Python wheel that
# satisfies it, or None when there is no such wheel.
PureFinder = Callable[[Requirement], "list[str] | None"]


def core_requirements(metadata_text: str) -> list[str]:
    """The Requires-Dist lines of a wheel's METADATA that hold without any extra (the core install)."""
    message = email.parser.Parser().parsestr(metadata_text)
    return [line for line in message.get_all("Requires-Dist") or [] if "extra ==" not in line.replace("'", '"')]


def lite_problems(requires: list[str], pyodide: Pyodide, find_pure: PureFinder) -> list[str]:
    """Every requirement in the closure of `requires` that micropip could not install in this Pyodide."""
    env = pyodide.environment()
    problems: list[str] = []
    seen: set[str] = set()
    queue = [(Requirement(line), "kam-xl") for line in requires]
    while queue:
        requirement, wanted_by = queue.pop(0)
        if requirement.marker is not None and not requirement.marker.evaluate({**env, "extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        version = pyodide.packages.get(name)
        if version is not None:
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(
                    f"{requirement} (needed by {wanted_by}): Pyodide {pyodide.release} has {name} {version}, "
                    "outside the range; widen the range"
                )
            continue  # Pyodide's own packages bring their own dependencies
        dependencies = find_pure(requirement)
        if dependencies is None:
            problems.append(
                f"{requirement} (needed by {wanted_by}): neither in Pyodide {pyodide.release} nor a pure-Python "
                "wheel (py3-none-any) on PyPI, so xlwings Lite cannot install it; make it an extra"
            )
            continue
        queue += [(Requirement(line), requirement.name) for line in dependencies]
    return problems


def installed_pure(requirement: Requirement) -> list[str] | None:
    """Finder from this Python's installed distributions (offline): pure when its wheel was `*-none-any`."""
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        return None
    if not requirement.specifier.contains(dist.version, prereleases=True):
        return None
    wheel = email.parser.Parser().parsestr(dist.read_text("WHEEL") or "")
    tags = wheel.get_all("Tag") or []
    pure = wheel.get("Root-Is-Purelib", "").strip().lower() == "true" and tags
    if not pure or not all(tag.endswith("-none-any") for tag in tags):
        return None
    return list(dist.requires or [])


def pypi_pure(python: str) -> PureFinder:
    """Finder asking PyPI (pip download): the newest pure-Python wheel satisfying the requirement, if any."""
    short = "".join(python.split(".")[:2])

    def find(requirement: Requirement) -> list[str] | None:
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--platform", "any", "--implementation", "py", "--abi", "none", "--python-version", short,
                 "--dest", folder, str(requirement.name) + str(requirement.specifier)],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            wheels = list(Path(folder).glob("*.whl"))
            if done.returncode != 0 or not wheels:
                return None
            return requires_dist(wheel_metadata(wheels[0]))

    return find


def requires_dist(metadata_text: str) -> list[str]:
    """Every Requires-Dist line (markers, extras included: lite_problems evaluates them)."""
    return email.parser.Parser().parsestr(metadata_text).get_all("Requires-Dist") or []


def wheel_metadata(wheel: Path) -> str:
    """The METADATA text of a wheel file."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode("utf-8")


if __name__ == "__main__":
    # python -m tests.support.lite path/to/pyodide-lock.json RELEASE > tests/data/pyodide-RELEASE-packages.txt
    sys.stdout.write(extract(Path(sys.argv[1]), sys.argv[2]))

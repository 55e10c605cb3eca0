"""A module imported when one of its names is first used, so that commands which never use it (collect,
validate, --version) do not pay for importing it: `pd = lazy("pandas")` at the top of a module, then
`pd.DataFrame(...)` in its functions as usual."""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for a module until a name of it is asked for; then imports it and keeps each name asked for."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported when first used>"


def lazy(name: str) -> LazyModule:
    """The module `name`, imported on first use."""
    return LazyModule(name)

"""Values made once from an object that does not change while it lives (a plan's frozen weeks and account, a
StyleIndex), found again by the object's identity — the object itself is kept, so its id cannot be reused."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    """At most `most` values, each for an object and an extra key; forgotten all at once when full."""

    def __init__(self, most: int = 64):
        self._found: dict[tuple, tuple[object, V]] = {}
        self._most = most

    def get(self, obj: object, make: Callable[[], V], *key: Hashable) -> V:
        """The value made for `obj` (and `key`), made now with make() the first time."""
        found = self._found.get((id(obj), *key))
        if found is None or found[0] is not obj:
            if len(self._found) >= self._most:
                self._found.clear()
            found = self._found[(id(obj), *key)] = (obj, make())
        return found[1]

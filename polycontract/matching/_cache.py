"""A small, bounded cache of values derived from objects, found again by the objects' identity.

Expected requests, responses and messages are frozen model objects, compared with many actual
ones; what is derived from them once (compiled rules, plans) is kept here. An entry holds strong
references to the objects it was built from, so their ``id`` cannot be taken by another object
while the entry lives: a different object, even an equal one, never gets another object's value.
The oldest entries are dropped beyond ``size``.

>>> cache: IdentityCache[str] = IdentityCache(size=2)
>>> a, b = ["x"], ["x"]
>>> cache.get((a,), "k", lambda: "built for a"), cache.get((b,), "k", lambda: "built for b")
('built for a', 'built for b')
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["IdentityCache"]

V = TypeVar("V")


class IdentityCache(Generic[V]):
    """Values keyed by the identity of a tuple of objects plus a hashable tag."""

    __slots__ = ("_entries", "_size")

    def __init__(self, *, size: int) -> None:
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = OrderedDict()
        self._size = size

    def get(self, owners: tuple[object, ...], tag: Hashable, build: Callable[[], V]) -> V:
        """The value built from ``owners`` (and ``tag``), building and keeping it on the first call."""
        key = (tag, *map(id, owners))
        entry = self._entries.get(key)
        if entry is not None:  # the entry keeps its owners alive, so no other live object has their ids
            return entry[1]
        value = build()
        entries = self._entries
        while len(entries) >= self._size:
            try:  # another thread may evict at the same time: losing that race is harmless
                entries.popitem(last=False)  # the oldest, without a scan over deleted slots
            except KeyError:
                break
        entries[key] = (owners, value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

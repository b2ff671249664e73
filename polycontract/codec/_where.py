"""Where in which document a value sits, for error messages that point at the problem.

The JSON path is rendered only when an error is raised: reading a large pact builds many
locations and fails at most once.
"""

from __future__ import annotations

from typing import NoReturn

from polycontract._paths import child_path
from polycontract.errors import PactFormatError


class Where:
    """A source name plus a JSON path; ``fail`` raises a `PactFormatError` pointing there."""

    __slots__ = ("_key", "_parent", "_root", "source")

    def __init__(self, source: str = "<pact>", path: str = "$") -> None:
        self.source = source
        self._root = path
        self._parent: Where | None = None
        self._key: str | int = ""

    @property
    def path(self) -> str:
        """The rendered JSON path (``$.interactions[0].request``)."""
        keys: list[str | int] = []
        node: Where | None = self
        while node is not None and node._parent is not None:
            keys.append(node._key)
            node = node._parent
        path = node._root if node is not None else "$"
        for key in reversed(keys):
            path = child_path(path, key)
        return path

    def at(self, key: str | int) -> Where:
        """The location of a child."""
        child = Where.__new__(Where)
        child.source = self.source
        child._root = ""
        child._parent = self
        child._key = key
        return child

    def fail(self, message: str, *, expected: str = "") -> NoReturn:
        """Raise a `PactFormatError` for this location."""
        raise PactFormatError(message, source=self.source, path=self.path, expected=expected)

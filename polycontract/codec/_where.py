"""Where in which document a value sits, for error messages that point at the problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from polycontract._paths import child_path
from polycontract.errors import PactFormatError


@dataclass(frozen=True, slots=True)
class Where:
    """A source name plus a JSON path; ``fail`` raises a `PactFormatError` pointing there."""

    source: str = "<pact>"
    path: str = "$"

    def at(self, key: str | int) -> Where:
        """The location of a child."""
        return Where(self.source, child_path(self.path, key))

    def fail(self, message: str, *, expected: str = "") -> NoReturn:
        """Raise a `PactFormatError` for this location."""
        raise PactFormatError(message, source=self.source, path=self.path, expected=expected)

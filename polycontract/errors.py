"""The one exception tree of polycontract: every error a user can see derives from `PolycontractError`."""

from __future__ import annotations

__all__ = [
    "BrokerError",
    "ContractViolation",
    "PactFormatError",
    "PolycontractError",
    "SchemaError",
    "StorageError",
    "UsageError",
]


class PolycontractError(Exception):
    """Base class of every error raised by polycontract."""

    exit_code: int = 2


class UsageError(PolycontractError, ValueError):
    """An API or CLI argument is wrong; the message quotes ``name=value`` and what was expected."""


class PactFormatError(PolycontractError, ValueError):
    """A pact document is malformed.

    ``source`` names the file (or ``<string>``), ``path`` the JSON path inside it
    (``$.interactions[0].request.matchingRules``) and ``expected`` what should have been there.
    """

    def __init__(self, message: str, *, source: str = "<pact>", path: str = "$", expected: str = "") -> None:
        self.source = source
        self.path = path
        self.expected = expected
        self.detail = message
        text = f"{source}: {path}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class ContractViolation(PolycontractError, AssertionError):
    """A contract was not honoured: raised in a test with every mismatch listed."""

    exit_code = 1


class SchemaError(PolycontractError, ValueError):
    """A schema (Avro, JSON Schema, OpenAPI) does not parse or is not valid.

    ``source`` names the schema (a file name or ``<schema>``), ``path`` the location inside it
    (a JSON pointer such as ``/properties/id``) and ``expected`` what should have been there.
    """

    def __init__(self, message: str, *, source: str = "<schema>", path: str = "", expected: str = "") -> None:
        self.source = source
        self.path = path
        self.expected = expected
        self.detail = message
        text = f"{source}: {path}: {message}" if path else f"{source}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class BrokerError(PolycontractError):
    """The broker refused a request or could not be reached."""


class StorageError(BrokerError):
    """The broker's storage failed or holds data that contradicts a request."""

"""A mismatch as JSON-ready data: in the verifier's own JSON report, and in the Pact Broker's ``testResults``."""

from __future__ import annotations

from typing import Any

from polycontract.model import Mismatch
from polycontract.verifier._report import jsonable

__all__ = ["broker_mismatch", "mismatch_json"]

#: The Pact Broker's names for the report's mismatch fields (``expected`` and ``actual`` keep theirs).
_BROKER_NAMES = {"kind": "attribute", "path": "identifier", "message": "description"}


def mismatch_json(m: Mismatch) -> dict[str, Any]:
    """``m`` as the verifier's JSON report shows it: kind, path, message, expected and actual values."""
    return {
        "kind": m.kind,
        "path": m.path,
        "message": m.message,
        "expected": jsonable(m.expected),
        "actual": jsonable(m.actual),
    }


def broker_mismatch(m: Mismatch) -> dict[str, Any]:
    """``m`` as one of the ``mismatches`` of a Pact Broker test result (attribute, identifier, description...)."""
    return {_BROKER_NAMES.get(name, name): value for name, value in mismatch_json(m).items()}

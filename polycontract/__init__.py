"""polycontract: consumer-driven contract testing for estates of independently released services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycontract.errors import (
    BrokerError,
    ContractViolation,
    PactFormatError,
    PolycontractError,
    SchemaError,
    StorageError,
    UsageError,
)

if TYPE_CHECKING:
    from polycontract.pact import Pact

__version__ = "0.1.0"

__all__ = [
    "BrokerError",
    "ContractViolation",
    "Pact",
    "PactFormatError",
    "PolycontractError",
    "SchemaError",
    "StorageError",
    "UsageError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Submodules load on first use so that `import polycontract` stays light.
    if name == "match":
        import importlib

        return importlib.import_module("polycontract.match")
    if name == "Pact":
        from polycontract.pact import Pact

        return Pact
    raise AttributeError(f"module 'polycontract' has no attribute {name!r}")

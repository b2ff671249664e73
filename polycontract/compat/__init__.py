"""Schema compatibility: Avro reader/writer resolution, JSON Schema evolution, OpenAPI diffs and
bi-directional checks of pacts against OpenAPI documents.

The submodules load on first use, so ``import polycontract.compat`` pulls in none of fastavro,
jsonschema or openapi-spec-validator::

    from polycontract.compat import avro
    avro.can_read(reader_schema, writer_schema).compatible
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import avro, bidirectional, jsonschema, openapi

__all__ = ["avro", "bidirectional", "jsonschema", "openapi"]

_SUBMODULES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"polycontract.compat.{name}")
    raise AttributeError(f"module 'polycontract.compat' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

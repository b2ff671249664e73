"""Internal interface: what the compat package offers the broker.

Not part of the public API. The broker reads a schema it stores (a dict or list, or JSON or YAML
text) with `load_document`, as the compatibility checks read theirs, so both reject the same
documents with the same `SchemaError`.
"""

from __future__ import annotations

from polycontract.compat._load import load_document

__all__ = ["load_document"]

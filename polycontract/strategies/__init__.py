"""Hypothesis strategies built from contracts: every value a contract allows, not only its example.

A pact pins one example per interaction; its matching rules allow many more values. These strategies
draw from everything the rules allow, so a consumer can be run against varied responses and a provider
against varied requests. Each strategy's simplest value is the contract's own example, so a failure
shrinks back toward it.

>>> from polycontract import match
>>> from polycontract.strategies import from_matchers
>>> from hypothesis import find
>>> find(from_matchers({"id": match.integer(7), "tags": match.each_like("red")}), lambda v: True)
{'id': 7, 'tags': ['red']}

- `from_matchers` / `from_rules`: JSON values within consumer-DSL matchers, or within an example and its
  body rules by path (what a pact file holds);
- `requests_for`, `responses_for`, `messages_for`: whole model requests, responses and message contents
  within an interaction's rules (path, query, headers, body, status, metadata);
- `from_json_schema`, `from_avro`: values valid under a schema contract.

hypothesis is the optional extra ``hypothesis`` (``pip install -e '.[hypothesis]'`` in polycontract's
checkout); this package loads it on first use of a strategy, so importing it costs nothing, and
``import polycontract`` never loads it.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any


def _hypothesis_installed() -> bool:
    """Whether hypothesis can be imported, found without importing it (importing this package stays cheap)."""
    try:
        return importlib.util.find_spec("hypothesis") is not None
    except (ImportError, ValueError):  # blocked (``sys.modules["hypothesis"] = None``) or broken
        return False


if not _hypothesis_installed():  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "polycontract.strategies needs hypothesis, the optional extra 'hypothesis' of polycontract: "
        "pip install -e '.[hypothesis]' in polycontract's checkout, or pip install 'hypothesis>=6.100'"
    )

if TYPE_CHECKING:
    from polycontract.strategies._http import messages_for, requests_for, responses_for
    from polycontract.strategies._json import from_matchers, from_rules
    from polycontract.strategies._jsonschema import from_json_schema
    from polycontract.strategies._schemas import from_avro

__all__ = [
    "from_avro",
    "from_json_schema",
    "from_matchers",
    "from_rules",
    "messages_for",
    "requests_for",
    "responses_for",
]

#: Public name -> the module of this package that defines it (loaded on first use: it imports hypothesis).
_HOMES = {
    "from_matchers": "_json",
    "from_rules": "_json",
    "requests_for": "_http",
    "responses_for": "_http",
    "messages_for": "_http",
    "from_json_schema": "_jsonschema",
    "from_avro": "_schemas",
}


def __getattr__(name: str) -> Any:
    """Load the strategy ``name`` from its module on first use (hypothesis is imported then, not before)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'polycontract.strategies' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"polycontract.strategies.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

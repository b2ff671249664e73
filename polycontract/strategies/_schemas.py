"""Values valid under an Avro schema contract, drawn over fastavro's parse (JSON Schema: `_jsonschema`).

Generation walks the schema as ``fastavro.parse_schema`` expands it: records, enums, arrays, maps, unions, fixed, named
references (recursive ones too) and the logical types (``decimal``, ``uuid``, ``date``, ``time-*``,
``timestamp-*``, ``local-timestamp-*``), which are drawn as the Python values fastavro writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from polycontract.errors import SchemaError

__all__ = ["from_avro"]

Strategy = st.SearchStrategy[Any]

#: How many items an Avro array or map gets at most (values stay small; hypothesis explores the rest).
MAX_ITEMS = 5
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_EPOCH_FROM, _EPOCH_TO = dt.datetime(1900, 1, 1), dt.datetime(2199, 12, 31, 23, 59, 59)


def from_avro(schema: Mapping[str, Any] | list[Any] | str) -> Strategy:
    """Python values fastavro writes under an Avro schema (a parsed or unparsed dict, a union list or JSON text).

    >>> from hypothesis import find
    >>> schema = {"type": "record", "name": "User", "fields": [{"name": "id", "type": "long"}]}
    >>> find(from_avro(schema), lambda v: True)
    {'id': 0}
    """
    try:
        import fastavro
    except ImportError:  # pragma: no cover - the schema extra installs it
        raise ImportError(
            "from_avro needs fastavro, in polycontract's extra 'schema': pip install -e '.[schema]'"
        ) from None
    if isinstance(schema, str) and schema.strip()[:1] in ("{", "["):
        try:
            schema = json.loads(schema)
        except ValueError as exc:
            raise SchemaError(f"the Avro schema is not valid JSON: {exc}") from None
    try:
        parsed = fastavro.parse_schema(dict(schema) if isinstance(schema, Mapping) else schema)
    except Exception as exc:  # fastavro raises several types for a bad schema
        raise SchemaError(f"the Avro schema does not parse: {exc}") from None
    named = parsed.get("__named_schemas", {}) if isinstance(parsed, dict) else {}
    return _Avro(named).of(parsed, "")


class _Avro:
    """Strategies of Avro types, named types looked up (and recursion deferred) by full name."""

    def __init__(self, named: Mapping[str, Any]) -> None:
        self.named = named
        self.built: dict[str, Strategy] = {}

    def of(self, schema: Any, where: str) -> Strategy:
        if isinstance(schema, list):
            return st.one_of([self.of(branch, f"{where}/{i}") for i, branch in enumerate(schema)])
        if isinstance(schema, str):
            if schema in self.named:
                return st.deferred(lambda: self.named_type(schema, where))
            return self.primitive(schema, where)
        if not isinstance(schema, Mapping):
            raise SchemaError(f"unexpected Avro schema {schema!r}", path=where)
        logical = schema.get("logicalType")
        if logical is not None:
            found = self.logical(str(logical), schema)
            if found is not None:
                return found
        kind = schema.get("type")
        if kind == "record" or kind == "error":
            fields = schema.get("fields") or []
            return st.fixed_dictionaries({f["name"]: self.of(f["type"], f"{where}/fields/{f['name']}") for f in fields})
        if kind == "enum":
            return st.sampled_from(list(schema["symbols"]))
        if kind == "array":
            return st.lists(self.of(schema["items"], f"{where}/items"), max_size=MAX_ITEMS)
        if kind == "map":
            return st.dictionaries(st.text(), self.of(schema["values"], f"{where}/values"), max_size=MAX_ITEMS)
        if kind == "fixed":
            size = int(schema["size"])
            return st.binary(min_size=size, max_size=size)
        return self.of(kind, where)

    def named_type(self, name: str, where: str) -> Strategy:
        found = self.built.get(name)
        if found is None:
            found = self.built[name] = self.of(self.named[name], where)
        return found

    def primitive(self, name: str, where: str) -> Strategy:
        strategies: dict[str, Strategy] = {
            "null": st.none(),
            "boolean": st.booleans(),
            "int": st.integers(*_INT32),
            "long": st.integers(*_INT64),
            "float": st.floats(width=32, allow_nan=False, allow_infinity=False),
            "double": st.floats(allow_nan=False, allow_infinity=False),
            "bytes": st.binary(),
            "string": st.text(),
        }
        found = strategies.get(name)
        if found is None:
            raise SchemaError(f"unknown Avro type {name!r}", path=where)
        return found

    def logical(self, logical: str, schema: Mapping[str, Any]) -> Strategy | None:
        """The values of a logical type, or None for one fastavro does not know (its base type is used)."""
        base = schema.get("type")
        if logical == "decimal" and base in ("bytes", "fixed"):
            precision, scale = int(schema.get("precision", 1)), int(schema.get("scale", 0))
            limit = 10**precision - 1
            return st.integers(-limit, limit).map(lambda n: Decimal(n).scaleb(-scale))
        if logical == "uuid" and base == "string":
            return st.uuids().map(str)
        if logical == "date" and base == "int":
            return st.dates(min_value=_EPOCH_FROM.date(), max_value=_EPOCH_TO.date())
        if logical in ("time-millis", "time-micros"):
            times = st.times()
            return (
                times.map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
                if "millis" in logical
                else times
            )
        if logical in ("timestamp-millis", "timestamp-micros"):
            return st.datetimes(min_value=_EPOCH_FROM, max_value=_EPOCH_TO, timezones=st.just(dt.UTC))
        if logical in ("local-timestamp-millis", "local-timestamp-micros"):
            return st.datetimes(min_value=_EPOCH_FROM, max_value=_EPOCH_TO)
        return None

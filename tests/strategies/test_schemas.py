"""`from_json_schema` and `from_avro`: every value drawn is valid under its schema (jsonschema, fastavro)."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import jsonschema
import pytest
from fastavro.validation import validate
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from polycontract.errors import SchemaError
from polycontract.strategies import from_avro, from_json_schema

#: What `find` needs (generate, then shrink), without the example database or the explain phase.
FIND = settings(database=None, phases=[Phase.generate, Phase.shrink])
PROOF = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

JSON_SCHEMAS: dict[str, Any] = {
    "object with required fields": {
        "type": "object",
        "required": ["id", "email"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "email": {"type": "string", "format": "email"},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "maxItems": 3},
            "status": {"enum": ["new", "paid"]},
        },
        "additionalProperties": False,
    },
    "one of and refs": {
        "definitions": {
            "money": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]}
        },
        "oneOf": [{"$ref": "#/definitions/money"}, {"type": "null"}],
    },
    "pattern": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"},
    "numbers": {
        "type": "object",
        "required": ["a", "b", "c"],
        "properties": {
            "a": {"type": "integer", "minimum": -3, "exclusiveMaximum": 10, "multipleOf": 3},
            "b": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "c": {"type": "number", "multipleOf": 0.5, "minimum": 1},
        },
    },
    "draft 4 exclusive bounds": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 5,
        "exclusiveMaximum": True,
    },
    "arrays": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "boolean"}],
        "items": {"type": "integer"},
        "minItems": 3,
        "uniqueItems": True,
    },
    "formats": {
        "type": "object",
        "required": ["d", "t", "u", "e"],
        "properties": {
            "d": {"type": "string", "format": "date"},
            "t": {"type": "string", "format": "date-time"},
            "u": {"type": "string", "format": "uuid"},
            "e": {"type": "string", "format": "email"},
        },
    },
    "all of, not, nullable type list": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"]},
            {"properties": {"b": {"not": {"type": "string"}}}, "required": ["b"]},
        ]
    },
    "additional properties schema": {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "minProperties": 2,
    },
    "recursive ref": {
        "$defs": {
            "tree": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/tree"}, "maxItems": 2}},
            }
        },
        "$ref": "#/$defs/tree",
    },
}

AVRO_SCHEMAS: dict[str, Any] = {
    "primitives": {
        "type": "record",
        "name": "P",
        "fields": [
            {"name": name, "type": name}
            for name in ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
        ],
    },
    "complex": {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
            {"name": "again", "type": "Status"},
            {
                "name": "lines",
                "type": {
                    "type": "array",
                    "items": {
                        "type": "record",
                        "name": "Line",
                        "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}],
                    },
                },
            },
            {"name": "attrs", "type": {"type": "map", "values": "long"}},
            {"name": "note", "type": ["null", "string"], "default": None},
            {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        ],
    },
    "logical types": {
        "type": "record",
        "name": "L",
        "fields": [
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "at_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
            {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
            {"name": "t_ms", "type": {"type": "int", "logicalType": "time-millis"}},
            {"name": "t_us", "type": {"type": "long", "logicalType": "time-micros"}},
            {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}},
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        ],
    },
    "recursive": {
        "type": "record",
        "name": "Node",
        "fields": [{"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}],
    },
    "top-level union": ["null", "int", {"type": "array", "items": "string"}],
}


@pytest.mark.parametrize("name", list(JSON_SCHEMAS))
@PROOF
@given(data=st.data())
def test_every_json_schema_value_validates(name: str, data: st.DataObject) -> None:
    schema = JSON_SCHEMAS[name]

    value = data.draw(from_json_schema(schema))

    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", list(AVRO_SCHEMAS))
@PROOF
@given(data=st.data())
def test_every_avro_value_validates_and_writes(name: str, data: st.DataObject) -> None:
    schema = AVRO_SCHEMAS[name]
    parsed = fastavro.parse_schema(schema)

    value = data.draw(from_avro(schema))

    assert validate(value, parsed, raise_errors=True)
    fastavro.schemaless_writer(io.BytesIO(), parsed, value)


def test_a_remote_reference_is_refused() -> None:
    with pytest.raises(SchemaError, match="only local references"):
        from_json_schema({"$ref": "https://example.com/schema.json"})


def test_avro_schema_as_json_text_is_read() -> None:
    assert find(from_avro('{"type": "enum", "name": "E", "symbols": ["A", "B"]}'), lambda v: True, settings=FIND) == "A"


def test_a_json_schema_that_is_not_valid_is_refused() -> None:
    with pytest.raises(SchemaError, match="JSON Schema"):
        from_json_schema({"type": "no-such-type"})


def test_an_avro_schema_that_does_not_parse_is_refused() -> None:
    with pytest.raises(SchemaError, match="does not parse"):
        from_avro({"type": "record", "name": "R", "fields": [{"name": "a", "type": "nope"}]})

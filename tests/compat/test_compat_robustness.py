"""Whatever the input, the checkers answer or raise `SchemaError`: never another exception."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract.compat import avro, jsonschema, openapi
from polycontract.errors import SchemaError

KEYWORDS = [
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "anyOf",
    "oneOf",
    "allOf",
    "additionalProperties",
    "minimum",
    "maxLength",
    "pattern",
    "$ref",
    "const",
    "not",
    "prefixItems",
    "fields",
    "name",
    "symbols",
    "size",
    "values",
    "default",
    "aliases",
    "namespace",
    "logicalType",
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(
        [
            "string",
            "integer",
            "number",
            "object",
            "array",
            "null",
            "record",
            "enum",
            "fixed",
            "map",
            "int",
            "long",
            "R",
            "#/$defs/a",
            "#",
            "^a",
            "x",
        ]
    ),
)
DOCS = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYWORDS), children, max_size=4)
    ),
    max_leaves=12,
)


def answers_or_schema_error(call: Any) -> None:
    with contextlib.suppress(SchemaError):
        call()


@settings(max_examples=300, deadline=None)
@given(DOCS, DOCS)
def test_jsonschema_compare_never_crashes(old: Any, new: Any) -> None:
    answers_or_schema_error(lambda: jsonschema.compare(old, new))


@settings(max_examples=300, deadline=None)
@given(DOCS, DOCS)
def test_avro_can_read_never_crashes(reader: Any, writer: Any) -> None:
    answers_or_schema_error(lambda: avro.can_read(reader, writer))


@settings(max_examples=100, deadline=None)
@given(DOCS)
def test_openapi_diff_never_crashes(doc: Any) -> None:
    base = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    answers_or_schema_error(lambda: openapi.diff(base, doc))
    answers_or_schema_error(lambda: openapi.diff(base, {**base, "paths": {"/a": {"get": doc}}}))

"""Counterexamples for schema findings: a value one schema produces that the other rejects, found and shrunk."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pytest
from jsonschema import Draft202012Validator

from polycontract.compat import counterexamples as cx
from polycontract.compat import jsonschema as js

pytest.importorskip("hypothesis")


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "User", "fields": list(fields)}


def fastavro_reads(value: Any, writer: Any, reader: Any) -> bool:
    """Write ``value`` with ``writer`` and read it with ``reader``: True if fastavro resolves it."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(writer), value)
    try:
        fastavro.schemaless_reader(
            io.BytesIO(out.getvalue()), fastavro.parse_schema(writer), fastavro.parse_schema(reader)
        )
    except Exception:
        return False
    return True


def valid(schema: Any, value: Any) -> bool:
    return Draft202012Validator(schema).is_valid(value)


OLD_USER = record({"name": "id", "type": "long"})
NEW_USER = record({"name": "id", "type": "long"}, {"name": "email", "type": "string"})


def test_avro_field_added_without_default_has_a_message_the_new_schema_cannot_read() -> None:
    found = cx.avro_search(NEW_USER, OLD_USER, reader_name="new", writer_name="old")
    assert found.found
    assert found.value == {"id": 0}  # shrunk
    assert not fastavro_reads(found.value, OLD_USER, NEW_USER)
    assert str(found).startswith('this message, written by old, cannot be read by new: {"id": 0}')
    assert "email" in found.error


def test_avro_examples_show_the_value_under_each_breaking_finding() -> None:
    found = cx.avro_examples(NEW_USER, [OLD_USER], "BACKWARD")
    assert [s.finding.rule for s in found.findings] == ["reader-field-missing-default"]
    example = found.findings[0].example
    assert example is not None and example.found
    assert not fastavro_reads(example.value, OLD_USER, NEW_USER)
    assert not found.contradicted


def test_avro_enum_symbol_added_is_shown_with_the_new_symbol_forward() -> None:
    old = {"type": "enum", "name": "Colour", "symbols": ["RED"]}
    new = {"type": "enum", "name": "Colour", "symbols": ["RED", "BLUE"]}
    found = cx.avro_examples(new, [old], "FORWARD")
    (shown,) = [s for s in found.findings if s.example is not None]
    assert shown.example is not None and shown.example.value == "BLUE"
    assert not fastavro_reads("BLUE", new, old)


def test_avro_compatible_change_has_no_counterexample() -> None:
    new = record({"name": "id", "type": "long"}, {"name": "email", "type": "string", "default": ""})
    found = cx.avro_examples(new, [OLD_USER], "FULL")
    assert [d.example.found for d in found.directions] == [False, False]
    assert all(str(d.example) == "no counterexample found in 100 tries" for d in found.directions)
    assert not found.contradicted


def test_avro_bytes_read_as_string_is_safe_by_rules_but_a_value_breaks_it() -> None:
    found = cx.avro_examples("string", ["bytes"], "BACKWARD")
    assert found.contradicted
    first = found.findings[0]
    assert first.finding.rule == cx.CONTRADICTION and first.finding.severity == "error"
    assert first.example is not None
    value = first.example.value.encode("iso-8859-1")  # Avro's JSON encoding of bytes
    assert not fastavro_reads(value, "bytes", "string")
    assert "bytes-read-as-string" in [s.finding.rule for s in found.findings]


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ({"type": "number"}, {"type": "integer"}, "TYPE_NARROWED"),
        (
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            "REQUIRED_ATTRIBUTE_ADDED",
        ),
        ({"enum": ["a", "b", "c"]}, {"enum": ["a", "c"]}, "ENUM_ARRAY_NARROWED"),
    ],
)
def test_jsonschema_breaking_change_has_a_value_valid_under_old_and_invalid_under_new(
    old: dict[str, Any], new: dict[str, Any], change: str
) -> None:
    found = cx.jsonschema_examples(old, new, "BACKWARD")
    breaking = [s for s in found.findings if not s.finding.compatible]
    assert change in [s.finding.change for s in breaking]
    for shown in breaking:
        assert shown.example is not None and shown.example.found
        assert valid(old, shown.example.value)
        assert not valid(new, shown.example.value)


def test_jsonschema_each_finding_gets_a_value_breaking_that_change() -> None:
    old = {"type": "object", "properties": {"n": {"type": "number"}}}
    new = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    found = cx.jsonschema_examples(old, new)
    values = {s.finding.change: s.example.value for s in found.findings if s.example is not None}
    assert values["REQUIRED_ATTRIBUTE_ADDED"] == {}
    assert values["TYPE_NARROWED"] == {"n": 0.5}


def test_jsonschema_compatible_change_has_no_counterexample() -> None:
    found = cx.jsonschema_examples({"type": "integer"}, {"type": "number"}, "BACKWARD")
    assert not found.directions[0].example.found
    assert not found.contradicted
    assert str(found.directions[0].example) == "no counterexample found in 100 tries"


def test_jsonschema_contains_added_is_safe_by_rules_but_a_value_breaks_it() -> None:
    old, new = {"type": "array"}, {"type": "array", "contains": {"type": "integer"}}
    assert js.compare(old, new).backward  # the rule table calls it safe
    found = cx.jsonschema_examples(old, new, "BACKWARD")
    assert found.contradicted
    first = found.findings[0]
    assert first.finding.change == cx.CONTRADICTION and not first.finding.compatible
    assert first.example is not None
    assert valid(old, first.example.value) and not valid(new, first.example.value)


def test_no_counterexample_within_the_budget_is_said_plainly() -> None:
    found = cx.jsonschema_search({"type": "string"}, {"type": "string", "maxLength": 30}, budget=5)
    assert not found.found and found.tries == 5
    assert str(found) == "no counterexample found in 5 tries"


def test_the_search_is_deterministic_for_a_seed() -> None:
    old = {"type": "array", "items": {"type": "integer"}}
    new = {"type": "array", "items": {"type": "integer", "maximum": 3}, "maxItems": 2}
    first, second = (cx.jsonschema_examples(old, new, budget=50, seed=7) for _ in range(2))
    assert [s.example for s in first.findings] == [s.example for s in second.findings]
    assert any(s.example is not None and s.example.found for s in first.findings)


def test_a_budget_below_one_is_refused() -> None:
    from polycontract.errors import UsageError

    with pytest.raises(UsageError, match="budget=0"):
        cx.jsonschema_search({}, {}, budget=0)


def test_public_names_are_pinned() -> None:
    assert sorted(cx.__all__) == sorted(
        [
            "CONTRADICTION",
            "DEFAULT_BUDGET",
            "Counterexample",
            "Direction",
            "Examples",
            "Shown",
            "avro_contradiction",
            "avro_examples",
            "avro_search",
            "contradiction_message",
            "jsonschema_contradiction",
            "jsonschema_examples",
            "jsonschema_search",
            "openapi_examples",
        ]
    )


def test_docstring_examples_hold() -> None:
    import doctest

    from polycontract.compat import _plain

    for module in (cx, _plain):
        failed, tried = doctest.testmod(module)
        assert (failed, tried > 0) == (0, True)


def test_avro_bytes_show_as_escaped_text_so_invisible_bytes_are_visible() -> None:
    found = cx.avro_search("string", "bytes", reader_name="new", writer_name="old")
    assert found.value == "\x80"
    assert str(found).startswith('this message, written by old, cannot be read by new: "\\u0080"')


def test_a_schema_values_cannot_be_drawn_from_is_said_so_not_claimed_safe() -> None:
    contradictory = {"allOf": [{"type": "integer"}, {"type": "string"}]}
    found = cx.jsonschema_search(contradictory, {"type": "integer"}, budget=20)
    assert not found.found
    assert str(found) == "no counterexample: values valid under old could not be drawn in 20 tries (Unsatisfiable)"

"""JSON Schema compatibility with Confluent semantics: one row per rule, judged in both directions."""

from __future__ import annotations

from typing import Any

import pytest

from polycontract.compat import jsonschema
from polycontract.errors import SchemaError


def obj(props: dict[str, Any], *, required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, **extra}
    if required:
        out["required"] = list(required)
    return out


S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741
N = {"type": "number"}
CLOSED = {"additionalProperties": False}

# (id, old, new, backward, forward, change seen in the backward direction)
CASES: list[tuple[str, Any, Any, bool, bool, str | None]] = [
    ("identical", obj({"a": S}), obj({"a": S}), True, True, None),
    ("integer-to-number-extends", I, N, True, False, "TYPE_EXTENDED"),
    ("number-to-integer-narrows", N, I, False, True, "TYPE_NARROWED"),
    ("string-to-integer-changes", S, I, False, False, "TYPE_CHANGED"),
    ("single-type-to-type-array-extends", S, {"type": ["string", "null"]}, True, False, "SUM_TYPE_EXTENDED"),
    ("single-type-to-anyof-extends", S, {"anyOf": [S, I]}, True, False, "SUM_TYPE_EXTENDED"),
    (
        "property-added-to-open-model",
        obj({"a": S}),
        obj({"a": S, "b": S}),
        False,
        True,
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    ),
    (
        "empty-schema-property-added-to-open-model",
        obj({"a": S}),
        obj({"a": S, "b": {}}),
        True,
        True,
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    ),
    (
        "optional-property-added-to-closed-model",
        obj({"a": S}, **CLOSED),
        obj({"a": S, "b": S}, **CLOSED),
        True,
        False,
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    ),
    (
        "required-property-added-to-closed-model",
        obj({"a": S}, **CLOSED),
        obj({"a": S, "b": S}, required=("b",), **CLOSED),
        False,
        False,
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    ),
    (
        "required-property-with-default-added-to-closed-model",
        obj({"a": S}, **CLOSED),
        obj({"a": S, "b": {"type": "string", "default": "x"}}, required=("b",), **CLOSED),
        True,
        False,
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
    ),
    (
        "property-removed-from-open-model",
        obj({"a": S, "b": S}),
        obj({"a": S}),
        True,
        False,
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    ),
    (
        "required-property-removed-from-open-model",
        obj({"a": S, "b": S}, required=("b",)),
        obj({"a": S}),
        True,
        False,
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    ),
    (
        "property-removed-from-closed-model",
        obj({"a": S, "b": S}, **CLOSED),
        obj({"a": S}, **CLOSED),
        False,
        True,
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    ),
    (
        "false-property-removed-from-closed-model",
        obj({"a": S, "b": False}, **CLOSED),
        obj({"a": S}, **CLOSED),
        True,
        True,
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    ),
    (
        "property-added-covered-by-partial-model",
        obj({"a": S}, additionalProperties=S),
        obj({"a": S, "b": S}, additionalProperties=S),
        True,
        True,
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    ),
    (
        "property-added-not-covered-by-partial-model",
        obj({"a": S}, additionalProperties=S),
        obj({"a": S, "b": I}, additionalProperties=S),
        False,
        False,
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    ),
    (
        "property-added-covered-by-pattern-properties",
        obj({"a": S}, patternProperties={"^x_": S}),
        obj({"a": S, "x_b": S}, patternProperties={"^x_": S}),
        True,
        True,
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    ),
    ("required-removed", obj({"a": S}, required=("a",)), obj({"a": S}), True, False, "REQUIRED_ATTRIBUTE_REMOVED"),
    ("required-added", obj({"a": S}), obj({"a": S}, required=("a",)), False, True, "REQUIRED_ATTRIBUTE_ADDED"),
    (
        "required-added-with-default",
        obj({"a": {"type": "string", "default": "x"}}),
        obj({"a": {"type": "string", "default": "x"}}, required=("a",)),
        True,
        True,
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
    ),
    ("additional-properties-opened", obj({}, **CLOSED), obj({}), True, False, "ADDITIONAL_PROPERTIES_ADDED"),
    ("additional-properties-closed", obj({}), obj({}, **CLOSED), False, True, "ADDITIONAL_PROPERTIES_REMOVED"),
    (
        "additional-properties-narrowed",
        obj({}),
        obj({}, additionalProperties=S),
        False,
        True,
        "ADDITIONAL_PROPERTIES_NARROWED",
    ),
    (
        "additional-properties-extended",
        obj({}, additionalProperties=S),
        obj({}),
        True,
        False,
        "ADDITIONAL_PROPERTIES_EXTENDED",
    ),
    ("enum-extended", {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, True, False, "ENUM_ARRAY_EXTENDED"),
    ("enum-narrowed", {"enum": ["a", "b"]}, {"enum": ["a"]}, False, True, "ENUM_ARRAY_NARROWED"),
    ("enum-changed", {"enum": ["a", "b"]}, {"enum": ["a", "c"]}, False, False, "ENUM_ARRAY_CHANGED"),
    ("const-to-enum-extends", {"const": "a"}, {"enum": ["a", "b"]}, True, False, "ENUM_ARRAY_EXTENDED"),
    (
        "max-length-increased",
        {"type": "string", "maxLength": 5},
        {"type": "string", "maxLength": 9},
        True,
        False,
        "MAX_LENGTH_INCREASED",
    ),
    ("max-length-added", S, {"type": "string", "maxLength": 5}, False, True, "MAX_LENGTH_ADDED"),
    (
        "min-length-decreased",
        {"type": "string", "minLength": 3},
        {"type": "string", "minLength": 1},
        True,
        False,
        "MIN_LENGTH_DECREASED",
    ),
    ("pattern-removed", {"type": "string", "pattern": "^a"}, S, True, False, "PATTERN_REMOVED"),
    (
        "pattern-changed",
        {"type": "string", "pattern": "^a"},
        {"type": "string", "pattern": "^a|^b"},
        False,
        False,
        "PATTERN_CHANGED",
    ),
    (
        "maximum-increased",
        {"type": "number", "maximum": 5},
        {"type": "number", "maximum": 10},
        True,
        False,
        "MAXIMUM_INCREASED",
    ),
    (
        "minimum-increased",
        {"type": "number", "minimum": 0},
        {"type": "number", "minimum": 1},
        False,
        True,
        "MINIMUM_INCREASED",
    ),
    (
        "exclusive-maximum-removed",
        {"type": "number", "exclusiveMaximum": 5},
        N,
        True,
        False,
        "EXCLUSIVE_MAXIMUM_REMOVED",
    ),
    (
        "draft4-boolean-exclusive-minimum-decreased",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "number",
            "minimum": 5,
            "exclusiveMinimum": True,
        },
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "number",
            "minimum": 2,
            "exclusiveMinimum": True,
        },
        True,
        False,
        "EXCLUSIVE_MINIMUM_DECREASED",
    ),
    (
        "multiple-of-reduced",
        {"type": "number", "multipleOf": 4},
        {"type": "number", "multipleOf": 2},
        True,
        False,
        "MULTIPLE_OF_REDUCED",
    ),
    (
        "multiple-of-changed",
        {"type": "number", "multipleOf": 3},
        {"type": "number", "multipleOf": 2},
        False,
        False,
        "MULTIPLE_OF_CHANGED",
    ),
    (
        "array-items-extended",
        {"type": "array", "items": I},
        {"type": "array", "items": N},
        True,
        False,
        "TYPE_EXTENDED",
    ),
    (
        "max-items-decreased",
        {"type": "array", "maxItems": 5},
        {"type": "array", "maxItems": 2},
        False,
        True,
        "MAX_ITEMS_DECREASED",
    ),
    ("min-items-removed", {"type": "array", "minItems": 1}, {"type": "array"}, True, False, "MIN_ITEMS_REMOVED"),
    (
        "unique-items-added",
        {"type": "array"},
        {"type": "array", "uniqueItems": True},
        False,
        True,
        "UNIQUE_ITEMS_ADDED",
    ),
    (
        "tuple-item-added-to-closed-model",
        {"type": "array", "prefixItems": [S], "items": False},
        {"type": "array", "prefixItems": [S, I], "items": False},
        True,
        False,
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
    ),
    (
        "tuple-item-added-to-open-model",
        {"type": "array", "prefixItems": [S]},
        {"type": "array", "prefixItems": [S, I]},
        False,
        True,
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
    ),
    ("oneof-branch-added", {"oneOf": [S, I]}, {"oneOf": [S, I, {"type": "null"}]}, True, False, "SUM_TYPE_EXTENDED"),
    ("anyof-branch-removed", {"anyOf": [S, I]}, {"anyOf": [S]}, False, True, "SUM_TYPE_NARROWED"),
    (
        "allof-branch-removed",
        {"allOf": [obj({"a": S}), obj({"b": S})]},
        {"allOf": [obj({"a": S})]},
        True,
        False,
        "PRODUCT_TYPE_NARROWED",
    ),
    ("oneof-to-anyof-extends", {"oneOf": [S, I]}, {"anyOf": [S, I]}, True, False, "COMBINED_TYPE_EXTENDED"),
    ("anyof-to-allof-changes", {"anyOf": [S, I]}, {"allOf": [S, I]}, False, True, "COMBINED_TYPE_CHANGED"),
    (
        "combined-branch-changed",
        {"anyOf": [S, I]},
        {"anyOf": [S, {"type": "boolean"}]},
        False,
        False,
        "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
    ),
    (
        "metadata-only",
        {"type": "string", "title": "a", "description": "x"},
        {"type": "string", "title": "b"},
        True,
        True,
        "TITLE_CHANGED",
    ),
    ("true-schema-accepts-everything", S, True, True, False, None),
    ("false-schema-to-anything", False, S, True, False, None),
]


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward", "change"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_jsonschema_rule(old: Any, new: Any, backward: bool, forward: bool, change: str | None) -> None:
    report = jsonschema.compare(old, new)
    assert (report.backward, report.forward) == (backward, forward), [str(f) for f in report.findings]
    if change is not None:
        assert change in {f.change for f in report.findings if f.direction == "backward"}


def test_findings_carry_a_json_pointer() -> None:
    old = obj({"user": obj({"zip": {"type": "string", "maxLength": 5}})})
    new = obj({"user": obj({"zip": {"type": "string", "maxLength": 4}})})
    [finding] = jsonschema.compare(old, new).incompatible
    assert finding.pointer == "/properties/user/properties/zip/maxLength"
    assert finding.direction == "backward"


def test_pointer_escapes_slashes_in_property_names() -> None:
    [finding] = jsonschema.compare(obj({}), obj({"a/b": S})).incompatible
    assert finding.pointer == "/properties/a~1b"


def test_local_refs_are_resolved() -> None:
    old = {"$defs": {"n": I}, "type": "object", "properties": {"n": {"$ref": "#/$defs/n"}}}
    new = {"definitions": {"n": N}, "type": "object", "properties": {"n": {"$ref": "#/definitions/n"}}}
    report = jsonschema.compare(old, new)
    assert (report.backward, report.forward) == (True, False)


def test_recursive_refs_terminate() -> None:
    tree = {"type": "object", "properties": {"value": I, "children": {"type": "array", "items": {"$ref": "#"}}}}
    wider = {"type": "object", "properties": {"value": N, "children": {"type": "array", "items": {"$ref": "#"}}}}
    report = jsonschema.compare(tree, wider)
    assert report.backward and not report.forward


def test_yaml_and_json_text_are_accepted() -> None:
    assert jsonschema.compare('{"type": "integer"}', "type: number\n").backward


def test_unresolvable_ref_is_a_schema_error_with_its_location() -> None:
    with pytest.raises(SchemaError) as info:
        jsonschema.compare(obj({"a": {"$ref": "#/$defs/missing"}}), obj({"a": S}), old_name="v1.json")
    assert info.value.source == "v1.json"
    assert info.value.path == "/properties/a/$ref"


def test_invalid_schema_is_a_schema_error_naming_the_keyword() -> None:
    with pytest.raises(SchemaError) as info:
        jsonschema.compare({"type": "object", "properties": {"a": {"type": "strin"}}}, S, old_name="bad.json")
    assert info.value.source == "bad.json"
    assert info.value.path == "/properties/a/type"


def test_non_schema_document_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="object or a boolean"):
        jsonschema.compare("[1, 2]", S)


def test_diff_reports_confluent_differences_for_one_direction() -> None:
    changes = {f.change for f in jsonschema.diff(I, N)}
    assert changes == {"TYPE_EXTENDED"}
    assert "TYPE_EXTENDED" in jsonschema.COMPATIBLE_CHANGES


def test_non_string_dialect_is_a_schema_error() -> None:
    with pytest.raises(SchemaError) as info:
        jsonschema.compare({"$schema": 5}, S)
    assert info.value.path == "/$schema"

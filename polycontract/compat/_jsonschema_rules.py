"""Small JSON Schema rule functions: each compares one keyword family of two schema nodes.

A rule yields ``(keyword, change)`` pairs, where ``change`` is a name from Confluent Schema
Registry's ``Difference.Type`` and ``keyword`` the path segment the change sits under. Whether a
change is compatible is `is_compatible` (Confluent's ``SchemaDiff.COMPATIBLE_CHANGES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

__all__ = [
    "COMPATIBLE_CHANGES",
    "array_attribute_changes",
    "enum_changes",
    "is_compatible",
    "kind_of",
    "number_changes",
    "object_attribute_changes",
    "string_changes",
]

Change = tuple[str, str]

COMPATIBLE_CHANGES = frozenset(
    {
        "ID_CHANGED",
        "DESCRIPTION_CHANGED",
        "TITLE_CHANGED",
        "DEFAULT_CHANGED",
        "SCHEMA_REMOVED",
        "TYPE_EXTENDED",
        "MAX_LENGTH_INCREASED",
        "MAX_LENGTH_REMOVED",
        "MIN_LENGTH_DECREASED",
        "MIN_LENGTH_REMOVED",
        "PATTERN_REMOVED",
        "MAXIMUM_INCREASED",
        "MAXIMUM_REMOVED",
        "MINIMUM_DECREASED",
        "MINIMUM_REMOVED",
        "EXCLUSIVE_MAXIMUM_INCREASED",
        "EXCLUSIVE_MAXIMUM_REMOVED",
        "EXCLUSIVE_MINIMUM_DECREASED",
        "EXCLUSIVE_MINIMUM_REMOVED",
        "MULTIPLE_OF_REDUCED",
        "MULTIPLE_OF_REMOVED",
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        "REQUIRED_ATTRIBUTE_REMOVED",
        "DEPENDENCY_ARRAY_NARROWED",
        "DEPENDENCY_ARRAY_REMOVED",
        "DEPENDENCY_SCHEMA_REMOVED",
        "MAX_PROPERTIES_INCREASED",
        "MAX_PROPERTIES_REMOVED",
        "MIN_PROPERTIES_DECREASED",
        "MIN_PROPERTIES_REMOVED",
        "ADDITIONAL_PROPERTIES_ADDED",
        "ADDITIONAL_PROPERTIES_EXTENDED",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "MAX_ITEMS_INCREASED",
        "MAX_ITEMS_REMOVED",
        "MIN_ITEMS_DECREASED",
        "MIN_ITEMS_REMOVED",
        "UNIQUE_ITEMS_REMOVED",
        "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_EXTENDED",
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ENUM_ARRAY_EXTENDED",
        "COMBINED_TYPE_EXTENDED",
        "PRODUCT_TYPE_NARROWED",
        "SUM_TYPE_EXTENDED",
        "NOT_TYPE_NARROWED",
    }
)

_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties"}
)
_ARRAY_KEYWORDS = frozenset({"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"})
_STRING_KEYWORDS = frozenset({"minLength", "maxLength", "pattern"})
_NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_METADATA = frozenset(
    {"$schema", "$id", "id", "title", "description", "default", "examples", "$comment", "definitions", "$defs"}
)


def is_compatible(change: str) -> bool:
    """Whether Confluent counts ``change`` as compatible."""
    return change in COMPATIBLE_CHANGES


def kind_of(node: Any) -> str:
    """Classify a schema node the way Everit's schema classes do (``$ref`` already resolved).

    Returns one of ``false``, ``empty``, ``combined``, ``not``, ``enum``, ``object``, ``array``,
    ``string``, ``number``, ``boolean``, ``null``.
    """
    if node is False:
        return "false"
    if node is True or not isinstance(node, dict):
        return "empty"
    if any(k in node for k in ("anyOf", "oneOf", "allOf")):
        return "combined"
    kind = node.get("type")
    if isinstance(kind, list):
        return "combined" if len(kind) != 1 else _single(kind[0])
    if "enum" in node or "const" in node:
        return "enum"
    if "not" in node:
        return "not"
    if isinstance(kind, str):
        return _single(kind)
    keys = node.keys()
    for name, keywords in (
        ("object", _OBJECT_KEYWORDS),
        ("array", _ARRAY_KEYWORDS),
        ("string", _STRING_KEYWORDS),
        ("number", _NUMBER_KEYWORDS),
    ):
        if keys & keywords:
            return name
    return "empty"


def _single(kind: str) -> str:
    return "number" if kind == "integer" else kind


def _bounded(keyword: str, old: Any, new: Any, prefix: str) -> Iterator[Change]:
    """Compare a numeric bound: ``PREFIX_ADDED``, ``_REMOVED``, ``_INCREASED`` or ``_DECREASED``."""
    if old == new:
        return
    if old is None:
        yield keyword, f"{prefix}_ADDED"
    elif new is None:
        yield keyword, f"{prefix}_REMOVED"
    else:
        yield keyword, f"{prefix}_INCREASED" if new > old else f"{prefix}_DECREASED"


def string_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """``maxLength`` may grow or go, ``minLength`` may shrink or go, ``pattern`` may only go."""
    yield from _bounded("maxLength", old.get("maxLength"), new.get("maxLength"), "MAX_LENGTH")
    yield from _bounded("minLength", old.get("minLength"), new.get("minLength"), "MIN_LENGTH")
    o_pattern, n_pattern = old.get("pattern"), new.get("pattern")
    if o_pattern != n_pattern:
        change = "PATTERN_ADDED" if o_pattern is None else "PATTERN_REMOVED" if n_pattern is None else "PATTERN_CHANGED"
        yield "pattern", change


def _limits(node: dict[str, Any]) -> dict[str, Any]:
    """Read numeric limits, turning draft-4 boolean ``exclusiveMaximum``/``exclusiveMinimum`` into values."""
    out = {k: node.get(k) for k in _NUMBER_KEYWORDS}
    for exclusive, inclusive in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        if isinstance(out[exclusive], bool):
            out[exclusive] = out[inclusive] if out[exclusive] else None
            if out[exclusive] is not None:
                out[inclusive] = None
    return out


def number_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """integer → number extends the type; bounds relax when maxima grow, minima shrink, multipleOf divides."""
    o_int, n_int = old.get("type") == "integer", new.get("type") == "integer"
    if o_int and not n_int:
        yield "type", "TYPE_EXTENDED"
    elif n_int and not o_int:
        yield "type", "TYPE_NARROWED"
    o, n = _limits(old), _limits(new)
    yield from _bounded("maximum", o["maximum"], n["maximum"], "MAXIMUM")
    yield from _bounded("minimum", o["minimum"], n["minimum"], "MINIMUM")
    yield from _bounded("exclusiveMaximum", o["exclusiveMaximum"], n["exclusiveMaximum"], "EXCLUSIVE_MAXIMUM")
    yield from _bounded("exclusiveMinimum", o["exclusiveMinimum"], n["exclusiveMinimum"], "EXCLUSIVE_MINIMUM")
    o_mult, n_mult = o["multipleOf"], n["multipleOf"]
    if o_mult != n_mult:
        if o_mult is None:
            yield "multipleOf", "MULTIPLE_OF_ADDED"
        elif n_mult is None:
            yield "multipleOf", "MULTIPLE_OF_REMOVED"
        elif (Fraction(str(o_mult)) / Fraction(str(n_mult))).denominator == 1:
            yield "multipleOf", "MULTIPLE_OF_REDUCED"
        elif (Fraction(str(n_mult)) / Fraction(str(o_mult))).denominator == 1:
            yield "multipleOf", "MULTIPLE_OF_EXPANDED"
        else:
            yield "multipleOf", "MULTIPLE_OF_CHANGED"


def _enum_values(node: dict[str, Any]) -> list[Any]:
    return [node["const"]] if "const" in node else list(node.get("enum", []))


def enum_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """A superset of values extends the enum (compatible); a subset narrows it; anything else changes it."""
    o_values, n_values = _enum_values(old), _enum_values(new)
    if all(v in n_values for v in o_values) and all(v in o_values for v in n_values):
        return
    if all(v in n_values for v in o_values):
        yield "enum", "ENUM_ARRAY_EXTENDED"
    elif all(v in o_values for v in n_values):
        yield "enum", "ENUM_ARRAY_NARROWED"
    else:
        yield "enum", "ENUM_ARRAY_CHANGED"


def object_attribute_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """``maxProperties``, ``minProperties`` and property dependencies (``dependencies``/``dependentRequired``)."""
    yield from _bounded("maxProperties", old.get("maxProperties"), new.get("maxProperties"), "MAX_PROPERTIES")
    yield from _bounded("minProperties", old.get("minProperties"), new.get("minProperties"), "MIN_PROPERTIES")
    o_deps, n_deps = _dependency_arrays(old), _dependency_arrays(new)
    for name in sorted(o_deps.keys() | n_deps.keys()):
        o_set, n_set = o_deps.get(name), n_deps.get(name)
        if n_set is None:
            yield name, "DEPENDENCY_ARRAY_REMOVED"
        elif o_set is None:
            yield name, "DEPENDENCY_ARRAY_ADDED"
        elif o_set != n_set:
            yield (
                name,
                "DEPENDENCY_ARRAY_EXTENDED"
                if n_set > o_set
                else "DEPENDENCY_ARRAY_NARROWED"
                if n_set < o_set
                else "DEPENDENCY_ARRAY_CHANGED",
            )


def _dependency_arrays(node: dict[str, Any]) -> dict[str, frozenset[str]]:
    merged = {**(node.get("dependencies") or {}), **(node.get("dependentRequired") or {})}
    return {k: frozenset(v) for k, v in merged.items() if isinstance(v, list)}


def array_attribute_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """``maxItems`` may grow or go, ``minItems`` shrink or go, ``uniqueItems`` only go."""
    yield from _bounded("maxItems", old.get("maxItems"), new.get("maxItems"), "MAX_ITEMS")
    yield from _bounded("minItems", old.get("minItems"), new.get("minItems"), "MIN_ITEMS")
    o_unique, n_unique = bool(old.get("uniqueItems")), bool(new.get("uniqueItems"))
    if o_unique != n_unique:
        yield "uniqueItems", "UNIQUE_ITEMS_REMOVED" if o_unique else "UNIQUE_ITEMS_ADDED"

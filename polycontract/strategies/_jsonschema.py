"""JSON values valid under a JSON Schema: a walk over the schema's keywords, each value checked by jsonschema.

hypothesis-jsonschema, the library made for this, reaches into hypothesis internals that current
hypothesis releases no longer have (drawing an object schema fails with ``AttributeError``), so this
module draws values itself: ``type``, ``enum``, ``const``, numbers with bounds and ``multipleOf``, strings
with lengths, ``pattern`` and common ``format`` values, arrays (``items``, ``prefixItems``, sizes,
``uniqueItems``), objects (``properties``, ``required``, ``additionalProperties``, sizes), local ``$ref``
(recursive too), ``allOf``/``anyOf``/``oneOf``/``not``. Every value is then checked with jsonschema's
validator for the schema's draft, so a keyword drawn loosely is refused, never passed on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from polycontract.errors import SchemaError

__all__ = ["from_json_schema"]

Strategy = st.SearchStrategy[Any]

#: Items past the minimum an array (or properties an object) may get when the schema sets no maximum.
EXTRA_ITEMS = 4
_SCALARS: Strategy = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()
)
_ANY_JSON: Strategy = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner, max_size=3)),
    max_leaves=6,
)  # fmt: skip
_FORMATS: dict[str, Strategy] = {
    "date": st.dates().map(dt.date.isoformat),
    "date-time": st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
    "time": st.times(timezones=st.just(dt.UTC)).map(lambda t: t.isoformat()),
    "email": st.emails(),
    "uuid": st.uuids().map(str),
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6).map(str),
    "hostname": st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,3}", fullmatch=True),
    "uri": st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/]{0,12}", fullmatch=True),
}
_KIND_KEYWORDS = {
    "object": ("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
    "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems"),
    "string": ("pattern", "minLength", "maxLength", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
}


def from_json_schema(schema: Mapping[str, Any] | bool) -> Strategy:
    """JSON values valid under a JSON Schema (drafts 4 to 2020-12), each checked with jsonschema.

    Needs jsonschema (the ``schema`` extra). A schema that is not valid raises `SchemaError`; so does a
    remote ``$ref``.

    >>> from hypothesis import find
    >>> find(from_json_schema({"type": "integer", "minimum": 5}), lambda v: True)
    5
    """
    try:
        from jsonschema.exceptions import SchemaError as InvalidSchema
        from jsonschema.validators import Draft202012Validator, validator_for
    except ImportError:  # pragma: no cover - the schema extra installs it
        raise ImportError(
            "from_json_schema needs jsonschema, in polycontract's extra 'schema': pip install -e '.[schema]'"
        ) from None
    if not isinstance(schema, (Mapping, bool)):
        raise SchemaError(f"a JSON Schema is an object or a boolean, not {schema!r}")
    plain: Any = schema if isinstance(schema, bool) else dict(schema)
    cls = validator_for(plain, default=Draft202012Validator)
    try:
        cls.check_schema(plain)
    except InvalidSchema as exc:
        raise SchemaError(
            f"the JSON Schema is not valid: {exc.message}", path="/" + "/".join(map(str, exc.path))
        ) from None
    validator = cls(plain)
    return _Walk(plain, validator).of(plain, "").filter(validator.is_valid)


class _Walk:
    """Strategies of the subschemas of one schema; ``$ref`` targets are built once (recursion deferred)."""

    def __init__(self, root: Any, validator: Any) -> None:
        self.root = root
        self.validator = validator
        self.refs: dict[str, Strategy] = {}

    def of(self, schema: Any, where: str) -> Strategy:
        if schema is True or schema == {}:
            return _ANY_JSON
        if schema is False:
            raise SchemaError("no value is valid under the schema false", path=where or "/")
        if not isinstance(schema, Mapping):
            raise SchemaError(f"a subschema is an object or a boolean, not {schema!r}", path=where or "/")
        if "$ref" in schema:
            return self.ref(str(schema["$ref"]), where)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                rest = {k: v for k, v in schema.items() if k != keyword}
                options = [self.of({**rest, **branch} if isinstance(branch, Mapping) else branch, where)
                           for branch in schema[keyword]]  # fmt: skip
                return st.one_of(options).filter(self.validator.evolve(schema=schema).is_valid)
        if "allOf" in schema:
            merged = _merge([{k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]])
            return self.of(merged, where).filter(self.validator.evolve(schema=schema).is_valid)
        if "not" in schema:
            rest = {k: v for k, v in schema.items() if k != "not"}
            return self.of(rest, where).filter(self.validator.evolve(schema=schema).is_valid)
        return st.one_of([self.typed(kind, schema, where) for kind in _kinds(schema)])

    def ref(self, ref: str, where: str) -> Strategy:
        if not ref.startswith("#"):
            raise SchemaError(f"only local references are generated for, not $ref={ref!r}", path=where or "/")
        found = self.refs.get(ref)
        if found is None:
            target = _pointer(self.root, ref, where)
            found = self.refs[ref] = st.deferred(lambda: self.of(target, ref[1:]))
        return found

    def typed(self, kind: str, schema: Mapping[str, Any], where: str) -> Strategy:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return _integers(schema)
        if kind == "number":
            return st.one_of(_integers(schema), _floats(schema)) if "multipleOf" not in schema else _integers(schema)
        if kind == "string":
            return _strings(schema)
        if kind == "array":
            return self.array(schema, where)
        if kind == "object":
            return self.object(schema, where)
        raise SchemaError(f"unknown type {kind!r}", path=where or "/")

    def array(self, schema: Mapping[str, Any], where: str) -> Strategy:
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):  # drafts before 2020-12: a list of items is the prefix
            prefix, items = items, schema.get("additionalItems", True)
        fixed = [self.of(s, f"{where}/prefixItems/{i}") for i, s in enumerate(prefix or [])]
        low = max(int(schema.get("minItems", 0)), 0)
        high = schema.get("maxItems")
        top = int(high) if high is not None else max(low, len(fixed)) + EXTRA_ITEMS
        rest_low, rest_high = max(low - len(fixed), 0), max(top - len(fixed), 0)
        if items is False:
            rest_high = 0
        rest = st.lists(
            self.of(items, f"{where}/items"),
            min_size=rest_low,
            max_size=max(rest_high, rest_low),
            unique_by=_canonical if schema.get("uniqueItems") else None,
        )
        return st.tuples(st.tuples(*fixed), rest).map(lambda parts: [*parts[0], *parts[1]])

    def object(self, schema: Mapping[str, Any], where: str) -> Strategy:
        properties = schema.get("properties") or {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        extra = schema.get("additionalProperties", True)
        needed = {name: self.of(properties.get(name, extra), f"{where}/properties/{name}") for name in required}
        optional = {
            name: self.of(sub, f"{where}/properties/{name}") for name, sub in properties.items() if name not in needed
        }
        fixed = st.fixed_dictionaries(needed, optional=optional)
        low = int(schema.get("minProperties", 0))
        if extra is False or (low <= len(needed) + len(optional) and not isinstance(extra, Mapping)):
            return fixed
        more = st.dictionaries(
            st.text(min_size=1).filter(lambda key: key not in properties),
            self.of(extra, f"{where}/additionalProperties"),
            max_size=max(low, EXTRA_ITEMS),
        )
        return st.tuples(fixed, more).map(lambda parts: {**parts[1], **parts[0]})


def _kinds(schema: Mapping[str, Any]) -> list[str]:
    """The types a subschema allows: its ``type``, else those its keywords imply, else every type."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list) and declared:
        return [str(kind) for kind in declared]
    implied = [kind for kind, words in _KIND_KEYWORDS.items() if any(w in schema for w in words)]
    return implied or ["null", "boolean", "integer", "number", "string", "array", "object"]


def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, float | None, bool, bool]:
    """Lower, upper and whether each is exclusive (draft 4 booleans and draft 6+ numbers alike)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum", False), schema.get("exclusiveMaximum", False)
    low_open = high_open = False
    if isinstance(ex_low, bool):
        low_open = ex_low
    elif isinstance(ex_low, (int, float)):
        low, low_open = ex_low if low is None else max(low, ex_low), low is None or ex_low >= low
    if isinstance(ex_high, bool):
        high_open = ex_high
    elif isinstance(ex_high, (int, float)):
        high, high_open = ex_high if high is None else min(high, ex_high), high is None or ex_high <= high
    return low, high, low_open, high_open


def _integers(schema: Mapping[str, Any]) -> Strategy:
    low, high, low_open, high_open = _bounds(schema)
    step = schema.get("multipleOf", 1)
    lo = None if low is None else math.floor(low / step) + (1 if low_open or low / step % 1 else 0)
    hi = None if high is None else math.ceil(high / step) - (1 if high_open or high / step % 1 else 0)
    if isinstance(step, int) or float(step).is_integer():
        return st.integers(min_value=lo, max_value=hi).map(lambda n: n * int(step))
    return st.integers(min_value=lo, max_value=hi).map(lambda n: n * step)


def _floats(schema: Mapping[str, Any]) -> Strategy:
    low, high, low_open, high_open = _bounds(schema)
    return st.floats(min_value=low, max_value=high, exclude_min=low_open and low is not None,
                     exclude_max=high_open and high is not None, allow_nan=False, allow_infinity=False)  # fmt: skip


def _strings(schema: Mapping[str, Any]) -> Strategy:
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    fmt = schema.get("format")
    if "pattern" in schema:
        drawn: Strategy = st.from_regex(str(schema["pattern"]))
    elif isinstance(fmt, str) and fmt in _FORMATS:
        drawn = _FORMATS[fmt]
    else:
        return st.text(min_size=low, max_size=None if high is None else int(high))
    return drawn.filter(lambda s: len(s) >= low and (high is None or len(s) <= int(high)))


def _merge(schemas: list[Any]) -> dict[str, Any]:
    """One schema holding the keywords of several (``allOf``): properties merged, ``required`` joined."""
    out: dict[str, Any] = {}
    for schema in schemas:
        if not isinstance(schema, Mapping):
            continue
        for key, value in schema.items():
            if key == "properties" and isinstance(out.get(key), Mapping):
                out[key] = {**out[key], **value}
            elif key == "required" and isinstance(out.get(key), list):
                out[key] = [*out[key], *[v for v in value if v not in out[key]]]
            else:
                out.setdefault(key, value)
    return out


def _pointer(root: Any, ref: str, where: str) -> Any:
    node = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SchemaError(f"$ref={ref!r} points at nothing", path=where or "/")
    return node


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

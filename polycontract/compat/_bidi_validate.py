"""Validation helpers of the bi-directional check: OpenAPI schema validation with ``$ref`` s into the
document, parameter coercion, array growth for ``min`` matchers and closed-world response objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from polycontract.compat._load import pointer

__all__ = ["BodyValidator", "coerce", "expand_arrays", "undeclared_properties"]

_DOC_URI = "urn:polycontract:openapi"
_RULE_PATH = re.compile(r"\.([^.\[\]]+)|\['([^']+)'\]|\[(\*|\d+)\]")


class BodyValidator:
    """Validates values against schemas of one OpenAPI document (3.0 or 3.1 dialect)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4, DRAFT202012

        self.spec = spec
        self.v31 = str(spec.get("openapi", "")).startswith("3.1")
        resource = Resource.from_contents(spec, default_specification=DRAFT202012 if self.v31 else DRAFT4)
        self.registry: Any = Registry().with_resource(_DOC_URI, resource)
        self._validators: dict[tuple[int, str], Any] = {}

    def deref(self, node: Any) -> Any:
        hops = 0
        while (
            isinstance(node, Mapping)
            and isinstance(node.get("$ref"), str)
            and node["$ref"].startswith("#")
            and hops < 50
        ):
            target: Any = self.spec
            for part in node["$ref"][1:].split("/")[1:]:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            hops += 1
        return node

    def errors(self, value: Any, schema: Any, *, side: str) -> list[tuple[str, str]]:
        """``(message, schema pointer)`` for each way ``value`` fails ``schema``."""
        validator = self._validator(schema, side)
        out = []
        for error in validator.iter_errors(value):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            out.append((f"${where}: {error.message}", pointer([p for p in error.absolute_schema_path if p != "$ref"])))
        return out

    def _validator(self, schema: Any, side: str) -> Any:
        key = (id(schema), side)
        if key not in self._validators:
            import openapi_schema_validator as osv

            if self.v31:
                cls: Any = osv.OAS31Validator
                checker = osv.oas31_format_checker
            else:
                cls = osv.OAS30WriteValidator if side == "request" else osv.OAS30ReadValidator
                checker = osv.oas30_format_checker
            self._validators[key] = cls(_rebase(schema), registry=self.registry, format_checker=checker)
        return self._validators[key]


def _rebase(node: Any) -> Any:
    """Point local ``$ref`` s of an inline schema at the document, so they resolve from outside it."""
    if isinstance(node, dict):
        return {
            k: (_DOC_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def coerce(raw: Any, schema: Any, deref: Callable[[Any], Any]) -> Any:
    """Turn parameter text (``"42"`` or ``("a", "b")``) into the JSON value its schema expects."""
    values = list(raw) if isinstance(raw, tuple | list) else [raw]
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "array":
        if len(values) == 1 and isinstance(values[0], str) and "," in values[0]:
            values = values[0].split(",")
        items = deref(schema.get("items")) if isinstance(schema, dict) else None
        return [coerce(v, items, deref) for v in values]
    value = values[0] if values else None
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def expand_arrays(value: Any, body_rules: Mapping[str, Any]) -> Any:
    """Grow each array under a matcher with ``min`` to ``min`` items by repeating its first item."""
    for path, rule_set in body_rules.items():
        minimum = max(
            (int(m.params.get("min", 0)) for m in getattr(rule_set, "matchers", ()) if "min" in m.params), default=0
        )
        if minimum > 1:
            tokens = [next(g for g in m.groups() if g is not None) for m in _RULE_PATH.finditer(path)]
            for node in _select(value, tokens):
                if isinstance(node, list) and node and len(node) < minimum:
                    node.extend(node[0] for _ in range(minimum - len(node)))
    return value


def _select(value: Any, tokens: list[str]) -> Iterator[Any]:
    if not tokens:
        yield value
        return
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        for child in children:
            yield from _select(child, rest)
    elif isinstance(value, list) and head.isdigit() and int(head) < len(value):
        yield from _select(value[int(head)], rest)
    elif isinstance(value, dict) and head in value:
        yield from _select(value[head], rest)


def undeclared_properties(
    value: Any, schema: Any, deref: Callable[[Any], Any], path: str = ""
) -> list[tuple[str, str]]:
    """``(schema pointer, name)`` of each object key in ``value`` that ``schema`` does not declare."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    _walk(value, schema, deref, path, out, seen)
    return out


def _walk(
    value: Any,
    schema: Any,
    deref: Callable[[Any], Any],
    path: str,
    out: list[tuple[str, str]],
    seen: set[tuple[str, str]],
) -> None:
    props, items, is_open = _shape(schema, deref)
    if isinstance(value, dict):
        for key, child in value.items():
            if key in props:
                _walk(child, props[key], deref, f"{path}/properties/{_escape(key)}", out, seen)
            elif not is_open and (path, key) not in seen:
                seen.add((path, key))
                out.append((path, key))
    elif isinstance(value, list) and items is not None:
        for child in value:
            _walk(child, items, deref, f"{path}/items", out, seen)


def _shape(schema: Any, deref: Callable[[Any], Any]) -> tuple[dict[str, Any], Any, bool]:
    """Declared properties, items schema and openness, merged over ``allOf``/``anyOf``/``oneOf``."""
    node = deref(schema)
    if not isinstance(node, dict):
        return {}, None, True
    props: dict[str, Any] = dict(node.get("properties") or {})
    items = node.get("items")
    extra = node.get("additionalProperties")
    is_open = bool(node.get("patternProperties")) or (extra is not None and extra is not False)
    branches = [*(node.get("allOf") or []), *(node.get("anyOf") or []), *(node.get("oneOf") or [])]
    for branch in branches:
        b_props, b_items, b_open = _shape(branch, deref)
        props.update({k: v for k, v in b_props.items() if k not in props})
        items = items if items is not None else b_items
        is_open = is_open or (b_open and not b_props)
    if not props and not branches and extra is None:
        is_open = True  # a free-form object: nothing is declared, so nothing is undeclared
    return props, items, is_open


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")

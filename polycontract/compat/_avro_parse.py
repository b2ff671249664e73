"""Parse Avro schemas with fastavro into a tree of plain dicts plus a table of named types.

Errors become `SchemaError` values naming the schema, the path inside it (``User.fields[2].type``)
and what was expected; fastavro's own messages are kept for what it alone detects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polycontract.compat._load import load_document
from polycontract.errors import SchemaError

__all__ = ["NAMED", "PRIMITIVES", "ParsedSchema", "default_fits", "describe", "kind_of", "logical_type", "parse"]

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_COMPLEX = frozenset({"record", "error", "enum", "fixed", "array", "map"})
NAMED = frozenset({"record", "error", "enum", "fixed"})


@dataclass(frozen=True, kw_only=True)
class ParsedSchema:
    """An Avro schema parsed by fastavro: ``root`` with named types referenced by full name in ``named``."""

    root: Any
    named: dict[str, Any] = field(default_factory=dict)
    name: str = "<schema>"

    def resolve(self, node: Any) -> Any:
        """Follow a reference to a named type (``"com.acme.User"``) to its definition."""
        while isinstance(node, str) and node not in PRIMITIVES:
            node = self.named[node]
        while isinstance(node, dict) and isinstance(node.get("type"), dict | list):
            node = node["type"]
        return node


def parse(schema: Any, *, name: str = "<schema>") -> ParsedSchema:
    """Parse ``schema`` (dict, list, JSON text or an already `ParsedSchema`); raise `SchemaError` if invalid."""
    if isinstance(schema, ParsedSchema):
        return schema
    if isinstance(schema, str) and schema.strip() in PRIMITIVES:
        data: Any = schema.strip()  # a bare type name, not JSON text ("null" would parse as None)
    else:
        data = load_document(schema, name=name, kind="Avro schema")
    _check_structure(data, name=name)
    import fastavro
    from fastavro.schema import SchemaParseException, UnknownType

    named: dict[str, Any] = {}
    try:
        root = fastavro.parse_schema(data, named_schemas=named, _write_hint=False)
    except UnknownType as exc:
        missing = str(exc.name)
        where = next((path for path, node in _walk(data, "$") if node == missing), "")
        raise SchemaError(
            f"unknown type {missing!r}", source=name, path=where, expected="a primitive or a named type defined earlier"
        ) from None
    except (SchemaParseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SchemaError(
            f"invalid Avro schema: {exc}", source=name, expected="a schema per the Avro specification"
        ) from None
    return ParsedSchema(root=root, named=named, name=name)


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, list):
        for index, branch in enumerate(node):
            yield from _walk(branch, f"{path}[{index}]")
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("record", "error"):
            for index, fld in enumerate(node.get("fields") or []):
                if isinstance(fld, dict):
                    yield from _walk(fld.get("type"), f"{path}.fields[{index}].type")
        elif kind == "array":
            yield from _walk(node.get("items"), f"{path}.items")
        elif kind == "map":
            yield from _walk(node.get("values"), f"{path}.values")
        elif isinstance(kind, dict | list):
            yield from _walk(kind, f"{path}.type")


def _check_structure(data: Any, *, name: str) -> None:
    """Check the shape fastavro reports without a location, so the error can say where."""
    for path, node in _walk(data, "$"):
        problem = _shape_problem(node)
        if problem is not None:
            message, expected = problem
            raise SchemaError(message, source=name, path=path, expected=expected)


def _shape_problem(node: Any) -> tuple[str, str] | None:
    if isinstance(node, str | list):
        return None
    if not isinstance(node, dict):
        return f"{type(node).__name__} {node!r} is not a schema", "a type name, an object or a union list"
    kind = node.get("type")
    if kind is None:
        return "object has no 'type'", "a 'type' attribute"
    if isinstance(kind, dict | list) or kind in PRIMITIVES:
        return None
    if not isinstance(kind, str):
        return f"'type' is {kind!r}", "a type name"
    if kind not in _COMPLEX:
        return None  # a reference to a named type, checked by fastavro
    if kind in ("record", "error", "enum", "fixed") and not isinstance(node.get("name"), str):
        return f"{kind} has no 'name'", "a 'name' string"
    if kind in ("record", "error"):
        fields = node.get("fields")
        if not isinstance(fields, list):
            return "record 'fields' is missing or not a list", "a list of fields"
        names: set[str] = set()
        for index, fld in enumerate(fields):
            if not isinstance(fld, dict) or not isinstance(fld.get("name"), str) or "type" not in fld:
                return f"field {index} has no 'name' or 'type'", "fields as {'name': ..., 'type': ...}"
            if fld["name"] in names:
                return f"field name {fld['name']!r} appears twice", "unique field names"
            names.add(fld["name"])
    if kind == "enum" and not (
        isinstance(node.get("symbols"), list) and all(isinstance(s, str) for s in node["symbols"])
    ):
        return "enum 'symbols' is missing or not a list of strings", "a list of symbol names"
    if kind == "fixed" and (not isinstance(node.get("size"), int) or node["size"] < 0):
        return f"fixed 'size' is {node.get('size')!r}", "a non-negative integer 'size'"
    if kind == "array" and "items" not in node:
        return "array has no 'items'", "an 'items' schema"
    if kind == "map" and "values" not in node:
        return "map has no 'values'", "a 'values' schema"
    return None


_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "int": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "string": (str,),
    "bytes": (str,),
    "fixed": (str,),
    "enum": (str,),
    "record": (dict,),
    "map": (dict,),
    "array": (list,),
}


def default_fits(value: Any, node: Any) -> bool:
    """Whether a field default has the JSON shape of ``node`` (for a union: of its first branch)."""
    kind = kind_of(node)
    if kind == "null":
        return value is None
    if isinstance(value, bool) and kind != "boolean":
        return False
    if kind == "enum" and isinstance(value, str):
        return value in node["symbols"]
    return isinstance(value, _DEFAULT_TYPES.get(kind, (object,)))


def kind_of(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union"
    kind = node["type"]
    return "record" if kind == "error" else str(kind)


def logical_type(node: Any) -> str | None:
    return node.get("logicalType") if isinstance(node, dict) else None


def describe(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union[" + ", ".join(_short(b) for b in node) + "]"
    kind = kind_of(node)
    if kind in NAMED:
        text = f"{kind} {node['name']}"
    elif kind == "array":
        text = f"array<{_short(node['items'])}>"
    elif kind == "map":
        text = f"map<{_short(node['values'])}>"
    else:
        text = kind
    logical = logical_type(node)
    if logical == "decimal":
        return f"{text} (decimal({node.get('precision')}, {node.get('scale', 0)}))"
    return f"{text} ({logical})" if logical else text


def _short(node: Any) -> str:
    if isinstance(node, dict) and kind_of(node) in NAMED:
        return str(node["name"])
    return describe(node)

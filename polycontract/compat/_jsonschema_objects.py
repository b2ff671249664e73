"""Object and array rules of the JSON Schema diff: content models decide additions and removals.

- *open*: additional properties/items allowed with no schema; adding a property (other than
  ``{}``) is incompatible, removing one is compatible.
- *closed*: ``additionalProperties: false``; removing a property is incompatible, adding an
  optional one (or a required one with a ``default``) is compatible.
- *partially open*: ``additionalProperties`` is a schema or ``patternProperties`` exist; the
  added or removed property must be covered by that schema.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from polycontract.compat import _jsonschema_rules as rules

if TYPE_CHECKING:
    from polycontract.compat.jsonschema import Finding, _Context, _Differ

__all__ = ["array_changes", "object_changes"]

Path = tuple[str | int, ...]


def _is_empty(node: Any) -> bool:
    return node is True or node == {}


def _additional(node: dict[str, Any], key: str) -> tuple[bool, Any]:
    """``(permits, schema)`` of ``additionalProperties``/``additionalItems``: schema ``None`` when unconstrained."""
    value = node.get(key, True)
    if value is False:
        return False, None
    return True, None if _is_empty(value) else value


def _open_object(node: dict[str, Any]) -> bool:
    permits, schema = _additional(node, "additionalProperties")
    return permits and schema is None and not node.get("patternProperties")


def _partial_schema(node: dict[str, Any], name: str) -> Any:
    for pattern, schema in (node.get("patternProperties") or {}).items():
        try:
            if re.search(pattern, name):
                return schema
        except re.error:
            continue
    return _additional(node, "additionalProperties")[1]


def _has_default(differ: _Differ, ctx: _Context, path: Path, *, update: bool) -> bool:
    node = differ._resolve(ctx, differ.update if update else differ.original, path)[0]
    return isinstance(node, dict) and "default" in node


def object_changes(differ: _Differ, o_ctx: _Context, u_ctx: _Context, path: Path) -> list[Finding]:
    """Confluent's ``ObjectSchemaDiff``: required, properties, dependencies, additionalProperties, attributes."""
    o, u = o_ctx[0], u_ctx[0]
    o_props: dict[str, Any] = o.get("properties") or {}
    u_props: dict[str, Any] = u.get("properties") or {}
    o_req, u_req = set(o.get("required") or ()), set(u.get("required") or ())
    out: list[Finding] = []
    for name in o_props:
        if name in u_props and (name in o_req) != (name in u_req):
            where = (*path, "required", name)
            if name in o_req:
                out.append(differ.finding(where, "REQUIRED_ATTRIBUTE_REMOVED"))
            elif _has_default(differ, (u_props[name], u_ctx[1]), where, update=True):
                out.append(differ.finding(where, "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"))
            else:
                out.append(differ.finding(where, "REQUIRED_ATTRIBUTE_ADDED"))
    for name in sorted(o_props.keys() | u_props.keys()):
        where = (*path, "properties", name)
        if name not in u_props:
            out += _property_removed(differ, o_ctx, u_ctx, name, where)
        elif name not in o_props:
            out += _property_added(differ, o_ctx, u_ctx, name, where, required=name in u_req)
        else:
            out += differ.compare((o_props[name], o_ctx[1]), (u_props[name], u_ctx[1]), where)
    out += differ._rule(rules.object_attribute_changes, o, u, path)
    out += _additional_changes(differ, o_ctx, u_ctx, "additionalProperties", (*path, "additionalProperties"))
    return out


def _property_removed(differ: _Differ, o_ctx: _Context, u_ctx: _Context, name: str, where: Path) -> list[Finding]:
    o, u = o_ctx[0], u_ctx[0]
    if _open_object(u):
        return [differ.finding(where, "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")]
    partial = _partial_schema(u, name)
    if partial is not None:
        sub = differ.compare((o["properties"][name], o_ctx[1]), (partial, u_ctx[1]), where)
        covered = all(f.compatible for f in sub)
        change = "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
        return [*sub, differ.finding(where, change if covered else change.replace("_IS_", "_NOT_"))]
    if o["properties"][name] is False:
        return [differ.finding(where, "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")]
    return [differ.finding(where, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")]


def _property_added(
    differ: _Differ, o_ctx: _Context, u_ctx: _Context, name: str, where: Path, *, required: bool
) -> list[Finding]:
    o, u = o_ctx[0], u_ctx[0]
    schema = u["properties"][name]
    if _open_object(o):
        empty = _is_empty(schema)
        return [
            differ.finding(
                where,
                "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                if empty
                else "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
            )
        ]
    out: list[Finding] = []
    partial = _partial_schema(o, name)
    if partial is not None:
        sub = differ.compare((partial, o_ctx[1]), (schema, u_ctx[1]), where)
        covered = all(f.compatible for f in sub)
        change = "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
        out += [*sub, differ.finding(where, change if covered else change.replace("_IS_", "_NOT_"))]
    if not required:
        out.append(differ.finding(where, "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"))
    elif _has_default(differ, (schema, u_ctx[1]), where, update=True):
        out.append(differ.finding(where, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"))
    else:
        out.append(differ.finding(where, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"))
    return out


def _additional_changes(differ: _Differ, o_ctx: _Context, u_ctx: _Context, key: str, where: Path) -> list[Finding]:
    (o_permits, o_schema), (u_permits, u_schema) = _additional(o_ctx[0], key), _additional(u_ctx[0], key)
    prefix = "ADDITIONAL_PROPERTIES" if key == "additionalProperties" else "ADDITIONAL_ITEMS"
    if o_permits != u_permits:
        return [differ.finding(where, f"{prefix}_ADDED" if u_permits else f"{prefix}_REMOVED")]
    if o_schema is None and u_schema is not None:
        return [differ.finding(where, f"{prefix}_NARROWED")]
    if o_schema is not None and u_schema is None:
        return [differ.finding(where, f"{prefix}_EXTENDED")]
    if o_schema is not None:
        return differ.compare((o_schema, o_ctx[1]), (u_schema, u_ctx[1]), where)
    return []


def _items(node: dict[str, Any]) -> tuple[Any, list[Any], dict[str, Any]]:
    """``(schema for all items, tuple schemas, node with additionalItems normalised)`` across drafts."""
    if "prefixItems" in node:  # 2020-12: items after prefixItems plays additionalItems' role
        normal = {k: v for k, v in node.items() if k != "items"}
        if "items" in node:
            normal["additionalItems"] = node["items"]
        return None, list(node["prefixItems"]), normal
    items = node.get("items")
    if isinstance(items, list):
        return None, items, node
    return items, [], node


def array_changes(differ: _Differ, o_ctx: _Context, u_ctx: _Context, path: Path) -> list[Finding]:
    """Confluent's ``ArraySchemaDiff``: items, tuple items with their content model, bounds."""
    (o_all, o_tuple, o), (u_all, u_tuple, u) = _items(o_ctx[0]), _items(u_ctx[0])
    out: list[Finding] = []
    o_all, u_all = (None if _is_empty(x) else x for x in (o_all, u_all))
    if o_all is not None and u_all is not None:
        out += differ.compare((o_all, o_ctx[1]), (u_all, u_ctx[1]), (*path, "items"))
    elif o_all is not None or u_all is not None:
        out.append(differ.finding((*path, "items"), "SCHEMA_ADDED" if o_all is None else "SCHEMA_REMOVED"))
    keyword = "prefixItems" if "prefixItems" in u_ctx[0] or "prefixItems" in o_ctx[0] else "items"
    for index in range(max(len(o_tuple), len(u_tuple))):
        where = (*path, keyword, index)
        if index < len(o_tuple) and index < len(u_tuple):
            out += differ.compare((o_tuple[index], o_ctx[1]), (u_tuple[index], u_ctx[1]), where)
        elif index < len(o_tuple):
            out += _item_changed(differ, (o_tuple[index], o_ctx[1]), (u, u_ctx[1]), where, removed=True)
        else:
            out += _item_changed(differ, (o, o_ctx[1]), (u_tuple[index], u_ctx[1]), where, removed=False)
    out += _additional_changes(differ, (o, o_ctx[1]), (u, u_ctx[1]), "additionalItems", (*path, "additionalItems"))
    out += differ._rule(rules.array_attribute_changes, o, u, path)
    return out


def _item_changed(differ: _Differ, o_ctx: _Context, u_ctx: _Context, where: Path, *, removed: bool) -> list[Finding]:
    """A tuple position only one side has; the other side's ``additionalItems`` decides."""
    model_ctx, item_ctx = (u_ctx, o_ctx) if removed else (o_ctx, u_ctx)
    permits, schema = _additional(model_ctx[0], "additionalItems")
    verb = "REMOVED" if removed else "ADDED"
    item = item_ctx[0]
    if permits and schema is None:
        if removed:
            return [differ.finding(where, "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")]
        change = (
            "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            if _is_empty(item)
            else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
        )
        return [differ.finding(where, change)]
    if schema is not None:
        pair = (item_ctx, (schema, model_ctx[1])) if removed else ((schema, model_ctx[1]), item_ctx)
        sub = differ.compare(pair[0], pair[1], where)
        covered = all(f.compatible for f in sub)
        return [
            *sub,
            differ.finding(where, f"ITEM_{verb}_{'IS' if covered else 'NOT'}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"),
        ]
    if removed:
        change = (
            "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
            if item is False
            else "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
        )
        return [differ.finding(where, change)]
    return [differ.finding(where, "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")]

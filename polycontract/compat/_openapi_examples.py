"""Counterexamples for OpenAPI body schemas: a request old clients send that the new API rejects, a response the
new API sends that old clients reject.

For each operation in both documents: every request media type in both is searched with values valid under
the *old* request schema and invalid under the new one; every response status and media type in both, with
values valid under the *new* response schema and invalid under the old one. OpenAPI schemas become JSON
Schemas first: 3.1 as they are (draft 2020-12); 3.0 with ``nullable`` turned into a ``null`` type (and enum
member) under draft 4, whose ``exclusiveMinimum``/``exclusiveMaximum`` are booleans as in 3.0. ``$ref`` s to
``#/components/...`` resolve because the document's ``components`` travel with each schema. ``readOnly`` and
``writeOnly`` are not applied (a read-only property may appear in a generated request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from polycontract.compat import openapi as _openapi
from polycontract.compat._jsonschema_search import jsonschema_search
from polycontract.compat._outcomes import (
    CONTRADICTION,
    DEFAULT_BUDGET,
    Direction,
    Examples,
    Shown,
    contradiction_message,
)

__all__ = ["openapi_examples", "to_json_schema"]

_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def openapi_examples(
    old: Any,
    new: Any,
    *,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    old_name: str = "old",
    new_name: str = "new",
) -> Examples:
    """Search every request and response body both documents describe; show each ERR change under its body.

    A body the diff finds no ``ERR`` change in, yet a generated value breaks, is an ``ERR`` change
    ``generated-data-contradicts-rules`` at the body's location. A direction's ``key`` is that location
    (``POST /users request body application/json``, ``GET /users/{id} response 200 application/json``).
    """
    report = _openapi.diff(old, new, old_name=old_name, new_name=new_name)
    old_doc = _openapi._Doc(_openapi.load(old, name=old_name), old_name)
    new_doc = _openapi._Doc(_openapi.load(new, name=new_name), new_name)
    directions: list[Direction] = []
    for at, was, now, request in _bodies(old_doc, new_doc):
        accepting, rejecting = (was, now) if request else (now, was)
        a_name, r_name = (old_name, new_name) if request else (new_name, old_name)
        example = jsonschema_search(
            accepting, rejecting, budget=budget, seed=seed, accepting_name=a_name, rejecting_name=r_name
        )
        breaking = any(c.level == "ERR" and _under(c.location, at) for c in report.changes)
        label = f"{at}: {'old requests, new API' if request else 'new responses, old clients'}"
        directions.append(Direction(key=at, label=label, breaking=breaking, example=example))
    shown = [
        Shown(
            key=d.key,
            finding=_openapi.Change(id=CONTRADICTION, level="ERR", location=d.key, message=contradiction_message(d)),
            example=d.example,
        )
        for d in directions
        if d.contradicts_rules
    ]
    for change in report.changes:
        direction = next((d for d in directions if _under(change.location, d.key)), None)
        if direction is None or change.level != "ERR":
            shown.append(Shown(key="" if direction is None else direction.key, finding=change))
        else:
            shown.append(Shown(key=direction.key, finding=change, example=direction.example))
    return Examples(directions=tuple(directions), findings=tuple(shown))


def _under(location: str, at: str) -> bool:
    return location == at or location.startswith(at + " ")


def _bodies(old: Any, new: Any) -> Iterator[tuple[str, Any, Any, bool]]:
    """``(location, old schema, new schema, is request)`` for every body both documents describe."""
    new_ops = new.operations()
    for key, (path, _item, op) in old.operations().items():
        if key not in new_ops:
            continue
        fresh = new_ops[key][2]
        where = f"{key[1].upper()} {path}"
        o_body, n_body = old.deref(op.get("requestBody")), new.deref(fresh.get("requestBody"))
        if isinstance(o_body, dict) and isinstance(n_body, dict):
            yield from _media(f"{where} request body", old, new, o_body, n_body, request=True)
        n_responses = fresh.get("responses") or {}
        for status, o_resp in (op.get("responses") or {}).items():
            if status in n_responses:
                o_r, n_r = old.deref(o_resp), new.deref(n_responses[status])
                yield from _media(f"{where} response {status}", old, new, o_r, n_r, request=False)


def _media(at: str, old: Any, new: Any, o: Any, n: Any, *, request: bool) -> Iterator[tuple[str, Any, Any, bool]]:
    o_content, n_content = o.get("content") or {}, n.get("content") or {}
    for media_type, o_media in o_content.items():
        if media_type not in n_content or "json" not in media_type:
            continue
        o_schema = (old.deref(o_media) or {}).get("schema")
        n_schema = (new.deref(n_content[media_type]) or {}).get("schema")
        if o_schema is not None and n_schema is not None:
            yield f"{at} {media_type}", to_json_schema(o_schema, old.spec), to_json_schema(n_schema, new.spec), request


def to_json_schema(schema: Any, spec: dict[str, Any]) -> Any:
    """An OpenAPI schema as a JSON Schema document carrying the spec's ``components`` (see the module docstring)."""
    if isinstance(schema, bool):
        return schema
    components = spec.get("components") or {}
    if str(spec.get("openapi", "")).startswith("3.0"):
        return {**_nullable(schema), "components": _nullable(components), "$schema": _DRAFT4}
    return {**schema, "components": components}


def _nullable(node: Any) -> Any:
    """3.0's ``nullable: true`` as a ``null`` type (and a ``None`` enum member), all the way down."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out

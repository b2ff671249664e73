"""Schema rules of the OpenAPI diff, with the request/response asymmetry.

Requests flow client → server: the new contract must accept a superset of what it accepted
(narrowing is an ``ERR``). Responses flow server → client: the new contract must return a
subset of what it promised (widening is an ``ERR``). Check ids follow oasdiff's
(``request-property-enum-value-removed``, ``response-property-became-nullable``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

__all__ = ["Emit", "SchemaDiffer"]

Side = Literal["request", "response"]
Emit = tuple[str, str, str, str]  # (check id, level ERR|WARN|INFO, where, message)

_BOUNDS = (
    ("maxLength", "max-length", "max"),
    ("minLength", "min-length", "min"),
    ("maximum", "max", "max"),
    ("minimum", "min", "min"),
    ("maxItems", "max-items", "max"),
    ("minItems", "min-items", "min"),
)


class SchemaDiffer:
    """Compares two schemas of one request or response part; ``deref_old``/``deref_new`` follow ``$ref``."""

    def __init__(self, deref_old: Callable[[Any], Any], deref_new: Callable[[Any], Any]) -> None:
        self.deref_old = deref_old
        self.deref_new = deref_new
        self._active: set[tuple[int, int, str]] = set()

    def diff(self, old: Any, new: Any, *, side: Side, kind: str, where: str = "") -> Iterator[Emit]:
        """Yield changes between ``old`` and ``new``; ``kind`` is ``parameter`` or ``body``."""
        o, n = self.deref_old(old), self.deref_new(new)
        if not isinstance(o, dict) or not isinstance(n, dict) or o == n:
            return
        key = (id(o), id(n), side)
        if key in self._active:
            return
        self._active.add(key)
        try:
            prefix = f"{side}-{'parameter' if kind == 'parameter' else 'property' if where else 'body'}"
            type_changes = list(self._types(o, n, side, prefix, where))
            yield from type_changes
            if any(level == "ERR" for _, level, _, _ in type_changes):
                return
            yield from self._nullable(o, n, side, prefix, where)
            yield from self._enum(o, n, side, prefix, where)
            yield from self._bounds(o, n, side, prefix, where)
            yield from self._combinators(o, n, side, prefix, kind, where)
            yield from self._properties(o, n, side, kind, where)
            if "items" in o and "items" in n:
                yield from self.diff(o["items"], n["items"], side=side, kind=kind, where=f"{where}/items")
        finally:
            self._active.discard(key)

    @staticmethod
    def _type_set(node: dict[str, Any]) -> frozenset[str] | None:
        kind = node.get("type")
        if kind is None:
            return None
        kinds = {kind} if isinstance(kind, str) else set(kind)
        kinds.discard("null")
        return frozenset(kinds)

    def _types(self, o: dict[str, Any], n: dict[str, Any], side: Side, prefix: str, where: str) -> Iterator[Emit]:
        ot, nt = self._type_set(o), self._type_set(n)
        if ot == nt:
            return
        at = where or "/"
        text = f"type {sorted(ot) if ot else 'any'} became {sorted(nt) if nt else 'any'}"

        def wider(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
            if b is None:
                return True
            if a is None:
                return False
            return all(t in b or (t == "integer" and "number" in b) for t in a)

        if side == "request":
            if wider(ot, nt):
                yield f"{prefix}-type-generalized", "INFO", where, f"{at}: {text}"
            else:
                yield f"{prefix}-type-changed", "ERR", where, f"{at}: {text}; requests valid before are rejected"
        elif wider(nt, ot):
            yield f"{prefix}-type-specialized", "INFO", where, f"{at}: {text}"
        else:
            yield f"{prefix}-type-changed", "ERR", where, f"{at}: {text}; clients may receive values they cannot read"

    def _nullable(self, o: dict[str, Any], n: dict[str, Any], side: Side, prefix: str, where: str) -> Iterator[Emit]:
        def nullable(node: dict[str, Any]) -> bool:
            kind = node.get("type")
            return bool(node.get("nullable")) or (isinstance(kind, list) and "null" in kind)

        was, now = nullable(o), nullable(n)
        if was == now:
            return
        at = where or "/"
        if now:
            level = "ERR" if side == "response" else "INFO"
            yield f"{prefix}-became-nullable", level, where, f"{at} became nullable"
        else:
            level = "ERR" if side == "request" else "INFO"
            yield f"{prefix}-became-not-nullable", level, where, f"{at} is no longer nullable"

    def _enum(self, o: dict[str, Any], n: dict[str, Any], side: Side, prefix: str, where: str) -> Iterator[Emit]:
        o_enum, n_enum = o.get("enum"), n.get("enum")
        at = where or "/"
        if o_enum is None and n_enum is not None:
            level = "ERR" if side == "request" else "INFO"
            yield f"{prefix}-became-enum", level, where, f"{at} is now restricted to {n_enum}"
            return
        if o_enum is None or n_enum is None:
            if o_enum is not None:
                level = "ERR" if side == "response" else "INFO"
                yield f"{prefix}-enum-removed", level, where, f"{at} is no longer an enum"
            return
        removed = [v for v in o_enum if v not in n_enum]
        added = [v for v in n_enum if v not in o_enum]
        extensible = bool(n.get("x-extensible-enum"))
        if removed:
            level = "ERR" if side == "request" else "INFO"
            yield f"{prefix}-enum-value-removed", level, where, f"{at}: enum values {removed} removed"
        if added:
            level = "ERR" if side == "response" and not extensible else "INFO"
            yield f"{prefix}-enum-value-added", level, where, f"{at}: enum values {added} added"

    def _bounds(self, o: dict[str, Any], n: dict[str, Any], side: Side, prefix: str, where: str) -> Iterator[Emit]:
        at = where or "/"
        for keyword, name, end in _BOUNDS:
            before, after = o.get(keyword), n.get(keyword)
            if before == after:
                continue
            if before is None:
                verb, narrower = "set", True
            elif after is None:
                verb, narrower = "unset", False
            elif after > before:
                verb, narrower = "increased", end == "min"
            else:
                verb, narrower = "decreased", end == "max"
            breaking = narrower if side == "request" else not narrower
            yield f"{prefix}-{name}-{verb}", "ERR" if breaking else "INFO", where, f"{at}: {keyword} {before} → {after}"
        before, after = o.get("pattern"), n.get("pattern")
        if before != after:
            verb = "added" if before is None else "removed" if after is None else "changed"
            if side == "request":
                level = "INFO" if verb == "removed" else "ERR"
            else:
                level = "INFO" if verb == "added" else "WARN"
            yield f"{prefix}-pattern-{verb}", level, where, f"{at}: pattern {before!r} → {after!r}"

    def _combinators(
        self, o: dict[str, Any], n: dict[str, Any], side: Side, prefix: str, kind: str, where: str
    ) -> Iterator[Emit]:
        at = where or "/"
        for keyword, name in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
            o_branches, n_branches = o.get(keyword) or [], n.get(keyword) or []
            o_keys = [repr(self.deref_old(b)) for b in o_branches]
            n_keys = [repr(self.deref_new(b)) for b in n_branches]
            added = [k for k in n_keys if k not in o_keys]
            removed = [k for k in o_keys if k not in n_keys]
            # Request: fewer alternatives (or more allOf constraints) reject requests; response: the reverse.
            narrowing_added = keyword == "allOf"
            for verb, items in (("added", added), ("removed", removed)):
                if not items:
                    continue
                narrower = narrowing_added == (verb == "added")
                breaking = narrower if side == "request" else not narrower
                yield (
                    f"{prefix}-{name}-{verb}",
                    "ERR" if breaking else "INFO",
                    where,
                    f"{at}: {len(items)} {keyword} schema(s) {verb}",
                )
            if not added and not removed:
                for index, (a, b) in enumerate(zip(o_branches, n_branches, strict=False)):
                    yield from self.diff(a, b, side=side, kind=kind, where=f"{where}/{keyword}/{index}")

    def _properties(self, o: dict[str, Any], n: dict[str, Any], side: Side, kind: str, where: str) -> Iterator[Emit]:
        o_props: dict[str, Any] = o.get("properties") or {}
        n_props: dict[str, Any] = n.get("properties") or {}
        o_req, n_req = set(o.get("required") or ()), set(n.get("required") or ())
        hidden = "readOnly" if side == "request" else "writeOnly"
        label = "parameter" if kind == "parameter" else "property"
        for name in o_props:
            at = f"{where}/{name}"
            schema = self.deref_old(o_props[name])
            if name in n_props or (isinstance(schema, dict) and schema.get(hidden)):
                continue
            if side == "request":
                yield f"request-{label}-removed", "WARN", at, f"request property {at} removed"
            elif name in o_req:
                yield f"response-required-{label}-removed", "ERR", at, f"required response property {at} removed"
            else:
                yield f"response-optional-{label}-removed", "INFO", at, f"optional response property {at} removed"
        for name in n_props:
            at = f"{where}/{name}"
            schema = self.deref_new(n_props[name])
            if isinstance(schema, dict) and schema.get(hidden):
                continue
            if name not in o_props:
                if side == "request":
                    required = name in n_req
                    yield (
                        f"new-{'required' if required else 'optional'}-request-{label}",
                        "ERR" if required else "INFO",
                        at,
                        f"new {'required' if required else 'optional'} request property {at}",
                    )
                else:
                    which = "required" if name in n_req else "optional"
                    yield f"response-{which}-{label}-added", "INFO", at, f"new {which} response property {at}"
                continue
            if (name in o_req) != (name in n_req):
                became = "required" if name in n_req else "optional"
                breaking = (became == "required") == (side == "request")
                yield (
                    f"{side}-{label}-became-{became}",
                    "ERR" if breaking else "INFO",
                    at,
                    f"{side} property {at} became {became}",
                )
            yield from self.diff(o_props[name], n_props[name], side=side, kind=kind, where=at)

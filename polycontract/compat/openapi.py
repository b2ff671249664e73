"""Breaking-change diff of two OpenAPI 3.0/3.1 documents, judged from the clients' side.

Each change has an oasdiff check id, a level (``ERR`` breaking, ``WARN`` possibly breaking,
``INFO`` safe), a location (``GET /users/{} response 200 application/json /name``) and a
message::

    from polycontract.compat import openapi
    report = openapi.diff(old_yaml, new_yaml)
    report.breaking                      # any ERR
    [(c.id, c.location) for c in report.changes if c.level != "INFO"]

Documents are validated with openapi-spec-validator first (a failure is a
`polycontract.errors.SchemaError` naming the document and the location). Local ``$ref`` s are
followed. Path template variables are compared by position, so renaming ``{id}`` to
``{userId}`` is not a change. Removing a deprecated operation is ``INFO``
(``api-removed-with-deprecation``); sunset dates are not checked (no clock in the core).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from polycontract.compat._openapi_load import load
from polycontract.compat._openapi_schema import SchemaDiffer
from polycontract.errors import SchemaError

__all__ = ["Change", "Report", "diff", "load"]

Level = Literal["ERR", "WARN", "INFO"]
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True, kw_only=True)
class Change:
    """One difference between two API descriptions, classified for clients."""

    id: str
    level: Level
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.level} {self.id} at {self.location}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Report:
    """The result of `diff`: ``breaking`` when any change is ``ERR``; changes sorted ERR, WARN, INFO."""

    changes: tuple[Change, ...] = ()

    @property
    def breaking(self) -> bool:
        return any(c.level == "ERR" for c in self.changes)

    @property
    def errors(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.level == "ERR")

    @property
    def warnings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.level == "WARN")


def diff(old: Any, new: Any, *, old_name: str = "old", new_name: str = "new", validate: bool = True) -> Report:
    """Classify every change from ``old`` to ``new`` as breaking (``ERR``), possibly (``WARN``) or safe (``INFO``).

    ``old_name``/``new_name`` (file names, say) appear in `SchemaError` messages; ``validate=False``
    skips openapi-spec-validator for documents already validated (see `load`).
    """
    old_doc = _Doc(load(old, name=old_name, validate=validate), old_name)
    new_doc = _Doc(load(new, name=new_name, validate=validate), new_name)
    changes = list(_Diff(old_doc, new_doc).run())
    order = {"ERR": 0, "WARN": 1, "INFO": 2}
    changes.sort(key=lambda c: order[c.level])
    return Report(changes=tuple(changes))


class _Doc:
    def __init__(self, spec: dict[str, Any], name: str) -> None:
        self.spec = spec
        self.name = name

    def deref(self, node: Any) -> Any:
        hops = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and hops < 50:
            node = self._pointer(node["$ref"])
            hops += 1
        return node

    def _pointer(self, ref: str) -> Any:
        node: Any = self.spec
        try:
            for part in ref[1:].split("/")[1:]:
                node = node[int(part) if isinstance(node, list) else part.replace("~1", "/").replace("~0", "~")]
        except (KeyError, IndexError, TypeError, ValueError):
            raise SchemaError(f"$ref {ref!r} does not resolve", source=self.name, path=ref[1:]) from None
        return node

    def operations(self) -> dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]]:
        """``(normalised path, method)`` → ``(path as written, path item, operation)``."""
        out = {}
        for path, item in (self.spec.get("paths") or {}).items():
            item = self.deref(item)
            for method in _METHODS:
                if isinstance(item.get(method), dict):
                    out[(_TEMPLATE.sub("{}", path), method)] = (path, item, item[method])
        return out

    def parameters(self, path: str, item: dict[str, Any], op: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        """Path-item and operation parameters by ``(in, name)``; path parameters by position in the template."""
        names = [m.group(0)[1:-1] for m in _TEMPLATE.finditer(path)]
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = self.deref(raw)
            where, name = param.get("in", ""), param.get("name", "")
            key = (
                where,
                f"#{names.index(name)}"
                if where == "path" and name in names
                else name.lower()
                if where == "header"
                else name,
            )
            out[key] = param
        return out

    def security(self, op: dict[str, Any]) -> list[dict[str, list[str]]]:
        return list(op["security"] if "security" in op else self.spec.get("security") or [])


class _Diff:
    def __init__(self, old: _Doc, new: _Doc) -> None:
        self.old = old
        self.new = new
        self.schemas = SchemaDiffer(old.deref, new.deref)

    def run(self) -> Iterator[Change]:
        old_ops, new_ops = self.old.operations(), self.new.operations()
        new_paths = {key[0] for key in new_ops}
        for key, (path, _item, op) in old_ops.items():
            where = f"{key[1].upper()} {path}"
            if key in new_ops:
                yield from self.operation(where, old_ops[key], new_ops[key])
            elif key[0] not in new_paths:
                deprecated = all(o[2].get("deprecated") for k, o in old_ops.items() if k[0] == key[0])
                suffix = "with" if deprecated else "without"
                yield _change(
                    f"api-path-removed-{suffix}-deprecation",
                    "INFO" if deprecated else "ERR",
                    where,
                    f"path {path} removed",
                )
            else:
                deprecated = bool(op.get("deprecated"))
                suffix = "with" if deprecated else "without"
                yield _change(
                    f"api-removed-{suffix}-deprecation", "INFO" if deprecated else "ERR", where, "operation removed"
                )
        for key, (path, _item, _op) in new_ops.items():
            if key not in old_ops:
                yield _change("endpoint-added", "INFO", f"{key[1].upper()} {path}", "operation added")
        old_global, new_global = self.old.spec.get("security") or [], self.new.spec.get("security") or []
        yield from self.security("global", old_global, new_global, prefix="api-global-security")
        yield from self.security_schemes()

    def operation(
        self,
        where: str,
        old: tuple[str, dict[str, Any], dict[str, Any]],
        new: tuple[str, dict[str, Any], dict[str, Any]],
    ) -> Iterator[Change]:
        o_params = self.old.parameters(*old)
        n_params = self.new.parameters(*new)
        yield from self.parameters(where, o_params, n_params)
        yield from self.request_body(where, old[2].get("requestBody"), new[2].get("requestBody"))
        yield from self.responses(where, old[2].get("responses") or {}, new[2].get("responses") or {})
        if "security" in old[2] or "security" in new[2]:  # otherwise both inherit the global requirements
            yield from self.security(where, self.old.security(old[2]), self.new.security(new[2]))

    def parameters(
        self, where: str, old: dict[tuple[str, str], Any], new: dict[tuple[str, str], Any]
    ) -> Iterator[Change]:
        for key, param in old.items():
            at = f"{where} {key[0]} parameter {param.get('name')}"
            if key not in new:
                yield _change(
                    "request-parameter-removed",
                    "WARN",
                    at,
                    "parameter removed; clients still sending it may be rejected or ignored",
                )
                continue
            fresh = new[key]
            was, now = bool(param.get("required")), bool(fresh.get("required"))
            if now and not was:
                yield _change("request-parameter-became-required", "ERR", at, "parameter became required")
            elif was and not now:
                yield _change("request-parameter-became-optional", "INFO", at, "parameter became optional")
            for check_id, level, _path, message in self.schemas.diff(
                param.get("schema"), fresh.get("schema"), side="request", kind="parameter"
            ):
                yield _change(check_id, level, at, message)
        for key, param in new.items():
            if key in old:
                continue
            at = f"{where} {key[0]} parameter {param.get('name')}"
            if key[0] == "path":
                yield _change("new-request-path-parameter", "ERR", at, "new path parameter")
            elif param.get("required"):
                yield _change("new-required-request-parameter", "ERR", at, "new required parameter")
            else:
                yield _change("new-optional-request-parameter", "INFO", at, "new optional parameter")

    def request_body(self, where: str, old: Any, new: Any) -> Iterator[Change]:
        o, n = self.old.deref(old), self.new.deref(new)
        at = f"{where} request body"
        if o is None and n is None:
            return
        if o is None:
            required = bool(n.get("required"))
            yield _change(
                f"request-body-added-{'required' if required else 'optional'}",
                "ERR" if required else "INFO",
                at,
                "request body added",
            )
            return
        if n is None:
            yield _change("request-body-removed", "WARN", at, "request body removed")
            return
        if n.get("required") and not o.get("required"):
            yield _change("request-body-became-required", "ERR", at, "request body became required")
        elif o.get("required") and not n.get("required"):
            yield _change("request-body-became-optional", "INFO", at, "request body became optional")
        yield from self.media(at, o.get("content") or {}, n.get("content") or {}, side="request")

    def media(
        self, at: str, old: dict[str, Any], new: dict[str, Any], *, side: Literal["request", "response"]
    ) -> Iterator[Change]:
        prefix = "request-body" if side == "request" else "response"
        for media_type, o_media in old.items():
            if media_type not in new:
                yield _change(
                    f"{prefix}-media-type-removed", "ERR", f"{at} {media_type}", f"media type {media_type} removed"
                )
                continue
            o_schema = (self.old.deref(o_media) or {}).get("schema")
            n_schema = (self.new.deref(new[media_type]) or {}).get("schema")
            for check_id, level, path, message in self.schemas.diff(o_schema, n_schema, side=side, kind="body"):
                yield _change(check_id, level, f"{at} {media_type} {path or '/'}", message)
        for media_type in new:
            if media_type not in old:
                yield _change(
                    f"{prefix}-media-type-added", "INFO", f"{at} {media_type}", f"media type {media_type} added"
                )

    def responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        for status, o_resp in old.items():
            at = f"{where} response {status}"
            success = str(status).startswith("2")
            if status not in new:
                kind = "success" if success else "non-success"
                yield _change(
                    f"response-{kind}-status-removed",
                    "ERR" if success else "WARN",
                    at,
                    f"response status {status} removed",
                )
                continue
            o, n = self.old.deref(o_resp), self.new.deref(new[status])
            yield from self.media(at, o.get("content") or {}, n.get("content") or {}, side="response")
            yield from self.headers(at, o.get("headers") or {}, n.get("headers") or {})
        for status in new:
            if status not in old:
                kind = "success" if str(status).startswith("2") else "non-success"
                yield _change(
                    f"response-{kind}-status-added",
                    "INFO",
                    f"{where} response {status}",
                    f"response status {status} added",
                )

    def headers(self, at: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        n_lower = {k.lower(): v for k, v in new.items()}
        for name, header in old.items():
            o = self.old.deref(header)
            n = self.new.deref(n_lower.get(name.lower()))
            where = f"{at} header {name}"
            if n is None:
                required = bool(o.get("required"))
                check_id = "required-response-header-removed" if required else "optional-response-header-removed"
                yield _change(check_id, "ERR" if required else "INFO", where, "response header removed")
            elif o.get("required") and not n.get("required"):
                yield _change("response-header-became-optional", "ERR", where, "response header became optional")

    def security(
        self, where: str, old: list[dict[str, list[str]]], new: list[dict[str, list[str]]], prefix: str = "api-security"
    ) -> Iterator[Change]:
        """Security requirements are an OR-list of AND-sets; an empty set (or no list) admits anonymous calls."""
        at = f"{where} security"
        o_reqs = {frozenset(r): r for r in old}
        n_reqs = {frozenset(r): r for r in new}
        o_anonymous, n_anonymous = not old or frozenset() in o_reqs, not new or frozenset() in n_reqs
        if o_anonymous and n_anonymous:
            return
        if o_anonymous:
            yield _change(f"{prefix}-added", "ERR", at, f"authentication now required: {_names(new)}")
            return
        if n_anonymous:
            yield _change(f"{prefix}-removed", "INFO", at, "authentication no longer required")
            return
        for key, requirement in o_reqs.items():
            if key not in n_reqs:
                message = f"security requirement {sorted(key)} removed; clients using it fail"
                yield _change(f"{prefix}-removed", "ERR", at, message)
                continue
            for scheme, scopes in requirement.items():
                added = [s for s in n_reqs[key].get(scheme, []) if s not in scopes]
                removed = [s for s in scopes if s not in n_reqs[key].get(scheme, [])]
                if added:
                    yield _change(f"{prefix}-scope-added", "ERR", at, f"{scheme} now also requires scopes {added}")
                if removed:
                    yield _change(
                        f"{prefix}-scope-removed", "INFO", at, f"{scheme} no longer requires scopes {removed}"
                    )
        for key in n_reqs:
            if key not in o_reqs:
                yield _change(f"{prefix}-added", "INFO", at, f"alternative security requirement {sorted(key)} added")

    def security_schemes(self) -> Iterator[Change]:
        o_schemes = (self.old.spec.get("components") or {}).get("securitySchemes") or {}
        n_schemes = (self.new.spec.get("components") or {}).get("securitySchemes") or {}
        for name, scheme in o_schemes.items():
            o, n = self.old.deref(scheme), self.new.deref(n_schemes.get(name))
            if n is not None and o.get("type") != n.get("type"):
                where = f"components securitySchemes {name}"
                yield _change(
                    "api-security-component-type-changed", "ERR", where, f"type {o.get('type')} → {n.get('type')}"
                )


def _names(requirements: list[dict[str, list[str]]]) -> str:
    return " or ".join("+".join(sorted(r)) or "none" for r in requirements)


_LEVELS: dict[str, Level] = {"ERR": "ERR", "WARN": "WARN", "INFO": "INFO"}


def _change(check_id: str, level: str, location: str, message: str) -> Change:
    return Change(id=check_id, level=_LEVELS[level], location=location, message=message)

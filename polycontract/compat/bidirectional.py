"""Bi-directional contracts: check a consumer's pact against a provider's OpenAPI document.

Nothing runs: every HTTP interaction's request must be one the document accepts (path,
method, parameters, security credentials, media type and body), and every response the
consumer expects must be one the document allows for that operation and status::

    from polycontract.compat import bidirectional
    report = bidirectional.check(pact_json, openapi_yaml)
    report.compatible
    [f"{f.interaction}: {f.location}: {f.message}" for f in report.errors]

Matchers are taken into account: the pact's example values are what gets validated (a value
matching a ``type`` or ``regex`` matcher is a representative of what the consumer sends or
accepts), and an array under a matcher with ``min`` is grown to ``min`` items first. Response
objects are judged closed: a property the consumer expects that the schema does not declare is
an error, since the provider is not bound to send it. Findings name the interaction and a JSON
pointer into the OpenAPI document.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from polycontract.compat._bidi_validate import BodyValidator, coerce, expand_arrays, undeclared_properties
from polycontract.compat._load import pointer
from polycontract.compat.openapi import load
from polycontract.model import ABSENT, Body, HttpInteraction, PactDocument, require_document

__all__ = ["Finding", "Report", "check"]

_TEMPLATE = re.compile(r"\{([^}/]*)\}")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One way an interaction disagrees with the API description."""

    interaction: str
    kind: str
    location: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.interaction!r}: {self.kind} at {self.location or '/'}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Report:
    """Compatible unless a finding is an error; ``checked`` counts the HTTP interactions looked at."""

    findings: tuple[Finding, ...] = ()
    checked: int = 0

    @property
    def compatible(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def check(pact: Any, document: Any, *, pact_name: str = "<pact>", document_name: str = "<openapi>") -> Report:
    """Check every HTTP interaction of ``pact`` (a `PactDocument`, dict or JSON text) against ``document``.

    Pacts that do not parse raise `polycontract.errors.PactFormatError`; documents that do not
    validate raise `polycontract.errors.SchemaError`. Message interactions are not checked.
    """
    if not isinstance(pact, PactDocument):
        require_document(pact, "bidirectional.check(pact)")
        from polycontract.codec import load_pact

        pact = load_pact(pact, name=pact_name)
    spec = load(document, name=document_name)
    checker = _Checker(spec)
    findings: list[Finding] = []
    checked = 0
    for interaction in pact.interactions:
        if isinstance(interaction, HttpInteraction):
            checked += 1
            findings += checker.interaction(interaction)
    return Report(findings=tuple(findings), checked=checked)


class _Checker:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.bodies = BodyValidator(spec)
        self.bases = sorted(
            {urlparse(str(s.get("url", ""))).path.rstrip("/") for s in spec.get("servers") or []} | {""},
            key=len,
            reverse=True,
        )
        self.routes = [(template, _route(template)) for template in spec.get("paths") or {}]

    def deref(self, node: Any) -> Any:
        return self.bodies.deref(node)

    def interaction(self, it: HttpInteraction) -> list[Finding]:
        out: list[Finding] = []

        def add(kind: str, location: str, message: str, severity: Literal["error", "warning"] = "error") -> None:
            out.append(
                Finding(interaction=it.description, kind=kind, location=location, message=message, severity=severity)
            )

        found = self.find(it.request.path)
        if found is None:
            add("request-path-unknown", "/paths", f"no path of the document matches {it.request.path}")
            return out
        template, values = found
        item = self.deref(self.spec["paths"][template])
        method = it.request.method.lower()
        op_at = pointer(["paths", template, method])
        if not isinstance(item.get(method), dict):
            add(
                "request-method-unknown",
                pointer(["paths", template]),
                f"{it.request.method.upper()} is not an operation of {template}",
            )
            return out
        op = item[method]
        params = {
            (p.get("in"), p.get("name")): p
            for p in (self.deref(x) for x in [*(item.get("parameters") or []), *(op.get("parameters") or [])])
        }
        self.parameters(it, params, values, op_at, add)
        self.security(it, op, op_at, add)
        self.request_body(it, op, op_at, add)
        self.response(it, op, op_at, add)
        return out

    def find(self, path: str) -> tuple[str, dict[str, str]] | None:
        best: tuple[int, str, dict[str, str]] | None = None
        for base in self.bases:
            if base and not (path == base or path.startswith(base + "/")):
                continue
            rest = path[len(base) :] or "/"
            for template, regex in self.routes:
                match = regex.match(rest)
                if match:
                    literal = len(_TEMPLATE.sub("", template))
                    if best is None or literal > best[0]:
                        best = (literal, template, match.groupdict())
            if best is not None:
                return best[1], best[2]
        return None

    def parameters(
        self, it: HttpInteraction, params: dict[Any, Any], values: dict[str, str], op_at: str, add: Any
    ) -> None:
        query = dict(it.request.query)
        headers = {k.lower(): v for k, v in it.request.headers.items()}
        for (where, name), param in params.items():
            at = f"{op_at}/parameters/{name}"
            schema = param.get("schema")
            if where == "path":
                raw: Any = values.get(_group(name))
            elif where == "query":
                raw = query.pop(name, None)
            elif where == "header" and name.lower() not in _IGNORED_HEADERS:
                raw = headers.get(name.lower())
            else:
                continue
            if raw is None:
                if param.get("required"):
                    add(f"request-{where}-missing", at, f"required {where} parameter {name!r} is not sent")
                continue
            if schema is not None:
                value = coerce(raw, self.deref(schema), self.deref)
                for message, _ in self.bodies.errors(value, schema, side="request"):
                    add(f"request-{where}-invalid", at + "/schema", f"{where} parameter {name!r}: {message}")
        for name in query:
            add("request-query-unknown", f"{op_at}/parameters", f"query parameter {name!r} is not declared", "warning")

    def security(self, it: HttpInteraction, op: dict[str, Any], op_at: str, add: Any) -> None:
        requirements = op["security"] if "security" in op else self.spec.get("security") or []
        if not requirements or any(not r for r in requirements):
            return
        schemes = (self.spec.get("components") or {}).get("securitySchemes") or {}
        headers = {k.lower() for k in it.request.headers}
        for requirement in requirements:
            if all(
                _has_credentials(self.deref(schemes.get(name, {})), headers, it.request.query) for name in requirement
            ):
                return
        names = " or ".join("+".join(r) for r in requirements)
        add("request-authorization-missing", f"{op_at}/security", f"the request carries no credentials for {names}")

    def request_body(self, it: HttpInteraction, op: dict[str, Any], op_at: str, add: Any) -> None:
        declared = self.deref(op.get("requestBody"))
        body = it.request.body
        if body is ABSENT or (isinstance(body, Body) and body.is_empty):
            if declared and declared.get("required"):
                add("request-body-missing", f"{op_at}/requestBody", "the operation requires a request body")
            return
        if not declared:
            add("request-body-unexpected", op_at, "the operation declares no request body", "warning")
            return
        media = _media_type(it.request.headers, body)
        self.content(it, declared.get("content") or {}, media, body, f"{op_at}/requestBody/content", "request", add)

    def response(self, it: HttpInteraction, op: dict[str, Any], op_at: str, add: Any) -> None:
        responses = op.get("responses") or {}
        status = str(it.response.status)
        key = next((k for k in (status, f"{status[0]}XX", f"{status[0]}xx", "default") if k in responses), None)
        if key is None:
            add("response-status-unknown", f"{op_at}/responses", f"status {status} is not a documented response")
            return
        declared = self.deref(responses[key])
        at = f"{op_at}/responses/{key}"
        body = it.response.body
        header_names = {k.lower() for k in (declared.get("headers") or {})}
        for name in it.response.headers:
            if name.lower() not in header_names and name.lower() != "content-type":
                add(
                    "response-header-unknown", f"{at}/headers", f"expected header {name!r} is not documented", "warning"
                )
        if body is ABSENT or (isinstance(body, Body) and body.is_empty):
            return
        content = declared.get("content") or {}
        if not content:
            add("response-body-unexpected", at, "the consumer expects a body but the response declares no content")
            return
        media = _media_type(it.response.headers, body)
        content_value = body.content if isinstance(body, Body) else body
        expanded = expand_arrays(copy.deepcopy(content_value), (it.response.matching_rules or {}).get("body", {}))
        self.content(it, content, media, Body(content=expanded, content_type=media), f"{at}/content", "response", add)

    def content(
        self, it: HttpInteraction, content: dict[str, Any], media: str, body: Any, at: str, side: str, add: Any
    ) -> None:
        chosen = _choose_media(content, media)
        if chosen is None:
            add(f"{side}-media-type-unknown", at, f"media type {media!r} is not one of {sorted(content)}")
            return
        schema = self.deref(content[chosen]).get("schema")
        value = body.content if isinstance(body, Body) else body
        if schema is None or not ("json" in chosen or chosen.endswith("*")) or isinstance(value, str | bytes):
            return
        where = at + pointer([chosen, "schema"])
        for message, path in self.bodies.errors(value, schema, side=side):
            add(f"{side}-body-invalid", where + path, message)
        if side == "response":
            for path, name in undeclared_properties(value, schema, self.deref):
                add(
                    "response-property-undeclared",
                    where + path,
                    f"expected property {name!r} is not in the schema; the provider may not send it",
                )


def _route(template: str) -> re.Pattern[str]:
    parts = _TEMPLATE.split(template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{_group(p)}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}/?$")


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _media_type(headers: Any, body: Any) -> str:
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            return str(values[0]).split(";")[0].strip().lower()
    if isinstance(body, Body) and body.content_type:
        return body.content_type.split(";")[0].strip().lower()
    content = body.content if isinstance(body, Body) else body
    return (
        "text/plain"
        if isinstance(content, str)
        else "application/octet-stream"
        if isinstance(content, bytes)
        else "application/json"
    )


def _choose_media(content: dict[str, Any], media: str) -> str | None:
    if media in content:
        return media
    lowered = {k.split(";")[0].strip().lower(): k for k in content}
    if media in lowered:
        return lowered[media]
    major = media.split("/")[0]
    for candidate in (f"{major}/*", "*/*"):
        if candidate in lowered:
            return lowered[candidate]
    if media.endswith("+json") and "application/json" in lowered:
        return lowered["application/json"]
    return None


def _has_credentials(scheme: dict[str, Any], headers: set[str], query: Any) -> bool:
    kind = scheme.get("type")
    if kind == "apiKey":
        name = str(scheme.get("name", ""))
        where = scheme.get("in")
        return name.lower() in headers if where == "header" else name in query if where == "query" else True
    if kind in ("http", "oauth2", "openIdConnect"):
        return "authorization" in headers
    return True

"""The model to pact JSON of spec V2, V3 or V4, refusing conversions that would lose meaning."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from polycontract.codec._bodies import header_content_type, is_binary_media_type
from polycontract.codec._json import LazyList, Writer
from polycontract.codec._rules import write_generators, write_matching_rules
from polycontract.errors import UsageError
from polycontract.model import (
    Body,
    HttpInteraction,
    Interaction,
    MessageContents,
    PactDocument,
    Request,
    Response,
    SpecVersion,
    SynchronousMessage,
)

_SPEC_LABEL = {"V2": "2.0.0", "V3": "3.0.0", "V4": "4.0"}


def write_pact(
    pact: PactDocument, spec: SpecVersion, *, lazy: bool = False, direct: Writer | None = None
) -> dict[str, Any]:
    """A pact document of ``spec``; raises `UsageError` listing what that version cannot hold.

    With ``lazy``, the interactions (or messages) are a `LazyList` that builds each one as it is
    written (or has ``direct`` write it as text): for `dumps_indented`, not for callers that want
    the document itself.
    """
    if spec not in _SPEC_LABEL:
        raise UsageError(f"spec={spec!r}: polycontract writes pact files of V2, V3 or V4")
    problems = _downgrade_problems(pact, spec)
    if problems:
        raise UsageError(
            f"pact {pact.consumer} -> {pact.provider} cannot be written as {spec}:\n- "
            + "\n- ".join(problems)
            + "\nWrite it as V4 instead."
        )
    metadata = {k: v for k, v in pact.metadata.items() if k not in ("pactSpecification", "pact-specification")}
    metadata["pactSpecification"] = {"version": _SPEC_LABEL[spec]}
    doc: dict[str, Any] = {"consumer": {"name": pact.consumer}, "provider": {"name": pact.provider}}
    items: list[dict[str, Any]] | LazyList = (
        LazyList(pact.interactions, lambda i: _interaction(i, spec), direct)
        if lazy
        else [_interaction(i, spec) for i in pact.interactions]
    )
    if spec == "V3" and pact.interactions and all(not isinstance(i, HttpInteraction) for i in pact.interactions):
        doc["messages"] = items
    else:
        doc["interactions"] = items
    doc["metadata"] = metadata
    doc.update(pact.extra)
    return doc


def _downgrade_problems(pact: PactDocument, spec: SpecVersion) -> list[str]:
    if spec == "V4":
        return []
    problems: list[str] = []
    kinds = {type(i) for i in pact.interactions}
    if SynchronousMessage in kinds:
        problems.append("synchronous messages exist only in V4")
    if spec == "V2" and kinds - {HttpInteraction}:
        problems.append("messages need V3 or V4")
    if spec == "V3" and HttpInteraction in kinds and len(kinds) > 1:
        problems.append("V3 keeps HTTP interactions and messages in separate files; V4 holds both")
    for i in pact.interactions:
        label = f"interaction {i.description!r}"
        if i.pending:
            problems.append(f"{label}: 'pending' is a V4 attribute")
        if i.comments or i.plugin_configuration or i.interaction_markup:
            problems.append(f"{label}: comments, plugin configuration and markup are V4 attributes")
        if spec == "V2" and (len(i.provider_states) > 1 or any(s.params for s in i.provider_states)):
            problems.append(f"{label}: several provider states or state parameters need V3")
        for part_name, part in _parts(i):
            problems.extend(_part_problems(label, part_name, part, spec))
    return problems


def _parts(i: Interaction) -> Sequence[tuple[str, Request | Response | MessageContents]]:
    if isinstance(i, HttpInteraction):
        return [("request", i.request), ("response", i.response)]
    if isinstance(i, SynchronousMessage):
        return [("request", i.request)] + [(f"response[{n}]", r) for n, r in enumerate(i.response)]
    return [("message", i.message)]


def _part_problems(
    label: str, part_name: str, part: Request | Response | MessageContents, spec: SpecVersion
) -> list[str]:
    problems = []
    if spec == "V2":
        problems.extend(_v2_rule_problems(label, part_name, part))
    # V3 holds every matcher and generator the reference writes: pact_models serialises each rule with
    # `MatchingRule::to_json` and each generator with `generators_to_json`, neither gated by the spec
    # version (pact-reference rust/pact_models/src/matchingrules/mod.rs, src/generators/mod.rs), and
    # reads them back from V3 files alike; pact-python 4 writes arrayContains, eachKey, eachValue and
    # ProviderState generators into V3 pacts.
    body = part.contents if isinstance(part, MessageContents) else part.body
    if isinstance(body, Body) and isinstance(body.content, bytes):
        problem = _binary_body_problem(part, body, spec)
        if problem:
            problems.append(f"{label} {part_name}: {problem}")
    elif isinstance(body, Body) and body.content_type and not isinstance(part, MessageContents):
        declared = header_content_type(part.headers) or guess_content_type(body.content)
        if _media(declared) != _media(body.content_type):
            problems.append(
                f"{label} {part_name}: body content type {body.content_type!r} differs from {declared!r},"
                " and only V4 records a body's own content type"
            )
    return problems


def _binary_body_problem(part: Request | Response | MessageContents, body: Body, spec: SpecVersion) -> str | None:
    """Why a V2/V3 file cannot hold this binary body, or None when V3 can (base64 under a binary Content-Type)."""
    if isinstance(part, MessageContents):
        declared_type = _metadata_content_type(part.metadata) or body.content_type
        if spec == "V3" and is_binary_media_type(declared_type):
            return None  # base64 text under a binary contentType, as the Pact reference writes it
        return "binary message contents need V4, or V3 with a binary contentType in the metadata"
    if spec != "V3":
        return "a binary body needs V3 (under a binary Content-Type header) or V4"
    declared = header_content_type(part.headers)
    if not is_binary_media_type(declared):
        return (
            f"a binary body under Content-Type {declared!r} needs V4"
            if declared
            else "a binary body needs a binary Content-Type header in V3 (V4 records its own content type)"
        )
    if body.content_type and _media(body.content_type) != _media(declared):
        return (
            f"body content type {body.content_type!r} differs from {declared!r},"
            " and only V4 records a body's own content type"
        )
    return None


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _v2_rule_problems(label: str, part_name: str, part: Request | Response | MessageContents) -> list[str]:
    """What a V2 file cannot hold without changing the contract's meaning.

    Any matcher type may be written, as the reference does (its V2 writer emits every rule with
    `MatchingRule::to_json` and its V2 reader parses every type back), but V2 keeps one matcher per
    path (the reference's `RuleList::to_v2_json` writes only the first), no status rules and no
    generators (`generators_to_json` writes nothing below V3).
    """
    problems = []
    for category, entries in part.matching_rules.items():
        if category == "status":
            problems.append(f"{label} {part_name}: status rules have no place in a V2 pact (write V3 or V4)")
            continue
        for key, rule_set in entries.items():
            if len(rule_set.matchers) > 1 or rule_set.combine == "OR":
                where = f"{category} {key!r}" if key else category
                problems.append(
                    f"{label} {part_name}: several matchers at {where}; a V2 pact holds one per path (write V3 or V4)"
                )
    located = [(category, key) for category, gens in part.generators.items() for key in gens]
    if located:
        category, key = located[0]
        where = f"{category} {key!r}" if key else category
        problems.append(f"{label} {part_name}: generator at {where}; V2 pacts hold no generators (write V3 or V4)")
    return problems


def _common(i: Interaction, spec: SpecVersion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec == "V4":
        out["type"] = i.type_name
    out["description"] = i.description
    if spec == "V4" and i.key is not None:
        out["key"] = i.key
    if i.provider_states:
        if spec == "V2":
            out["providerState"] = i.provider_states[0].name
        else:
            out["providerStates"] = [
                {"name": s.name, **({"params": dict(s.params)} if s.params else {})} for s in i.provider_states
            ]
    if spec == "V4":
        if i.pending:
            out["pending"] = True
        if i.comments:
            out["comments"] = dict(i.comments)
        if i.plugin_configuration:
            out["pluginConfiguration"] = dict(i.plugin_configuration)
        if i.interaction_markup:
            out["interactionMarkup"] = dict(i.interaction_markup)
    return out


def _interaction(i: Interaction, spec: SpecVersion) -> dict[str, Any]:
    out = _common(i, spec)
    if isinstance(i, HttpInteraction):
        out["request"] = _request(i.request, spec)
        out["response"] = _response(i.response, spec)
    elif isinstance(i, SynchronousMessage):
        out["request"] = _message(i.request, spec)
        out["response"] = [_message(r, spec) for r in i.response]
    else:
        out.update(_message(i.message, spec))
    out.update(i.extra)
    return out


def _headers(headers: Mapping[str, tuple[str, ...]], spec: SpecVersion) -> dict[str, Any]:
    if spec == "V4":
        return {k: list(v) for k, v in headers.items()}
    return {k: ", ".join(v) for k, v in headers.items()}


def write_body(body: Body, spec: SpecVersion, headers: Mapping[str, tuple[str, ...]] | None = None) -> Any:
    """A body as the pact file of ``spec`` holds it (V4: an object with its content type and encoding).

    Before V4, binary content is its base64 text (the HTTP part's Content-Type says it is binary), as the
    Pact reference implementation writes it (``Request::to_json`` in pact_models' ``request.rs``).
    """
    if spec != "V4":
        if isinstance(body.content, bytes):
            return base64.b64encode(body.content).decode("ascii")
        return body.content
    content_type = body.content_type or header_content_type(headers) or guess_content_type(body.content)
    out: dict[str, Any] = {"contentType": content_type}
    if isinstance(body.content, bytes):
        out["encoded"] = "base64"
        out["content"] = base64.b64encode(body.content).decode("ascii")
    else:
        out["encoded"] = body.encoded if body.encoded and str(body.encoded).lower() == "json" else False
        if out["encoded"]:
            import json

            out["content"] = json.dumps(body.content)
        else:
            out["content"] = body.content
    if body.content_type_hint:
        out["contentTypeHint"] = body.content_type_hint
    return out


def guess_content_type(content: Any) -> str:
    """A media type for content that declares none: JSON for JSON values, XML or text for strings."""
    if isinstance(content, bytes):
        return "application/octet-stream"
    if isinstance(content, str):
        return "application/xml" if content.lstrip().startswith("<?xml") else "text/plain"
    return "application/json"


def _request(r: Request, spec: SpecVersion) -> dict[str, Any]:
    out: dict[str, Any] = {"method": r.method, "path": r.path}
    if r.query or r.raw_query is not None:
        if spec == "V2":
            out["query"] = (
                r.raw_query if r.raw_query is not None else urlencode([(k, v) for k, vs in r.query.items() for v in vs])
            )
        else:
            out["query"] = {k: list(v) for k, v in r.query.items()}
    _http_tail(out, r.headers, r.body, r.matching_rules, r.generators, spec)
    out.update(r.extra)
    return out


def _response(r: Response, spec: SpecVersion) -> dict[str, Any]:
    out: dict[str, Any] = {"status": r.status}
    _http_tail(out, r.headers, r.body, r.matching_rules, r.generators, spec)
    out.update(r.extra)
    return out


def _http_tail(out: dict[str, Any], headers: Any, body: Any, rules: Any, generators: Any, spec: SpecVersion) -> None:
    if headers:
        out["headers"] = _headers(headers, spec)
    if isinstance(body, Body):
        out["body"] = write_body(body, spec, headers)
    if rules:
        out["matchingRules"] = write_matching_rules(rules, v2=spec == "V2")
    if generators:
        out["generators"] = write_generators(generators)


def _metadata_content_type(metadata: Mapping[str, Any]) -> str | None:
    """A message's content type as its metadata names it (``contentType``, any case or ``content-type``)."""
    return next(
        (v for k, v in metadata.items() if k.lower() in ("contenttype", "content-type") and isinstance(v, str)), None
    )


def _message(m: MessageContents, spec: SpecVersion) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(m.contents, Body):
        out["contents"] = write_body(m.contents, spec)
    meta_key = "metadata" if spec == "V4" else "metaData"
    out[meta_key] = dict(m.metadata)
    binary = spec != "V4" and isinstance(m.contents, Body) and isinstance(m.contents.content, bytes)
    if binary and isinstance(m.contents, Body) and m.contents.content_type and not _metadata_content_type(m.metadata):
        out[meta_key]["contentType"] = m.contents.content_type  # what says the base64 text is binary
    category = "content" if spec == "V4" else "body"
    if m.matching_rules:
        out["matchingRules"] = write_matching_rules(m.matching_rules, body_category=category)
    if m.generators:
        out["generators"] = write_generators(m.generators, body_category=category)
    out.update(m.extra)
    return out

"""Pact JSON (V1 to V4) to the model: parts (request, response, message) and whole pacts.

Bodies are read by `polycontract.codec._bodies`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from polycontract.codec import _shared
from polycontract.codec._bodies import read_body
from polycontract.codec._where import Where
from polycontract.model import (
    NO_ENTRIES,
    AsynchronousMessage,
    Body,
    HttpInteraction,
    Interaction,
    MessageContents,
    PactDocument,
    ProviderState,
    Request,
    Response,
    SpecVersion,
    SynchronousMessage,
    fields_maker,
)

_SPEC_KEYS = frozenset({"pactSpecification", "pact-specification", "pactSpecificationVersion"})
_REQUEST_KEYS = frozenset({"method", "path", "query", "headers", "body", "matchingRules", "generators"})
_RESPONSE_KEYS = frozenset({"status", "headers", "body", "matchingRules", "generators"})
_MESSAGE_KEYS = frozenset({"contents", "metadata", "metaData", "matchingRules", "generators"})
_COMMON_KEYS = frozenset(
    {
        "type",
        "description",
        "key",
        "pending",
        "comments",
        "providerState",
        "provider_state",
        "providerStates",
        "pluginConfiguration",
        "interactionMarkup",
    }
)
#: The keys of an interaction with a request and a response (HTTP, synchronous messages); of message contents.
_EXCHANGE_KEYS = _COMMON_KEYS | {"request", "response"}
_CONTENTS_KEYS = _COMMON_KEYS | _MESSAGE_KEYS

#: Model objects built from all their fields at once (`polycontract.model.from_fields`): faster than their ``__init__``.
_make_httpinteraction = fields_maker(HttpInteraction)
_make_request = fields_maker(Request)
_make_response = fields_maker(Response)
_make_providerstate = fields_maker(ProviderState)


def spec_of(version: Any) -> SpecVersion | None:
    """Map ``"3.0.0"``, ``"4.0"``, ``"V2"`` and the like to a spec version, or None."""
    text = str(version).strip().upper().lstrip("V")
    if text.startswith("1.1"):
        return "V1.1"
    major = text.split(".", 1)[0]
    return {"1": "V1", "2": "V2", "3": "V3", "4": "V4"}.get(major)  # type: ignore[return-value]


def detect_spec(doc: Mapping[str, Any]) -> SpecVersion:
    """The spec version a pact document declares, or the one its shape implies."""
    meta = doc.get("metadata")
    if isinstance(meta, Mapping):
        for key in ("pactSpecification", "pact-specification"):
            entry = meta.get(key)
            if isinstance(entry, Mapping) and "version" in entry:
                found = spec_of(entry["version"])
                if found:
                    return found
        if "pactSpecificationVersion" in meta:
            found = spec_of(meta["pactSpecificationVersion"])
            if found:
                return found
    interactions = doc.get("interactions")
    if isinstance(interactions, list) and any(isinstance(i, Mapping) and "type" in i for i in interactions):
        return "V4"
    if "messages" in doc:
        return "V3"
    return "V2"


def read_pact(doc: Any, where: Where) -> PactDocument:
    """A whole pact document."""
    if not isinstance(doc, Mapping):
        where.fail("a pact must be a JSON object", expected="an object with consumer, provider and interactions")
    spec = detect_spec(doc)
    consumer = _party(doc, "consumer", where)
    provider = _party(doc, "provider", where)
    interactions: list[Interaction] = []
    raw = doc.get("interactions", [])
    if not isinstance(raw, list):
        where.at("interactions").fail("interactions must be a list", expected="a list")
    listed = where.at("interactions")
    for i, item in enumerate(raw):
        interactions.append(read_interaction(item, spec, listed.at(i)))
    messages = doc.get("messages", [])
    if not isinstance(messages, list):
        where.at("messages").fail("messages must be a list", expected="a list")
    for i, item in enumerate(messages):
        interactions.append(_read_async(item, spec, where.at("messages").at(i)))
    metadata = doc.get("metadata", {})
    if not isinstance(metadata, Mapping):
        where.at("metadata").fail("metadata must be an object", expected="an object")
    extra = {k: v for k, v in doc.items() if k not in ("consumer", "provider", "interactions", "messages", "metadata")}
    return PactDocument(
        consumer=consumer,
        provider=provider,
        interactions=tuple(interactions),
        metadata={k: v for k, v in metadata.items() if k not in _SPEC_KEYS},
        spec=spec,
        extra=extra,
    )


def _party(doc: Mapping[str, Any], key: str, where: Where) -> str:
    party = doc.get(key)
    if not isinstance(party, Mapping) or not isinstance(party.get("name"), str) or not party["name"]:
        where.at(key).fail(f"missing {key} name", expected='{"name": "..."}')
    return str(party["name"])


def read_interaction(data: Any, spec: SpecVersion, where: Where) -> Interaction:
    """One interaction; V4 dispatches on ``type``, earlier versions are HTTP."""
    if type(data) is not dict and not isinstance(data, Mapping):
        where.fail("an interaction must be an object", expected="an object")
    kind = data.get("type", "Synchronous/HTTP")
    if kind == "Asynchronous/Messages":
        return _read_async(data, spec, where)
    if kind == "Synchronous/Messages":
        return _read_sync_message(data, spec, where)
    if kind != "Synchronous/HTTP":
        where.at("type").fail(
            f"unknown interaction type {kind!r}",
            expected="Synchronous/HTTP, Asynchronous/Messages or Synchronous/Messages",
        )
    fields = _common(data, where)
    fields["request"] = read_request(data.get("request", {}), spec, where.at("request"))
    fields["response"] = read_response(data.get("response", {}), spec, where.at("response"))
    fields["extra"] = _extra(data, _EXCHANGE_KEYS)
    return _make_httpinteraction(fields)


def _extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """The entries of ``data`` under keys not in ``known``: kept as they are for writing back."""
    if data.keys() <= known:  # the usual case: nothing else
        return NO_ENTRIES
    return {k: v for k, v in data.items() if k not in known}


def _common(data: Mapping[str, Any], where: Where) -> dict[str, Any]:
    description = data.get("description")
    if not isinstance(description, str):
        where.at("description").fail("missing description", expected="a string")
    pending = data.get("pending", False)
    if not isinstance(pending, bool):
        where.at("pending").fail(f"pending={pending!r}", expected="true or false")
    out: dict[str, Any] = {
        "description": description,
        "provider_states": read_provider_states(data, where),
        "key": data.get("key"),
        "pending": pending,
        "comments": NO_ENTRIES,
        "plugin_configuration": NO_ENTRIES,
        "interaction_markup": NO_ENTRIES,
    }
    for src, dst in _MAPPING_FIELDS:
        if src in data:
            if not isinstance(data[src], Mapping):
                where.at(src).fail(f"{src} must be an object", expected="an object")
            out[dst] = dict(data[src])
    return out


_MAPPING_FIELDS = (
    ("comments", "comments"),
    ("pluginConfiguration", "plugin_configuration"),
    ("interactionMarkup", "interaction_markup"),
)


def read_provider_states(data: Mapping[str, Any], where: Where) -> tuple[ProviderState, ...]:
    """``providerStates`` (V3+) or the single ``providerState`` / ``provider_state`` of V1/V2."""
    if "providerStates" in data:
        states = data["providerStates"]
        if not isinstance(states, list):
            where.at("providerStates").fail("providerStates must be a list", expected="a list of {name, params}")
        out = []
        for i, state in enumerate(states):
            if isinstance(state, str):
                out.append(_make_providerstate({"name": state, "params": NO_ENTRIES}))
                continue
            if (type(state) is not dict and not isinstance(state, Mapping)) or not isinstance(state.get("name"), str):
                where.at("providerStates").at(i).fail(
                    "a provider state needs a name", expected='{"name": "...", "params": {...}}'
                )
            params = state.get("params") or {}
            if type(params) is not dict and not isinstance(params, Mapping):
                where.at("providerStates").at(i).at("params").fail("params must be an object", expected="an object")
            kept = dict(params) if params else NO_ENTRIES
            out.append(_make_providerstate({"name": state["name"], "params": kept}))
        return tuple(out)
    for key in ("providerState", "provider_state"):
        state = data.get(key)
        if state is not None:
            if not isinstance(state, str):
                where.at(key).fail(f"{key} must be a string", expected="a string")
            return (_make_providerstate({"name": state, "params": NO_ENTRIES}),)
    return ()


def _query(data: Any, part: Where, key: str) -> tuple[Mapping[str, tuple[str, ...]], str | None]:
    """``part[key]``, the query (an object or a string); the location is built only for an error."""
    if data is None:
        return NO_ENTRIES, None
    where = part.at(key)
    if isinstance(data, str):
        parsed: dict[str, list[str]] = {}
        for k, v in parse_qsl(data, keep_blank_values=True):
            parsed.setdefault(k, []).append(v)
        return {k: tuple(v) for k, v in parsed.items()}, data
    if type(data) is not dict and not isinstance(data, Mapping):
        where.fail("query must be an object or a string", expected="an object of name to list of strings")
    out: dict[str, tuple[str, ...]] = {}
    for name, value in data.items():
        if isinstance(value, str):
            out[name] = (value,)
        elif isinstance(value, list):
            out[name] = tuple("" if v is None else str(v) for v in value)
        elif value is None:
            out[name] = ("",)
        else:
            where.at(name).fail(f"query parameter {name!r} has value {value!r}", expected="a list of strings")
    return out, None


def read_request(data: Any, spec: SpecVersion, where: Where) -> Request:
    """An HTTP request part in the shape of the given spec version."""
    if type(data) is not dict and not isinstance(data, Mapping):
        where.fail("request must be an object", expected="an object")
    method = data.get("method", "GET")
    path = data.get("path", "/")
    if not isinstance(method, str):
        where.at("method").fail(f"method={method!r}", expected="a string")
    if not isinstance(path, str):
        where.at("path").fail(f"path={path!r}", expected="a string")
    query, raw_query = _query(data.get("query"), where, "query")
    headers = _shared.headers(data.get("headers"), where)
    fields = {
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": read_body(data, "body", spec, where, headers),
        "matching_rules": _shared.matching_rules(data.get("matchingRules"), where),
        "generators": _shared.generators(data.get("generators"), where),
        "raw_query": raw_query if "query" in data else None,
        "extra": _extra(data, _REQUEST_KEYS),
    }
    return _make_request(fields)


def read_response(data: Any, spec: SpecVersion, where: Where) -> Response:
    """An HTTP response part in the shape of the given spec version."""
    if type(data) is not dict and not isinstance(data, Mapping):
        where.fail("response must be an object", expected="an object")
    status = data.get("status", 200)
    if not isinstance(status, int) or isinstance(status, bool):
        where.at("status").fail(f"status={status!r}", expected="an integer status code")
    headers = _shared.headers(data.get("headers"), where)
    fields = {
        "status": status,
        "headers": headers,
        "body": read_body(data, "body", spec, where, headers),
        "matching_rules": _shared.matching_rules(data.get("matchingRules"), where),
        "generators": _shared.generators(data.get("generators"), where),
        "extra": _extra(data, _RESPONSE_KEYS),
    }
    return _make_response(fields)


def read_message_contents(data: Any, spec: SpecVersion, where: Where) -> MessageContents:
    """Message contents with metadata (``metaData`` in V3, ``metadata`` in V4)."""
    if not isinstance(data, Mapping):
        where.fail("message must be an object", expected="an object")
    meta_key = "metadata" if "metadata" in data else "metaData"
    metadata = data.get(meta_key) or {}
    if not isinstance(metadata, Mapping):
        where.at(meta_key).fail("metadata must be an object", expected="an object")
    ct = next((v for k, v in metadata.items() if k.lower() in ("contenttype", "content-type")), None)
    # Before V4, string contents under a binary contentType are base64 of the bytes, as for HTTP bodies:
    # the Pact reference writes a V3 message's binary contents so and decodes them when verifying.
    headers = {"Content-Type": (ct,)} if isinstance(ct, str) else None
    contents = read_body(data, "contents", spec, where, headers)
    if isinstance(contents, Body) and contents.content_type is None and isinstance(ct, str):
        contents = Body(content=contents.content, content_type=ct, encoded=contents.encoded)
    return MessageContents(
        contents=contents,
        metadata=dict(metadata),
        matching_rules=_shared.matching_rules(data.get("matchingRules"), where, message=True),
        generators=_shared.generators(data.get("generators"), where, message=True),
        extra=_extra(data, _CONTENTS_KEYS),
    )


def _read_async(data: Any, spec: SpecVersion, where: Where) -> AsynchronousMessage:
    if not isinstance(data, Mapping):
        where.fail("a message must be an object", expected="an object")
    common = _common(data, where)
    message = read_message_contents(data, spec, where)
    extra = dict(message.extra)
    message = MessageContents(
        contents=message.contents,
        metadata=message.metadata,
        matching_rules=message.matching_rules,
        generators=message.generators,
    )
    return AsynchronousMessage(message=message, extra=extra, **common)


def _read_sync_message(data: Mapping[str, Any], spec: SpecVersion, where: Where) -> SynchronousMessage:
    common = _common(data, where)
    request = read_message_contents(data.get("request", {}), spec, where.at("request"))
    responses = data.get("response", [])
    if not isinstance(responses, list):
        where.at("response").fail("response of a synchronous message must be a list", expected="a list")
    response = tuple(read_message_contents(r, spec, where.at("response").at(i)) for i, r in enumerate(responses))
    return SynchronousMessage(request=request, response=response, extra=_extra(data, _EXCHANGE_KEYS), **common)

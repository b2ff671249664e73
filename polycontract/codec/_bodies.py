"""Bodies in pact JSON: the content type a part declares, which media types are binary, and reading a body.

A V4 body is a wrapper (``content``, ``contentType``, ``encoded``, ``contentTypeHint``); before V4 a body
is the value itself, and a string under a binary content type is base64 of its bytes. Shared by reading
(`polycontract.codec._read`) and writing (`polycontract.codec._write`, `polycontract.codec._direct`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from polycontract.codec._where import Where
from polycontract.model import ABSENT, Body, SpecVersion, fields_maker

__all__ = ["header_content_type", "is_binary_media_type", "read_body"]

_V4_BODY_KEYS = frozenset({"content", "contentType", "encoded", "contentTypeHint"})
#: `Body` built from all its fields at once (`polycontract.model.from_fields`).
_make_body = fields_maker(Body)


def header_content_type(headers: Mapping[str, tuple[str, ...]] | None) -> str | None:
    """The first ``Content-Type`` header value (any case), if any."""
    for name, values in (headers or {}).items():
        if name.lower() == "content-type" and values:
            return values[0]
    return None


def is_binary_media_type(content_type: str | None) -> bool:
    """True when a body of ``content_type`` is binary: a ``type/subtype`` that is not text, XML, JSON or a form.

    As the Pact reference implementation judges it (``ContentType::is_text`` in pact_models'
    ``content_types.rs``): ``text/*``, XML (``application`` or ``text`` with ``xml`` or a ``+xml`` suffix),
    JSON (``application/json*``, ``application/*+json``, ``application/graphql``) and
    ``application/x-www-form-urlencoded`` are text; so is anything that does not parse as a media type.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    main, slash, sub = media.partition("/")
    if not slash or not main or not sub or any(c.isspace() for c in media):
        return False
    base, _, suffix = sub.partition("+")
    if main == "text":
        return False
    if main == "application" and (base.startswith("json") or suffix == "json" or base == "graphql"):
        return False
    return not (main == "application" and (base in ("xml", "x-www-form-urlencoded") or suffix == "xml"))


def read_body(
    data: Mapping[str, Any],
    key: str,
    spec: SpecVersion,
    where: Where,
    headers: Mapping[str, tuple[str, ...]] | None = None,
) -> Body | Any:
    """The body under ``key``: `ABSENT` when missing, a `Body` otherwise (V4 wrappers unwrapped).

    Before V4, an HTTP body (``headers`` given) that is a string under a binary ``Content-Type`` is
    base64 of its bytes, and read as those bytes when it decodes (else kept as the string), as the
    Pact reference implementation reads and writes it: ``body_from_json`` in pact_models'
    ``json_utils.rs`` decodes it, ``Request::to_json`` in ``request.rs`` encodes bytes that are not
    UTF-8 text.
    """
    if key not in data:
        return ABSENT
    raw = data[key]
    if spec == "V4" and isinstance(raw, Mapping) and raw and set(raw) <= _V4_BODY_KEYS and "content" in raw:
        return _read_v4_body(raw, where.at(key))
    if spec == "V4" and isinstance(raw, Mapping) and not raw:
        return ABSENT
    if spec != "V4" and isinstance(raw, str) and raw and is_binary_media_type(header_content_type(headers)):
        try:
            return Body(content=base64.b64decode(raw, validate=True))
        except (binascii.Error, ValueError):
            pass  # not base64: the reference keeps the text
    return _make_body({"content": raw, "content_type": None, "encoded": False, "content_type_hint": None})


def _read_v4_body(raw: Mapping[str, Any], where: Where) -> Body:
    content = raw.get("content")
    content_type = raw.get("contentType")
    if content_type is not None and not isinstance(content_type, str):
        where.at("contentType").fail(f"contentType={content_type!r}", expected="a media type string")
    encoded = raw.get("encoded", False)
    hint = raw.get("contentTypeHint")
    if encoded in (False, None):
        fields = {"content": content, "content_type": content_type, "encoded": False, "content_type_hint": hint}
        return _make_body(fields)
    if not isinstance(encoded, str):
        where.at("encoded").fail(f"encoded={encoded!r}", expected="false, 'base64' or 'json'")
    if not isinstance(content, str):
        where.at("content").fail("encoded content must be a string", expected="a string")
    if encoded.lower() == "base64":
        try:
            decoded = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as exc:
            where.at("content").fail(f"content is not valid base64: {exc}", expected="base64 text")
        return Body(content=decoded, content_type=content_type, encoded=False, content_type_hint=hint)
    if encoded.lower() == "json":
        try:
            value = json.loads(content)
        except json.JSONDecodeError as exc:
            where.at("content").fail(f"content is not valid JSON: {exc}", expected="JSON text")
        return Body(content=value, content_type=content_type, encoded=encoded, content_type_hint=hint)
    where.at("encoded").fail(f"unknown encoding {encoded!r}", expected="false, 'base64' or 'json'")

"""What the mock provider sends back: a `Reply`, built from a declared response or from an error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from polycontract.model import Body, Response, from_fields

__all__ = ["MISMATCH_HEADER", "Reply", "is_json", "json_reply", "reply_of"]

#: ``json.dumps`` with these options, without building an encoder per call.
_BODY_JSON = json.JSONEncoder(ensure_ascii=False)

#: Header added to every reply built from an error, so a client can tell the mock provider answered.
MISMATCH_HEADER = "X-Polycontract-Mismatch"


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What to send back: the status, the headers in order (repeats allowed) and the encoded body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: What an adapter derived from the reply to send it (its wire headers), kept with a reply sent again.
    #: Not a field: equality and repr ignore it; set with ``object.__setattr__``.
    adapter_cache: ClassVar[Any] = None


def reply_of(response: Response) -> Reply:
    """The reply carrying ``response`` as it is (generators already applied)."""
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    body = response.body
    data = b""
    if isinstance(body, Body):
        data = _encode(body)
        content_type = body.content_type
        if content_type and not _has_content_type(headers):
            headers.append(("Content-Type", content_type))
    return from_fields(Reply, {"status": response.status, "headers": headers, "body": data})


def _has_content_type(headers: list[tuple[str, str]]) -> bool:
    # Only names of 12 characters can lower to "content-type": no character lowers to several ASCII ones.
    return any(len(name) == 12 and name.lower() == "content-type" for name, _ in headers) if headers else False


def _encode(body: Body) -> bytes:
    content = body.content
    kind = type(content)
    if kind is dict or kind is list:  # the usual JSON body
        return _BODY_JSON.encode(content).encode("utf-8")
    if isinstance(content, bytes):
        return content
    if isinstance(content, str) and not is_json(body.content_type):
        return content.encode("utf-8")
    if content is None:
        return b""
    return _BODY_JSON.encode(content).encode("utf-8")


def is_json(content_type: str | None) -> bool:
    """Whether a body of ``content_type`` is JSON (``application/json``, ``*/*+json``; none at all counts)."""
    if content_type == "application/json":  # the usual one, without parsing it
        return True
    media = (content_type or "application/json").split(";", 1)[0].strip().lower()
    return media.endswith(("/json", "+json"))


def json_reply(status: int, doc: Mapping[str, Any]) -> Reply:
    """A reply of ``status`` carrying ``doc`` as JSON, marked with `MISMATCH_HEADER`: what an error is answered with."""
    body = json.dumps(doc, default=repr, ensure_ascii=False).encode("utf-8")
    return Reply(status=status, headers=[("Content-Type", "application/json"), (MISMATCH_HEADER, "true")], body=body)

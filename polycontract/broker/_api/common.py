"""Shared pieces of the broker's HTTP API: HAL responses, problem details and request bodies.

Every 4xx/5xx is an RFC 9457 problem (``application/problem+json``; a client that accepts only HAL or
JSON, like the Pact CLI, gets the same body under that type): ``type``, ``title``, ``status``,
``detail`` and ``errors`` (one ``{detail, pointer}`` per bad body field, a JSON pointer into the
request body, or ``{detail, parameter}`` for a query or path parameter), plus the Pact Broker's
``error: {message}`` with the same text (the Pact clients print ``error.message``); polycontract
errors map to status codes in `status_for`. The access log is `polycontract.broker._api.access_log`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from polycontract._safe_documents import DocumentRefused, loads_json
from polycontract.errors import BrokerError, PolycontractError, StorageError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._embedded.broker import Broker

__all__ = [
    "HAL_JSON",
    "HAL_JSON_UTF8",
    "MAX_BODY",
    "MAX_DEPTH",
    "PROBLEM_JSON",
    "HttpError",
    "base_url",
    "bool_field",
    "broker_of",
    "environment_uuid",
    "error_response",
    "hal",
    "has_control",
    "json_body",
    "link",
    "name_list",
    "optional_str",
    "parse_json",
    "pointer",
    "problem_media_type",
    "read_body",
    "reject_unknown",
    "required_str",
    "seg",
    "status_for",
]

HAL_JSON = "application/hal+json"
#: The ``Content-Type`` the Pact Broker answers with (Webmachine's ``application/hal+json;charset=utf-8``); the
#: Pact Broker's own client pacts expect exactly this value.
HAL_JSON_UTF8 = HAL_JSON + ";charset=utf-8"
PROBLEM_JSON = "application/problem+json"
#: Largest request body the server reads (a pact of several MB is already unusual).
MAX_BODY = 16 * 1024 * 1024
#: Deepest nesting of arrays and objects in a JSON body or pact: the Pact Broker's (``max_nesting: 50`` in
#: pact_broker ``lib/pact_broker/json.rb``); the deepest pact of the Pact specification's cases is 11 deep.
MAX_DEPTH = 50
_ENVIRONMENT_NS = uuid.UUID("6f0c1c52-4d8e-4f43-9a51-0c7c1b7d2a10")


def pointer(*parts: str | int) -> str:
    """The JSON pointer (RFC 6901) of ``parts`` in a request body: ``pointer("contracts", 0)`` is ``/contracts/0``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


class HttpError(Exception):
    """A request the API refuses: ``status``, a message for the client and the fields at fault.

    ``pointer`` names a request-body field (a JSON pointer), ``parameter`` a query or path parameter;
    ``errors`` gives several at once (each ``{detail, pointer}`` or ``{detail, parameter}``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors or [])
        if pointer is not None:
            self.errors.append({"detail": message, "pointer": pointer})
        if parameter is not None:
            self.errors.append({"detail": message, "parameter": parameter})


class HalResponse(JSONResponse):
    """JSON rendered as ``application/hal+json;charset=utf-8``, as the Pact Broker types it."""

    media_type = HAL_JSON_UTF8


def hal(document: Mapping[str, Any], status: int = 200) -> HalResponse:
    """A HAL+JSON response."""
    return HalResponse(dict(document), status_code=status)


def problem_media_type(accept: str | None) -> str:
    """The media type of a problem for a client sending ``Accept: accept``.

    ``application/problem+json`` unless the client asks only for HAL or plain JSON, as the Pact
    clients do (``application/hal+json``, ``application/json``): they read ``error.message`` only
    from a body typed as one of those, so they get the same document under the type they asked for.
    """
    wanted = (accept or "").lower()
    if not wanted.strip() or PROBLEM_JSON in wanted or "*/*" in wanted or "application/*" in wanted:
        return PROBLEM_JSON
    if HAL_JSON in wanted:
        return HAL_JSON
    if "application/json" in wanted:
        return "application/json"
    return PROBLEM_JSON


class ProblemResponse(JSONResponse):
    """An RFC 9457 problem: ``application/problem+json``, or the HAL/JSON type a Pact client asked for."""

    media_type = PROBLEM_JSON

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the problem typed for the request's ``Accept`` header (`problem_media_type`)."""
        accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
        chosen = problem_media_type(accept)
        if chosen != PROBLEM_JSON:
            typed = f"{chosen};charset=utf-8".encode("latin-1")
            self.raw_headers = [(key, typed if key == b"content-type" else value) for key, value in self.raw_headers]
        await super().__call__(scope, receive, send)


def error_response(status: int, message: str, errors: list[dict[str, str]] | None = None) -> ProblemResponse:
    """An RFC 9457 problem that also carries the Pact Broker's ``error.message`` (same text as ``detail``)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": message,
        "error": {"message": message},
    }
    if errors:  # the Pact CLI prints a present ``errors`` instead of ``error.message``, so never an empty one
        body["errors"] = list(errors)
    return ProblemResponse(body, status_code=status)


def broker_of(request: Request) -> Broker:
    """The `Broker` the app serves."""
    broker: Broker = request.app.state.broker
    return broker


def base_url(request: Request) -> str:
    """The base URL of HAL links (no trailing slash): the configured public URL, else the address reached.

    Never the request's ``Host`` header (see `polycontract.broker._api.base_url`).
    """
    from polycontract.broker._api.base_url import connection_base_url

    public = request.app.state.broker.internals.public_url()
    return str(public).rstrip("/") if public else connection_base_url(request.scope)


def status_for(exc: PolycontractError) -> int:
    """The HTTP status of a polycontract error: 400 bad input, 404 unknown, 409 conflict, 503 storage down."""
    text = str(exc)
    if isinstance(exc, UsageError | ValueError):
        return 400
    if isinstance(exc, StorageError):
        if "database refused" in text:
            return 503
        if "already published different" in text:
            return 409
        if "must be a non-empty" in text:
            return 400
        if any(word in text for word in ("does not exist", "not known", "published no", "holds no", "is not a pact")):
            return 404
        if "is not currently" in text:
            return 404
        return 409
    if isinstance(exc, BrokerError):
        return 503
    return 400


@lru_cache(maxsize=4096)
def seg(value: str) -> str:
    """``value`` as one URL path segment (names recur in every answer: the encoded ones are kept)."""
    return quote(value, safe="")


def link(base: str, path: str, **extra: Any) -> dict[str, Any]:
    """A HAL link to ``path`` (already encoded) under ``base``."""
    return {"href": base + path, **extra}


def environment_uuid(name: str) -> str:
    """The stable id of environment ``name`` (the same in every server process)."""
    return str(uuid.uuid5(_ENVIRONMENT_NS, name))


async def read_body(headers: Mapping[str, str], chunks: AsyncIterator[bytes]) -> bytes:
    """The body arriving as ``chunks``; 413 as soon as it passes `MAX_BODY`, whatever its transfer encoding.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body is
    counted while it is read and no more than `MAX_BODY` bytes are ever held.
    """
    declared = headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise HttpError(413, f"the request body is larger than {MAX_BODY} bytes")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BODY:
            raise HttpError(413, f"the request body is larger than {MAX_BODY} bytes")
        parts.append(chunk)
    return b"".join(parts)


def parse_json(raw: bytes | str, what: str = "the request body", at: str = "") -> Any:
    """``raw`` as strict JSON at most `MAX_DEPTH` deep; 400 naming ``what`` (at body pointer ``at``) otherwise.

    ``NaN``, ``Infinity`` and numbers beyond a float are refused (RFC 8259 has none; the Pact Broker's parser
    refuses them too), and so is nesting deeper than `MAX_DEPTH`, with the line and column at fault.
    """
    try:
        return loads_json(raw, max_depth=MAX_DEPTH)
    except DocumentRefused as exc:
        raise HttpError(400, f"{what} is not valid JSON: {exc}", pointer=at) from None


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 when it is not one (`parse_json`), 413 when too large (`read_body`)."""
    raw = await read_body(request.headers, request.stream())
    if not raw.strip():
        return {}
    document = parse_json(raw)
    if not isinstance(document, dict):
        raise HttpError(400, f"the request body must be a JSON object, got {type(document).__name__}", pointer="")
    return document


def reject_unknown(body: Mapping[str, Any], allowed: frozenset[str] | set[str], at: str = "") -> None:
    """400 naming every member of ``body`` (found at JSON pointer ``at``) that is not in ``allowed``."""
    unknown = sorted(key for key in body if key not in allowed)
    if not unknown:
        return
    where = at or "the request body"
    errors = [{"detail": f"unknown field {key!r}", "pointer": at + pointer(key)} for key in unknown]
    raise HttpError(400, f"unknown field(s) in {where}: {', '.join(unknown)}", errors=errors)


def required_str(body: Mapping[str, Any], key: str, at: str = "") -> str:
    """``body[key]`` as a non-empty string without control characters (400 otherwise); ``at`` is ``body``'s pointer."""
    value = body.get(key)
    where = at + pointer(key)
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, f"{_label(where)} is required and must be a non-empty string", pointer=where)
    return _clean(where, value)


def optional_str(body: Mapping[str, Any], key: str, at: str = "") -> str | None:
    """``body[key]`` as a string, or None when absent or null (400 when another type)."""
    value = body.get(key)
    where = at + pointer(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HttpError(400, f"{_label(where)} must be a string", pointer=where)
    return _clean(where, value) if value else None


def bool_field(body: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """``body[key]`` as a boolean (400 when another type)."""
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise HttpError(400, f"{key} must be true or false", pointer=pointer(key))
    return value


def name_list(body: Mapping[str, Any], key: str, at: str = "") -> list[str]:
    """``body[key]`` as a list of names (strings, or ``{"name": …}`` objects); [] when absent or null."""
    value = body.get(key)
    where = at + pointer(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise HttpError(400, f"{_label(where)} must be a list of names", pointer=where)
    names = []
    for index, item in enumerate(value):
        if isinstance(item, Mapping):
            names.append(required_str(item, "name", f"{where}/{index}"))
        elif isinstance(item, str) and item.strip():
            names.append(_clean(f"{where}/{index}", item))
        else:
            raise HttpError(400, f"{_label(where)}[{index}] must be a non-empty name", pointer=f"{where}/{index}")
    return names


def _label(where: str) -> str:
    """A body pointer as the dotted name messages use: ``/contracts/0/content`` -> ``contracts[0].content``."""
    out = ""
    for part in where.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


#: Longest name, version number, branch, tag or environment the database stores.
MAX_NAME = 255


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def has_control(value: str) -> bool:
    """Whether ``value`` holds a control character (no name, version or path may)."""
    return _CONTROL.search(value) is not None


def _clean(where: str, value: str) -> str:
    if has_control(value):
        raise HttpError(400, f"{_label(where)} must not contain control characters", pointer=where)
    if len(value) > MAX_NAME:
        raise HttpError(400, f"{_label(where)} is longer than {MAX_NAME} characters", pointer=where)
    return value

"""Shared pieces of the broker's HTTP API: HAL responses, JSON errors, request bodies and access logs.

Errors are JSON ``{"error": {"message": …}, "status": N}`` (the Pact Broker's clients print
``error.message``); polycontract errors map to status codes in `status_for`. The access log writes
one JSON object per request to the ``polycontract.broker.access`` logger and never logs headers
(so no ``Authorization`` value can leak); with auth on it names the token (``token_name``), never its value.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polycontract.errors import BrokerError, PolycontractError, StorageError, UsageError

if TYPE_CHECKING:
    from polycontract.broker._broker import Broker

__all__ = [
    "HAL_JSON",
    "AccessLog",
    "HttpError",
    "base_url",
    "bool_field",
    "broker_of",
    "environment_uuid",
    "error_response",
    "hal",
    "json_body",
    "link",
    "optional_str",
    "required_str",
    "seg",
    "status_for",
]

HAL_JSON = "application/hal+json"
#: Largest request body the server reads (a pact of several MB is already unusual).
MAX_BODY = 16 * 1024 * 1024
_ENVIRONMENT_NS = uuid.UUID("6f0c1c52-4d8e-4f43-9a51-0c7c1b7d2a10")
ACCESS_LOG = logging.getLogger("polycontract.broker.access")


class HttpError(Exception):
    """A request the API refuses: ``status`` and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class HalResponse(JSONResponse):
    """JSON rendered as ``application/hal+json``."""

    media_type = HAL_JSON


def hal(document: Mapping[str, Any], status: int = 200) -> HalResponse:
    """A HAL+JSON response."""
    return HalResponse(dict(document), status_code=status)


def error_response(status: int, message: str) -> HalResponse:
    """The JSON body of an error: ``{"error": {"message": …}, "status": …}``."""
    return hal({"error": {"message": message}, "status": status}, status)


def broker_of(request: Request) -> Broker:
    """The `Broker` the app serves."""
    broker: Broker = request.app.state.broker
    return broker


def base_url(request: Request) -> str:
    """The server's base URL as the client addressed it (no trailing slash), for HAL links."""
    return str(request.base_url).rstrip("/")


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


def seg(value: str) -> str:
    """``value`` as one URL path segment."""
    return quote(value, safe="")


def link(base: str, path: str, **extra: Any) -> dict[str, Any]:
    """A HAL link to ``path`` (already encoded) under ``base``."""
    return {"href": base + path, **extra}


def environment_uuid(name: str) -> str:
    """The stable id of environment ``name`` (the same in every server process)."""
    return str(uuid.uuid5(_ENVIRONMENT_NS, name))


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 when it is not one, 413 when it is too large."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise HttpError(413, f"the request body is larger than {MAX_BODY} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HttpError(413, f"the request body is larger than {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise HttpError(400, f"the request body must be a JSON object, got {type(document).__name__}")
    return document


def required_str(body: Mapping[str, Any], key: str) -> str:
    """``body[key]`` as a non-empty string without control characters (400 otherwise)."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, f"{key} is required and must be a non-empty string")
    return _clean(key, value)


def optional_str(body: Mapping[str, Any], key: str) -> str | None:
    """``body[key]`` as a string, or None when absent or null (400 when another type)."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HttpError(400, f"{key} must be a string")
    return _clean(key, value) if value else None


def bool_field(body: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """``body[key]`` as a boolean (400 when another type)."""
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise HttpError(400, f"{key} must be true or false")
    return value


#: Longest name, version number, branch, tag or environment the database stores.
MAX_NAME = 255


def _clean(key: str, value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise HttpError(400, f"{key} must not contain control characters")
    if len(value) > MAX_NAME:
        raise HttpError(400, f"{key} is longer than {MAX_NAME} characters")
    return value


def _bad_path(path: str) -> str | None:
    """Why a request path cannot name a resource (control characters, an over-long segment), or None."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "the path must not contain control characters"
    if any(len(part) > MAX_NAME for part in path.split("/")):
        return f"a name or version in the path is longer than {MAX_NAME} characters"
    return None


class AccessLog:
    """ASGI middleware: one JSON log line per HTTP request (method, path, status, duration; no headers).

    It also refuses (400) paths that cannot name a resource: control characters or a segment longer
    than the database stores, so no such name reaches a handler or the database.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = self.app
        refused = _bad_path(str(scope.get("path", "")))
        if refused is not None:
            app = error_response(400, refused)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            client = scope.get("client")
            entry = {
                "event": "request",
                "method": scope.get("method"),
                "path": scope.get("path"),
                "query": scope.get("query_string", b"").decode("latin-1") or None,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client": client[0] if client else None,
                "token_name": scope.get("polycontract.token_name"),
            }
            ACCESS_LOG.info(json.dumps(entry, separators=(",", ":")))

"""The broker API's access log: one JSON line per request, and the refusal of paths and queries no name can match.

The log goes to the ``polycontract.broker.access`` logger and never holds headers (so no
``Authorization`` value can leak); with auth on it names the token (``token_name``), never its value.
A query parameter named like a credential (``?token=``, ``?api_key=``, ``?password=``) is logged as ``***``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import parse_qsl, unquote_plus

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polycontract.broker._api.common import MAX_NAME, HttpError, error_response, has_control
from polycontract.broker._values.redaction import MASK, is_secret_name

__all__ = ["ACCESS_LOG", "AccessLog"]

ACCESS_LOG = logging.getLogger("polycontract.broker.access")
#: A control character in a query string, raw or percent-encoded (UTF-8 never encodes one in a longer sequence).
_QUERY_CONTROL = re.compile("[\x00-\x1f\x7f]|%(?:[01][0-9a-fA-F]|7[fF])")


def _path_parameters(scope: Scope) -> dict[str, str]:
    """The path parameters of the route ``scope`` matches (empty when none does or the app is unknown)."""
    app = scope.get("app")
    for route in getattr(app, "routes", None) or []:
        try:
            match, child = route.matches(scope)
        except Exception:  # a route that cannot read this scope names no parameter
            continue
        if match is not Match.NONE:
            return {str(k): str(v) for k, v in child.get("path_params", {}).items()}
    return {}


def _bad_input(scope: Scope) -> HttpError | None:
    """Why a request's path or query cannot be served (control characters, an over-long name), or None."""
    path = str(scope.get("path", ""))
    if has_control(path) or (len(path) > MAX_NAME and any(len(part) > MAX_NAME for part in path.split("/"))):
        for name, value in _path_parameters(scope).items():
            if has_control(value):
                return HttpError(400, f"{name} must not contain control characters", parameter=name)
            if len(value) > MAX_NAME:
                return HttpError(400, f"{name} is longer than {MAX_NAME} characters", parameter=name)
        if has_control(path):
            return HttpError(400, "the path must not contain control characters", parameter="path")
        return HttpError(400, f"a name or version in the path is longer than {MAX_NAME} characters", parameter="path")
    query = scope.get("query_string", b"").decode("latin-1")
    if _QUERY_CONTROL.search(query):  # the usual query has none: no need to decode it
        for name, value in parse_qsl(query, keep_blank_values=True):
            if has_control(name) or has_control(value):
                shown = "".join(ch if not has_control(ch) else "?" for ch in name)
                return HttpError(400, f"{shown} must not contain control characters", parameter=shown)
    return None


class AccessLog:
    """ASGI middleware: one JSON log line per HTTP request (method, path, status, duration; no headers).

    It also refuses (400, naming the parameter) paths and queries that cannot name a resource: control
    characters or a path segment longer than the database stores, so no such name reaches a handler
    or the database.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = self.app
        refused = _bad_input(scope)
        if refused is not None:
            app = error_response(refused.status, refused.message, refused.errors)
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
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                _log_request(scope, status, started)


def _logged_query(query: str) -> str:
    """``query`` with the value of every parameter named like a credential shown as ``***``."""
    pairs = []
    for pair in query.split("&"):
        name, sep, _ = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and is_secret_name(unquote_plus(name)) else pair)
    return "&".join(pairs)


def _log_request(scope: Scope, status: int, started: float) -> None:
    """Write one request's JSON access line."""
    client = scope.get("client")
    entry = {
        "event": "request",
        "method": scope.get("method"),
        "path": scope.get("path"),
        "query": _logged_query(scope.get("query_string", b"").decode("latin-1")) or None,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "client": client[0] if client else None,
        "token_name": scope.get("polycontract.token_name"),
    }
    ACCESS_LOG.info(json.dumps(entry, separators=(",", ":")))

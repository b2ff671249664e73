"""Request bodies at the door: writes must be JSON, and a refused oversized body ends its connection.

`JsonWrites` answers 415 to a ``POST`` whose ``Content-Type`` is not ``application/json``,
``application/hal+json`` or ``application/merge-patch+json`` (a missing type included, even with no
body), and to a ``PUT`` or ``PATCH`` with a body not so typed, before any route or the token check reads
the body. The Pact Broker accepts these (``content_types_accepted`` of its resources:
``application/json``, and ``application/merge-patch+json`` on ``PATCH``), and its clients send them. A
browser sends a cross-site request without asking the server first only as a ``POST`` typed
``text/plain``, as a form or untyped, so with HTTP basic auth cached in a browser no page on another site
can make it write (CSRF); a ``PUT`` or ``PATCH`` from another site always asks first, and this server
never says yes, so a body-less one (``PUT …/tags/{tag}``) needs no type.

A 413 (`polycontract.broker._api.common.read_body`) goes out with ``Connection: close``: the server
stops reading the rest of an oversized upload instead of receiving and discarding it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polycontract.broker._api.common import error_response

__all__ = ["JSON_MEDIA_TYPES", "JsonWrites"]

#: The media types a write's body may have (parameters such as ``charset=utf-8`` aside).
JSON_MEDIA_TYPES = frozenset({"application/json", "application/hal+json", "application/merge-patch+json"})
_WITH_BODY = frozenset({"PUT", "PATCH"})


def _refused_type(scope: Scope) -> str | None:
    """The media type that makes this request a refused write ("none" when untyped), or None when it may pass."""
    method = str(scope.get("method", "")).upper()
    if method != "POST" and method not in _WITH_BODY:
        return None
    headers = dict(scope.get("headers") or ())
    found = headers.get(b"content-type", b"").decode("latin-1").partition(";")[0].strip().lower()
    if found in JSON_MEDIA_TYPES:
        return None
    bodiless = b"transfer-encoding" not in headers and headers.get(b"content-length", b"0").strip() == b"0"
    if method in _WITH_BODY and bodiless and not found:
        return None
    return found or "none"


class JsonWrites:
    """ASGI middleware: 415 for a write that is not JSON; ``Connection: close`` on every 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = _refused_type(scope)
        if found is not None:
            refusal = error_response(
                415,
                "the request body must be JSON: Content-Type application/json (or application/hal+json,"
                f" application/merge-patch+json), not {found}",
            )
            await refusal(scope, receive, send)
            return

        async def closing_on_413(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 413:
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing_on_413)

"""Validation errors in the Pact Broker's own shape, for the routes whose clients read it.

The Pact Broker answers a refused request with ``{"errors": …}`` typed ``application/hal+json;charset=utf-8``
unless the client asks for ``application/problem+json`` (pact_broker
``lib/pact_broker/api/resources/error_response_generator.rb`` and ``base_resource.rb``,
``set_json_validation_error_messages``): ``/matrix`` lists messages (``errors: ["…"]``, ``matrix.rb``), a
webhook names each field (``errors: {"request.url": ["…"]}``, ``webhook_validation.rb``). The Pact Broker's
clients read those shapes (their own pacts expect them), so these routes answer a 400 that way unless the
client's ``Accept`` names ``application/problem+json``; the RFC 9457 members (``type``, ``title``, ``status``,
``detail``) and ``error.message`` stay beside them. A client asking for ``application/problem+json`` gets the
usual problem, whose ``errors`` name the field by JSON pointer or parameter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from polycontract.broker._api.common import HAL_JSON_UTF8, PROBLEM_JSON, HttpError

__all__ = ["Shape", "pact_broker_errors", "pact_broker_shape"]

#: ``messages``: ``errors`` is a list of messages; ``fields``: an object of messages by dotted field name.
Shape = Literal["messages", "fields"]
Endpoint = Callable[[Request], Awaitable[Response]]


def _wants_pact_broker_shape(request: Request) -> bool:
    """As the Pact Broker decides (``problem_json_error_content_type?``): problem JSON only when asked for."""
    return PROBLEM_JSON not in request.headers.get("accept", "").lower()


def _field(entry: dict[str, str]) -> str:
    """``/request/url`` (a JSON pointer) or a parameter name as the Pact Broker's dotted key ``request.url``."""
    where = entry.get("pointer")
    if where is None:
        return entry.get("parameter") or "base"
    parts = [p.replace("~1", "/").replace("~0", "~") for p in where.lstrip("/").split("/")] if where else []
    return ".".join(parts) or "base"


def pact_broker_shape(exc: HttpError, shape: Shape) -> list[str] | dict[str, list[str]]:
    """The Pact Broker's ``errors`` member for ``exc``."""
    entries = exc.errors or [{"detail": exc.message}]
    if shape == "messages":
        return [entry.get("detail") or exc.message for entry in entries]
    fields: dict[str, list[str]] = {}
    for entry in entries:
        fields.setdefault(_field(entry), []).append(entry.get("detail") or exc.message)
    return fields


def pact_broker_errors(endpoint: Endpoint, shape: Shape) -> Endpoint:
    """``endpoint`` answering its 400s in the Pact Broker's ``errors`` shape for clients that read it."""

    async def answering(request: Request) -> Response:
        try:
            return await endpoint(request)
        except HttpError as exc:
            if exc.status != 400 or not _wants_pact_broker_shape(request):
                raise
            body: dict[str, Any] = {
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": exc.message,
                "error": {"message": exc.message},
                "errors": pact_broker_shape(exc, shape),
            }
            return JSONResponse(body, status_code=400, media_type=HAL_JSON_UTF8)

    answering.__name__ = getattr(endpoint, "__name__", "endpoint")
    answering.__doc__ = endpoint.__doc__
    return answering

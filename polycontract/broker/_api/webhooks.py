"""Webhook routes of the broker's HTTP API, in the Pact Broker's shape (``pact broker create-webhook`` and friends).

A webhook document is ``{description?, enabled?, consumer? {name|label}, provider? {name|label}, events: [{name}],
request {method?, url, headers?, body?, username?, password?}}``. ``username``/``password`` become an
``Authorization: Basic`` header. Secrets (credential headers, URL credentials and query values, literal
body text, their echoes in the delivery log) are stored and sent as written; only an admin token reads them
back, every other reader sees ``***`` (`polycontract.broker._values.redaction`). A body may be any JSON
value (or a string holding JSON); none sends polycontract's default body of event facts. ``request.timeout``
(seconds per attempt, default 5) is an extension; listings also embed the full webhooks (``_embedded.webhooks``)
so a client needs one request. Writes need an admin token when auth is on (a webhook sends requests, with
secrets, to any URL).

======  ============================================================  =====================================
Verb    Path                                                          Answer
======  ============================================================  =====================================
GET     ``/webhooks``                                                 ``_links.pb:webhooks[]``
POST    ``/webhooks``                                                 201 + the webhook
GET     ``/webhooks/provider/{prov}/consumer/{c}``                    that pair's webhooks
POST    ``/webhooks/provider/{prov}/consumer/{c}``                    201, filters taken from the path
GET     ``/webhooks/{uuid}``                                          the webhook
PUT     ``/webhooks/{uuid}``                                          201 created / 200 replaced
DELETE  ``/webhooks/{uuid}``                                          204
POST    ``/webhooks/{uuid}/execute``                                  one send now: ``{success, logs, …}``
GET     ``/polycontract/webhooks/{uuid}/deliveries``                  the delivery log (extension)
======  ============================================================  =====================================
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import queries as reads
from polycontract.broker._api.auth import ROLE_KEY, Role
from polycontract.broker._api.bounded_pool import BoundedPool
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    bool_field,
    broker_of,
    hal,
    json_body,
    link,
    optional_str,
    pointer,
    reject_unknown,
    required_str,
    seg,
)
from polycontract.broker._api.pact_broker_errors import pact_broker_errors
from polycontract.broker._values.records import Webhook, WebhookAttempt
from polycontract.broker._webhooks.events import EVENTS
from polycontract.broker._webhooks.registry import read_deliveries, read_webhooks
from polycontract.errors import StorageError, UsageError

__all__ = ["webhook_routes"]

_FIELDS = frozenset({"description", "enabled", "consumer", "provider", "events", "request", "uuid"})
_REQUEST_FIELDS = frozenset({"method", "url", "headers", "body", "username", "password", "timeout"})
#: Where a `UsageError` from `Broker.create_webhook` points, by the argument its message starts with.
_ARGUMENT_POINTERS = {
    "url=": "/request/url",
    "url refused": "/request/url",
    "method=": "/request/method",
    "body_template": "/request/body",
    "events=": "/events",
    "timeout=": "/request/timeout",
}


def _webhook_json(base: str, hook: Webhook) -> dict[str, Any]:
    path = f"/webhooks/{seg(hook.id)}"
    document: dict[str, Any] = {
        "uuid": hook.id,
        "description": hook.description,
        "enabled": hook.enabled,
        "events": [{"name": name} for name in hook.events],
        "request": {
            "method": hook.method,
            "url": hook.url,
            "headers": hook.headers,
            "body": json.loads(hook.body_template),
            "timeout": hook.timeout,
        },
        "_links": {
            "self": link(base, path, title=hook.description or hook.id),
            "pb:execute": link(base, path + "/execute", title="Test the execution of the webhook"),
            "pb:webhooks": link(base, "/webhooks", title="All webhooks"),
            "polycontract:deliveries": link(base, "/polycontract" + path + "/deliveries", title="Delivery log"),
        },
    }
    for role, name in (("consumer", hook.consumer), ("provider", hook.provider)):
        if name is not None:
            document[role] = {"name": name}
            document["_links"][f"pb:{role}"] = link(base, f"/pacticipants/{seg(name)}", name=name)
    for role, label in (("consumer", hook.consumer_label), ("provider", hook.provider_label)):
        if label is not None:
            document[role] = {"label": label}
    return document


def _listing(base: str, path: str, hooks: tuple[Webhook, ...]) -> dict[str, Any]:
    return {
        "_embedded": {"webhooks": [_webhook_json(base, h) for h in hooks]},
        "_links": {
            "self": link(base, path, title="Webhooks"),
            "pb:webhooks": [link(base, f"/webhooks/{seg(h.id)}", title=h.description or h.id) for h in hooks],
        },
    }


def _chosen(body: Mapping[str, Any], role: str) -> tuple[str | None, str | None]:
    """A role's ``(name, label)``: ``{name}`` or ``{label}``, never both (pact_broker
    ``lib/pact_broker/api/contracts/webhook_pacticipant_contract.rb``)."""
    value = body.get(role)
    if value is None:
        return None, None
    if not isinstance(value, Mapping):
        raise HttpError(400, f"{role} must be an object {{name}} or {{label}}", pointer=pointer(role))
    reject_unknown(value, {"name", "label"}, pointer(role))
    name, label = optional_str(value, "name", pointer(role)), optional_str(value, "label", pointer(role))
    if name is not None and label is not None:
        raise HttpError(400, f"{role}: give a name or a label, not both", pointer=pointer(role, "label"))
    if name is None and label is None:
        raise HttpError(400, f"{role}: give a name or a label", pointer=pointer(role))
    return name, label


def _events(body: Mapping[str, Any]) -> list[str]:
    value = body.get("events")
    if not isinstance(value, list) or not value:
        raise HttpError(
            400, f"events is required: a non-empty list of {{name}} (one of {', '.join(EVENTS)})", pointer="/events"
        )
    names = []
    for index, item in enumerate(value):
        at = pointer("events", index)
        if not isinstance(item, Mapping):
            raise HttpError(400, f"events[{index}] must be an object {{name}}", pointer=at)
        name = required_str(item, "name", at)
        if name not in EVENTS:
            raise HttpError(
                400, f"events[{index}].name {name!r} must be one of {', '.join(EVENTS)}", pointer=at + "/name"
            )
        names.append(name)
    return names


def _headers(request: Mapping[str, Any]) -> dict[str, str]:
    value = request.get("headers")
    if value is None:
        value = {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise HttpError(400, "request.headers must be an object of string values", pointer="/request/headers")
    headers = {str(k): v for k, v in value.items()}
    username, password = optional_str(request, "username", "/request"), optional_str(request, "password", "/request")
    if username is not None or password is not None:
        credentials = f"{username or ''}:{password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
    return headers


def _body(request: Mapping[str, Any]) -> Any:
    """The body template: a JSON value, or a text body that is not JSON (kept and sent as written).

    The Pact Broker sends a string body as it is and any other body as JSON (pact_broker
    ``lib/pact_broker/webhooks/webhook_request_template.rb``); a text body is kept as a JSON string.
    """
    value = request.get("body")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return json.dumps(value)
    return value


def _arguments(body: Mapping[str, Any], consumer: str | None = None, provider: str | None = None) -> dict[str, Any]:
    """`Broker.create_webhook` keyword arguments from a webhook document; path filters win over the body's."""
    reject_unknown(body, _FIELDS)
    request = body.get("request")
    if not isinstance(request, Mapping):
        raise HttpError(400, "request is required: an object {method, url, headers?, body?}", pointer="/request")
    reject_unknown(request, _REQUEST_FIELDS, "/request")
    consumer_name, consumer_label = (consumer, None) if consumer else _chosen(body, "consumer")
    provider_name, provider_label = (provider, None) if provider else _chosen(body, "provider")
    return {
        "url": required_str(request, "url", "/request"),
        "method": optional_str(request, "method", "/request") or "POST",
        "headers": _headers(request),
        "body_template": _body(request),
        "events": _events(body),
        "consumer": consumer_name,
        "provider": provider_name,
        "consumer_label": consumer_label,
        "provider_label": provider_label,
        "description": optional_str(body, "description"),
        "enabled": bool_field(body, "enabled", True),
        "timeout": _timeout(request),
    }


def _timeout(request: Mapping[str, Any]) -> float:
    value = request.get("timeout", 5.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HttpError(400, "request.timeout must be a number of seconds", pointer="/request/timeout")
    return float(value)


async def _create(request: Request, arguments: dict[str, Any], status: int = 201) -> Response:
    try:
        hook = await run_in_threadpool(lambda: broker_of(request).create_webhook(**arguments))
    except UsageError as exc:
        message = str(exc)
        where = next((p for prefix, p in _ARGUMENT_POINTERS.items() if message.startswith(prefix)), None)
        if message.startswith("webhook_id="):
            raise HttpError(400, message, parameter="uuid") from None
        raise HttpError(400, message, pointer=where) from None
    return hal(_webhook_json(base_url(request), await _as_written(request, hook)), status)


def _reveals(request: Request) -> bool:
    """Whether the request may read webhook secrets: only an admin token does (a server without auth has none)."""
    return request.scope.get(ROLE_KEY) == Role.ADMIN.value


async def _read(request: Request, webhook_id: str | None = None) -> tuple[Webhook, ...]:
    """`read_webhooks`, secrets masked for every reader but an admin token."""
    store, reveal = broker_of(request).internals.store, _reveals(request)
    return await run_in_threadpool(lambda: read_webhooks(store, webhook_id, reveal=reveal))


async def _as_written(request: Request, hook: Webhook) -> Webhook:
    """``hook`` read back unmasked, for the answer to the write that just set it: the writer sent these very
    values in this request (webhooks are written by admin tokens, or by anyone on a server without tokens), and
    Pact Broker clients expect them echoed (pact_broker-client's pact "a request to create a webhook with a JSON
    body for a consumer and provider" matches the body it sent). Every later read masks them for non-admins."""
    store = broker_of(request).internals.store
    return (await run_in_threadpool(lambda: read_webhooks(store, hook.id, reveal=True)))[0]


async def _known(request: Request, webhook_id: str) -> Webhook:
    try:
        return (await _read(request, webhook_id))[0]
    except StorageError:
        raise HttpError(404, f"there is no webhook {webhook_id!r}", parameter="uuid") from None


async def list_webhooks(request: Request) -> Response:
    """``GET /webhooks`` and ``GET /webhooks/provider/{provider}/consumer/{consumer}``."""
    hooks = await _read(request)
    provider, consumer = request.path_params.get("provider"), request.path_params.get("consumer")
    if provider is not None:
        hooks = tuple(h for h in hooks if h.provider == provider and h.consumer == consumer)
    return hal(_listing(base_url(request), request.url.path, hooks))


async def _check_pacticipants(request: Request, arguments: dict[str, Any]) -> None:
    """404 for a pacticipant of the path that does not exist, 400 naming one of the body.

    The Pact Broker's ``PactWebhooks`` resource exists only for a known consumer and provider, and a webhook's
    ``consumer.name`` / ``provider.name`` must name a known pacticipant (pact_broker
    ``lib/pact_broker/api/contracts/webhook_pacticipant_contract.rb``, ``pacticipant_with_name_exists``).
    """
    broker = broker_of(request)
    for role in ("consumer", "provider"):
        name = arguments.get(role)
        if name is None or await run_in_threadpool(reads.pacticipant, broker, name) is not None:
            continue
        if role in request.path_params:
            raise HttpError(404, f"there is no {role} named {name!r}", parameter=role)
        raise HttpError(400, f"{role}.name {name!r} does not name a known pacticipant", pointer=pointer(role, "name"))


async def create_webhook(request: Request) -> Response:
    """``POST /webhooks`` (and ``…/provider/{provider}/consumer/{consumer}``): 201 with the new webhook."""
    body = await json_body(request)
    arguments = _arguments(body, request.path_params.get("consumer"), request.path_params.get("provider"))
    await _check_pacticipants(request, arguments)
    return await _create(request, arguments)


async def get_webhook(request: Request) -> Response:
    """``GET /webhooks/{uuid}``."""
    return hal(_webhook_json(base_url(request), await _known(request, request.path_params["uuid"])))


async def put_webhook(request: Request) -> Response:
    """``PUT /webhooks/{uuid}``: create with that id (201) or replace it (200), as ``create-or-update-webhook``."""
    webhook_id = request.path_params["uuid"]
    body = await json_body(request)
    arguments = _arguments(body)
    await _check_pacticipants(request, arguments)
    hooks = await run_in_threadpool(broker_of(request).webhooks)
    existed = any(h.id == webhook_id for h in hooks)
    return await _create(request, {**arguments, "webhook_id": webhook_id}, 200 if existed else 201)


async def delete_webhook(request: Request) -> Response:
    """``DELETE /webhooks/{uuid}``: 204; the delivery log goes with it."""
    webhook_id = request.path_params["uuid"]
    try:
        await run_in_threadpool(broker_of(request).delete_webhook, webhook_id)
    except StorageError:
        raise HttpError(404, f"there is no webhook {webhook_id!r}", parameter="uuid") from None
    return Response(status_code=204)


def _attempt_json(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "deliveryId": attempt.delivery,
        "event": attempt.event,
        "attempt": attempt.attempt,
        "success": attempt.ok,
        "statusCode": attempt.status_code,
        "error": attempt.error,
        "response": attempt.response,
        "startedAt": attempt.started_at.isoformat(),
        "finishedAt": attempt.finished_at.isoformat(),
    }


#: Test sends wait on other servers (up to a webhook's deadline): they get threads of their own, not the request pool.
_EXECUTIONS = BoundedPool("webhook-execute", workers=4, waiting=4)


async def execute_webhook(request: Request) -> Response:
    """``POST /webhooks/{uuid}/execute``: send it once now (the Pact CLI's ``test-webhook``); 200 either way,
    503 at once when test sends already fill their own small pool (`BoundedPool`)."""
    webhook_id = request.path_params["uuid"]
    await _known(request, webhook_id)
    broker = broker_of(request)
    attempt = await _EXECUTIONS.run(lambda: broker.execute_webhook(webhook_id))
    status = f"HTTP {attempt.status_code}" if attempt.status_code is not None else "no response"
    logs = f"{attempt.event}: {status}" + (f" ({attempt.error})" if attempt.error else "")
    return hal({**_attempt_json(attempt), "logs": logs, "_links": {"self": link(base_url(request), request.url.path)}})


async def deliveries(request: Request) -> Response:
    """``GET /polycontract/webhooks/{uuid}/deliveries``: every attempt, oldest first (extension)."""
    webhook_id = request.path_params["uuid"]
    await _known(request, webhook_id)
    store, reveal = broker_of(request).internals.store, _reveals(request)
    found = await run_in_threadpool(lambda: read_deliveries(store, webhook_id, reveal=reveal))
    return hal({"deliveries": [_attempt_json(a) for a in found]})


def webhook_routes() -> list[Route]:
    """The webhook routes, in matching order."""
    pair = "/webhooks/provider/{provider}/consumer/{consumer}"
    return [
        Route("/webhooks", list_webhooks, methods=["GET"]),
        Route("/webhooks", pact_broker_errors(create_webhook, "fields"), methods=["POST"]),
        Route(pair, list_webhooks, methods=["GET"]),
        Route(pair, pact_broker_errors(create_webhook, "fields"), methods=["POST"]),
        Route("/webhooks/{uuid}", get_webhook, methods=["GET"]),
        Route("/webhooks/{uuid}", pact_broker_errors(put_webhook, "fields"), methods=["PUT"]),
        Route("/webhooks/{uuid}", delete_webhook, methods=["DELETE"]),
        Route("/webhooks/{uuid}/execute", execute_webhook, methods=["POST"]),
        Route("/polycontract/webhooks/{uuid}/deliveries", deliveries, methods=["GET"]),
    ]

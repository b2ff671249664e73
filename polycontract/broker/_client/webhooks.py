"""The webhook methods of `HttpBroker`: the server's ``/webhooks`` routes (the Pact Broker's shape).

A part of the client that uses only its ``_http`` transport. Deliveries are
sent by the server's own broker, so a client cannot wait for them: `flush_webhooks` raises instead of
answering True for deliveries it never saw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._client.paths import seg
from polycontract.errors import BrokerError

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport
    from polycontract.broker._values.records import Webhook, WebhookAttempt

__all__ = ["HttpWebhooks"]


def _path(webhook_id: str) -> str:
    return "/webhooks/" + seg(webhook_id)


def _webhook(document: Any) -> Webhook:
    """A webhook document as the `Broker` methods read one back: secrets masked (`redacted_webhook`), as the
    embedded broker shows them whatever the server reveals to an admin token."""
    from polycontract.broker._values.records import Webhook
    from polycontract.broker._values.redaction import redacted_webhook

    try:
        request = document["request"]
        return redacted_webhook(
            Webhook(
                id=str(document["uuid"]),
                description=document.get("description"),
                events=tuple(str(e["name"]) for e in document["events"]),
                url=str(request["url"]),
                method=str(request["method"]),
                headers={str(k): str(v) for k, v in (request.get("headers") or {}).items()},
                body_template=json.dumps(request.get("body")),
                consumer=(document.get("consumer") or {}).get("name"),
                provider=(document.get("provider") or {}).get("name"),
                enabled=bool(document.get("enabled", True)),
                timeout=float(request.get("timeout", 5.0)),
                consumer_label=(document.get("consumer") or {}).get("label"),
                provider_label=(document.get("provider") or {}).get("label"),
            )
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BrokerError(f"the broker sent a webhook document this client cannot read ({exc!r})") from None


def _attempt(document: Any) -> WebhookAttempt:
    from polycontract.broker._values.records import WebhookAttempt

    try:
        return WebhookAttempt(
            delivery=str(document["deliveryId"]),
            event=str(document["event"]),
            attempt=int(document["attempt"]),
            status_code=document.get("statusCode"),
            error=document.get("error"),
            response=document.get("response"),
            started_at=datetime.fromisoformat(document["startedAt"]),
            finished_at=datetime.fromisoformat(document["finishedAt"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BrokerError(f"the broker sent a delivery record this client cannot read ({exc!r})") from None


class HttpWebhooks:
    """`create_webhook`, `webhook`, `webhooks`, `delete_webhook`, `execute_webhook` and `webhook_deliveries`."""

    _http: Transport

    def create_webhook(
        self,
        *,
        url: str,
        events: Sequence[str],
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        body_template: str | Mapping[str, Any] | None = None,
        consumer: str | None = None,
        provider: str | None = None,
        description: str | None = None,
        enabled: bool = True,
        timeout: float = 5.0,
        webhook_id: str | None = None,
        consumer_label: str | None = None,
        provider_label: str | None = None,
    ) -> Webhook:
        """``POST /webhooks`` (``PUT /webhooks/{id}`` with ``webhook_id``), its arguments checked first."""
        from polycontract.broker._values.webhooks import checked_webhook, unknown_pacticipant

        checked_webhook(
            url=url,
            events=events,
            method=method,
            timeout=timeout,
            webhook_id=webhook_id,
            consumer=(consumer, consumer_label),
            provider=(provider, provider_label),
        )
        body: dict[str, Any] = {
            "events": [{"name": name} for name in events],
            "request": {
                "method": method,
                "url": url,
                "headers": dict(headers or {}),
                "body": dict(body_template) if isinstance(body_template, Mapping) else body_template,
                "timeout": timeout,
            },
            "enabled": enabled,
        }
        if description is not None:
            body["description"] = description
        for role, name in (("consumer", consumer), ("provider", provider)):
            if name is not None:
                # Asked first, so an unknown one is the embedded broker's StorageError, not the server's 400.
                if self._http.request("GET", f"/pacticipants/{seg(name)}", missing_ok=True) is None:
                    raise unknown_pacticipant(role, name)
                body[role] = {"name": name}
        for role, label in (("consumer", consumer_label), ("provider", provider_label)):
            if label is not None:
                body[role] = {**body.get(role, {}), "label": label}
        if webhook_id is None:
            return _webhook(self._http.request("POST", "/webhooks", json_body=body))
        return _webhook(self._http.request("PUT", _path(webhook_id), json_body=body))

    def webhook(self, webhook_id: str) -> Webhook:
        """``GET /webhooks/{id}`` (secret header values are ``***``)."""
        return _webhook(self._http.request("GET", _path(webhook_id)))

    def webhooks(self) -> tuple[Webhook, ...]:
        """``GET /webhooks``: every webhook, oldest first."""
        answer = self._http.request("GET", "/webhooks")
        inner = answer.get("_embedded") if isinstance(answer, Mapping) else None
        found = inner.get("webhooks") if isinstance(inner, Mapping) else None
        if not isinstance(found, list):
            raise self._http.malformed("/webhooks", "a list of webhooks at _embedded.webhooks")
        return tuple(_webhook(item) for item in found)

    def delete_webhook(self, webhook_id: str) -> None:
        """``DELETE /webhooks/{id}``; `StorageError` if there is none."""
        self._http.request("DELETE", _path(webhook_id))

    def execute_webhook(self, webhook_id: str) -> WebhookAttempt:
        """``POST /webhooks/{id}/execute``: the server sends it once now."""
        return _attempt(self._http.request("POST", _path(webhook_id) + "/execute", json_body={}))

    def webhook_deliveries(self, webhook_id: str) -> tuple[WebhookAttempt, ...]:
        """``GET /polycontract/webhooks/{id}/deliveries``: every attempt, oldest first."""
        path = "/polycontract" + _path(webhook_id) + "/deliveries"
        answer = self._http.request("GET", path)
        found = answer.get("deliveries") if isinstance(answer, Mapping) else None
        if not isinstance(found, list):
            raise self._http.malformed(path, "a list of deliveries")
        return tuple(_attempt(item) for item in found)

    def flush_webhooks(self, timeout: float | None = None) -> bool:
        """Not available over HTTP: raises `BrokerError` rather than claim that deliveries finished.

        The server queues and sends deliveries in its own process(es); a client cannot wait for them.
        Follow a webhook's attempts with `webhook_deliveries` (``GET …/deliveries``) instead.
        """
        raise BrokerError(
            f"flush_webhooks() cannot wait for deliveries sent by the broker server at {self._http.base_url}:"
            " follow a webhook's attempts with webhook_deliveries(webhook_id)"
        )

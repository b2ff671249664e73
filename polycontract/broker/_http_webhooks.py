"""Webhooks over HTTP: not configurable through the client, with a clear error instead of database code.

Webhooks live in the broker's database; configure them with ``--broker sqlite:///…`` or
``postgresql://…`` (e.g. on the server host). Deliveries are sent by the server's own `Broker`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from polycontract.errors import UsageError

if TYPE_CHECKING:
    from polycontract.broker._webhooks import Webhook, WebhookAttempt

__all__ = ["HttpWebhooks"]

_WHERE = "webhooks are configured on the broker database: pass --broker sqlite:///… or postgresql://…, not http(s)://"


def _refuse() -> NoReturn:
    raise UsageError(_WHERE)


class HttpWebhooks:
    """The webhook methods of `HttpBroker`: each raises `UsageError` naming where to configure webhooks."""

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
    ) -> Webhook:
        """Not available over HTTP."""
        _refuse()

    def webhooks(self) -> tuple[Webhook, ...]:
        """Not available over HTTP."""
        _refuse()

    def delete_webhook(self, webhook_id: str) -> None:
        """Not available over HTTP."""
        _refuse()

    def webhook_deliveries(self, webhook_id: str) -> tuple[WebhookAttempt, ...]:
        """Not available over HTTP."""
        _refuse()

    def flush_webhooks(self, timeout: float | None = None) -> bool:
        """Nothing is queued in a client: the server sends deliveries."""
        return True

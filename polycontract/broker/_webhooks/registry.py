"""The webhook side of `Broker`: configure webhooks, send a test delivery, read the delivery log.

A collaborator of `Broker`: it works through the broker's `Store`, clock and `WebhookDispatcher`. Planning
the deliveries an event fires lives in `polycontract.broker._webhooks.planning`.
Secrets (credential headers, URL credentials and query values, literal body text, and their echoes in the
delivery log) are stored and sent as written but read back as ``***`` (`polycontract.broker._values.redaction`);
`read_webhooks` and `read_deliveries` with ``reveal`` give the HTTP server's admin tokens the stored values.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from polycontract.broker._store.lookups import find_pacticipant_id
from polycontract.broker._store.session import Store
from polycontract.broker._store.tables import pacticipant_labels, pacticipants, publications, versions
from polycontract.broker._store.tables import webhook_deliveries as deliveries_table
from polycontract.broker._store.tables import webhooks as webhooks_table
from polycontract.broker._values.records import Webhook, WebhookAttempt
from polycontract.broker._values.redaction import redacted_attempt, redacted_webhook, secrets_of
from polycontract.broker._values.webhooks import checked_webhook, unknown_pacticipant
from polycontract.broker._webhooks.delivery import WebhookDispatcher
from polycontract.broker._webhooks.events import EventFacts, parse_template
from polycontract.broker._webhooks.planning import rendered
from polycontract.broker._webhooks.targets import TargetRefused, WebhookPolicy, check_target
from polycontract.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

__all__ = ["Webhook", "WebhookAttempt", "Webhooks", "read_deliveries", "read_webhooks"]


def _require_pacticipants(conn: Connection, *, consumer: str | None, provider: str | None) -> None:
    """`StorageError` naming a ``consumer`` / ``provider`` that is not a known pacticipant."""
    for role, name in (("consumer", consumer), ("provider", provider)):
        if name is None:
            continue
        if find_pacticipant_id(conn, name) is None:
            raise unknown_pacticipant(role, name)


def _stored(r: Row[Any]) -> Webhook:
    return Webhook(
        id=r.uuid,
        description=r.description,
        events=tuple(json.loads(r.events)),
        url=r.url,
        method=r.method,
        headers=json.loads(r.headers),
        body_template=r.body,
        consumer=r.consumer,
        provider=r.provider,
        enabled=r.enabled,
        timeout=r.timeout_seconds,
        consumer_label=r.consumer_label,
        provider_label=r.provider_label,
    )


def read_webhooks(store: Store, webhook_id: str | None = None, *, reveal: bool = False) -> tuple[Webhook, ...]:
    """Every configured webhook, oldest first (or only ``webhook_id``'s: `StorageError` if there is none).

    Secrets read as ``***`` (`redacted_webhook`) unless ``reveal``: the stored configuration, for an admin.
    """
    query = select(webhooks_table).order_by(webhooks_table.c.id)
    if webhook_id is not None:
        query = query.where(webhooks_table.c.uuid == webhook_id)
    with store.transaction(write=False) as conn:
        found = tuple(_stored(r) for r in conn.execute(query).all())
    if webhook_id is not None and not found:
        raise StorageError(f"there is no webhook {webhook_id!r}")
    return found if reveal else tuple(redacted_webhook(h) for h in found)


def read_deliveries(store: Store, webhook_id: str, *, reveal: bool = False) -> tuple[WebhookAttempt, ...]:
    """Every delivery attempt of a webhook, oldest first; `StorageError` if there is no such webhook.

    Errors and answers are redacted with the webhook's secrets (`redacted_attempt`) unless ``reveal``.
    """
    with store.transaction(write=False) as conn:
        row = conn.execute(select(webhooks_table).where(webhooks_table.c.uuid == webhook_id)).first()
        if row is None:
            raise StorageError(f"there is no webhook {webhook_id!r}")
        found = conn.execute(
            select(deliveries_table).where(deliveries_table.c.webhook_id == row.id).order_by(deliveries_table.c.id)
        ).all()
    attempts = tuple(
        WebhookAttempt(
            delivery=r.delivery,
            event=r.event,
            attempt=r.attempt,
            status_code=r.status_code,
            error=r.error,
            response=r.response,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )
        for r in found
    )
    if reveal:
        return attempts
    secrets = secrets_of(_stored(row))
    return tuple(redacted_attempt(a, secrets) for a in attempts)


def _example_facts(conn: Connection, hook: Row[Any]) -> EventFacts:
    """Facts for a test send: the newest publication the webhook's filters admit (names only if none)."""
    consumer_table, provider_table = pacticipants.alias("consumer"), pacticipants.alias("provider")
    query = (
        select(
            consumer_table.c.name,
            provider_table.c.name,
            publications.c.content_hash,
            versions.c.number,
            versions.c.branch,
        )
        .join(versions, versions.c.id == publications.c.consumer_version_id)
        .join(consumer_table, consumer_table.c.id == versions.c.pacticipant_id)
        .join(provider_table, provider_table.c.id == publications.c.provider_id)
        .where(publications.c.is_current)
        .order_by(publications.c.created_at.desc(), publications.c.id.desc())
        .limit(1)
    )
    if hook.consumer is not None:
        query = query.where(consumer_table.c.name == hook.consumer)
    if hook.provider is not None:
        query = query.where(provider_table.c.name == hook.provider)
    for label, table in ((hook.consumer_label, consumer_table), (hook.provider_label, provider_table)):
        if label is not None:
            having = select(pacticipant_labels.c.pacticipant_id).where(pacticipant_labels.c.name == label)
            query = query.where(table.c.id.in_(having))
    event = json.loads(hook.events)[0]
    found = conn.execute(query).first()
    if found is None:
        return EventFacts(event=event, consumer=hook.consumer or "", provider=hook.provider or "", content_hash="")
    consumer, provider, content_hash, number, branch = found
    return EventFacts(
        event=event,
        consumer=consumer,
        provider=provider,
        content_hash=content_hash,
        consumer_version=number,
        consumer_branch=branch or "",
    )


class Webhooks:
    """`Broker.create_webhook`, `webhook`, `webhooks`, `delete_webhook`, `execute_webhook`, `webhook_deliveries`
    and `flush_webhooks`.

    ``public_url`` gives the broker's public URL when a test delivery is rendered (the start of its pact URL).
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        dispatcher: WebhookDispatcher,
        public_url: Callable[[], str],
        *,
        policy: Callable[[], WebhookPolicy] = WebhookPolicy.permissive,
    ) -> None:
        self._store = store
        self._clock = clock
        self._dispatcher = dispatcher
        self._public_url = public_url
        self._policy = policy

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
        """Configure a webhook: on any of ``events`` (optionally only for ``consumer``/``provider``), send
        ``method`` ``url`` with ``headers`` and ``body_template`` rendered (``${pactbroker.…}`` placeholders).

        ``consumer_label`` / ``provider_label`` instead choose every consumer / provider with that label
        (`label_pacticipant`), as a Pact Broker webhook's ``{"label": …}`` does; a role takes a name or a
        label, not both.

        Returns it as read back (secret headers masked); its ``id`` is what `delete_webhook` takes. With
        ``webhook_id`` (16 to 64 letters, digits, ``-`` or ``_``, e.g. a UUID) the webhook gets that id, and
        an existing webhook with it is replaced (its delivery log kept), as the Pact Broker's
        ``PUT /webhooks/{uuid}`` does.

        A ``consumer`` or ``provider`` given by name must be a known pacticipant (`StorageError` otherwise),
        as the Pact Broker requires; a label may be one no pacticipant has yet. A ``url`` the broker's
        ``webhook_policy`` refuses (its scheme, its host, or an address the host resolves to) is a `UsageError`
        naming the rule.
        """
        checked_webhook(
            url=url,
            events=events,
            method=method,
            timeout=timeout,
            webhook_id=webhook_id,
            consumer=(consumer, consumer_label),
            provider=(provider, provider_label),
        )
        try:  # DNS included: a target the broker may not send to is refused now, not on each delivery
            check_target(url, self._policy())
        except TargetRefused as exc:
            raise TargetRefused(f"url refused: {exc}") from None
        hook_id = webhook_id or str(uuid.uuid4())
        with self._store.transaction() as conn:
            _require_pacticipants(conn, consumer=consumer, provider=provider)
            existing = conn.execute(select(webhooks_table.c.id).where(webhooks_table.c.uuid == hook_id)).scalar()
            statement = (
                webhooks_table.insert().values(uuid=hook_id, created_at=self._clock())
                if existing is None
                else webhooks_table.update().where(webhooks_table.c.id == existing)
            )
            conn.execute(
                statement.values(
                    description=description,
                    events=json.dumps(list(dict.fromkeys(events))),
                    url=url,
                    method=method.upper(),
                    headers=json.dumps(dict(headers or {})),
                    body=parse_template(body_template),
                    consumer=consumer,
                    provider=provider,
                    consumer_label=consumer_label,
                    provider_label=provider_label,
                    enabled=enabled,
                    timeout_seconds=float(timeout),
                )
            )
        return self.webhook(hook_id)

    def webhook(self, webhook_id: str) -> Webhook:
        """One webhook by id, its secrets shown as ``***``; `StorageError` if there is none."""
        return read_webhooks(self._store, webhook_id)[0]

    def webhooks(self) -> tuple[Webhook, ...]:
        """Every configured webhook, oldest first, secrets shown as ``***``."""
        return read_webhooks(self._store)

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook and its delivery log; `StorageError` if there is none with that id."""
        with self._store.transaction() as conn:
            row = conn.execute(select(webhooks_table.c.id).where(webhooks_table.c.uuid == webhook_id)).scalar()
            if row is None:
                raise StorageError(f"there is no webhook {webhook_id!r}")
            conn.execute(deliveries_table.delete().where(deliveries_table.c.webhook_id == row))
            conn.execute(webhooks_table.delete().where(webhooks_table.c.id == row))

    def execute_webhook(self, webhook_id: str) -> WebhookAttempt:
        """Send a webhook once now, as for its first event on the newest pact its filters admit, and return
        the attempt (also in its delivery log): the Pact Broker's "test webhook". No retries."""
        with self._store.transaction(write=False) as conn:
            hook = conn.execute(select(webhooks_table).where(webhooks_table.c.uuid == webhook_id)).first()
            if hook is None:
                raise StorageError(f"there is no webhook {webhook_id!r}")
            delivery = rendered(hook, _example_facts(conn, hook), self._public_url())
        group = self._dispatcher.send_once(delivery)
        return next(a for a in reversed(self.webhook_deliveries(webhook_id)) if a.delivery == group)

    def webhook_deliveries(self, webhook_id: str) -> tuple[WebhookAttempt, ...]:
        """Every delivery attempt of a webhook, oldest first, the webhook's secrets shown as ``***``."""
        return read_deliveries(self._store, webhook_id)

    def flush_webhooks(self, timeout: float | None = None) -> bool:
        """Wait for every queued webhook delivery (all attempts); False if ``timeout`` ran out first."""
        return self._dispatcher.flush(timeout)

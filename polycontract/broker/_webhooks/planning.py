"""Planning webhook deliveries: which enabled webhooks an event fires, rendered ready to send.

Writes that fire events call `plan_publication` / `plan_verification` inside their transaction; the
rendered requests go into the outbox in that same transaction (`polycontract.broker._webhooks.outbox`), so
they exist exactly when the write committed. Their ids ride on the connection (`take_planned`) and, once
the transaction committed, wake the dispatcher (`deliver_after_commit`, the `Store` hook); a dispatcher that
never hears of them (the process died) still finds them in the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from polycontract.broker._store.labels import labels_of
from polycontract.broker._store.tables import pact_contents, pacticipants, publications, verifications, versions
from polycontract.broker._store.tables import webhooks as webhooks_table
from polycontract.broker._webhooks.delivery import WebhookDispatcher
from polycontract.broker._webhooks.events import (
    EventFacts,
    listens,
    publish_events,
    render,
    render_text,
    render_url,
    template_context,
    verification_events,
)
from polycontract.broker._webhooks.outbox import PlannedDelivery, enqueue

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

    from polycontract.broker._store.session import AfterCommit
    from polycontract.broker._values.records import PublishResult

__all__ = ["deliver_after_commit", "plan_publication", "plan_verification", "rendered", "take_planned"]

_PLANNED = "polycontract_planned_webhooks"


def take_planned(conn: Connection) -> list[str]:
    """The ids of the outbox rows planned on ``conn`` so far (forgotten by it)."""
    planned: list[str] = conn.info.pop(_PLANNED, [])
    return planned


def deliver_after_commit(dispatcher: WebhookDispatcher) -> AfterCommit:
    """The `Store` hook that hands ``dispatcher`` the outbox rows a transaction planned, once it committed."""

    def take(conn: Connection) -> Callable[[], None]:
        planned = take_planned(conn)
        return lambda: dispatcher.submit(planned)

    return take


def _enabled(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(webhooks_table).where(webhooks_table.c.enabled)).all()


def rendered(hook: Row[Any], fact: EventFacts, base_url: str) -> PlannedDelivery:
    context = template_context(fact, base_url)
    headers = {k: render_text(v, context) for k, v in json.loads(hook.headers).items()}
    headers.setdefault("Content-Type", "application/json")
    return PlannedDelivery(
        webhook_id=hook.id,
        event=fact.event,
        method=hook.method,
        url=render_url(hook.url, context),
        headers=headers,
        body=render(hook.body, context),
        timeout=hook.timeout_seconds,
    )


def _plan(conn: Connection, found: Sequence[Row[Any]], facts: Sequence[EventFacts], base_url: str) -> None:
    """Put the deliveries ``facts`` fire into the outbox (in the firing transaction) and note them on ``conn``."""
    labelled = any(h.consumer_label or h.provider_label for h in found)
    labels = labels_of(conn, {n for f in facts for n in (f.consumer, f.provider)}) if labelled else {}
    planned = [
        rendered(hook, fact, base_url)
        for hook in found
        for fact in facts
        if listens(json.loads(hook.events), hook.consumer, hook.provider, fact) and _labels_admit(hook, fact, labels)
    ]
    conn.info.setdefault(_PLANNED, []).extend(enqueue(conn, planned))


def _labels_admit(hook: Row[Any], fact: EventFacts, labels: Mapping[str, frozenset[str]]) -> bool:
    """Whether the fact's consumer and provider carry the labels the webhook chose them by (if it did).

    As the Pact Broker's ``Webhook#is_for?``: a ``{"label": …}`` consumer or provider admits every pacticipant
    with that label, now or labelled later.
    """
    for label, name in ((hook.consumer_label, fact.consumer), (hook.provider_label, fact.provider)):
        if label is not None and label not in labels.get(name, frozenset()):
            return False
    return True


def plan_publication(
    conn: Connection, result: PublishResult, *, branch: str | None, previous_hash: str | None, base_url: str
) -> None:
    """Plan the deliveries a publication fires (inside its transaction; the content is already stored).

    ``previous_hash`` is the overwritten content, or None to look up the consumer's previous version.
    """
    found = _enabled(conn)
    if result.outcome == "unchanged" or not found:
        return  # the usual case costs one query
    outcome, content_hash = result.outcome, result.content_hash
    consumer, consumer_version, provider = result.consumer, result.consumer_version, result.provider
    if previous_hash is None:
        consumer_version_ids = (
            select(versions.c.id)
            .join(pacticipants, pacticipants.c.id == versions.c.pacticipant_id)
            .where(pacticipants.c.name == consumer, versions.c.number != consumer_version)
        )
        previous_hash = conn.execute(
            select(publications.c.content_hash)
            .join(pacticipants, pacticipants.c.id == publications.c.provider_id)
            .where(
                pacticipants.c.name == provider,
                publications.c.is_current,
                publications.c.consumer_version_id.in_(consumer_version_ids),
            )
            .order_by(publications.c.created_at.desc(), publications.c.id.desc())
            .limit(1)
        ).scalar()
    verified = conn.execute(  # by its examples: a fuzz result alone is not a verification
        select(verifications.c.id)
        .where(verifications.c.content_hash == content_hash, verifications.c.kind == "example")
        .limit(1)
    )
    names = publish_events(
        outcome, content_hash=content_hash, previous_hash=previous_hash, verified_before=verified.first() is not None
    )
    facts = [
        EventFacts(
            event=name,
            consumer=consumer,
            provider=provider,
            content_hash=content_hash,
            consumer_version=consumer_version,
            consumer_branch=branch or "",
        )
        for name in names
    ]
    _plan(conn, found, facts, base_url)


def plan_verification(
    conn: Connection,
    provider: str,
    provider_version: str,
    branch: str | None,
    content_hash: str,
    success: bool,
    *,
    base_url: str,
) -> None:
    """Plan the events of one recorded result (`verification_events`; the consumer version: the latest with it)."""
    found = _enabled(conn)
    if not found:
        return
    consumer = conn.execute(
        select(pacticipants.c.name)
        .join(pact_contents, pact_contents.c.consumer_id == pacticipants.c.id)
        .where(pact_contents.c.content_hash == content_hash)
    ).scalar_one()
    latest = conn.execute(
        select(versions.c.number, versions.c.branch)
        .join(publications, publications.c.consumer_version_id == versions.c.id)
        .where(publications.c.content_hash == content_hash, publications.c.is_current)
        .order_by(publications.c.created_at.desc(), publications.c.id.desc())
        .limit(1)
    ).first()
    facts = [
        EventFacts(
            event=event,
            consumer=consumer,
            provider=provider,
            content_hash=content_hash,
            consumer_version="" if latest is None else latest.number,
            consumer_branch="" if latest is None else latest.branch or "",
            provider_version=provider_version,
            provider_branch=branch or "",
            success=success,
        )
        for event in verification_events(success)
    ]
    _plan(conn, found, facts, base_url)

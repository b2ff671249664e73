"""Webhook commands: ``create-webhook``, ``webhooks`` (list; secret header values shown as ``***``),
``delete-webhook`` and ``test-webhook``, on an embedded broker or a broker server alike.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from polycontract.cli._broker_common import broker_option, emit, open_broker, output_option, print_table
from polycontract.errors import UsageError

__all__ = ["create_webhook", "delete_webhook", "test_webhook", "webhooks"]

#: The Pact Broker's event names (kept here so ``--help`` imports no broker code).
_EVENTS = (
    "contract_requiring_verification_published",
    "contract_content_changed",
    "provider_verification_published",
    "contract_published",
    "provider_verification_succeeded",
    "provider_verification_failed",
)


def _body(value: str | None) -> str | None:
    """A JSON template given inline, or ``@FILE`` / an existing file's path."""
    if value is None:
        return None
    path = Path(value[1:] if value.startswith("@") else value)
    if value.startswith("@") or (not value.lstrip().startswith(("{", "[")) and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read --body-template {path}: {exc.strerror}") from None
    return value


def _document(hook: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(hook).items()}


@click.command("create-webhook")
@click.option("--url", required=True, help="Where to send the request (http or https).")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(_EVENTS), help="Repeatable.")
@click.option("--method", default="POST", show_default=True, type=click.Choice(["POST", "PUT", "PATCH"]))
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="A request header (repeatable).")
@click.option("--body-template", default=None, metavar="FILE|JSON", help="JSON body with ${pactbroker.…} placeholders.")
@click.option("--consumer", default=None, help="Only for this consumer.")
@click.option("--provider", default=None, help="Only for this provider.")
@click.option("--description", default=None, help="A note for people.")
@click.option("--timeout", default=5.0, show_default=True, type=float, help="Seconds per attempt.")
@click.option("--id", "webhook_id", default=None, help="Give the webhook this id (a UUID); replaces one that has it.")
@broker_option
@output_option
def create_webhook(
    url: str,
    events: tuple[str, ...],
    method: str,
    headers: tuple[str, ...],
    body_template: str | None,
    consumer: str | None,
    provider: str | None,
    description: str | None,
    timeout: float,
    webhook_id: str | None,
    broker_url: str | None,
    output: str,
) -> None:
    """Call URL with a templated JSON body when contracts or verification results are published."""
    from polycontract.broker.support import parse_header

    with open_broker(broker_url) as broker:
        hook = broker.create_webhook(
            url=url,
            events=events,
            method=method,
            headers=dict(parse_header(h) for h in headers),
            body_template=_body(body_template),
            consumer=consumer,
            provider=provider,
            description=description,
            timeout=timeout,
            webhook_id=webhook_id,
        )
    emit(output, _document(hook), f"created webhook {hook.id} ({', '.join(hook.events)} -> {hook.url})")


@click.command("webhooks")
@broker_option
@output_option
def webhooks(broker_url: str | None, output: str) -> None:
    """List configured webhooks (secret header values shown as ***)."""
    with open_broker(broker_url, create=False) as broker:
        found = broker.webhooks()
    rows = [
        (
            h.id,
            ",".join(h.events),
            f"{h.method} {h.url}",
            "; ".join(f"{k}: {v}" for k, v in h.headers.items()),
            h.consumer or "*",
            h.provider or "*",
        )
        for h in found
    ]
    text = print_table(("id", "events", "request", "headers", "consumer", "provider"), rows) if rows else "no webhooks"
    emit(output, {"webhooks": [_document(h) for h in found]}, text)


@click.command("delete-webhook")
@click.argument("webhook_id")
@broker_option
@output_option
def delete_webhook(webhook_id: str, broker_url: str | None, output: str) -> None:
    """Remove a webhook (and its delivery log)."""
    with open_broker(broker_url) as broker:
        broker.delete_webhook(webhook_id)
    emit(output, {"deleted": webhook_id}, f"deleted webhook {webhook_id}")


@click.command("test-webhook")
@click.argument("webhook_id")
@broker_option
@output_option
def test_webhook(webhook_id: str, broker_url: str | None, output: str) -> None:
    """Send a webhook once now, as for its first event on the newest pact it covers (exit 1 if it fails)."""
    with open_broker(broker_url) as broker:
        attempt = broker.execute_webhook(webhook_id)
    outcome = f"HTTP {attempt.status_code}" if attempt.status_code is not None else "no response"
    text = f"webhook {webhook_id} ({attempt.event}): {outcome}" + (f" - {attempt.error}" if attempt.error else "")
    emit(output, dataclasses.asdict(attempt), text)
    if not attempt.ok:
        raise SystemExit(1)

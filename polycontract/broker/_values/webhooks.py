"""What a webhook may be, checked alike by both brokers: its events, its target URL and its method.

The event names are the Pact Broker's; `polycontract.broker._webhooks.events` decides which of them a write fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from polycontract.broker._values.checks import checked_label, checked_webhook_id
from polycontract.broker._values.redaction import masked_url
from polycontract.errors import StorageError, UsageError

__all__ = [
    "CONTENT_CHANGED",
    "CONTRACT_PUBLISHED",
    "EVENTS",
    "METHODS",
    "REQUIRING_VERIFICATION",
    "VERIFICATION_FAILED",
    "VERIFICATION_PUBLISHED",
    "VERIFICATION_SUCCEEDED",
    "checked_webhook",
    "masked_url",
    "unknown_pacticipant",
]

REQUIRING_VERIFICATION = "contract_requiring_verification_published"
CONTENT_CHANGED = "contract_content_changed"
VERIFICATION_PUBLISHED = "provider_verification_published"
CONTRACT_PUBLISHED = "contract_published"
VERIFICATION_SUCCEEDED = "provider_verification_succeeded"
VERIFICATION_FAILED = "provider_verification_failed"

#: Every event a webhook can listen to (the Pact Broker's names).
EVENTS = (
    REQUIRING_VERIFICATION,
    CONTENT_CHANGED,
    VERIFICATION_PUBLISHED,
    CONTRACT_PUBLISHED,
    VERIFICATION_SUCCEEDED,
    VERIFICATION_FAILED,
)

#: The methods a webhook may send.
METHODS = ("POST", "PUT", "PATCH")


def _is_http_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL with a host (a malformed one, e.g. ``http://0[``, is not)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def checked_webhook(
    *,
    url: str,
    events: Sequence[str],
    method: str,
    timeout: float,
    webhook_id: str | None,
    consumer: tuple[str | None, str | None],
    provider: tuple[str | None, str | None],
) -> None:
    """A `UsageError` for the first thing wrong with a webhook's configuration; ``consumer`` and ``provider``
    are each ``(name, label)``, of which at most one may be given."""
    checked_webhook_id(webhook_id)
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise UsageError(f"events={list(events)!r}: each must be one of {', '.join(EVENTS)}")
    if not _is_http_url(url):
        raise UsageError(f"url={masked_url(url)!r} must be an http(s):// URL")
    if method.upper() not in METHODS:
        raise UsageError(f"method={method!r} must be one of {', '.join(METHODS)}")
    if not 0 < timeout <= 120:
        raise UsageError(f"timeout={timeout!r} must be between 0 and 120 seconds")
    for role, (name, label) in (("consumer", consumer), ("provider", provider)):
        if label is not None and name is not None:
            raise UsageError(f"{role}={name!r} and {role}_label={label!r}: give a name or a label, not both")
        if label is not None:
            checked_label(label)


def unknown_pacticipant(role: str, name: str) -> StorageError:
    """The error for a webhook naming a ``consumer``/``provider`` the broker does not know (both brokers raise it).

    As pact_broker ``lib/pact_broker/api/contracts/webhook_pacticipant_contract.rb`` (``pacticipant_with_name_exists``):
    a webhook names only pacticipants the broker knows.
    """
    return StorageError(
        f"{role}={name!r} is not a known pacticipant: create it (or publish a pact for it) first, "
        f"or choose {role}s by label"
    )

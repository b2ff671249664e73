"""Webhooks without I/O: which events a write fires, who listens, and the rendered request.

Everything here is a pure function of its arguments, so the rules are tested without a database
or a network. Templates use the Pact Broker's placeholders (``${pactbroker.consumerName}``, …);
they are substituted inside JSON *string values*, so a rendered body is always valid JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from polycontract.broker._values.redaction import MASK, is_secret_header, mask_headers
from polycontract.broker._values.webhooks import (
    CONTENT_CHANGED,
    CONTRACT_PUBLISHED,
    EVENTS,
    REQUIRING_VERIFICATION,
    VERIFICATION_FAILED,
    VERIFICATION_PUBLISHED,
    VERIFICATION_SUCCEEDED,
)
from polycontract.errors import UsageError

__all__ = [
    "CONTENT_CHANGED",
    "CONTRACT_PUBLISHED",
    "DEFAULT_BODY",
    "EVENTS",
    "MASK",
    "REQUIRING_VERIFICATION",
    "VERIFICATION_FAILED",
    "VERIFICATION_PUBLISHED",
    "VERIFICATION_SUCCEEDED",
    "EventFacts",
    "backoff_delay",
    "is_secret_header",
    "listens",
    "mask_headers",
    "parse_header",
    "parse_template",
    "publish_events",
    "render",
    "render_text",
    "render_url",
    "template_context",
    "verification_events",
]

_PLACEHOLDER = re.compile(r"\$\{pactbroker\.([A-Za-z]+)\}")

#: The body sent when a webhook has no template: the facts a CI trigger usually needs.
DEFAULT_BODY: dict[str, Any] = {
    "eventName": "${pactbroker.eventName}",
    "consumerName": "${pactbroker.consumerName}",
    "consumerVersionNumber": "${pactbroker.consumerVersionNumber}",
    "consumerVersionBranch": "${pactbroker.consumerVersionBranch}",
    "providerName": "${pactbroker.providerName}",
    "providerVersionNumber": "${pactbroker.providerVersionNumber}",
    "providerVersionBranch": "${pactbroker.providerVersionBranch}",
    "pactUrl": "${pactbroker.pactUrl}",
    "verificationResultUrl": "${pactbroker.verificationResultUrl}",
    "githubVerificationStatus": "${pactbroker.githubVerificationStatus}",
}


@dataclass(frozen=True, kw_only=True)
class EventFacts:
    """What happened, as the placeholders see it; ``success`` is None for a publication."""

    event: str
    consumer: str
    provider: str
    content_hash: str
    consumer_version: str = ""
    consumer_branch: str = ""
    provider_version: str = ""
    provider_branch: str = ""
    success: bool | None = None


def publish_events(
    outcome: str, *, content_hash: str, previous_hash: str | None, verified_before: bool
) -> tuple[str, ...]:
    """The events one pact publication fires.

    ``outcome`` is the `PublishResult` outcome (``unchanged`` fires nothing); ``previous_hash`` the
    content of the consumer's previous publication for that provider (None for the first);
    ``verified_before`` whether the provider already verified this content. The first
    publication of an integration counts as changed content (as in the Pact Broker).
    `CONTRACT_PUBLISHED` fires for every publication that stored something.
    """
    if outcome == "unchanged":
        return ()
    fired = [CONTRACT_PUBLISHED]
    if not verified_before:
        fired.append(REQUIRING_VERIFICATION)
    if previous_hash != content_hash:
        fired.append(CONTENT_CHANGED)
    return tuple(fired)


def verification_events(success: bool) -> tuple[str, ...]:
    """The events one recorded verification result fires."""
    return (VERIFICATION_PUBLISHED, VERIFICATION_SUCCEEDED if success else VERIFICATION_FAILED)


def listens(events: Sequence[str], consumer_filter: str | None, provider_filter: str | None, facts: EventFacts) -> bool:
    """Whether a webhook (its events and optional consumer/provider filters) wants ``facts``."""
    return (
        facts.event in events
        and (consumer_filter is None or consumer_filter == facts.consumer)
        and (provider_filter is None or provider_filter == facts.provider)
    )


def template_context(facts: EventFacts, base_url: str) -> dict[str, str]:
    """The placeholder values for ``facts``; URLs are absolute when ``base_url`` is set."""
    pact_url = (
        f"{base_url.rstrip('/')}/pacts/provider/{quote(facts.provider, safe='')}"
        f"/consumer/{quote(facts.consumer, safe='')}/pact-version/{facts.content_hash}"
    )
    if facts.success is None:
        status, result_url = "pending", ""
    else:
        status = "success" if facts.success else "failure"
        result_url = f"{pact_url}/verification-results/latest"
    return {
        "eventName": facts.event,
        "consumerName": facts.consumer,
        "providerName": facts.provider,
        "consumerVersionNumber": facts.consumer_version,
        "consumerVersionBranch": facts.consumer_branch,
        "providerVersionNumber": facts.provider_version,
        "providerVersionBranch": facts.provider_branch,
        "pactUrl": pact_url,
        "verificationResultUrl": result_url,
        "githubVerificationStatus": status,
        "bitbucketVerificationStatus": {"success": "SUCCESSFUL", "failure": "FAILED"}.get(status, "INPROGRESS"),
        "contentHash": facts.content_hash,
    }


def _substitute(text: str, context: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def _render_value(value: Any, context: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _substitute(value, context)
    if isinstance(value, list):
        return [_render_value(v, context) for v in value]
    if isinstance(value, dict):
        return {_substitute(str(k), context): _render_value(v, context) for k, v in value.items()}
    return value


def render(template: str, context: Mapping[str, str]) -> str:
    """``template`` (JSON text) with placeholders filled in; unknown placeholders stay as written.

    A template that is a JSON string is a text body, sent as its text (as the Pact Broker sends a string body).
    """
    value = _render_value(json.loads(template), context)
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def render_text(text: str, context: Mapping[str, str]) -> str:
    """A header value with placeholders filled in."""
    return _substitute(text, context)


def render_url(url: str, context: Mapping[str, str]) -> str:
    """A webhook URL with placeholders filled in, each value percent-encoded (``/``, ``?``, ``&``, ``#`` too).

    A value then stays one piece of the path or query: a name cannot add query parameters or change the
    host, as pact_broker ``lib/pact_broker/webhooks/webhook_request_template.rb`` (``build_url``) escapes them.
    """
    encoded = {name: quote(value, safe="") for name, value in context.items()}
    return _substitute(url, encoded)


def parse_template(template: Any) -> str:
    """A body template as canonical JSON text (`DEFAULT_BODY` for None); `UsageError` if not JSON.

    ``template`` is JSON text, or any JSON value (an object, an array, a number, a boolean).
    """
    if template is None:
        return json.dumps(DEFAULT_BODY)
    if isinstance(template, str):
        try:
            return json.dumps(json.loads(template))
        except ValueError as exc:
            raise UsageError(f"body_template is not JSON: {exc}") from None
    try:
        return json.dumps(dict(template) if isinstance(template, Mapping) else template, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"body_template is not JSON: {exc}") from None


def parse_header(line: str) -> tuple[str, str]:
    """``"Name: value"`` as ``(name, value)``; `UsageError` for anything else."""
    name, sep, value = line.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise UsageError(f"header {line.split(':', 1)[0]!r} must be written 'Name: value'")
    return name.strip(), value.strip()


def backoff_delay(attempt: int, base: float) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): ``base``, doubling, capped at 60 s."""
    return float(min(60.0, base * 2 ** (attempt - 1)))

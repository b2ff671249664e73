"""Turning the broker API's HAL+JSON answers into the `BrokerAPI`'s return types (and a few requests into JSON).

The readers accept the Pact Broker's documented shapes and prefer polycontract's extension
members when the server sends them, so answers through `HttpBroker` equal the embedded broker's:

- ``/matrix`` and ``/can-i-deploy``: ``summary.deployable`` gives `Decision.ok`; a top-level
  ``polycontract`` object ``{target, reasons: [{status, message, nextAction, counterpart,
  counterpartVersion}], warnings: […]}`` gives the reasons exactly (without it they are rebuilt from
  ``notices``); rows come from ``matrix[]`` (``ignored`` and ``verificationResult.pending`` read
  when present; the content hash from ``pact.contentHash`` or the ``/pact-version/{hash}`` link).
- ``for-verification``: each pact's content hash and consumer from its ``self`` link, the consumer
  versions and reasons from ``shortDescription`` and the "because it matches …" notices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from urllib.parse import unquote

from polycontract.errors import BrokerError
from polycontract.matrix import Decision, InteractionFailure, Reason, Row, Status

__all__ = [
    "decision_from_json",
    "deployed_entries",
    "embedded",
    "hash_from_href",
    "href",
    "notice_reasons",
    "parse_time",
    "present",
    "row_from_json",
]

_STATUSES = {"ok", "failed", "unverified", "missing", "ignored", "unknown-version", "no-dependencies"}
_NOTICE_STATUS: dict[str, Status] = {
    "success": "ok",
    "error": "failed",
    "danger": "failed",
    "failure": "failed",
    "info": "ignored",
}
_PACT_VERSION = re.compile(r"/pacts/provider/([^/]+)/consumer/([^/]+)/pact-version/([^/?#]+)")
_MATCHES = re.compile(r"because it matches (.*)$", re.DOTALL)


def present(**members: Any) -> dict[str, Any]:
    """The members of a request body that have a value: None means "not sent"."""
    return {k: v for k, v in members.items() if v is not None}


def as_mapping(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, or a `BrokerError` saying the broker answered something else."""
    if not isinstance(value, Mapping):
        raise BrokerError(f"the broker answered {what} with {type(value).__name__}, expected a JSON object")
    return value


def embedded(document: Any, key: str) -> list[Mapping[str, Any]]:
    """``_embedded[key]`` (or a top-level ``key``) of a HAL document, as a list of objects."""
    body = as_mapping(document, key)
    found = body.get("_embedded", {}).get(key) if isinstance(body.get("_embedded"), Mapping) else None
    if found is None:
        found = body.get(key)
    if not isinstance(found, list) or not all(isinstance(item, Mapping) for item in found):
        # never read a malformed answer as "none": an empty list here would mean "no pacts to verify"
        raise BrokerError(f"the broker answered without a list of objects at _embedded.{key} (or {key})")
    return list(found)


def href(document: Mapping[str, Any], relation: str) -> str | None:
    """The ``href`` of ``_links[relation]`` (the first when it is a list)."""
    links = document.get("_links")
    if not isinstance(links, Mapping):
        return None
    found = links.get(relation)
    if isinstance(found, list):
        found = found[0] if found else None
    if isinstance(found, Mapping) and isinstance(found.get("href"), str):
        return str(found["href"])
    return None


def hash_from_href(url: str | None) -> tuple[str, str, str] | None:
    """(provider, consumer, content hash) from a ``…/pacts/provider/P/consumer/C/pact-version/H`` URL."""
    if not url:
        return None
    found = _PACT_VERSION.search(url)
    if found is None:
        return None
    provider, consumer, digest = (unquote(part) for part in found.groups())
    return provider, consumer, digest


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` accepted), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _name(part: Any) -> str:
    return str(part.get("name", "")) if isinstance(part, Mapping) else ""


def _number(part: Any) -> str | None:
    if not isinstance(part, Mapping):
        return None
    version = part.get("version")
    if isinstance(version, Mapping) and version.get("number") is not None:
        return str(version["number"])
    return None


def row_from_json(item: Mapping[str, Any]) -> Row:
    """One ``matrix[]`` row as a `Row`."""
    pact = item.get("pact") if isinstance(item.get("pact"), Mapping) else {}
    assert isinstance(pact, Mapping)
    digest = pact.get("contentHash") or pact.get("sha")
    if not isinstance(digest, str):
        parsed = hash_from_href(href(pact, "self"))
        digest = parsed[2] if parsed else None
    result = item.get("verificationResult")
    result = result if isinstance(result, Mapping) else None
    success = result.get("success") if result is not None else None
    extension = item.get("polycontract")
    fuzz = isinstance(extension, Mapping) and extension.get("kind") == "fuzz"
    return Row(
        consumer=_name(item.get("consumer")),
        consumer_version=_number(item.get("consumer")) or "",
        provider=_name(item.get("provider")),
        provider_version=_number(item.get("provider")),
        content_hash=digest,
        success=success if isinstance(success, bool) else None,
        verified_at=parse_time(result.get("verifiedAt")) if result is not None else None,
        pending=bool(result.get("pending", False)) if result is not None else False,
        ignored=bool(item.get("ignored", False)),
        failures=_failures(result),
        kind="fuzz" if fuzz else "example",
    )


def _failures(result: Mapping[str, Any] | None) -> tuple[InteractionFailure, ...] | None:
    """A failed row's recorded failures (``verificationResult.testResults``), None when none were sent."""
    from polycontract.broker._values.test_results import failures_from_json

    found = None if result is None else result.get("testResults")
    return failures_from_json(found) if isinstance(found, list) else None


def _reason(item: Mapping[str, Any]) -> Reason:
    status = item.get("status")
    if status not in _STATUSES:
        raise BrokerError(f"the broker sent a reason with an unknown status {status!r}")

    from polycontract.broker._values.test_results import report_from_json

    def text(key: str) -> str | None:
        value = item.get(key)
        return None if value is None else str(value)

    return Reason(
        status=cast(Status, status),
        message=str(item.get("message", "")),
        next_action=text("nextAction"),
        counterpart=text("counterpart"),
        counterpart_version=text("counterpartVersion"),
        report=report_from_json(item.get("report")),
    )


def notice_reasons(notices: Sequence[Any]) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """Reasons and warnings rebuilt from Pact Broker ``notices`` (when the server sends no extension)."""
    reasons: list[Reason] = []
    warnings: list[str] = []
    for notice in notices:
        if not isinstance(notice, Mapping) or not isinstance(notice.get("text"), str):
            continue
        kind = str(notice.get("type", "")).lower()
        message, _, action = notice["text"].partition(" -> ")
        if kind == "warning" and action:  # an unknown answer: it says what must happen next
            reasons.append(Reason(status="unverified", message=message, next_action=action))
        elif kind == "warning":
            warnings.append(notice["text"])
        elif kind in _NOTICE_STATUS:
            reasons.append(Reason(status=_NOTICE_STATUS[kind], message=message, next_action=action or None))
    return tuple(reasons), tuple(warnings)


def decision_from_json(document: Any, pacticipant: str, version: str, target: str) -> Decision:
    """A ``/can-i-deploy`` or ``/matrix`` answer as a `Decision`."""
    body = as_mapping(document, "can-i-deploy")
    summary = body.get("summary")
    if not isinstance(summary, Mapping) or "deployable" not in summary:
        raise BrokerError("the broker's can-i-deploy answer has no summary.deployable")
    deployable = summary["deployable"]
    ok = deployable if isinstance(deployable, bool) else None
    extension = body.get("polycontract")
    if isinstance(extension, Mapping) and isinstance(extension.get("reasons"), list):
        reasons = tuple(_reason(r) for r in extension["reasons"] if isinstance(r, Mapping))
        warnings = tuple(str(w) for w in extension.get("warnings", ()) if w is not None)
        target = str(extension.get("target") or target)
    else:
        notices = body.get("notices")
        reasons, warnings = notice_reasons(notices if isinstance(notices, list) else [])
    found = body.get("matrix")
    rows = tuple(row_from_json(r) for r in found if isinstance(r, Mapping)) if isinstance(found, list) else ()
    return Decision(
        ok=ok, reasons=reasons, rows=rows, pacticipant=pacticipant, version=version, target=target, warnings=warnings
    )


def verification_reasons(entry: Mapping[str, Any], consumer: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(consumer versions, notices) of one ``for-verification`` pact, from the extension or its texts.

    Notices look like ``1.0 (deployed to prod)``, as `PactForVerification.notices` does.
    """
    extension = entry.get("polycontract")
    if isinstance(extension, Mapping) and isinstance(extension.get("consumerVersions"), list):
        return (
            tuple(str(v) for v in extension["consumerVersions"]),
            tuple(str(n) for n in extension.get("notices", ())),
        )
    properties = entry.get("verificationProperties")
    texts = properties.get("notices", []) if isinstance(properties, Mapping) else []
    notices = []
    for notice in texts if isinstance(texts, list) else []:
        text = notice.get("text") if isinstance(notice, Mapping) else None
        found = _MATCHES.search(text) if isinstance(text, str) else None
        if found is not None:
            notices.append(found.group(1))
    description = entry.get("shortDescription")
    versions: tuple[str, ...] = ()
    if isinstance(description, str) and description.startswith(consumer + " "):
        versions = tuple(description[len(consumer) + 1 :].split(", "))
    elif notices:
        versions = tuple(n.split(" (", 1)[0] for n in notices)
    return versions, tuple(notices)


def deployed_entries(document: Any, key: str) -> list[tuple[str, str, str | None, str | None]]:
    """(pacticipant, version, application instance, self href) of ``deployedVersions``/``releasedVersions``."""
    out = []
    for item in embedded(document, key):
        inner = item.get("_embedded") if isinstance(item.get("_embedded"), Mapping) else {}
        assert isinstance(inner, Mapping)
        name = _name(inner.get("pacticipant")) or _name(item.get("pacticipant"))
        version = inner.get("version") or item.get("version")
        number = str(version.get("number", "")) if isinstance(version, Mapping) else ""
        instance = item.get("applicationInstance")
        out.append((name, number, None if instance in (None, "") else str(instance), href(item, "self")))
    return out

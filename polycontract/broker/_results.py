"""Publishing a provider's verification results in one go: one result per verified pact content.

The results are plain data (what ``VerificationResult.verifications()`` returns in the verifier), so the
broker needs nothing from the verifier: each item is a mapping with ``content_hash`` and ``success``
(and optionally ``pending``, ``consumer``, ``consumer_versions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._reads import one_of
from polycontract.broker._schema import pact_contents, pacticipants, verifications
from polycontract.broker._writes import ensure_pacticipant, ensure_version
from polycontract.errors import StorageError, UsageError

__all__ = ["PublishedVerification", "publish_results"]


@dataclass(frozen=True, kw_only=True)
class PublishedVerification:
    """One verification result the broker recorded."""

    provider: str
    provider_version: str
    consumer: str
    content_hash: str
    success: bool
    pending: bool


def _parse(item: Mapping[str, Any]) -> tuple[str, bool, bool]:
    if not isinstance(item, Mapping):
        raise UsageError(f"a verification result is a mapping with content_hash and success, got {item!r}")
    digest, success, pending = item.get("content_hash"), item.get("success"), item.get("pending", False)
    if not isinstance(digest, str) or not digest:
        raise UsageError(f"verification result {dict(item)!r} needs content_hash (a pact content hash)")
    if not isinstance(success, bool) or not isinstance(pending, bool):
        raise UsageError(f"verification result {dict(item)!r} needs success (and pending) as True/False")
    return digest, success, pending


def publish_results(
    conn: Connection,
    now: datetime,
    *,
    provider: str,
    provider_version: str,
    branch: str | None,
    results: Iterable[Mapping[str, Any]],
) -> tuple[PublishedVerification, ...]:
    """Record every result for ``provider`` ``provider_version`` inside the caller's transaction.

    Every content must be a pact for ``provider`` that the broker holds; otherwise nothing is
    recorded and a `StorageError` lists the contents it does not know.
    """
    parsed = [_parse(item) for item in results]
    if not parsed:
        return ()
    hashes = {digest for digest, _, _ in parsed}
    owners = dict(
        conn.execute(
            select(pact_contents.c.content_hash, pacticipants.c.name)
            .join(pacticipants, pacticipants.c.id == pact_contents.c.consumer_id)
            .where(one_of(conn, pact_contents.c.content_hash, hashes))
        ).all()
    )
    providers = dict(
        conn.execute(
            select(pact_contents.c.content_hash, pacticipants.c.name)
            .join(pacticipants, pacticipants.c.id == pact_contents.c.provider_id)
            .where(one_of(conn, pact_contents.c.content_hash, hashes))
        ).all()
    )
    unknown = sorted(h[:8] for h in hashes if providers.get(h) != provider)
    if unknown:
        raise StorageError(
            f"the broker holds no pact for {provider} with content {', '.join(unknown)}; only pacts published"
            " to the broker (e.g. verified from a BrokerSource) can have results published"
        )
    version_id = ensure_version(
        conn, ensure_pacticipant(conn, provider, now), provider_version, now, branch=branch, tag_names=()
    )
    conn.execute(
        verifications.insert(),
        [
            {
                "content_hash": digest,
                "provider_version_id": version_id,
                "success": success,
                "pending": pending,
                "branch": branch,
                "created_at": now,
            }
            for digest, success, pending in parsed
        ],
    )
    return tuple(
        PublishedVerification(
            provider=provider,
            provider_version=provider_version,
            consumer=owners[digest],
            content_hash=digest,
            success=success,
            pending=pending,
        )
        for digest, success, pending in parsed
    )

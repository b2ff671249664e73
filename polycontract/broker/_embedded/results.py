"""Publishing a provider's verification results in one go: one result per verified pact content.

The results are plain data (what ``VerificationResult.verifications()`` returns in the verifier), so the
broker needs nothing from the verifier: each item is a mapping with ``content_hash`` and ``success``
(and optionally ``pending``, ``consumer``, ``consumer_versions`` and ``test_results``, the per-interaction
results with their mismatches, stored bounded as `polycontract.broker._values.test_results` describes).
An item with ``kind="fuzz"`` records a fuzz verification: stored beside the example results, counted by
can-i-deploy only when a question asks about fuzz.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._store.reads import one_of
from polycontract.broker._store.tables import pact_contents, pacticipants, verifications
from polycontract.broker._store.tables import versions as versions_t
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version
from polycontract.broker._values.checks import checked_url, parse_test_results
from polycontract.broker._values.checks import parse_result as _parse
from polycontract.broker._values.checks import verification_kind as _kind
from polycontract.broker._values.checks import wip_flag as _wip
from polycontract.broker._values.records import PublishedVerification
from polycontract.broker._values.test_results import dump, load
from polycontract.errors import StorageError

__all__ = ["PublishedVerification", "parse_test_results", "publish_results", "stored_result"]


def publish_results(
    conn: Connection,
    now: datetime,
    *,
    provider: str,
    provider_version: str,
    branch: str | None,
    results: Iterable[Mapping[str, Any]],
    build_url: str | None = None,
) -> tuple[PublishedVerification, ...]:
    """Record every result for ``provider`` ``provider_version`` inside the caller's transaction.

    ``build_url`` (the CI build that ran the verification) is stored on each result.

    Every content must be a pact for ``provider`` that the broker holds; otherwise nothing is
    recorded and a `StorageError` lists the contents it does not know.
    """
    build_url = checked_url(build_url, "build_url")
    items = list(results)
    parsed = [_parse(item) for item in items]
    details = [dump(parse_test_results(item)) for item in items]
    wips = [_wip(item) for item in items]
    kinds = [_kind(item) for item in items]
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
    ids = conn.execute(
        verifications.insert().returning(verifications.c.id, sort_by_parameter_order=True),
        [
            {
                "content_hash": digest,
                "provider_version_id": version_id,
                "success": success,
                "pending": pending,
                "branch": branch,
                "created_at": now,
                "test_results": text,
                "build_url": build_url,
                "wip": wip,
                "kind": kind,
            }
            for (digest, success, pending), text, wip, kind in zip(parsed, details, wips, kinds, strict=True)
        ],
    ).scalars()
    return tuple(
        PublishedVerification(
            provider=provider,
            provider_version=provider_version,
            consumer=owners[digest],
            content_hash=digest,
            success=success,
            pending=pending,
            id=int(row_id),
            kind=kind,
        )
        for (digest, success, pending), row_id, kind in zip(parsed, ids, kinds, strict=True)
    )


def stored_result(
    conn: Connection, provider: str, consumer: str, content_hash: str, row_id: int
) -> dict[str, Any] | None:
    """Verification result ``row_id`` of pact content ``content_hash`` in the Pact Broker's JSON shape, or None.

    ``testResults`` is what the verifier sent (bounded); empty when it sent none.
    """
    consumer_t, provider_t = pacticipants.alias("consumer"), pacticipants.alias("provider")
    row = conn.execute(
        select(
            verifications.c.success,
            verifications.c.pending,
            verifications.c.branch,
            verifications.c.created_at,
            verifications.c.test_results,
            verifications.c.build_url,
            verifications.c.kind,
            versions_t.c.number,
        )
        .join(versions_t, versions_t.c.id == verifications.c.provider_version_id)
        .join(pact_contents, pact_contents.c.content_hash == verifications.c.content_hash)
        .join(consumer_t, consumer_t.c.id == pact_contents.c.consumer_id)
        .join(provider_t, provider_t.c.id == pact_contents.c.provider_id)
        .where(
            verifications.c.id == row_id,
            verifications.c.content_hash == content_hash,
            consumer_t.c.name == consumer,
            provider_t.c.name == provider,
        )
    ).first()
    if row is None:
        return None
    stored = load(row.test_results)
    return {
        "success": bool(row.success),
        "providerName": provider,
        "providerApplicationVersion": row.number,
        "providerVersionBranch": row.branch,
        "pending": bool(row.pending),
        "verificationDate": row.created_at.isoformat(),
        "testResults": [] if stored is None else stored["testResults"],
        "testResultsOmitted": 0 if stored is None else stored.get("omitted", 0),
        "detailsRecorded": stored is not None,
        "buildUrl": row.build_url,
        "polycontract": {"kind": row.kind},
    }

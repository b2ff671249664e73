"""Retention: delete old versions and superseded verification results, never anything that still counts.

A version is kept when it is currently deployed or released-and-supported anywhere, is the latest
version on its pacticipant's main branch, is among the pacticipant's ``keep_latest`` newest
versions, or is younger than the cutoff. Everything hanging off a pruned version goes with it
(tags, publications, verifications, past deployments and releases, published and read
schemas), then pact and schema contents nothing refers to any more. A verification is superseded
when a later result exists for the same content and provider version ("latest wins"), so dropping
it changes no answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import (
    deployments,
    pact_contents,
    pacticipants,
    publications,
    releases,
    schema_contents,
    schema_publications,
    schema_reads,
    tags,
    verifications,
    versions,
)
from polycontract.broker._values.records import PruneReport

__all__ = ["PruneReport", "VersionFacts", "delete_orphan_pacts", "delete_versions", "prunable", "prune"]

_CHUNK = 500


@dataclass(frozen=True, kw_only=True)
class VersionFacts:
    """What the retention policy needs to know about one version."""

    id: int
    pacticipant: str
    number: str
    created_at: datetime
    protected: bool


def prunable(facts: Iterable[VersionFacts], *, keep_latest: int, cutoff: datetime) -> list[VersionFacts]:
    """The versions the policy lets go: unprotected, older than ``cutoff`` and not among the newest ``keep_latest``."""
    by_pacticipant: dict[str, list[VersionFacts]] = {}
    for fact in facts:
        by_pacticipant.setdefault(fact.pacticipant, []).append(fact)
    out: list[VersionFacts] = []
    for name in sorted(by_pacticipant):
        newest_first = sorted(by_pacticipant[name], key=lambda f: f.id, reverse=True)
        out += [f for f in newest_first[keep_latest:] if not f.protected and _older(f.created_at, cutoff)]
    return out


def prune(conn: Connection, *, keep_latest: int, cutoff: datetime, dry_run: bool) -> PruneReport:
    """Apply the retention policy inside the caller's transaction.

    The deletions run in a savepoint; a dry run rolls it back, so its counts are exactly what a
    real run would delete.
    """
    doomed = prunable(_facts(conn), keep_latest=keep_latest, cutoff=cutoff)
    ids = [f.id for f in doomed]
    savepoint = conn.begin_nested()
    deleted_verifications = conn.execute(delete(verifications).where(_superseded(cutoff))).rowcount
    by_versions, deleted_publications = delete_versions(conn, ids)
    deleted_verifications += by_versions
    conn.execute(
        delete(schema_contents).where(
            schema_contents.c.content_hash.not_in(select(schema_publications.c.content_hash)),
            schema_contents.c.content_hash.not_in(select(schema_reads.c.content_hash)),
        )
    )
    orphans, by_orphans = delete_orphan_pacts(conn)
    deleted_verifications += by_orphans
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return PruneReport(
        versions=tuple((f.pacticipant, f.number) for f in doomed),
        publications=deleted_publications,
        verifications=deleted_verifications,
        pact_contents=orphans,
        dry_run=dry_run,
    )


def delete_versions(conn: Connection, ids: Sequence[int]) -> tuple[int, int]:
    """Delete versions ``ids`` and what hangs off them; returns (verifications, publications) deleted.

    Pact contents left without a publication stay: `delete_orphan_pacts` removes them.
    """
    deleted_verifications = deleted_publications = 0
    for chunk in _chunks(ids):
        conn.execute(delete(tags).where(tags.c.version_id.in_(chunk)))
        deleted_verifications += conn.execute(
            delete(verifications).where(verifications.c.provider_version_id.in_(chunk))
        ).rowcount
        deleted_publications += conn.execute(
            delete(publications).where(publications.c.consumer_version_id.in_(chunk))
        ).rowcount
        conn.execute(delete(deployments).where(deployments.c.version_id.in_(chunk)))
        conn.execute(delete(releases).where(releases.c.version_id.in_(chunk)))
        conn.execute(delete(schema_publications).where(schema_publications.c.version_id.in_(chunk)))
        conn.execute(delete(schema_reads).where(schema_reads.c.consumer_version_id.in_(chunk)))
        conn.execute(delete(versions).where(versions.c.id.in_(chunk)))
    return deleted_verifications, deleted_publications


def delete_orphan_pacts(conn: Connection) -> tuple[int, int]:
    """Delete pact contents no publication refers to, with their results; returns (contents, verifications)."""
    orphans = list(
        conn.execute(
            select(pact_contents.c.content_hash).where(
                pact_contents.c.content_hash.not_in(select(publications.c.content_hash))
            )
        ).scalars()
    )
    deleted_verifications = 0
    for chunk in _chunks(orphans):
        deleted_verifications += conn.execute(
            delete(verifications).where(verifications.c.content_hash.in_(chunk))
        ).rowcount
        conn.execute(delete(pact_contents).where(pact_contents.c.content_hash.in_(chunk)))
    return len(orphans), deleted_verifications


def _facts(conn: Connection) -> list[VersionFacts]:
    deployed = select(deployments.c.version_id).where(deployments.c.currently_deployed)
    released = select(releases.c.version_id).where(releases.c.currently_supported)
    latest_main = (
        select(func.max(versions.c.id))
        .join(pacticipants, pacticipants.c.id == versions.c.pacticipant_id)
        .where(versions.c.branch == pacticipants.c.main_branch)
        .group_by(versions.c.pacticipant_id)
    )
    protected = {row[0] for query in (deployed, released, latest_main) for row in conn.execute(query)}
    rows = conn.execute(
        select(versions.c.id, pacticipants.c.name, versions.c.number, versions.c.created_at).join(
            pacticipants, pacticipants.c.id == versions.c.pacticipant_id
        )
    )
    return [
        VersionFacts(id=r.id, pacticipant=r.name, number=r.number, created_at=r.created_at, protected=r.id in protected)
        for r in rows
    ]


def _superseded(cutoff: datetime) -> Any:
    later = verifications.alias("later")
    return and_(
        verifications.c.created_at < cutoff,
        exists().where(
            later.c.content_hash == verifications.c.content_hash,
            later.c.provider_version_id == verifications.c.provider_version_id,
            later.c.kind == verifications.c.kind,  # a fuzz result never supersedes an example result, nor the reverse
            later.c.id > verifications.c.id,
        ),
    )


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _older(created_at: datetime, cutoff: datetime) -> bool:
    """SQLite hands timestamps back without a zone (they are UTC); compare like with like."""
    if created_at.tzinfo is None and cutoff.tzinfo is not None:
        cutoff = cutoff.astimezone(UTC).replace(tzinfo=None)
    return created_at < cutoff

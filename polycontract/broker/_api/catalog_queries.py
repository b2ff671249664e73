"""Storage behind the Pact Broker's resource routes: version selectors, branches, and deletions.

Each function is one transaction on the broker's database (synchronous: the HTTP app runs them in a
thread pool). "Newest" means the most recently created version (highest id), as everywhere in the broker.

A branch is the ``branch`` of its versions; deleting it clears that field, as the Pact Broker's
branch deletion keeps the versions, pacts and verification results but makes the pacts unreachable
through branch selectors and WIP pacts. Deleting a version, a pacticipant or an environment removes
everything that hangs off it (tags, publications, verification results, deployments, releases,
schemas), then pact contents nothing refers to any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Connection

from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.lookups import find_pacticipant_id
from polycontract.broker._store.retention import delete_orphan_pacts, delete_versions
from polycontract.broker._store.tables import (
    deployments,
    environments,
    pact_contents,
    pacticipant_labels,
    pacticipants,
    publications,
    releases,
    tags,
    verifications,
    versions,
)

__all__ = [
    "BranchInfo",
    "LatestPact",
    "branch",
    "branches",
    "delete_branch",
    "delete_environment",
    "delete_pacticipant",
    "delete_tag",
    "delete_version",
    "latest_pacts",
    "selector_versions",
    "version_numbers",
]


@dataclass(frozen=True)
class BranchInfo:
    """A pacticipant's branch: its name, when its first version was created, its version numbers (newest first)."""

    pacticipant: str
    name: str
    created_at: datetime
    versions: tuple[str, ...]


@dataclass(frozen=True)
class LatestPact:
    """The newest pact of one consumer/provider pair."""

    consumer: str
    provider: str
    consumer_version: str
    content_hash: str
    created_at: datetime


def selector_versions(
    broker: Broker,
    name: str,
    *,
    branch: str | None = None,
    tag: str | None = None,
    main_branch: bool = False,
    latest: bool = False,
) -> list[str]:
    """Version numbers of ``name`` a Pact Broker matrix selector picks, newest first.

    ``branch``, ``tag`` and ``main_branch`` narrow the versions (all of them together); ``latest`` keeps
    only the newest. No filter and no ``latest`` picks every version.
    """
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(select(pacticipants.c.id, pacticipants.c.main_branch).where(pacticipants.c.name == name))
        found = row.first()
        if found is None or (main_branch and found[1] is None):
            return []
        query = select(versions.c.number).where(versions.c.pacticipant_id == found[0])
        if main_branch:
            query = query.where(versions.c.branch == found[1])
        if branch is not None:
            query = query.where(versions.c.branch == branch)
        if tag is not None:
            query = query.where(versions.c.id.in_(select(tags.c.version_id).where(tags.c.name == tag)))
        query = query.order_by(versions.c.id.desc())
        if latest:
            query = query.limit(1)
        return [str(r[0]) for r in conn.execute(query)]


def version_numbers(broker: Broker, name: str) -> list[str] | None:
    """Every version number of ``name``, newest first; None when the pacticipant is unknown."""
    with broker.internals.store.transaction(write=False) as conn:
        pid = find_pacticipant_id(conn, name)
        if pid is None:
            return None
        query = select(versions.c.number).where(versions.c.pacticipant_id == pid).order_by(versions.c.id.desc())
        return [str(r[0]) for r in conn.execute(query)]


def branches(broker: Broker, name: str) -> list[BranchInfo] | None:
    """The branches of ``name`` (sorted by name); None when the pacticipant is unknown."""
    with broker.internals.store.transaction(write=False) as conn:
        pid = find_pacticipant_id(conn, name)
        if pid is None:
            return None
        rows = conn.execute(
            select(versions.c.branch, versions.c.number, versions.c.created_at)
            .where(versions.c.pacticipant_id == pid, versions.c.branch.is_not(None))
            .order_by(versions.c.id.desc())
        ).all()
    grouped: dict[str, list[tuple[str, datetime]]] = {}
    for row in rows:
        grouped.setdefault(str(row[0]), []).append((str(row[1]), row[2]))
    return [
        BranchInfo(name, b, min(c for _, c in found), tuple(n for n, _ in found))
        for b, found in sorted(grouped.items())
    ]


def branch(broker: Broker, name: str, branch_name: str) -> BranchInfo | None:
    """Branch ``branch_name`` of ``name``, or None when no version of it is on that branch."""
    found = [b for b in branches(broker, name) or [] if b.name == branch_name]
    return found[0] if found else None


def latest_pacts(broker: Broker) -> list[LatestPact]:
    """The newest current pact of every consumer/provider pair, sorted by consumer then provider."""
    consumer, provider = pacticipants.alias("consumer"), pacticipants.alias("provider")
    with broker.internals.store.transaction(write=False) as conn:
        rows = conn.execute(
            select(consumer.c.name, provider.c.name, versions.c.number, publications.c.content_hash)
            .add_columns(publications.c.created_at)
            .select_from(publications)
            .join(versions, versions.c.id == publications.c.consumer_version_id)
            .join(consumer, consumer.c.id == versions.c.pacticipant_id)
            .join(provider, provider.c.id == publications.c.provider_id)
            .where(publications.c.is_current)
            .order_by(versions.c.id)
        ).all()
    newest = {(r[0], r[1]): LatestPact(r[0], r[1], str(r[2]), r[3], r[4]) for r in rows}
    return [newest[key] for key in sorted(newest)]


def delete_branch(broker: Broker, name: str, branch_name: str) -> bool:
    """Take every version of ``name`` off ``branch_name``; False when none was on it."""
    with broker.internals.store.transaction() as conn:
        pid = find_pacticipant_id(conn, name)
        if pid is None:
            return False
        done = conn.execute(
            update(versions)
            .where(versions.c.pacticipant_id == pid, versions.c.branch == branch_name)
            .values(branch=None)
        )
        return bool(done.rowcount)


def delete_tag(broker: Broker, name: str, number: str, tag: str) -> bool:
    """Remove tag ``tag`` from version ``number`` of ``name``; False when the version did not have it."""
    with broker.internals.store.transaction() as conn:
        version_id = _version_id(conn, name, number)
        if version_id is None:
            return False
        done = conn.execute(delete(tags).where(tags.c.version_id == version_id, tags.c.name == tag))
        return bool(done.rowcount)


def delete_version(broker: Broker, name: str, number: str) -> bool:
    """Delete version ``number`` of ``name`` and what hangs off it; False when it does not exist."""
    with broker.internals.store.transaction() as conn:
        version_id = _version_id(conn, name, number)
        if version_id is None:
            return False
        delete_versions(conn, [version_id])
        delete_orphan_pacts(conn)
        return True


def delete_pacticipant(broker: Broker, name: str) -> bool:
    """Delete pacticipant ``name``, its versions and its pacts (either side); False when it does not exist."""
    with broker.internals.store.transaction() as conn:
        pid = find_pacticipant_id(conn, name)
        if pid is None:
            return False
        own = [int(r[0]) for r in conn.execute(select(versions.c.id).where(versions.c.pacticipant_id == pid))]
        if own:
            delete_versions(conn, own)
            delete_orphan_pacts(conn)
        conn.execute(delete(publications).where(publications.c.provider_id == pid))
        contents = select(pact_contents.c.content_hash).where(
            or_(pact_contents.c.consumer_id == pid, pact_contents.c.provider_id == pid)
        )
        conn.execute(delete(verifications).where(verifications.c.content_hash.in_(contents)))
        conn.execute(delete(publications).where(publications.c.content_hash.in_(contents)))
        conn.execute(
            delete(pact_contents).where(or_(pact_contents.c.consumer_id == pid, pact_contents.c.provider_id == pid))
        )
        conn.execute(delete(deployments).where(deployments.c.pacticipant_id == pid))
        conn.execute(delete(releases).where(releases.c.pacticipant_id == pid))
        conn.execute(delete(pacticipant_labels).where(pacticipant_labels.c.pacticipant_id == pid))
        conn.execute(delete(pacticipants).where(pacticipants.c.id == pid))
        return True


def delete_environment(broker: Broker, name: str) -> bool:
    """Delete environment ``name`` with its deployment and release records; False when it does not exist."""
    with broker.internals.store.transaction() as conn:
        env_id = conn.execute(select(environments.c.id).where(environments.c.name == name)).scalar()
        if env_id is None:
            return False
        conn.execute(delete(deployments).where(deployments.c.environment_id == env_id))
        conn.execute(delete(releases).where(releases.c.environment_id == env_id))
        conn.execute(delete(environments).where(environments.c.id == env_id))
        return True


def _version_id(conn: Connection, name: str, number: str) -> int | None:
    found = conn.execute(
        select(versions.c.id)
        .join(pacticipants, pacticipants.c.id == versions.c.pacticipant_id)
        .where(pacticipants.c.name == name, versions.c.number == number)
    ).scalar()
    return None if found is None else int(found)

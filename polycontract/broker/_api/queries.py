"""Reads the HTTP API needs beyond the `Broker` methods: resources by id, versions, deployments.

Each function is one read transaction on the broker's database (synchronous: the app runs them in
a thread pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.labels import labels_of
from polycontract.broker._store.published import CONSUMER, CONSUMER_VERSION, PROVIDER, PUBLISHED
from polycontract.broker._store.tables import (
    deployments,
    environments,
    pact_contents,
    pacticipants,
    publications,
    releases,
    tags,
    versions,
)

__all__ = [
    "LiveRecord",
    "PacticipantInfo",
    "VersionInfo",
    "deployed_versions",
    "deployment",
    "latest_pact_version",
    "latest_provider_pacts",
    "pact_by_hash",
    "pacticipant",
    "pacticipant_names",
    "ping",
    "release",
    "released_versions",
    "version",
]

_consumer = pacticipants.alias("consumer")
_provider = pacticipants.alias("provider")


@dataclass(frozen=True)
class PacticipantInfo:
    """A pacticipant as the API shows it."""

    name: str
    main_branch: str | None
    created_at: datetime
    repository_url: str | None = None
    display_name: str | None = None
    #: Its labels, sorted, and its newest version (None: it has none), as the Pact Broker embeds them.
    labels: tuple[str, ...] = ()
    latest_version: str | None = None


@dataclass(frozen=True)
class VersionInfo:
    """A pacticipant version with its branch and tags."""

    pacticipant: str
    number: str
    branch: str | None
    tags: tuple[str, ...]
    created_at: datetime
    build_url: str | None = None


@dataclass(frozen=True)
class LiveRecord:
    """One deployment or release row (``id`` is the resource id in ``/deployed-versions/{id}``)."""

    id: int
    pacticipant: str
    version: str
    environment: str
    application_instance: str | None
    current: bool
    created_at: datetime


def ping(broker: Broker) -> None:
    """Touch the database (readiness); raises when it is unreachable."""
    with broker.internals.store.transaction(write=False) as conn:
        conn.execute(select(environments.c.id).limit(1)).all()


def pact_by_hash(broker: Broker, content_hash: str) -> tuple[str, str, str] | None:
    """``(consumer, provider, pact JSON)`` of a stored content."""
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(
            select(_consumer.c.name, _provider.c.name, pact_contents.c.content)
            .join(_consumer, _consumer.c.id == pact_contents.c.consumer_id)
            .join(_provider, _provider.c.id == pact_contents.c.provider_id)
            .where(pact_contents.c.content_hash == content_hash)
        ).first()
    return None if row is None else (row[0], row[1], row[2])


def latest_pact_version(broker: Broker, consumer: str, provider: str) -> str | None:
    """The newest consumer version of ``consumer`` with a pact for ``provider``."""
    cv = CONSUMER_VERSION
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(
            select(cv.c.number)
            .select_from(PUBLISHED)
            .where(CONSUMER.c.name == consumer, PROVIDER.c.name == provider, publications.c.is_current)
            .order_by(cv.c.created_at.desc(), cv.c.id.desc())
            .limit(1)
        ).first()
    return None if row is None else str(row[0])


def latest_provider_pacts(broker: Broker, provider: str) -> list[tuple[str, str, str]]:
    """``(consumer, consumer version, content hash)`` of each consumer's newest pact for ``provider``."""
    cv = CONSUMER_VERSION
    with broker.internals.store.transaction(write=False) as conn:
        found = conn.execute(
            select(CONSUMER.c.name, cv.c.number, publications.c.content_hash)
            .select_from(PUBLISHED)
            .where(PROVIDER.c.name == provider, publications.c.is_current)
            .order_by(cv.c.created_at, cv.c.id)
        ).all()
    latest = {row[0]: (row[0], row[1], row[2]) for row in found}
    return [latest[name] for name in sorted(latest)]


def pacticipant(broker: Broker, name: str) -> PacticipantInfo | None:
    """The pacticipant ``name`` with its labels and newest version, or None."""
    newest = (
        select(versions.c.number)
        .where(versions.c.pacticipant_id == pacticipants.c.id)
        .order_by(versions.c.created_at.desc(), versions.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(
            select(
                pacticipants.c.name,
                pacticipants.c.main_branch,
                pacticipants.c.created_at,
                pacticipants.c.repository_url,
                pacticipants.c.display_name,
                newest,
            ).where(pacticipants.c.name == name)
        ).first()
        labels = tuple(sorted(labels_of(conn, [name])[name])) if row is not None else ()
    if row is None:
        return None
    return PacticipantInfo(row[0], row[1], row[2], row[3], row[4], labels, row[5])


def pacticipant_names(broker: Broker) -> list[str]:
    """Every pacticipant's name, sorted."""
    with broker.internals.store.transaction(write=False) as conn:
        return [r[0] for r in conn.execute(select(pacticipants.c.name).order_by(pacticipants.c.name))]


def version(broker: Broker, name: str, number: str | None, *, branch: str | None = None) -> VersionInfo | None:
    """Version ``number`` of ``name`` (the newest, on ``branch`` if given, when ``number`` is None), or None."""
    query = (
        select(versions.c.id, versions.c.number, versions.c.branch, versions.c.created_at, versions.c.build_url)
        .join(pacticipants, pacticipants.c.id == versions.c.pacticipant_id)
        .where(pacticipants.c.name == name)
    )
    if number is not None:
        query = query.where(versions.c.number == number)
    if branch is not None:
        query = query.where(versions.c.branch == branch)
    query = query.order_by(versions.c.created_at.desc(), versions.c.id.desc()).limit(1)
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        found = conn.execute(select(tags.c.name).where(tags.c.version_id == row[0]).order_by(tags.c.name))
        tag_names = tuple(t[0] for t in found)
    return VersionInfo(name, row[1], row[2], tag_names, row[3], row[4])


def _current_flag(table: Any) -> Any:
    """The column that says a deployment is current or a release still supported."""
    return table.c.currently_deployed if table is deployments else table.c.currently_supported


def _live_query(table: Any) -> Any:
    """Deployment or release records (``table``) with their pacticipant, version and environment names."""
    return (
        select(
            table.c.id,
            pacticipants.c.name,
            versions.c.number,
            environments.c.name.label("environment"),
            _current_flag(table).label("current"),
            table.c.created_at,
            *([table.c.application_instance] if table is deployments else []),
        )
        .join(pacticipants, pacticipants.c.id == table.c.pacticipant_id)
        .join(versions, versions.c.id == table.c.version_id)
        .join(environments, environments.c.id == table.c.environment_id)
        .order_by(table.c.id)
    )


def _record(row: Any, instance: bool) -> LiveRecord:
    return LiveRecord(
        id=int(row.id),
        pacticipant=row.name,
        version=row.number,
        environment=row.environment,
        application_instance=(row.application_instance or None) if instance else None,
        current=bool(row.current),
        created_at=row.created_at,
    )


def deployed_versions(
    broker: Broker, environment: str | None, *, pacticipant: str | None = None, version: str | None = None
) -> list[LiveRecord]:
    """Current deployments (to ``environment`` when given), optionally of one pacticipant (version)."""
    return _current(broker, deployments, environment, pacticipant, version)


def released_versions(
    broker: Broker, environment: str | None, *, pacticipant: str | None = None, version: str | None = None
) -> list[LiveRecord]:
    """Supported releases (to ``environment`` when given), optionally of one pacticipant (version)."""
    return _current(broker, releases, environment, pacticipant, version)


def _current(
    broker: Broker, table: Any, environment: str | None, pacticipant: str | None, version: str | None
) -> list[LiveRecord]:
    """The current records of ``table``, narrowed to ``environment``, ``pacticipant`` and ``version`` when given."""
    query = _live_query(table).where(_current_flag(table))
    if environment is not None:
        query = query.where(environments.c.name == environment)
    if pacticipant is not None:
        query = query.where(pacticipants.c.name == pacticipant)
    if version is not None:
        query = query.where(versions.c.number == version)
    with broker.internals.store.transaction(write=False) as conn:
        return [_record(r, table is deployments) for r in conn.execute(query)]


def deployment(broker: Broker, record_id: int) -> LiveRecord | None:
    """Deployment ``record_id`` (current or not)."""
    return _by_id(broker, deployments, record_id)


def release(broker: Broker, record_id: int) -> LiveRecord | None:
    """Release ``record_id`` (supported or not)."""
    return _by_id(broker, releases, record_id)


def _by_id(broker: Broker, table: Any, record_id: int) -> LiveRecord | None:
    with broker.internals.store.transaction(write=False) as conn:
        row = conn.execute(_live_query(table).where(table.c.id == record_id)).first()
    return None if row is None else _record(row, table is deployments)

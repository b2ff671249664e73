"""Point look-ups by name: the ids of pacticipants, versions and environments, and single publication rows.

Each look-up is a small indexed query. The ``find_*`` functions answer None for what does not exist;
the others raise the `StorageError` the broker's callers show (an unknown name answers 404 over HTTP).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.published import CONSUMER, CONSUMER_VERSION, PROVIDER, PUBLISHED
from polycontract.broker._store.tables import deployments, environments, pact_contents, pacticipants, publications
from polycontract.broker._store.tables import versions as versions_t
from polycontract.errors import StorageError

__all__ = [
    "CREATE_FIRST",
    "content_provider",
    "current_deployment",
    "current_hash",
    "environment_id",
    "existing_version",
    "find_pacticipant_id",
    "find_version",
    "pacticipant_id",
    "publication",
    "publication_content",
]

#: What the not-found errors of a pacticipant or version advise.
CREATE_FIRST = "; publish a pact or create-version first"


def find_pacticipant_id(conn: Connection, name: str) -> int | None:
    """The id of pacticipant ``name``, or None when the broker does not know it."""
    found = conn.execute(select(pacticipants.c.id).where(pacticipants.c.name == name)).scalar()
    return None if found is None else int(found)


def pacticipant_id(conn: Connection, name: str, *, advice: str = "") -> int:
    """The id of pacticipant ``name``, or a `StorageError` (``advice`` ends its message)."""
    found = find_pacticipant_id(conn, name)
    if found is None:
        raise StorageError(f"pacticipant={name!r} is not known to the broker{advice}")
    return found


def find_version(conn: Connection, pacticipant: str, number: str) -> tuple[int, int] | None:
    """(pacticipant id, version id) of version ``number`` of ``pacticipant``, or None when either is unknown."""
    found = conn.execute(
        select(pacticipants.c.id, versions_t.c.id)
        .join(versions_t, versions_t.c.pacticipant_id == pacticipants.c.id)
        .where(pacticipants.c.name == pacticipant, versions_t.c.number == number)
    ).first()
    return None if found is None else (int(found[0]), int(found[1]))


def existing_version(conn: Connection, pacticipant: str, number: str) -> tuple[int, int]:
    """(pacticipant id, version id) of an existing version, or a `StorageError` saying how to create it."""
    owner = pacticipant_id(conn, pacticipant, advice=CREATE_FIRST)
    version_id = conn.execute(
        select(versions_t.c.id).where(versions_t.c.pacticipant_id == owner, versions_t.c.number == number)
    ).scalar()
    if version_id is None:
        raise StorageError(f"{pacticipant} version={number!r} is not known to the broker{CREATE_FIRST}")
    return owner, int(version_id)


def environment_id(conn: Connection, name: str) -> int:
    """The id of environment ``name``, or a `StorageError` listing the environments that exist."""
    found = conn.execute(select(environments.c.id).where(environments.c.name == name)).scalar()
    if found is None:
        known = conn.execute(select(environments.c.name).order_by(environments.c.display_order)).scalars().all()
        listed = ", ".join(known) or "none yet; create one with create-environment"
        raise StorageError(f"environment={name!r} does not exist (known environments: {listed})")
    return int(found)


def current_deployment(conn: Connection, pacticipant: int, environment: int, instance: str) -> tuple[int, str] | None:
    """(deployment id, version number) of what runs in that application instance, if anything."""
    found = conn.execute(
        select(deployments.c.id, versions_t.c.number)
        .join(versions_t, versions_t.c.id == deployments.c.version_id)
        .where(
            deployments.c.pacticipant_id == pacticipant,
            deployments.c.environment_id == environment,
            deployments.c.application_instance == instance,
            deployments.c.currently_deployed,
        )
    ).first()
    return None if found is None else (int(found[0]), str(found[1]))


def current_hash(conn: Connection, consumer: str, consumer_version: str, provider: str) -> str | None:
    """The content hash ``consumer`` ``consumer_version`` currently publishes for ``provider``."""
    query = _publication_of(consumer, consumer_version, provider, publications.c.content_hash)
    found = conn.execute(query.where(publications.c.is_current)).scalar()
    return None if found is None else str(found)


def content_provider(conn: Connection, content_hash: str) -> str | None:
    """The provider named by pact content ``content_hash``, or None when the broker does not hold it."""
    found = conn.execute(
        select(pacticipants.c.name)
        .join(pact_contents, pact_contents.c.provider_id == pacticipants.c.id)
        .where(pact_contents.c.content_hash == content_hash)
    ).scalar()
    return None if found is None else str(found)


def publication(
    conn: Connection, consumer: str, consumer_version: str, provider: str, revision: int | None
) -> tuple[str, str] | None:
    """(content hash, pact JSON) of a publication: the current one, or revision ``revision`` (1 = first)."""
    query = _publication_of(
        consumer, consumer_version, provider, publications.c.content_hash, pact_contents.c.content
    ).join(pact_contents, pact_contents.c.content_hash == publications.c.content_hash)
    query = query.where(publications.c.is_current if revision is None else publications.c.revision == revision)
    found = conn.execute(query).first()
    return None if found is None else (str(found[0]), str(found[1]))


def publication_content(
    conn: Connection, consumer: str, consumer_version: str, provider: str, revision: int | None
) -> str | None:
    """The pact JSON of a publication: the current one, or revision ``revision`` (1 = first) from history."""
    found = publication(conn, consumer, consumer_version, provider, revision)
    return None if found is None else found[1]


def _publication_of(consumer: str, consumer_version: str, provider: str, *columns: Any) -> Select[Any]:
    """``columns`` of the publications of ``consumer`` ``consumer_version`` for ``provider`` (every revision)."""
    return (
        select(*columns)
        .select_from(PUBLISHED)
        .where(CONSUMER.c.name == consumer, CONSUMER_VERSION.c.number == consumer_version, PROVIDER.c.name == provider)
    )

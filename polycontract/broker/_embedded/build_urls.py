"""Where things were built: a version's and a verification's ``buildUrl``, a pacticipant's ``repositoryUrl``.

The Pact Broker stores these links as given and shows them back (a version's ``buildUrl`` from
``pact broker publish --build-url`` / ``create-or-update-version``, a verification result's ``buildUrl`` from
``pact verifier --build-url``, a pacticipant's ``repositoryUrl`` from ``create-or-update-pacticipant
--repository-url``). Every helper runs inside the caller's transaction; None leaves a stored value as it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import pacticipants, versions

__all__ = ["set_repository_url", "set_version_build_url"]


def set_version_build_url(conn: Connection, pacticipant: str, number: str, build_url: str | None) -> None:
    """Record ``build_url`` on version ``number`` of ``pacticipant`` (which exists); None changes nothing."""
    if build_url is None:
        return
    owner = select(pacticipants.c.id).where(pacticipants.c.name == pacticipant).scalar_subquery()
    conn.execute(
        versions.update()
        .where(versions.c.pacticipant_id == owner, versions.c.number == number)
        .values(build_url=build_url)
    )


def set_repository_url(conn: Connection, pacticipant_id: int, repository_url: str | None) -> None:
    """Record ``repository_url`` on the pacticipant; None changes nothing."""
    if repository_url is not None:
        conn.execute(
            pacticipants.update().where(pacticipants.c.id == pacticipant_id).values(repository_url=repository_url)
        )

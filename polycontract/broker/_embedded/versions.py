"""The `Broker`'s version look-ups: the latest version of a pacticipant, optionally on one branch.

A mixin beside the core broker (`Broker` supplies ``_transaction``). "Latest" means the most
recently created version, as in the Pact Broker's ``--latest`` and ``--branch`` selectors; using
it in can-i-deploy races with concurrent publishes, so pipelines should prefer an explicit number.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import pacticipants, versions
from polycontract.errors import StorageError

__all__ = ["VersionQueries", "latest_version"]


def latest_version(conn: Connection, pacticipant: str, *, branch: str | None = None) -> str:
    """The number of the newest version of ``pacticipant`` (on ``branch``), or a `StorageError` saying why none."""
    pacticipant_id = conn.execute(select(pacticipants.c.id).where(pacticipants.c.name == pacticipant)).scalar()
    if pacticipant_id is None:
        raise StorageError(
            f"pacticipant={pacticipant!r} is not known to the broker; publish a pact or create-version first"
        )
    newest = select(func.max(versions.c.id)).where(versions.c.pacticipant_id == pacticipant_id)
    if branch is not None:
        newest = newest.where(versions.c.branch == branch)
    number = conn.execute(select(versions.c.number).where(versions.c.id == newest.scalar_subquery())).scalar()
    if number is None:
        where = f" on branch {branch!r}" if branch is not None else ""
        raise StorageError(
            f"{pacticipant} has no versions{where}; publish a pact or create-version"
            + (f" with --branch {branch}" if branch is not None else "")
            + " first"
        )
    return str(number)


class VersionQueries:
    """Look-ups of pacticipant versions by recency."""

    #: ``Broker._transaction``: a connection in a transaction (``write=False`` for reads).
    _transaction: Callable[..., AbstractContextManager[Connection]]

    def latest_version(self, pacticipant: str, *, branch: str | None = None) -> str:
        """The newest version number of ``pacticipant`` (on ``branch`` when given).

        Raises `StorageError` when the pacticipant is unknown or has no version (on that branch).
        """
        with self._transaction(write=False) as conn:
            return latest_version(conn, pacticipant, branch=branch)

    def pacticipants(self) -> tuple[str, ...]:
        """Every application's name, sorted (e.g. to tell a misspelt name from one without pacts)."""
        with self._transaction(write=False) as conn:
            return tuple(r[0] for r in conn.execute(select(pacticipants.c.name).order_by(pacticipants.c.name)))

    def has_version(self, pacticipant: str, version: str) -> bool:
        """Whether ``pacticipant`` has recorded ``version``."""
        query = (
            select(versions.c.id)
            .join(pacticipants, pacticipants.c.id == versions.c.pacticipant_id)
            .where(pacticipants.c.name == pacticipant, versions.c.number == version)
        )
        with self._transaction(write=False) as conn:
            return conn.execute(query).first() is not None

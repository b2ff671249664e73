"""The `Broker`'s pacticipants and their versions: create them, look them up, prune the old ones.

A collaborator of `Broker`: it works through the broker's `Store` and clock. "Latest" means the most
recently created version, as in the Pact Broker's ``--latest`` and ``--branch`` selectors; using
it in can-i-deploy races with concurrent publishes, so pipelines should prefer an explicit number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from polycontract.broker._embedded.build_urls import set_repository_url, set_version_build_url
from polycontract.broker._store import lookups as _lookups
from polycontract.broker._store.retention import prune
from polycontract.broker._store.session import Store
from polycontract.broker._store.tables import pacticipants, versions
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version
from polycontract.broker._values.checks import checked_display_name, checked_keep_latest, checked_url
from polycontract.broker._values.records import PruneReport
from polycontract.errors import StorageError

__all__ = ["Pacticipants", "latest_version"]


def latest_version(conn: Connection, pacticipant: str, *, branch: str | None = None) -> str:
    """The number of the newest version of ``pacticipant`` (on ``branch``), or a `StorageError` saying why none."""
    pacticipant_id = _lookups.pacticipant_id(conn, pacticipant, advice=_lookups.CREATE_FIRST)
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


class Pacticipants:
    """`Broker.create_pacticipant`, `create_version`, `latest_version`, `pacticipants`, `has_version` and `prune`."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def create_pacticipant(
        self,
        name: str,
        *,
        main_branch: str | None = None,
        repository_url: str | None = None,
        display_name: str | None = None,
    ) -> None:
        """Create ``name`` or update what is given of it (None leaves a stored value as it is)."""
        repository_url = checked_url(repository_url, "repository_url")
        checked_display_name(display_name)
        with self._store.transaction() as conn:
            pid = ensure_pacticipant(conn, name, self._clock())
            if main_branch is not None:
                conn.execute(pacticipants.update().where(pacticipants.c.id == pid).values(main_branch=main_branch))
            if display_name is not None:
                conn.execute(pacticipants.update().where(pacticipants.c.id == pid).values(display_name=display_name))
            set_repository_url(conn, pid, repository_url)

    def create_version(
        self,
        pacticipant: str,
        version: str,
        *,
        branch: str | None = None,
        tags: Sequence[str] = (),
        build_url: str | None = None,
    ) -> None:
        """Record ``version`` of ``pacticipant`` (idempotent), with its branch, tags and the CI build that made it."""
        build_url = checked_url(build_url, "build_url")
        with self._store.transaction() as conn:
            now = self._clock()
            ensure_version(
                conn, ensure_pacticipant(conn, pacticipant, now), version, now, branch=branch, tag_names=tuple(tags)
            )
            set_version_build_url(conn, pacticipant, version, build_url)

    def latest_version(self, pacticipant: str, *, branch: str | None = None) -> str:
        """The newest version number of ``pacticipant`` (on ``branch`` when given).

        Raises `StorageError` when the pacticipant is unknown or has no version (on that branch).
        """
        with self._store.transaction(write=False) as conn:
            return latest_version(conn, pacticipant, branch=branch)

    def pacticipants(self) -> tuple[str, ...]:
        """Every application's name, sorted (e.g. to tell a misspelt name from one without pacts)."""
        with self._store.transaction(write=False) as conn:
            return tuple(r[0] for r in conn.execute(select(pacticipants.c.name).order_by(pacticipants.c.name)))

    def has_version(self, pacticipant: str, version: str) -> bool:
        """Whether ``pacticipant`` has recorded ``version``."""
        with self._store.transaction(write=False) as conn:
            return _lookups.find_version(conn, pacticipant, version) is not None

    def prune(
        self, *, keep_latest: int = 20, older_than: timedelta = timedelta(days=90), dry_run: bool = False
    ) -> PruneReport:
        """Delete old versions and superseded verification results (see `polycontract.broker._store.retention`)."""
        checked_keep_latest(keep_latest)
        with self._store.transaction() as conn:
            return prune(conn, keep_latest=keep_latest, cutoff=self._clock() - older_than, dry_run=dry_run)

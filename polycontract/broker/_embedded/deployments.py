"""The environment side of `Broker`: environments, deployments, releases and what is live where.

A collaborator of `Broker`: it works through the broker's `Store` and clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from polycontract.broker._store import lookups as _lookups
from polycontract.broker._store import reads as _reads
from polycontract.broker._store.lookups import existing_version
from polycontract.broker._store.session import Store
from polycontract.broker._store.tables import deployments, environments, pacticipants, releases
from polycontract.broker._store.writes import insert_ignore, lock
from polycontract.broker._values.checks import checked_contacts, checked_environment_name
from polycontract.broker._values.records import Environment
from polycontract.errors import StorageError
from polycontract.matrix import LiveVersion

if TYPE_CHECKING:
    pass

__all__ = ["Deployments", "Environment"]


class Deployments:
    """`Broker.create_environment`, `environments`, `record_deployment`, `record_undeployment`, `record_release`,
    `record_support_ended` and `live`."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def create_environment(
        self,
        name: str,
        *,
        production: bool = False,
        display_name: str | None = None,
        contacts: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create (or update) environment ``name``; environments are ordered by creation (DEV → QA → PROD).

        ``contacts`` (the Pact Broker's: ``[{"name": "Team A", "details": {"emailAddress": …}}]``) replace the
        stored ones; None leaves them as they are.
        """
        checked_environment_name(name)
        stored = None if contacts is None else json.dumps(checked_contacts(contacts))
        with self._store.transaction() as conn:
            order = conn.execute(select(func.coalesce(func.max(environments.c.display_order), 0))).scalar_one() + 1
            values = {"name": name, "production": production, "display_order": order, "created_at": self._clock()}
            insert_ignore(conn, environments, {**values, "display_name": display_name, "contacts": stored})
            changes: dict[str, object] = {"production": production}
            if display_name is not None:
                changes["display_name"] = display_name
            if stored is not None:
                changes["contacts"] = stored
            conn.execute(environments.update().where(environments.c.name == name).values(**changes))

    def environments(self) -> tuple[Environment, ...]:
        """Every environment, in display order."""
        with self._store.transaction(write=False) as conn:
            found = conn.execute(select(environments).order_by(environments.c.display_order, environments.c.id))
            return tuple(
                Environment(
                    name=r.name,
                    display_name=r.display_name,
                    production=r.production,
                    order=r.display_order,
                    contacts=tuple(json.loads(r.contacts or "[]")),
                )
                for r in found
            )

    def record_deployment(
        self, pacticipant: str, version: str, environment: str, *, application_instance: str | None = None
    ) -> None:
        """``version`` is now deployed to ``environment``, replacing what that application instance ran before."""
        instance = application_instance or ""
        with self._store.transaction() as conn:
            pid, vid = existing_version(conn, pacticipant, version)
            env = _lookups.environment_id(conn, environment)
            lock(conn, pacticipants, pid)
            slot = (deployments.c.pacticipant_id == pid, deployments.c.environment_id == env)
            current = conn.execute(
                select(deployments.c.id, deployments.c.version_id).where(
                    *slot, deployments.c.application_instance == instance, deployments.c.currently_deployed
                )
            ).first()
            if current is not None and current.version_id == vid:
                return
            now = self._clock()
            if current is not None:
                conn.execute(
                    deployments.update()
                    .where(deployments.c.id == current.id)
                    .values(currently_deployed=False, undeployed_at=now)
                )
            conn.execute(
                deployments.insert().values(
                    pacticipant_id=pid,
                    version_id=vid,
                    environment_id=env,
                    application_instance=instance,
                    currently_deployed=True,
                    created_at=now,
                )
            )

    def record_undeployment(
        self, pacticipant: str, environment: str, *, application_instance: str | None = None
    ) -> str:
        """``pacticipant`` no longer runs in ``environment`` (that instance); returns the version it ran."""
        instance = application_instance or ""
        with self._store.transaction() as conn:
            pid = _lookups.pacticipant_id(conn, pacticipant)
            env = _lookups.environment_id(conn, environment)
            lock(conn, pacticipants, pid)
            found = _lookups.current_deployment(conn, pid, env, instance)
            if found is None:
                where = f" (application instance {application_instance})" if application_instance else ""
                raise StorageError(f"{pacticipant} is not currently deployed to {environment}{where}")
            conn.execute(
                deployments.update()
                .where(deployments.c.id == found[0])
                .values(currently_deployed=False, undeployed_at=self._clock())
            )
            return found[1]

    def record_release(self, pacticipant: str, version: str, environment: str) -> None:
        """``version`` is released to ``environment``; earlier releases stay supported until support ends."""
        with self._store.transaction() as conn:
            pid, vid = existing_version(conn, pacticipant, version)
            env = _lookups.environment_id(conn, environment)
            values = {"pacticipant_id": pid, "version_id": vid, "environment_id": env, "created_at": self._clock()}
            insert_ignore(conn, releases, {**values, "currently_supported": True})

    def record_support_ended(self, pacticipant: str, version: str, environment: str) -> None:
        """``version`` released to ``environment`` is no longer supported, so it no longer counts."""
        with self._store.transaction() as conn:
            _pid, vid = existing_version(conn, pacticipant, version)
            env = _lookups.environment_id(conn, environment)
            ended = conn.execute(
                releases.update()
                .where(releases.c.version_id == vid, releases.c.environment_id == env, releases.c.currently_supported)
                .values(currently_supported=False, support_ended_at=self._clock())
            )
            if ended.rowcount == 0:
                raise StorageError(f"{pacticipant} {version} is not currently released and supported in {environment}")

    def live(self, environment: str) -> tuple[LiveVersion, ...]:
        """Every version currently deployed (per instance) or released-and-supported in ``environment``."""
        with self._store.transaction(write=False) as conn:
            return tuple(lv for _, lv in _reads.live_in_environment(conn, environment))

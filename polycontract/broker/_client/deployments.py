"""The environments, deployments and releases of `HttpBroker`: the Pact Broker's environment routes.

A part of the client that uses only its ``_http`` transport. Environments
are addressed by the UUID the server lists for each name (remembered per client); deployed and
released versions by the ``self`` link the server gives them, which is PATCHed to end them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from polycontract.broker._client.codec import deployed_entries, embedded
from polycontract.broker._client.paths import seg, version_path
from polycontract.broker._values.checks import checked_contacts, checked_environment_name
from polycontract.errors import StorageError
from polycontract.matrix import LiveVersion

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport
    from polycontract.broker._values.records import Environment

__all__ = ["HttpDeployments"]


class HttpDeployments:
    """`create_environment`, `environments`, deployments, releases and `live` over HTTP."""

    _http: Transport
    _environment_ids: dict[str, str]

    def _environment_list(self) -> list[Mapping[str, Any]]:
        found = embedded(self._http.request("GET", "/environments"), "environments")
        self._environment_ids = {str(e["name"]): str(e["uuid"]) for e in found if "name" in e and "uuid" in e}
        return found

    def _environment_uuid(self, name: str) -> str:
        if name not in self._environment_ids:
            self._environment_list()
        if name not in self._environment_ids:
            listed = ", ".join(self._environment_ids) or "none yet; create one with create-environment"
            raise StorageError(f"environment={name!r} does not exist (known environments: {listed})")
        return self._environment_ids[name]

    def create_environment(
        self,
        name: str,
        *,
        production: bool = False,
        display_name: str | None = None,
        contacts: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create (``POST /environments``) or update (``PUT /environments/{uuid}``) environment ``name``."""
        checked_environment_name(name)
        listed = None if contacts is None else checked_contacts(contacts)
        existing = {str(e.get("name")): e for e in self._environment_list()}
        if name not in existing:
            body: dict[str, Any] = {"name": name, "production": production}
            if display_name is not None:
                body["displayName"] = display_name
            if listed is not None:
                body["contacts"] = listed
            try:
                self._http.request("POST", "/environments", json_body=body)
                return
            except StorageError:  # 409: created meanwhile; update it below
                existing = {str(e.get("name")): e for e in self._environment_list()}
                if name not in existing:
                    raise
        current = existing[name]
        shown = display_name if display_name is not None else current.get("displayName")
        same_contacts = listed is None or listed == current.get("contacts", [])
        if current.get("production") == production and current.get("displayName") == shown and same_contacts:
            return
        body = {"name": name, "production": production, "displayName": shown}
        if listed is not None:
            body["contacts"] = listed
        self._http.request("PUT", f"/environments/{seg(str(current['uuid']))}", json_body=body)

    def environments(self) -> tuple[Environment, ...]:
        """Every environment, in display order (``GET /environments``)."""
        from polycontract.broker._values.records import Environment

        out = []
        for index, item in enumerate(self._environment_list(), start=1):
            name = str(item.get("name", ""))
            shown = item.get("displayName")
            order = item.get("order")
            out.append(
                Environment(
                    name=name,
                    display_name=None if shown in (None, name) else str(shown),
                    production=bool(item.get("production", False)),
                    order=order if isinstance(order, int) else index,
                    contacts=tuple(c for c in item.get("contacts") or () if isinstance(c, Mapping)),
                )
            )
        return tuple(out)

    def record_deployment(
        self, pacticipant: str, version: str, environment: str, *, application_instance: str | None = None
    ) -> None:
        """``POST /pacticipants/{p}/versions/{v}/deployed-versions/environment/{uuid}``."""
        uid = self._environment_uuid(environment)
        body = {} if application_instance is None else {"applicationInstance": application_instance}
        path = f"{version_path(pacticipant, version)}/deployed-versions/environment/{seg(uid)}"
        self._http.request("POST", path, json_body=body)

    def record_undeployment(
        self, pacticipant: str, environment: str, *, application_instance: str | None = None
    ) -> str:
        """Find the current deployment, then ``PATCH`` it with ``currentlyDeployed: false``; returns its version."""
        uid = self._environment_uuid(environment)
        path = f"/environments/{seg(uid)}/deployed-versions/currently-deployed"
        found = deployed_entries(
            self._http.request("GET", path, params={"pacticipant": pacticipant}), "deployedVersions"
        )
        mine = [e for e in found if e[0] == pacticipant and e[2] == (application_instance or None)]
        if not mine or mine[-1][3] is None:
            where = f" (application instance {application_instance})" if application_instance else ""
            raise StorageError(f"{pacticipant} is not currently deployed to {environment}{where}")
        target = self._http.absolute(str(mine[-1][3]))
        self._http.request("PATCH", target, json_body={"currentlyDeployed": False}, idempotent=True)
        return mine[-1][1]

    def record_release(self, pacticipant: str, version: str, environment: str) -> None:
        """``POST /pacticipants/{p}/versions/{v}/released-versions/environment/{uuid}`` (idempotent)."""
        uid = self._environment_uuid(environment)
        path = f"{version_path(pacticipant, version)}/released-versions/environment/{seg(uid)}"
        self._http.request("POST", path, json_body={}, idempotent=True)

    def record_support_ended(self, pacticipant: str, version: str, environment: str) -> None:
        """Find the supported release, then ``PATCH`` it with ``currentlySupported: false``."""
        uid = self._environment_uuid(environment)
        path = f"/environments/{seg(uid)}/released-versions/currently-supported"
        answer = self._http.request("GET", path, params={"pacticipant": pacticipant, "version": version})
        found = [e for e in deployed_entries(answer, "releasedVersions") if e[:2] == (pacticipant, version)]
        if not found:
            raise StorageError(f"{pacticipant} {version} is not currently released and supported in {environment}")
        for entry in found:
            if entry[3] is not None:
                target = self._http.absolute(entry[3])
                self._http.request("PATCH", target, json_body={"currentlySupported": False}, idempotent=True)

    def live(self, environment: str) -> tuple[LiveVersion, ...]:
        """What is deployed (per instance) or released and supported in ``environment``."""
        uid = self._environment_uuid(environment)
        base = f"/environments/{seg(uid)}"
        deployed = deployed_entries(
            self._http.request("GET", f"{base}/deployed-versions/currently-deployed"), "deployedVersions"
        )
        released = deployed_entries(
            self._http.request("GET", f"{base}/released-versions/currently-supported"), "releasedVersions"
        )
        return tuple(
            LiveVersion(pacticipant=p, version=v, target=environment, kind="deployed", application_instance=i)
            for p, v, i, _ in deployed
        ) + tuple(LiveVersion(pacticipant=p, version=v, target=environment, kind="released") for p, v, _, _ in released)

"""The pacticipants and versions of `HttpBroker`: the Pact Broker's ``/pacticipants/…`` routes.

A part of the client that uses only its ``_http`` transport.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from polycontract.broker._client.codec import as_mapping, present
from polycontract.broker._client.paths import seg, version_path
from polycontract.broker._values.checks import checked_display_name, checked_url
from polycontract.errors import BrokerError

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport

__all__ = ["HttpPacticipants"]


class HttpPacticipants:
    """`create_pacticipant`, `create_version`, `latest_version`, `pacticipants` and `has_version` over HTTP."""

    _http: Transport

    def create_pacticipant(
        self,
        name: str,
        *,
        main_branch: str | None = None,
        repository_url: str | None = None,
        display_name: str | None = None,
    ) -> None:
        """Create ``name`` (or update it): ``PATCH /pacticipants/{name}``.

        PATCH, not PUT: the Pact Broker creates an unknown pacticipant on PATCH only (PUT answers 404).
        """
        checked_url(repository_url, "repository_url")
        checked_display_name(display_name)
        body = {"name": name, **present(mainBranch=main_branch, repositoryUrl=repository_url, displayName=display_name)}
        # Setting the same fields again changes nothing: safe to retry as the PUT it replaces was.
        self._http.request("PATCH", f"/pacticipants/{seg(name)}", json_body=body, idempotent=True)

    def create_version(
        self,
        pacticipant: str,
        version: str,
        *,
        branch: str | None = None,
        tags: Sequence[str] = (),
        build_url: str | None = None,
    ) -> None:
        """Record ``version`` (idempotent): ``PUT /pacticipants/{p}/versions/{v}`` with branch, tags, build URL."""
        checked_url(build_url, "build_url")
        body = present(branch=branch, buildUrl=build_url, tags=[{"name": t} for t in tags] or None)
        self._http.request("PUT", version_path(pacticipant, version), json_body=body)

    def latest_version(self, pacticipant: str, *, branch: str | None = None) -> str:
        """``GET /pacticipants/{p}/latest-version`` (``/branches/{b}/latest-version`` on a branch)."""
        where = "" if branch is None else f"/branches/{seg(branch)}"
        answer = as_mapping(
            self._http.request("GET", f"/pacticipants/{seg(pacticipant)}{where}/latest-version"), "a version"
        )
        if not isinstance(answer.get("number"), str):
            raise BrokerError("the broker's latest version has no number")
        return str(answer["number"])

    def pacticipants(self) -> tuple[str, ...]:
        """``GET /pacticipants``: every application's name, sorted."""
        answer = self._http.request("GET", "/pacticipants")
        found = answer.get("_embedded", {}).get("pacticipants") if isinstance(answer, Mapping) else None
        if not isinstance(found, list) or not all(isinstance(p, Mapping) and "name" in p for p in found):
            raise self._http.malformed("/pacticipants", "a list of pacticipants with names")
        return tuple(sorted(str(p["name"]) for p in found))

    def has_version(self, pacticipant: str, version: str) -> bool:
        """Whether ``pacticipant`` has ``version``: ``GET /pacticipants/{p}/versions/{v}`` (404: no)."""
        return self._http.request("GET", version_path(pacticipant, version), missing_ok=True) is not None

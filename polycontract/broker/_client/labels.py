"""The pacticipant label methods of `HttpBroker`: the server's ``/pacticipants/{p}/labels/{label}`` routes.

A part of the client that uses only its ``_http`` transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from polycontract.broker._client.paths import seg
from polycontract.broker._values.checks import checked_label

if TYPE_CHECKING:
    from polycontract.broker._client.transport import Transport

__all__ = ["HttpLabels"]


def _label_path(pacticipant: str, label: str) -> str:
    return f"/pacticipants/{seg(pacticipant)}/labels/{seg(label)}"


class HttpLabels:
    """`label_pacticipant`, `unlabel_pacticipant`, `pacticipant_labels` and `labelled_pacticipants` over HTTP."""

    _http: Transport

    def label_pacticipant(self, pacticipant: str, label: str) -> None:
        """``PUT /pacticipants/{p}/labels/{label}`` (the pacticipant is created when new)."""
        self._http.request("PUT", _label_path(pacticipant, checked_label(label)))

    def unlabel_pacticipant(self, pacticipant: str, label: str) -> None:
        """``DELETE /pacticipants/{p}/labels/{label}``; `StorageError` when it does not have it."""
        self._http.request("DELETE", _label_path(pacticipant, label))

    def pacticipant_labels(self, pacticipant: str) -> tuple[str, ...]:
        """The labels embedded in ``GET /pacticipants/{p}`` (none for an unknown pacticipant), sorted."""
        path = f"/pacticipants/{seg(pacticipant)}"
        answer = self._http.request("GET", path, missing_ok=True)
        if answer is None:
            return ()
        found = answer.get("_embedded", {}).get("labels", []) if isinstance(answer, Mapping) else None
        if not isinstance(found, list) or not all(isinstance(x, Mapping) and "name" in x for x in found):
            raise self._http.malformed(path, "a pacticipant with _embedded.labels")
        return tuple(sorted(str(x["name"]) for x in found))

    def labelled_pacticipants(self, label: str) -> tuple[str, ...]:
        """``GET /pacticipants/label/{label}``: the names of the pacticipants with ``label``, sorted."""
        path = f"/pacticipants/label/{seg(label)}"
        answer = self._http.request("GET", path)
        found = answer.get("_embedded", {}).get("pacticipants") if isinstance(answer, Mapping) else None
        if not isinstance(found, list) or not all(isinstance(p, Mapping) and "name" in p for p in found):
            raise self._http.malformed(path, "a list of pacticipants with names")
        return tuple(sorted(str(p["name"]) for p in found))

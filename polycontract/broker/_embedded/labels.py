"""Pacticipant labels, as the Pact Broker keeps them: free names on a pacticipant that group it with others.

Labels are added with ``PUT /pacticipants/{p}/labels/{label}`` (which creates the pacticipant when it is new),
shown in the pacticipant resource (``_embedded.labels``), listed by ``GET /pacticipants/label/{label}`` and
choose the consumers or providers of a webhook whose ``consumer``/``provider`` is ``{"label": …}`` (pact_broker
``lib/pact_broker/labels/service.rb``, ``lib/pact_broker/api/resources/label.rb``,
``lib/pact_broker/domain/webhook_pacticipant.rb``). `PacticipantLabels` is the `Broker` mixin; the helpers
run inside the caller's transaction.

An environment's ``contacts`` are checked here too (`checked_contacts`): like labels, annotations the Pact
Broker stores and shows back but never reasons about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import pacticipant_labels, pacticipants
from polycontract.broker._store.writes import ensure_pacticipant, insert_ignore
from polycontract.errors import StorageError, UsageError

__all__ = ["PacticipantLabels", "checked_contacts", "checked_label", "labels_of"]


def checked_label(label: str) -> str:
    """``label`` when it is a non-empty single-line name of at most 255 characters; a `UsageError` otherwise."""
    if not isinstance(label, str) or not label.strip() or "\n" in label or len(label) > 255:
        raise UsageError(f"label={label!r} must be a non-empty single-line name of at most 255 characters")
    return label


def checked_contacts(contacts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``contacts`` as stored: each ``{name, details?}`` with a non-empty single-line ``name`` and an object of
    ``details`` (pact_broker ``lib/pact_broker/api/contracts/environment_schema.rb``); a `UsageError` otherwise."""
    if isinstance(contacts, str | bytes | Mapping):
        raise UsageError(f"contacts={contacts!r} must be a list of {{name, details?}} objects")
    out = []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, Mapping):
            raise UsageError(f"contacts[{index}]={contact!r} must be an object {{name, details?}}")
        unknown = sorted(set(contact) - {"name", "details"})
        name, details = contact.get("name"), contact.get("details")
        if unknown:
            raise UsageError(f"contacts[{index}] has unknown members {unknown}; a contact is {{name, details?}}")
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise UsageError(f"contacts[{index}].name={name!r} must be a non-empty single-line name")
        if details is not None and not isinstance(details, Mapping):
            raise UsageError(f"contacts[{index}].details={details!r} must be an object")
        out.append({"name": name, **({} if details is None else {"details": dict(details)})})
    return out


def labels_of(conn: Connection, names: Iterable[str]) -> Mapping[str, frozenset[str]]:
    """Each of ``names`` -> its labels (an unknown or unlabelled pacticipant has none)."""
    wanted = sorted(set(names))
    found: dict[str, set[str]] = {name: set() for name in wanted}
    if wanted:
        rows = conn.execute(
            select(pacticipants.c.name, pacticipant_labels.c.name)
            .join(pacticipant_labels, pacticipant_labels.c.pacticipant_id == pacticipants.c.id)
            .where(pacticipants.c.name.in_(wanted))
        )
        for pacticipant, label in rows:
            found[pacticipant].add(label)
    return {name: frozenset(labels) for name, labels in found.items()}


class PacticipantLabels:
    """`Broker.label_pacticipant`, `unlabel_pacticipant`, `pacticipant_labels` and `labelled_pacticipants`."""

    _clock: Callable[[], datetime]

    #: ``Broker._transaction``: a connection in a transaction (``write=False`` for reads).
    _transaction: Callable[..., AbstractContextManager[Connection]]

    def label_pacticipant(self, pacticipant: str, label: str) -> None:
        """Give ``pacticipant`` the label ``label`` (idempotent; the pacticipant is created when new, as the
        Pact Broker's ``PUT /pacticipants/{p}/labels/{label}`` does).

        >>> # broker.label_pacticipant("billing", "payments")   # webhooks for {"label": "payments"} now fire for it
        """
        checked_label(label)
        with self._transaction() as conn:
            now = self._clock()
            pid = ensure_pacticipant(conn, pacticipant, now)
            insert_ignore(conn, pacticipant_labels, {"pacticipant_id": pid, "name": label, "created_at": now})

    def unlabel_pacticipant(self, pacticipant: str, label: str) -> None:
        """Take ``label`` off ``pacticipant``; `StorageError` when it does not have it."""
        with self._transaction() as conn:
            pid = conn.execute(select(pacticipants.c.id).where(pacticipants.c.name == pacticipant)).scalar()
            gone = conn.execute(
                pacticipant_labels.delete().where(
                    pacticipant_labels.c.pacticipant_id == pid, pacticipant_labels.c.name == label
                )
            )
            if pid is None or gone.rowcount == 0:
                raise StorageError(f"pacticipant={pacticipant!r} has no label {label!r}")

    def pacticipant_labels(self, pacticipant: str) -> tuple[str, ...]:
        """The labels of ``pacticipant``, sorted (none for an unknown pacticipant)."""
        with self._transaction(write=False) as conn:
            return tuple(sorted(labels_of(conn, [pacticipant])[pacticipant]))

    def labelled_pacticipants(self, label: str) -> tuple[str, ...]:
        """The names of every pacticipant with ``label``, sorted."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                select(pacticipants.c.name)
                .join(pacticipant_labels, pacticipant_labels.c.pacticipant_id == pacticipants.c.id)
                .where(pacticipant_labels.c.name == label)
                .order_by(pacticipants.c.name)
            )
            return tuple(r[0] for r in rows)

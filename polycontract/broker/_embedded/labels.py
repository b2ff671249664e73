"""Pacticipant labels, as the Pact Broker keeps them: free names on a pacticipant that group it with others.

Labels are added with ``PUT /pacticipants/{p}/labels/{label}`` (which creates the pacticipant when it is new),
shown in the pacticipant resource (``_embedded.labels``), listed by ``GET /pacticipants/label/{label}`` and
choose the consumers or providers of a webhook whose ``consumer``/``provider`` is ``{"label": …}`` (pact_broker
``lib/pact_broker/labels/service.rb``, ``lib/pact_broker/api/resources/label.rb``,
``lib/pact_broker/domain/webhook_pacticipant.rb``). `PacticipantLabels` is the `Broker`'s collaborator for them;
`labels_of` (in `polycontract.broker._store.labels`) reads them inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from polycontract.broker._store.labels import labels_of
from polycontract.broker._store.lookups import find_pacticipant_id
from polycontract.broker._store.session import Store
from polycontract.broker._store.tables import pacticipant_labels, pacticipants
from polycontract.broker._store.writes import ensure_pacticipant, insert_ignore
from polycontract.broker._values.checks import checked_label
from polycontract.errors import StorageError

__all__ = ["PacticipantLabels"]


class PacticipantLabels:
    """`Broker.label_pacticipant`, `unlabel_pacticipant`, `pacticipant_labels` and `labelled_pacticipants`."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def label_pacticipant(self, pacticipant: str, label: str) -> None:
        """Give ``pacticipant`` the label ``label`` (idempotent; the pacticipant is created when new, as the
        Pact Broker's ``PUT /pacticipants/{p}/labels/{label}`` does).

        >>> # broker.label_pacticipant("billing", "payments")   # webhooks for {"label": "payments"} now fire for it
        """
        checked_label(label)
        with self._store.transaction() as conn:
            now = self._clock()
            pid = ensure_pacticipant(conn, pacticipant, now)
            insert_ignore(conn, pacticipant_labels, {"pacticipant_id": pid, "name": label, "created_at": now})

    def unlabel_pacticipant(self, pacticipant: str, label: str) -> None:
        """Take ``label`` off ``pacticipant``; `StorageError` when it does not have it."""
        with self._store.transaction() as conn:
            pid = find_pacticipant_id(conn, pacticipant)
            gone = conn.execute(
                pacticipant_labels.delete().where(
                    pacticipant_labels.c.pacticipant_id == pid, pacticipant_labels.c.name == label
                )
            )
            if pid is None or gone.rowcount == 0:
                raise StorageError(f"pacticipant={pacticipant!r} has no label {label!r}")

    def pacticipant_labels(self, pacticipant: str) -> tuple[str, ...]:
        """The labels of ``pacticipant``, sorted (none for an unknown pacticipant)."""
        with self._store.transaction(write=False) as conn:
            return tuple(sorted(labels_of(conn, [pacticipant])[pacticipant]))

    def labelled_pacticipants(self, label: str) -> tuple[str, ...]:
        """The names of every pacticipant with ``label``, sorted."""
        with self._store.transaction(write=False) as conn:
            rows = conn.execute(
                select(pacticipants.c.name)
                .join(pacticipant_labels, pacticipant_labels.c.pacticipant_id == pacticipants.c.id)
                .where(pacticipant_labels.c.name == label)
                .order_by(pacticipants.c.name)
            )
            return tuple(r[0] for r in rows)

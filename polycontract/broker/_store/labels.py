"""Reading pacticipant labels inside the caller's transaction (webhook planning and the labels resources use it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import pacticipant_labels, pacticipants

__all__ = ["labels_of"]


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

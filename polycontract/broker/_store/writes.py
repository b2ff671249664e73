"""Write helpers shared by the broker's commands: get-or-create rows safely under concurrent writers.

Every helper runs inside the caller's transaction. Creation uses ``INSERT … ON CONFLICT DO
NOTHING`` followed by a read, so two writers creating the same pacticipant or version end with
one row; per-pacticipant changes (deployments, releases, publications) lock one parent row first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from polycontract.broker._store.lookups import find_pacticipant_id, pacticipant_id
from polycontract.broker._store.main_branch import maybe_set_main_branch
from polycontract.broker._store.tables import pacticipants, tags, versions
from polycontract.errors import StorageError

__all__ = ["ensure_pacticipant", "ensure_version", "insert_ignore", "lock"]


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Insert one row unless it would violate a unique constraint (then do nothing)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


def lock(conn: Connection, table: Table, row_id: int) -> None:
    """Serialise writers on one row (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite writers are serial already)."""
    conn.execute(select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True))


def ensure_pacticipant(conn: Connection, name: str, now: datetime) -> int:
    """The id of pacticipant ``name``, created when new."""
    if not name or not name.strip():
        raise StorageError(f"pacticipant={name!r} must be a non-empty name")
    found = find_pacticipant_id(conn, name)
    if found is None:
        insert_ignore(conn, pacticipants, {"name": name, "created_at": now})
        found = pacticipant_id(conn, name)
    return found


def ensure_version(
    conn: Connection, pacticipant_id: int, number: str, now: datetime, *, branch: str | None, tag_names: tuple[str, ...]
) -> int:
    """The id of version ``number``, created when new; ``branch`` is recorded and ``tag_names`` added.

    A main-branch-like ``branch`` also becomes the pacticipant's main branch when it has none
    (see `polycontract.broker._store.main_branch`).
    """
    if not number or not number.strip():
        raise StorageError(f"version={number!r} must be a non-empty version number")
    query = select(versions.c.id, versions.c.branch).where(
        versions.c.pacticipant_id == pacticipant_id, versions.c.number == number
    )
    found = conn.execute(query).first()
    if found is None:
        values = {"pacticipant_id": pacticipant_id, "number": number, "branch": branch, "created_at": now}
        insert_ignore(conn, versions, values)
        found = conn.execute(query).one()
    version_id = int(found[0])
    if branch is not None and found[1] != branch:
        conn.execute(versions.update().where(versions.c.id == version_id).values(branch=branch))
    maybe_set_main_branch(conn, pacticipant_id, branch)
    for tag in tag_names:
        insert_ignore(conn, tags, {"version_id": version_id, "name": tag})
    return version_id

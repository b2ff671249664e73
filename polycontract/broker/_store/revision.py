"""The database's data revision: a token every write transaction replaces just before it commits.

`bump` runs inside each write transaction (`polycontract.broker._store.session.Store.transaction`), so the token
changes atomically with the data: two reads that see the same token see the same data, on any number of
processes and servers sharing the database. Tokens are random rather than counted, so a database restored from a
backup, or emptied and written again, never repeats a token a process has already seen with other data.
`current` is None when the row is missing (a table emptied by hand): the caller then cannot tell, and recomputes.
"""

from __future__ import annotations

import sqlite3
import uuid

from sqlalchemy import String, text
from sqlalchemy.engine import Connection

__all__ = ["bump", "current", "current_sqlite"]

_BUMP = text(
    "INSERT INTO pc_revision (id, token) VALUES (1, :token) ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
_SELECT = "SELECT token FROM pc_revision WHERE id = 1"
_CURRENT = text(_SELECT).columns(token=String)


def bump(conn: Connection) -> None:
    """Give the data a new revision token (call last in a write transaction: PostgreSQL holds the row until commit)."""
    conn.execute(_BUMP, {"token": uuid.uuid4().hex})


def current(conn: Connection) -> str | None:
    """The data's revision token, or None when there is none to trust."""
    token = conn.execute(_CURRENT).scalar()
    return None if token is None else str(token)


def current_sqlite(connection: sqlite3.Connection) -> str | None:
    """`current` on a plain ``sqlite3`` connection in autocommit mode (the statement is its own snapshot)."""
    row = connection.execute(_SELECT).fetchone()
    return None if row is None or row[0] is None else str(row[0])

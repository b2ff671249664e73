"""The broker database's connections: transactions, one-statement reads, and database errors as `StorageError`.

A `Store` owns the engine and what a write needs around it: the writer engine (``BEGIN IMMEDIATE`` on
SQLite, the main branch candidates as an execution option) and the SQLite writer queue. Work that
must wait for a commit (waking the webhook dispatcher) registers an `AfterCommit` hook: the hook sees each
transaction's connection as the transaction ends, committed or not, and what it returns runs only
once the transaction committed. Every write transaction replaces the data's revision token last, before its
commit (`polycontract.broker._store.revision`), so `Store.revision_token` tells readers whether anything changed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from polycontract.broker._store import revision
from polycontract.broker._store.engine import WRITE, writer_queue
from polycontract.broker._store.main_branch import MAIN_BRANCH_CANDIDATES, candidates_option
from polycontract.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection

    from polycontract.broker._store.estate_index import EstateIndex

__all__ = ["AfterCommit", "Store", "counting_uses"]

#: Called with a transaction's connection as it ends (committed or not); what it returns runs after the commit.
AfterCommit = Callable[["Connection"], Callable[[], None]]


_USES: ContextVar[list[int] | None] = ContextVar("polycontract_store_uses", default=None)


@contextmanager
def counting_uses() -> Iterator[list[int]]:
    """Within the block, ``[n]``: how many transactions and one-statement reads this context has opened on any
    `Store` (revision token reads not included). Zero after computing something means it read no data."""
    seen = [0]
    reset = _USES.set(seen)
    try:
        yield seen
    finally:
        _USES.reset(reset)


def _count_use() -> None:
    seen = _USES.get()
    if seen is not None:
        seen[0] += 1


class Store:
    """The connections of one broker database (see the module docstring); `close` releases them."""

    def __init__(self, engine: Engine, *, auto_detect_main_branch: bool | Sequence[str] = True) -> None:
        self.engine = engine
        candidates = candidates_option(auto_detect_main_branch)
        #: The engine write transactions use (webhook deliveries log through it too).
        self.writer = engine.execution_options(**{WRITE: True, MAIN_BRANCH_CANDIDATES: candidates})
        self._queue = writer_queue(engine)
        #: One-statement reads need no transaction: on PostgreSQL that saves the BEGIN and COMMIT round trips.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT") if _autocommits(engine) else None
        self._after_commit: list[AfterCommit] = []
        #: An SQLite file's revision token is read on a connection of the reading thread's own, outside the pool.
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._sqlite_file = database if database and database != ":memory:" else None
        self._own = threading.local()
        self._own_connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._own_lock = threading.Lock()
        #: The in-memory snapshot can-i-deploy answers from while the data is unchanged (`EstateIndex`); None (the
        #: default) answers from SQL. The HTTP server that owns its broker sets one.
        self.estate_index: EstateIndex | None = None

    @property
    def inline_revision(self) -> bool:
        """Whether `revision_token` takes microseconds and never waits for a pooled connection (an SQLite file),
        so an event loop may call it itself."""
        return self._sqlite_file is not None

    def after_commit(self, hook: AfterCommit) -> None:
        """Give every later transaction ``hook`` (see `AfterCommit`)."""
        self._after_commit.append(hook)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """A connection in a transaction (``write=False`` for reads); SQLite writers queue for the write lock."""
        _count_use()
        queue = self._queue if write and self._queue is not None else nullcontext()
        try:
            with queue, (self.writer if write else self.engine).begin() as conn:
                try:
                    yield conn
                    if write:  # last, so PostgreSQL holds the revision row only while committing
                        revision.bump(conn)
                finally:
                    then = [hook(conn) for hook in self._after_commit]
        except DBAPIError as exc:
            raise _refused(exc) from None
        for action in then:  # only once the transaction committed
            action()

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A connection for reads that each stand alone (one statement sees one snapshot): autocommit where
        that saves round trips (PostgreSQL), else a read transaction."""
        if self._autocommit is None:
            with self.transaction(write=False) as conn:
                yield conn
            return
        _count_use()
        with self._autocommit_read() as conn:
            yield conn

    @contextmanager
    def _autocommit_read(self) -> Iterator[Connection]:
        assert self._autocommit is not None
        try:
            with self._autocommit.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise _refused(exc) from None

    def revision_token(self) -> str | None:
        """The data's revision token (`polycontract.broker._store.revision`); None when it cannot be read."""
        try:
            if self._sqlite_file is not None:  # one autocommit SELECT: atomic, and in WAL mode never blocked
                return revision.current_sqlite(self._own_sqlite())
            if self._autocommit is not None:  # not counted by `counting_uses`: the token is no data
                with self._autocommit_read() as conn:
                    return revision.current(conn)
            with self.engine.begin() as conn:
                return revision.current(conn)
        except Exception:  # no token to trust: the caller recomputes, and meets the error there if it persists
            return None

    def _own_sqlite(self) -> sqlite3.Connection:
        """This thread's own read connection to the SQLite file (made on first use, closed by `close`).

        Making one closes those of threads that have ended (worker pools retire idle threads), so a
        long-running server holds one connection per live thread, not one per thread it ever had.
        """
        own: sqlite3.Connection | None = getattr(self._own, "connection", None)
        if own is None:
            assert self._sqlite_file is not None
            own = sqlite3.connect(self._sqlite_file, timeout=1.0, isolation_level=None, check_same_thread=False)
            self._own.connection = own
            with self._own_lock:
                for thread, ended in [kept for kept in self._own_connections if not kept[0].is_alive()]:
                    ended.close()
                    self._own_connections.remove((thread, ended))
                self._own_connections.append((threading.current_thread(), own))
        return own

    def close(self) -> None:
        """Release the database connections and the writer queue's lock file."""
        self.engine.dispose()
        with self._own_lock:
            for _thread, own in self._own_connections:
                own.close()
            self._own_connections.clear()
        if self._queue is not None:
            self._queue.close()


def _autocommits(engine: Engine) -> bool:
    """Whether `Store.single_read` runs in autocommit on ``engine`` (PostgreSQL: each statement is atomic)."""
    return engine.dialect.name == "postgresql"


def _refused(exc: DBAPIError) -> StorageError:
    detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return StorageError(f"the broker database refused the request: {detail}")

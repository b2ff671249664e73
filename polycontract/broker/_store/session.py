"""The broker database's connections: transactions, one-statement reads, and database errors as `StorageError`.

A `Store` owns the engine and what a write needs around it: the writer engine (``BEGIN IMMEDIATE`` on
SQLite, the main branch candidates as an execution option) and the SQLite writer queue. Work that
must wait for a commit (waking the webhook dispatcher) registers an `AfterCommit` hook: the hook sees each
transaction's connection as the transaction ends, committed or not, and what it returns runs only
once the transaction committed. Every write transaction replaces the data's revision token last, before its
commit (`polycontract.broker._store.revision`), so `Store.revision_token` tells readers whether anything changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from polycontract.broker._store import revision
from polycontract.broker._store.engine import WRITE, writer_queue
from polycontract.broker._store.main_branch import MAIN_BRANCH_CANDIDATES, candidates_option
from polycontract.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection

__all__ = ["AfterCommit", "Store"]

#: Called with a transaction's connection as it ends (committed or not); what it returns runs after the commit.
AfterCommit = Callable[["Connection"], Callable[[], None]]


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

    def after_commit(self, hook: AfterCommit) -> None:
        """Give every later transaction ``hook`` (see `AfterCommit`)."""
        self._after_commit.append(hook)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """A connection in a transaction (``write=False`` for reads); SQLite writers queue for the write lock."""
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
        try:
            with self._autocommit.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise _refused(exc) from None

    def revision_token(self) -> str | None:
        """The data's revision token (`polycontract.broker._store.revision`); None when it cannot be read."""
        try:
            with self.single_read() as conn:
                return revision.current(conn)
        except Exception:  # no token to trust: the caller recomputes, and meets the error there if it persists
            return None

    def close(self) -> None:
        """Release the database connections and the writer queue's lock file."""
        self.engine.dispose()
        if self._queue is not None:
            self._queue.close()


def _autocommits(engine: Engine) -> bool:
    """Whether `Store.single_read` runs in autocommit on ``engine`` (PostgreSQL: each statement is atomic)."""
    return engine.dialect.name == "postgresql"


def _refused(exc: DBAPIError) -> StorageError:
    detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return StorageError(f"the broker database refused the request: {detail}")

"""A process's in-memory `EstateSnapshot`, used only while the database is still at the snapshot's revision.

The HTTP server answers first-time can-i-deploy questions from memory instead of one SQL statement each. `fresh`
reads the data's revision token (one indexed one-row read) and gives the snapshot only when it was built at that
very revision, so an answer from it is the answer SQL would give now; any write (through this process, another
worker or another server on the database) replaces the token, and the caller computes from SQL as before. Fail
closed: no token, no snapshot.

A stale snapshot is rebuilt on a background thread, one build at a time and, so that a busy stream of writes does
not keep a core busy rebuilding, no sooner after the last build than `REST_FACTOR` times that build's duration;
questions are answered from SQL meanwhile. `build_now` builds in the caller's thread (the server does so at start).
A built snapshot's objects are moved out of the cyclic garbage collector's sight (`gc.freeze`): they hold no
cycles (a replaced snapshot is freed by reference counting), and a full collection walking them would pause every
thread of the process for a tenth of a second at full scale.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

from polycontract.broker._store.estate_snapshot import EstateSnapshot, build

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["REST_FACTOR", "EstateIndex", "known_revision"]

_LOG = logging.getLogger("polycontract.broker.server")

#: After a build of d seconds, the next may start d x REST_FACTOR seconds after it ended.
REST_FACTOR = 4.0


_KNOWN: ContextVar[str | None] = ContextVar("polycontract_known_revision", default=None)


@contextmanager
def known_revision(token: str) -> Iterator[None]:
    """Within the block, `EstateIndex.fresh` takes the data's revision to be ``token``, which the caller has just
    read (and reads again after, keeping what was computed only when it held), instead of reading it each time:
    on PostgreSQL each read is a round trip."""
    reset = _KNOWN.set(token)
    try:
        yield
    finally:
        _KNOWN.reset(reset)


class _Store(Protocol):
    """What the index reads from `polycontract.broker._store.session.Store` (which holds the index)."""

    def revision_token(self) -> str | None: ...

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Connection]: ...


class EstateIndex:
    """The latest `EstateSnapshot` of ``store`` built by this process, and when to build the next."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self._snapshot: EstateSnapshot | None = None
        self._lock = threading.Lock()
        self._building = False
        self._next_build = 0.0
        #: Seconds the last successful build took (None before the first).
        self.last_build_seconds: float | None = None

    def fresh(self) -> EstateSnapshot | None:
        """The snapshot if the data is still at its revision (read now, or the one `known_revision` names); else
        None, and a background rebuild is started when one may be."""
        token = _KNOWN.get() or self._store.revision_token()
        if token is None:
            return None
        snapshot = self._snapshot
        if snapshot is not None and snapshot.token == token:
            return snapshot
        self._start_build()
        return None

    def build_now(self) -> EstateSnapshot | None:
        """Build a snapshot in this thread (None when the data changed while it was read, or has no revision)."""
        with self._lock:
            if self._building:
                return None
            self._building = True
        try:
            return self._build()
        finally:
            with self._lock:
                self._building = False

    def _start_build(self) -> None:
        with self._lock:
            if self._building or time.monotonic() < self._next_build:
                return
            self._building = True
        threading.Thread(target=self._build_in_background, name="polycontract-estate-index", daemon=True).start()

    def _build_in_background(self) -> None:
        try:
            self._build()
        except Exception as exc:  # the questions keep their SQL path; the next stale question tries again
            _LOG.warning("estate index build failed: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._building = False

    def _build(self) -> EstateSnapshot | None:
        started = time.monotonic()
        token = self._store.revision_token()
        if token is None:
            return None
        try:
            with self._store.transaction(write=False) as conn:
                snapshot = build(conn, token)
        finally:
            took = time.monotonic() - started
            self._next_build = time.monotonic() + took * REST_FACTOR
        if self._store.revision_token() != token:
            return None  # a write landed while reading: the reads may mix two states
        self._snapshot = snapshot
        self.last_build_seconds = took
        gc.freeze()  # the snapshot's objects hold no cycles: full collections need not walk them (~0.1 s pauses)
        return snapshot

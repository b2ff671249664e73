"""Engines for the broker's backends and the schema migration that runs on connect.

``sqlite:///path`` opens an embedded file in WAL mode (write transactions take the write lock up
front with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing) with the durability
`SQLITE_SYNCHRONOUS_ENV` names: ``normal`` by default (a commit survives the process crashing, not
always the machine losing power), ``full`` for ``broker serve`` (every commit is on disk before it
is acknowledged);
``postgresql://`` uses psycopg 3 (pooled connections checked without a round trip). Migrations run
with Alembic only when the database is not already at `SCHEMA_REVISION`, so an up-to-date broker
opens without importing Alembic.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError, ProgrammingError

from polycontract.broker._resolve import DEFAULT_URL, shown
from polycontract.broker._store.tables import SCHEMA_REVISION
from polycontract.errors import BrokerError, StorageError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: SQLite's own retries only
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_URL",
    "SQLITE_SYNCHRONOUS_ENV",
    "WRITE",
    "WriterQueue",
    "make_engine",
    "migrate",
    "writer_queue",
]

#: Execution option marking a write transaction (``BEGIN IMMEDIATE`` on SQLite).
WRITE = "polycontract_write"

#: Connections each process keeps: a server runs requests in a thread pool, and a connection opened beyond
#: the pool's size is closed again when returned, so a pool smaller than the usual concurrency reconnects often.
#: The most recently returned connection is handed out first, so a quiet server reuses the connections whose caches
#: are warm (SQLite keeps a page cache per connection) rather than rotating through all of them.
POOL = {"pool_size": 10, "max_overflow": 10, "pool_use_lifo": True}

#: Environment variable choosing SQLite's ``synchronous`` setting: normal (the default), full or extra.
SQLITE_SYNCHRONOUS_ENV = "POLYCONTRACT_BROKER_SQLITE_SYNCHRONOUS"
_SYNCHRONOUS = ("normal", "full", "extra")

#: How much of an SQLite broker file reads may map into memory (the full-scale benchmark estate is ~60 MB).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024

LOG = logging.getLogger("polycontract.broker.storage")
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x706F6C79  # advisory lock serialising concurrent migrations on one PostgreSQL database


def make_engine(url: str | None, *, create: bool = True) -> Engine:
    """An engine for ``url`` (default: the embedded SQLite file), or a `BrokerError` naming the problem.

    An SQLite file's folder must exist (only the default's ``.polycontract/`` is made), so a typo in a
    path is an error rather than a new, empty broker. ``create=False`` also refuses a file that does not
    exist yet: for callers that only read, an empty broker would answer "nothing here".
    """
    url = url or DEFAULT_URL
    if url.startswith(("http://", "https://")):
        raise BrokerError(
            f"broker={url!r} is a broker server, not a database: open it with polycontract.broker.connect(url)"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BrokerError(
            f"broker={shown(url)!r} is not a database URL (expected sqlite:///path or postgresql://…)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return _postgres_engine(parsed.set(drivername="postgresql+psycopg"), shown(url))
    if parsed.drivername == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            _check_sqlite_file(database, create=create, default=url == DEFAULT_URL)
        return _sqlite_engine(database)
    raise BrokerError(
        f"broker={shown(url)!r}: unsupported backend {parsed.drivername!r} (expected sqlite or postgresql)"
    )


def _check_sqlite_file(database: str, *, create: bool, default: bool) -> None:
    """Refuse a broker file whose folder is missing (except the default's) or, for readers, that is missing."""
    path = Path(database)
    where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
    if not create and not path.exists():
        why = "nothing names a broker and there is no embedded one here" if default else "no such file"
        raise BrokerError(
            f"there is no broker at {database}{where} ({why}): name the broker with --broker URL or"
            " POLYCONTRACT_BROKER (polycontract.broker.connect(url) in Python)"
        )
    if path.parent.is_dir():
        return
    if not default:
        raise BrokerError(
            f"the folder of the broker file {database}{where} does not exist: fix the path, or create the folder"
            " first (polycontract never creates it, so a typo cannot start an empty broker)"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrokerError(f"cannot create the folder for the broker file {database!r}: {exc.strerror}") from None


def _postgres_engine(url: URL, named: str) -> Engine:
    """A psycopg engine whose pool drops connections the server has closed, without a round trip.

    Statements are prepared server-side from their second use (psycopg's default waits for the sixth),
    as the broker repeats a small set of statements and the can-i-deploy one is costly to plan.
    SQLAlchemy's ``pool_pre_ping`` sends a query on every checkout, one more round trip per request.
    An idle connection has nothing to read unless the server has closed it (a restart, an idle
    timeout, ``pg_terminate_backend``: the socket then holds the error and end of file), so a
    zero-timeout poll of its socket finds dead connections for free; the pool replaces them.
    """
    try:
        engine = create_engine(url, connect_args={"prepare_threshold": 1}, **POOL)
    except ImportError:
        raise BrokerError(
            f"broker={named!r} needs the PostgreSQL driver psycopg, which is not"
            " installed: install polycontract with the postgres extra (polycontract[postgres])"
            " or pip install 'psycopg[binary]'"
        ) from None

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if _server_closed(dbapi_connection):
            raise DisconnectionError("the database closed this pooled connection")

    return engine


def _server_closed(dbapi_connection: Any) -> bool:
    """True when an idle psycopg connection is closed, broken or has unread input (the server hung up)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _sqlite_engine(database: str) -> Engine:
    synchronous = (os.environ.get(SQLITE_SYNCHRONOUS_ENV) or "normal").strip().lower()
    if synchronous not in _SYNCHRONOUS:
        raise BrokerError(
            f"{SQLITE_SYNCHRONOUS_ENV}={synchronous!r} is not one of {', '.join(_SYNCHRONOUS)}"
            " (full waits for the disk on every commit; normal may lose the last commits on power loss)"
        )
    pool = POOL if database and database != ":memory:" else {}  # an in-memory database is one connection
    engine = create_engine(f"sqlite:///{database}", connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            # Reads map the file instead of copying pages through read() (can-i-deploy's statement ~20 % faster);
            # writes still go through SQLite's usual file I/O.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def writer_queue(engine: Engine) -> WriterQueue | None:
    """What a write transaction holds around ``BEGIN IMMEDIATE … COMMIT`` so that writers queue, not poll.

    SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5, … up to 100 ms),
    so under concurrent writes most of a write's time is spent asleep after the lock was freed.
    For a database file, writers of one process queue on a lock and processes on an exclusive
    ``flock`` of ``<file>-writer.lock``, each woken as soon as the previous writer commits.
    Elsewhere (PostgreSQL, an in-memory database, no ``flock``) nothing is needed: None. SQLite's own
    lock still decides; this only wakes writers sooner (the lock file is left beside the database).
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        return None
    return WriterQueue(f"{database}-writer.lock")


class WriterQueue:
    """A lock for this process's writers plus an exclusive ``flock`` of a file for the processes (`writer_queue`)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._warned = False

    def __enter__(self) -> object:
        self._lock.acquire()
        try:
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as exc:
            # The queue only wakes writers sooner; SQLite's own lock (busy_timeout) still keeps writes
            # correct, so a lock file that cannot be made or locked slows writers down but loses nothing.
            # Failing would stop a working broker; staying silent would hide why it became slow: warn once.
            self._warn(exc)
        except BaseException:
            self._lock.release()
            raise
        self._depth += 1
        return self

    def _warn(self, exc: OSError) -> None:
        if not self._warned:
            self._warned = True
            LOG.warning(
                "broker writers cannot queue on the lock file %s (%s): concurrent writes fall back to"
                " SQLite's slower retries; make the broker file's folder writable to restore the queue",
                self._path,
                exc.strerror or exc,
            )

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Close the lock file (after the last write)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def migrate(engine: Engine) -> None:
    """Bring the database to `SCHEMA_REVISION`; a no-op (one query) when it is already there."""
    try:
        if _current_revision(engine) == SCHEMA_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with engine.execution_options(**{WRITE: True}).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise BrokerError(f"cannot open the broker database {engine.url!r}: {_first_line(exc)}") from None
    found = _current_revision(engine)
    if found != SCHEMA_REVISION:
        raise StorageError(
            f"the broker database is at schema revision {found!r}, this polycontract needs {SCHEMA_REVISION!r}"
        )


def _current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None for an empty database (one cheap query)."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                return None
            raise


def _missing_table(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "no such table" in message or "does not exist" in message


def _first_line(exc: BaseException) -> str:
    detail = getattr(exc, "orig", None) or exc
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__

"""Engines for the broker's backends and the schema migration that runs on connect.

``sqlite:///path`` opens an embedded file in WAL mode (write transactions take the write lock up
front with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing);
``postgresql://`` uses psycopg 3. Migrations run with Alembic only when the database is not
already at `SCHEMA_REVISION`, so an up-to-date broker opens without importing Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from polycontract.broker._schema import SCHEMA_REVISION
from polycontract.errors import BrokerError, StorageError

__all__ = ["DEFAULT_URL", "WRITE", "make_engine", "migrate"]

#: The embedded broker used when no URL is given.
DEFAULT_URL = "sqlite:///.polycontract/broker.db"

#: Execution option marking a write transaction (``BEGIN IMMEDIATE`` on SQLite).
WRITE = "polycontract_write"

_MIGRATIONS = Path(__file__).resolve().parent / "_migrations"
_PG_LOCK_KEY = 0x706F6C79  # advisory lock serialising concurrent migrations on one PostgreSQL database


def make_engine(url: str | None) -> Engine:
    """An engine for ``url`` (default: the embedded SQLite file), or a `BrokerError` naming the problem."""
    url = url or DEFAULT_URL
    if url.startswith(("http://", "https://")):
        raise BrokerError(
            f"broker={url!r} is a broker server, not a database: open it with polycontract.broker.connect(url)"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BrokerError(f"broker={url!r} is not a database URL (expected sqlite:///path or postgresql://…)") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
    if parsed.drivername == "sqlite":
        return _sqlite_engine(parsed.database or "")
    raise BrokerError(f"broker={url!r}: unsupported backend {parsed.drivername!r} (expected sqlite or postgresql)")


def _sqlite_engine(database: str) -> Engine:
    if database and database != ":memory:":
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BrokerError(f"cannot create the folder for the broker file {database!r}: {exc.strerror}") from None
    engine = create_engine(f"sqlite:///{database}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


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

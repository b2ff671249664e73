"""The shipped Alembic migrations build exactly the schema the query layer uses, safely under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine

from polycontract.broker import connect
from polycontract.broker._store.tables import SCHEMA_REVISION, metadata


def _engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def test_migrations_create_exactly_the_declared_schema(broker_url: str) -> None:
    connect(broker_url).close()
    engine = _engine(broker_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == SCHEMA_REVISION
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_many_first_connections_at_once_migrate_once(broker_url: str) -> None:
    def open_and_write(worker: int) -> None:
        with connect(broker_url) as broker:
            broker.create_version("auth", str(worker))

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(open_and_write, range(6)))
    with connect(broker_url) as broker:
        broker.create_environment("prod")
        for worker in range(6):
            broker.record_deployment("auth", str(worker), "prod", application_instance=str(worker))
        assert len(broker.live("prod")) == 6

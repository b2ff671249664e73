"""Broker fixtures: every storage test runs against an embedded SQLite file and against PostgreSQL.

PostgreSQL tests read ``POLYCONTRACT_TEST_POSTGRES_URL`` and skip when it is unset; each test gets
its own schema (``pc_test_<random>``), dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from polycontract.broker import Broker, connect
from polycontract.model import HttpInteraction, Pact, Request, Response

POSTGRES_ENV = "POLYCONTRACT_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def broker_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty broker database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('broker') / 'broker.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    import psycopg

    schema = f"pc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def ticking_clock() -> Callable[[], datetime]:
    """A clock that advances one second per call, so "latest" is never a tie."""
    counter = itertools.count()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(counter))


@pytest.fixture
def broker(broker_url: str) -> Iterator[Broker]:
    """A connected broker with DEV, QA and PROD environments."""
    with connect(broker_url, clock=ticking_clock()) as b:
        b.create_environment("dev")
        b.create_environment("qa")
        b.create_environment("prod", production=True)
        yield b


PactMaker = Callable[..., Pact]


@pytest.fixture
def make_pact() -> PactMaker:
    """Builds a pact asking ``provider`` for ``GET path`` -> 200 for each path."""
    return _make_pact


def _make_pact(consumer: str, provider: str, *paths: str) -> Pact:
    interactions = tuple(
        HttpInteraction(description=f"get {p}", request=Request(method="GET", path=p), response=Response(status=200))
        for p in paths
    )
    return Pact(consumer=consumer, provider=provider, interactions=interactions)

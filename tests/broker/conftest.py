"""Broker fixtures: every storage test runs against an embedded SQLite file and against PostgreSQL.

PostgreSQL tests read ``POLYCONTRACT_TEST_POSTGRES_URL`` and skip when it is unset; each test gets
its own schema (``pc_test_<random>``), dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from polycontract.broker import Broker, connect
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import ticking_clock
from tests.broker.pact_cli import Estate, open_estate

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


@pytest.fixture
def broker(broker_url: str) -> Iterator[Broker]:
    """A connected broker with DEV, QA and PROD environments."""
    with connect(broker_url, clock=ticking_clock()) as b:
        b.create_environment("dev")
        b.create_environment("qa")
        b.create_environment("prod", production=True)
        yield b


PactMaker = Callable[..., PactDocument]


@pytest.fixture
def make_pact() -> PactMaker:
    """Builds a pact asking ``provider`` for ``GET path`` -> 200 for each path."""
    return _make_pact


def _make_pact(consumer: str, provider: str, *paths: str) -> PactDocument:
    interactions = tuple(
        HttpInteraction(description=f"get {p}", request=Request(method="GET", path=p), response=Response(status=200))
        for p in paths
    )
    return PactDocument(consumer=consumer, provider=provider, interactions=interactions)


@pytest.fixture
def estate(broker_url: str, tmp_path: Path) -> Iterator[Estate]:
    """For the Pact CLI tests: an empty broker served over HTTP, the ``users`` provider, and a folder holding
    web's pact for users (`tests.broker.pact_cli`)."""
    pytest.importorskip("uvicorn")
    with connect(broker_url) as broker, open_estate(broker, tmp_path) as opened:
        yield opened

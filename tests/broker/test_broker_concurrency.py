"""Concurrent writers (threads and processes) lose and duplicate nothing, on every backend."""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from polycontract.broker import connect
from polycontract.model import HttpInteraction, PactDocument, Request

WORKERS = 6
ROUNDS = 8


def _pact(path: str) -> PactDocument:
    return PactDocument(
        consumer="web", provider="auth", interactions=(HttpInteraction(description=path, request=Request(path=path)),)
    )


def _writer(url: str, worker: int) -> None:
    """Publish, verify and deploy: some rows are shared by every worker, others are the worker's own."""
    with connect(url) as broker:
        for i in range(ROUNDS):
            broker.publish_pact(_pact("/shared"), consumer_version="shared")
            broker.publish_pact(_pact(f"/{i % 3}"), consumer_version=f"{worker}.{i}", tags=["ci"])
            broker.publish_verification(
                provider="auth",
                provider_version=f"{worker}.{i}",
                consumer="web",
                consumer_version="shared",
                success=True,
            )
            broker.record_deployment("auth", f"{worker}.{i}", "prod", application_instance=f"w{worker}")
            broker.record_deployment("auth", f"{worker}.{i}", "prod", application_instance="shared")


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    queries = {
        "pacticipants": "SELECT count(*) FROM pc_pacticipants",
        "versions": "SELECT count(*) FROM pc_versions",
        "contents": "SELECT count(*) FROM pc_pact_contents",
        "publications": "SELECT count(*) FROM pc_publications",
        "verifications": "SELECT count(*) FROM pc_verifications",
        "current_deployments": "SELECT count(*) FROM pc_deployments WHERE currently_deployed",
        "own_deployments": "SELECT count(*) FROM pc_deployments WHERE application_instance <> 'shared'",
    }
    with engine.connect() as conn:
        found = {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in queries.items()}
    engine.dispose()
    return found


def _expected() -> dict[str, int]:
    return {
        "pacticipants": 2,
        "versions": 1 + 2 * WORKERS * ROUNDS,  # web "shared" + web w.i + auth w.i
        "contents": 4,  # /shared, /0, /1, /2
        "publications": 1 + WORKERS * ROUNDS,
        "verifications": WORKERS * ROUNDS,
        "current_deployments": WORKERS + 1,  # one per own instance plus the shared instance
        "own_deployments": WORKERS * ROUNDS,
    }


@pytest.fixture
def prepared(broker_url: str) -> str:
    with connect(broker_url) as broker:
        broker.create_environment("prod")
    return broker_url


def test_concurrent_threads_lose_and_duplicate_nothing(prepared: str) -> None:
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda w: _writer(prepared, w), range(WORKERS)))
    assert _counts(prepared) == _expected()


def test_concurrent_processes_lose_and_duplicate_nothing(prepared: str) -> None:
    # fork starts workers in milliseconds; spawn (elsewhere) re-imports the test module in each one
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else multiprocessing.get_context("spawn")
    processes = [context.Process(target=_writer, args=(prepared, w)) for w in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WORKERS
    assert _counts(prepared) == _expected()

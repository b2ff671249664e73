"""Faults under load on PostgreSQL: two ``broker serve`` processes on one database, and a server killed mid-load.

Every server runs as a subprocess on 127.0.0.1 (``--port 0``; the port is read from uvicorn's line)
in its own process group, which is killed on the way out whatever happens. Every client loop is
bounded in calls and in time. The database is counted directly, not through the servers.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from polycontract.broker._client.http_broker import HttpBroker
from polycontract.model import HttpInteraction, PactDocument, Request, Response

pytest.importorskip("uvicorn")

POSTGRES_ENV = "POLYCONTRACT_TEST_POSTGRES_URL"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema, dropped afterwards (skips when the URL is unset)."""
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


# -- servers -------------------------------------------------------------------------------------


@dataclass
class Served:
    """A running ``broker serve`` subprocess and its base URL."""

    process: subprocess.Popen[bytes]
    url: str


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[[str], Served]]:
    """Starts servers on demand; every one is killed (its whole process group) at teardown."""
    started: list[subprocess.Popen[bytes]] = []

    def start(db_url: str) -> Served:
        log = tmp_path / f"serve-{len(started)}.log"
        command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", db_url]
        command += ["--host", "127.0.0.1", "--port", "0", "--log-level", "info"]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            if found and _healthy(found.group(1)):
                return Served(process, found.group(1))
            time.sleep(0.05)
        raise AssertionError("the server did not start:\n" + log.read_text(errors="replace"))

    try:
        yield start
    finally:
        for process in started:
            _kill(process)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    process.wait(timeout=30)


# -- load ----------------------------------------------------------------------------------------


def _pact(consumer: str) -> PactDocument:
    interactions = tuple(
        HttpInteraction(description=f"get {p}", request=Request(method="GET", path=p), response=Response(status=200))
        for p in ("/items", "/items/1")
    )
    return PactDocument(consumer=consumer, provider="api", interactions=interactions)


@dataclass
class Acked:
    """Writes one client thread saw acknowledged, and calls that failed (they may or may not have landed)."""

    publishes: list[str] = field(default_factory=list)
    verifications: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)


def _client(urls: list[str], name: str, acked: Acked, *, calls: int, seconds: float, stop: threading.Event) -> None:
    """Publish a version and verify it, alternating across ``urls``; at most ``calls`` rounds and ``seconds``."""
    brokers = [HttpBroker(url, retries=0, timeout=10.0) for url in urls]
    deadline = time.monotonic() + seconds
    try:
        for n in range(calls):
            if stop.is_set() or time.monotonic() >= deadline:
                return
            broker = brokers[n % len(brokers)]
            version = f"{name}.{n}"
            try:
                broker.publish_pact(_pact("web"), consumer_version=version, branch="main")
                acked.publishes.append(version)
                broker.publish_verification(
                    provider="api",
                    provider_version=f"api-{name}.{n}",
                    consumer="web",
                    consumer_version=version,
                    success=True,
                )
                acked.verifications += 1
            except Exception as error:  # counted; a killed server makes every later call fail
                acked.failures += 1
                acked.errors.append(f"{type(error).__name__}: {error}"[:300])
                if stop.is_set() or acked.failures >= 3:
                    return
    finally:
        for broker in brokers:
            broker.close()


def _start_clients(
    urls: list[str], tallies: list[Acked], *, calls: int, seconds: float, stop: threading.Event
) -> list[threading.Thread]:
    """One started `_client` thread per tally (thread ``i`` publishes versions ``t<i>.<n>``)."""
    bounds = {"calls": calls, "seconds": seconds, "stop": stop}
    workers = [
        threading.Thread(target=_client, args=(urls, f"t{i}", tally), kwargs=bounds, daemon=True)
        for i, tally in enumerate(tallies)
    ]
    for worker in workers:
        worker.start()
    return workers


def _join(workers: list[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(w.is_alive() for w in workers), "a client thread did not finish in time"


def _count(db_url: str, sql: str) -> int:
    import psycopg

    base, _, query = db_url.partition("?")
    options = query.removeprefix("options=")
    from urllib.parse import unquote

    with psycopg.connect(base, options=unquote(options)) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _setup(url: str, *, seed: bool) -> None:
    """Create ``prod``; with ``seed``, also a verified ``web seed`` pact and ``api-seed`` deployed to ``prod``."""
    with HttpBroker(url, retries=0) as broker:
        broker.create_environment("prod", production=True)
        if not seed:
            return
        broker.publish_pact(_pact("web"), consumer_version="seed", branch="main")
        broker.publish_verification(
            provider="api", provider_version="api-seed", consumer="web", consumer_version="seed", success=True
        )
        broker.record_deployment("api", "api-seed", "prod")


# -- tests ---------------------------------------------------------------------------------------


def test_two_servers_on_one_postgres_database_lose_no_concurrent_write_and_answer_alike(
    pg_url: str, servers: Callable[[str], Served]
) -> None:
    first = servers(pg_url)
    second = servers(pg_url)  # started after the first has migrated: it finds the schema current
    _setup(first.url, seed=False)  # the threads race to create the pacticipants web and api
    tallies = [Acked() for _ in range(6)]
    _join(_start_clients([first.url, second.url], tallies, calls=12, seconds=15, stop=threading.Event()), 45)

    assert [e for t in tallies for e in t.errors] == []
    published = [v for t in tallies for v in t.publishes]
    assert len(published) == sum(t.verifications for t in tallies) == 6 * 12
    assert _count(pg_url, "SELECT count(*) FROM pc_publications") == len(published)
    assert _count(pg_url, "SELECT count(*) FROM pc_verifications") == len(published)
    assert _count(pg_url, "SELECT count(*) FROM pc_pacticipants") == 2
    with HttpBroker(first.url, retries=0) as a, HttpBroker(second.url, retries=0) as b:
        a.record_deployment("api", "api-t0.0", "prod")
        for version in published[::5]:
            left = a.can_i_deploy("web", version, to_environment="prod")
            right = b.can_i_deploy("web", version, to_environment="prod")
            assert left.ok is True
            assert (left.ok, left.reasons, left.rows) == (right.ok, right.reasons, right.rows)
            assert a.pact("web", version, "api") == b.pact("web", version, "api") == _pact("web")
        assert a.latest_version("web", branch="main") == b.latest_version("web", branch="main")


def test_a_server_killed_with_sigkill_mid_load_restarts_with_every_acknowledged_write_and_nothing_half_written(
    pg_url: str, servers: Callable[[str], Served]
) -> None:
    victim = servers(pg_url)
    _setup(victim.url, seed=True)
    stop = threading.Event()
    tallies = [Acked() for _ in range(4)]
    workers = _start_clients([victim.url], tallies, calls=300, seconds=15, stop=stop)
    try:
        deadline = time.monotonic() + 10
        while sum(len(t.publishes) for t in tallies) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        _kill(victim.process)  # SIGKILL to the whole process group, requests in flight
        _join(workers, 30)  # each client stops after its third failed call
    finally:
        stop.set()
        _kill(victim.process)
        _join(workers, 30)
    published = [v for t in tallies for v in t.publishes]
    verified = sum(t.verifications for t in tallies)
    failed = sum(t.failures for t in tallies)
    assert len(published) >= 40 and failed, (
        "the kill must land mid-load (writes acknowledged before it, failures after)"
    )

    restarted = servers(pg_url)
    publications = _count(pg_url, "SELECT count(*) FROM pc_publications") - 1
    verifications = _count(pg_url, "SELECT count(*) FROM pc_verifications") - 1
    assert len(published) <= publications <= len(published) + failed
    assert verified <= verifications <= verified + failed
    half_written = {
        "publication without content": "SELECT count(*) FROM pc_publications p LEFT JOIN pc_pact_contents c"
        " ON c.content_hash = p.content_hash WHERE c.content_hash IS NULL",
        "publication without version": "SELECT count(*) FROM pc_publications p LEFT JOIN pc_versions v"
        " ON v.id = p.consumer_version_id WHERE v.id IS NULL",
        "version without its pact": "SELECT count(*) FROM pc_versions v WHERE v.number LIKE 't%' AND NOT EXISTS"
        " (SELECT 1 FROM pc_publications p WHERE p.consumer_version_id = v.id)",
        "verification without content": "SELECT count(*) FROM pc_verifications x LEFT JOIN pc_pact_contents c"
        " ON c.content_hash = x.content_hash WHERE c.content_hash IS NULL",
        "verification without provider version": "SELECT count(*) FROM pc_verifications x LEFT JOIN pc_versions v"
        " ON v.id = x.provider_version_id WHERE v.id IS NULL",
        "pact version with no or several current revisions": "SELECT count(*) FROM (SELECT consumer_version_id,"
        " provider_id FROM pc_publications GROUP BY 1, 2 HAVING sum(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1) s",
    }
    assert {name: _count(pg_url, sql) for name, sql in half_written.items()} == dict.fromkeys(half_written, 0)
    with HttpBroker(restarted.url, retries=0) as broker:
        for version in published:
            assert broker.pact("web", version, "api") == _pact("web")
        assert broker.can_i_deploy("web", published[-1], to_environment="prod").ok is not None
        broker.publish_pact(_pact("web"), consumer_version="after-restart", branch="main")
        assert broker.latest_version("web", branch="main") == "after-restart"

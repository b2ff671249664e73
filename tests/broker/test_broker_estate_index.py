"""The served broker's in-memory estate snapshot: the same can-i-deploy answers as SQL, and never a stale one.

A server that owns its broker answers can-i-deploy to an environment from an `EstateSnapshot` while the database is
at the snapshot's revision; any write (through this broker, another worker's, or another server's) makes it answer
from SQL until the snapshot is rebuilt.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from polycontract.broker._store.estate_index import EstateIndex
from polycontract.broker._store.session import counting_uses
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import ticking_clock
from tests.broker.test_broker_estate_query import SERVICES, _random_estate

pytest.importorskip("starlette")

CAN_I_DEPLOY = "/can-i-deploy?pacticipant=web&version=1.0.0&environment=prod"
MATRIX = "/matrix?q[][pacticipant]=web&q[][version]=1.0.0&latestby=cvp&environment=prod"


class Api:
    """An app over ``broker`` behind an in-process transport, counting the statements that read verifications."""

    def __init__(self, broker: Broker, *, index_estate: bool) -> None:
        self.app = create_app(broker, index_estate=index_estate)
        self.estate_reads = 0

        @event.listens_for(broker.internals.store.engine, "before_cursor_execute")
        def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "pc_verifications" in statement:
                self.estate_reads += 1

    def get_all(self, paths: list[str]) -> list[httpx.Response]:
        async def send() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://broker.test") as client:
                return [await client.get(p, headers={"Accept": "application/hal+json"}) for p in paths]

        return asyncio.run(send())

    def get(self, path: str) -> httpx.Response:
        return self.get_all([path])[0]


def _index(broker: Broker) -> EstateIndex:
    index = broker.internals.store.estate_index
    assert index is not None
    return index


def _questions() -> list[str]:
    found = []
    for name in [*SERVICES, "ghost"]:
        for version in [f"{major}.{minor}" for major in range(7) for minor in range(3)]:
            for environment in ("prod", "dev"):
                found.append(f"/can-i-deploy?pacticipant={name}&version={version}&environment={environment}")
                found.append(
                    f"/matrix?q[][pacticipant]={name}&q[][version]={version}&latestby=cvp&environment={environment}"
                )
    return found


def _failed_run(content_hash: str) -> dict[str, Any]:
    mismatch = {"attribute": "body", "identifier": "$.body.id", "description": "was missing", "expected": 1}
    return {
        "consumer": "web",
        "consumer_version": "1.0.0",
        "consumer_versions": ["1.0.0"],
        "content_hash": content_hash,
        "success": False,
        "pending": False,
        "test_results": [
            {"interactionId": "k1", "interactionDescription": "get", "success": False, "mismatches": [mismatch]}
        ],
    }


def test_answers_from_the_snapshot_are_the_bytes_sql_answers_give(broker: Broker, make_pact: PactMaker) -> None:
    for seed in range(2):
        _random_estate(broker, make_pact, seed)
        broker.internals.store.estate_index = None
        questions = _questions()
        from_sql = Api(broker, index_estate=False).get_all(questions)
        indexed = Api(broker, index_estate=True)
        assert _index(broker).build_now() is not None
        reads = indexed.estate_reads
        from_memory = indexed.get_all(questions)
        assert indexed.estate_reads == reads  # every answer came from the snapshot
        assert [r.status_code for r in from_memory] == [r.status_code for r in from_sql]
        assert {r.status_code for r in from_memory} == {200}
        for question, expected, found in zip(questions, from_sql, from_memory, strict=True):
            assert found.content == expected.content, question


def test_failures_of_a_failed_verification_are_shown_from_the_snapshot(broker: Broker, make_pact: PactMaker) -> None:
    published = broker.publish_pact(make_pact("web", "api", "/items"), consumer_version="1.0.0")
    broker.create_version("api", "2.0.0")
    broker.record_deployment("api", "2.0.0", "prod")
    broker.publish_verification_results(
        provider="api", provider_version="2.0.0", results=[_failed_run(published.content_hash)]
    )
    expected = Api(broker, index_estate=False).get(MATRIX)
    indexed = Api(broker, index_estate=True)
    assert _index(broker).build_now() is not None
    reads = indexed.estate_reads
    found = indexed.get(MATRIX)
    assert indexed.estate_reads == reads
    assert found.content == expected.content
    assert found.json()["summary"]["deployable"] is False
    assert "$.body.id" in found.text


def test_a_write_through_another_broker_makes_the_next_answer_come_from_sql_until_rebuilt(
    broker: Broker, broker_url: str, make_pact: PactMaker
) -> None:
    broker.publish_pact(make_pact("web", "api", "/items"), consumer_version="1.0.0")
    broker.create_version("api", "2.0.0")
    broker.record_deployment("api", "2.0.0", "prod")
    api = Api(broker, index_estate=True)
    index = _index(broker)
    assert index.build_now() is not None
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is None
    with connect(broker_url, clock=ticking_clock()) as other:  # another worker's broker on the same database
        content = other.matrix("web", version="1.0.0")[0].content_hash
        other.publish_verification(provider="api", provider_version="2.0.0", content_hash=content, success=True)
    assert index.fresh() is None  # stale: not used, and a rebuild starts in the background
    assert api.get(MATRIX).json()["summary"]["deployable"] is True
    deadline = time.monotonic() + 30
    while index.fresh() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert index.fresh() is not None
    rebuilt = Api(broker, index_estate=True)
    reads = rebuilt.estate_reads
    assert rebuilt.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is True
    assert rebuilt.estate_reads == reads


def test_without_a_revision_the_snapshot_is_never_used(broker: Broker, make_pact: PactMaker) -> None:
    broker.publish_pact(make_pact("web", "api", "/items"), consumer_version="1.0.0")
    api = Api(broker, index_estate=True)
    index = _index(broker)
    assert index.build_now() is not None
    store = broker.internals.store
    with store.engine.begin() as conn:  # a table emptied by hand: nothing tells whether the data changed
        conn.execute(text("DELETE FROM pc_revision"))
    assert index.fresh() is None and index.build_now() is None
    reads = api.estate_reads
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is None
    assert api.estate_reads > reads


def test_an_answer_from_the_snapshot_reads_no_data_and_one_from_sql_does(broker: Broker, make_pact: PactMaker) -> None:
    broker.publish_pact(make_pact("web", "api", "/items"), consumer_version="1.0.0")
    with counting_uses() as uses:
        from_sql = broker.can_i_deploy("web", "1.0.0", to_environment="prod")
    assert uses[0] > 0
    store = broker.internals.store
    store.estate_index = EstateIndex(store)
    assert store.estate_index.build_now() is not None
    with counting_uses() as uses:
        from_memory = broker.can_i_deploy("web", "1.0.0", to_environment="prod")
    assert uses[0] == 0
    assert from_memory == from_sql


def test_unknown_environments_and_schema_subjects_leave_the_question_to_sql(
    broker: Broker, make_pact: PactMaker
) -> None:
    broker.publish_pact(make_pact("web", "api", "/a"), consumer_version="1", branch="main")
    index = EstateIndex(broker.internals.store)
    snapshot = index.build_now()
    assert snapshot is not None
    assert snapshot.question("web", "1", "staging") is None
    assert snapshot.question("web", "1", "prod") is not None
    broker.publish_schema("api", "1", subject="orders", kind="jsonschema", schema={"type": "object"})
    rebuilt = index.build_now()
    assert rebuilt is not None and rebuilt.question("web", "1", "prod") is None


# -- two worker processes of `broker serve` sharing one SQLite file -------------------------------------------------


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    """``broker serve --workers 2`` over a fresh SQLite file; yields its URL once both workers have started."""
    pytest.importorskip("uvicorn")
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    command += ["--host", "127.0.0.1", "--port", "0", "--workers", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    seen: list[str] = []
    url, started, deadline = None, 0, time.monotonic() + 60
    while time.monotonic() < deadline and (url is None or started < 2):
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        url = found.group(1) if found else url
        started += "Application startup complete" in line
    try:
        assert url is not None and started == 2, "the server did not start:\n" + "".join(seen)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _ask_on_new_connections(url: str, times: int) -> set[object]:
    """can-i-deploy asked ``times`` times, each on its own connection (so both workers answer)."""
    answers = set()
    for i in range(times):
        path = CAN_I_DEPLOY if i % 2 else MATRIX
        answers.add(httpx.get(url + path, headers={"Connection": "close"}).json()["summary"]["deployable"])
    return answers


def test_a_verification_published_after_an_answer_changes_the_next_answer_of_both_workers(two_workers: str) -> None:
    url = two_workers
    assert httpx.post(f"{url}/environments", json={"name": "prod", "production": True}).status_code == 201
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "api"},
        "interactions": [
            {"description": "get", "request": {"method": "GET", "path": "/"}, "response": {"status": 200}}
        ],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }
    assert httpx.put(f"{url}/pacts/provider/api/consumer/web/version/1.0.0", json=pact).status_code in (200, 201)
    assert httpx.put(f"{url}/pacticipants/api/versions/2.0.0", json={}).status_code in (200, 201)
    environments = httpx.get(f"{url}/environments").json()["_embedded"]["environments"]
    prod = next(e["uuid"] for e in environments if e["name"] == "prod")
    deployed = httpx.post(f"{url}/pacticipants/api/versions/2.0.0/deployed-versions/environment/{prod}", json={})
    assert deployed.status_code == 201
    assert _ask_on_new_connections(url, 12) == {None}  # from SQL: each worker's snapshot is stale, and rebuilt
    time.sleep(1.0)
    assert _ask_on_new_connections(url, 12) == {None}  # from the snapshots, at this revision
    latest = httpx.get(f"{url}/pacts/provider/api/consumer/web/latest").json()
    publish = latest["_links"]["pb:publish-verification-results"]["href"]
    verified = httpx.post(publish, json={"success": True, "providerApplicationVersion": "2.0.0"})
    assert verified.status_code == 201
    assert _ask_on_new_connections(url, 12) == {True}


def test_fuzz_verifications_change_no_answer_from_the_snapshot_or_from_sql(
    broker: Broker, make_pact: PactMaker
) -> None:
    """The snapshot holds example results only: with fuzz results (failing and passing) added to a random estate,
    every answer, from memory and from SQL, is the bytes it was before them."""
    _random_estate(broker, make_pact, 0)
    broker.internals.store.estate_index = None
    questions = _questions()
    before = Api(broker, index_estate=False).get_all(questions)
    matrix = [row for name in SERVICES for row in broker.matrix(name)]
    verified = sorted({(r.provider, r.provider_version, r.content_hash) for r in matrix if r.provider_version})
    assert verified, "the random estate has verifications to shadow"
    for number, (provider, version, content) in enumerate(verified):
        assert provider is not None and version is not None and content is not None
        fuzz = {"content_hash": content, "success": number % 3 == 0, "kind": "fuzz"}
        broker.publish_verification_results(provider=provider, provider_version=version, results=[fuzz])

    from_sql = Api(broker, index_estate=False).get_all(questions)
    indexed = Api(broker, index_estate=True)
    assert _index(broker).build_now() is not None
    reads = indexed.estate_reads
    from_memory = indexed.get_all(questions)

    assert indexed.estate_reads == reads  # every answer came from the snapshot
    for question, expected, sql, memory in zip(questions, before, from_sql, from_memory, strict=True):
        assert sql.content == expected.content, question
        assert memory.content == expected.content, question

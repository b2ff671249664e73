"""can-i-deploy answers the HTTP server reuses: the same bytes while the data is unchanged, a fresh answer after any
write (through this broker, another broker on the database, or a failed one that changed nothing), and always a
computed answer when the data's revision cannot be read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import ticking_clock

pytest.importorskip("starlette")

CAN_I_DEPLOY = "/can-i-deploy?pacticipant=web&version=1.0.0&environment=prod"
MATRIX = "/matrix?q[][pacticipant]=web&q[][version]=1.0.0&latestby=cvp&environment=prod"


class Api:
    """The app over ``broker`` behind an in-process transport, counting the estate statements each request runs."""

    def __init__(self, broker: Broker) -> None:
        self.app = create_app(broker)
        self.estate_reads = 0

        @event.listens_for(broker.internals.store.engine, "before_cursor_execute")
        def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "pc_verifications" in statement:
                self.estate_reads += 1

    def get(self, path: str) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://broker.test") as client:
                return await client.get(path, headers={"Accept": "application/hal+json"})

        return asyncio.run(send())


@pytest.fixture
def api(broker: Broker, make_pact: PactMaker) -> Iterator[Api]:
    """web 1.0.0 has a pact with api; api 2.0.0 is in prod and has not verified it yet."""
    broker.publish_pact(make_pact("web", "api", "/items"), consumer_version="1.0.0")
    broker.create_version("api", "2.0.0")
    broker.record_deployment("api", "2.0.0", "prod")
    yield Api(broker)


def _verify(broker: Broker, success: bool) -> None:
    hashes = [row.content_hash for row in broker.matrix("web", version="1.0.0")]
    broker.publish_verification(provider="api", provider_version="2.0.0", content_hash=hashes[0], success=success)


def test_the_same_question_with_no_write_between_gets_the_same_bytes_without_reading_the_estate(api: Api) -> None:
    first = api.get(CAN_I_DEPLOY)
    reads = api.estate_reads
    again = api.get(CAN_I_DEPLOY)
    assert first.status_code == again.status_code == 200
    assert first.json()["summary"]["deployable"] is None
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"] == "application/hal+json;charset=utf-8"
    assert again.headers["content-length"] == first.headers["content-length"]
    assert reads > 0 and api.estate_reads == reads


def test_a_write_through_this_broker_changes_the_next_answer(api: Api, broker: Broker) -> None:
    assert api.get(MATRIX).json()["summary"]["deployable"] is None
    _verify(broker, success=True)
    assert api.get(MATRIX).json()["summary"]["deployable"] is True
    _verify(broker, success=False)
    assert api.get(MATRIX).json()["summary"]["deployable"] is False


def test_a_write_through_another_broker_on_the_database_changes_the_answer(
    api: Api, broker: Broker, broker_url: str
) -> None:
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is None
    with connect(broker_url, clock=ticking_clock()) as other:  # another server's process on the same database
        _verify(other, success=True)
    answered = api.get(CAN_I_DEPLOY)
    assert answered.json()["summary"]["deployable"] is True
    assert answered.content == Api(broker).get(CAN_I_DEPLOY).content  # what a server that never answered says


def test_an_undeployment_alone_changes_the_answer(api: Api, broker: Broker) -> None:
    _verify(broker, success=False)
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is False
    broker.record_undeployment("api", "prod")  # no provider in prod any more: unknown, no longer a failure
    answered = api.get(CAN_I_DEPLOY)
    assert answered.json()["summary"]["deployable"] is None
    assert answered.content == Api(broker).get(CAN_I_DEPLOY).content


def test_every_write_transaction_replaces_the_revision_token_and_a_failed_one_keeps_it(broker: Broker) -> None:
    store = broker.internals.store
    before = store.revision_token()
    assert before is not None and store.revision_token() == before  # reads keep it
    broker.create_version("auth", "1")
    written = store.revision_token()
    assert written not in (None, before)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute(text("UPDATE pc_pacticipants SET main_branch = 'x'"))
        raise RuntimeError("rolled back")
    assert store.revision_token() == written


def test_without_a_revision_every_answer_is_computed_until_a_write_brings_one(api: Api, broker: Broker) -> None:
    store = broker.internals.store
    with store.engine.begin() as conn:  # a table emptied by hand: nothing tells whether the data changed
        conn.execute(text("DELETE FROM pc_revision"))
    assert store.revision_token() is None
    api.get(CAN_I_DEPLOY)
    reads = api.estate_reads
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is None
    assert api.estate_reads > reads
    _verify(broker, success=True)
    assert store.revision_token() is not None
    assert api.get(CAN_I_DEPLOY).json()["summary"]["deployable"] is True


def test_a_question_about_an_unknown_environment_is_refused_every_time(api: Api) -> None:
    for _ in range(2):
        refused = api.get("/can-i-deploy?pacticipant=web&version=1.0.0&environment=nowhere")
        assert refused.status_code == 404

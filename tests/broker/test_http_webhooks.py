"""Webhooks over HTTP: the Pact CLI's webhook commands and polycontract's client against a real server.

A stdlib receiver on 127.0.0.1 records what the server sends; the server runs under uvicorn on port 0
over an embedded SQLite file and over PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, HttpBroker
from polycontract.broker._store.engine import make_engine, migrate
from polycontract.cli import cli
from polycontract.codec import dumps_pact
from polycontract.errors import StorageError, UsageError
from tests.broker.conftest import PactMaker
from tests.broker.http_twin import serving, ticking_clock
from tests.broker.pact_cli import needs_pact_cli, pact
from tests.broker.test_broker_webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture, re-used

pytest.importorskip("uvicorn")

HOOK_ID = "9b5e3f3c-1b7a-4c1e-9a59-1f0e2b3c4d5e"


@pytest.fixture
def served(broker_url: str) -> Iterator[tuple[Broker, str]]:
    """A broker with fast retries and its server's URL."""
    engine = make_engine(broker_url)
    migrate(engine)
    broker = Broker(engine, clock=ticking_clock(), public_url="", webhook_backoff=0.01)
    try:
        with serving(broker) as url:
            broker._public_url = url  # links and webhook URLs start with the public URL: the served address here
            yield broker, url
    finally:
        broker.close()


@needs_pact_cli
def test_the_pact_cli_creates_a_webhook_that_fires_on_publish_with_basic_auth(
    served: tuple[Broker, str], receiver: Receiver, make_pact: PactMaker, tmp_path: Path
) -> None:
    broker, url = served
    broker.create_pacticipant("web")  # the Pact Broker creates webhooks only for known pacticipants
    broker.create_pacticipant("auth")
    code, out = pact(
        "broker", "create-webhook", receiver.url + "/ok?c=${pactbroker.consumerName}",
        "--broker-base-url", url, "--request", "POST",
        "--header", "Content-Type: application/json", "X-Build-Token: s3cret",
        "--data", '{"consumer": "${pactbroker.consumerName}", "version": "${pactbroker.consumerVersionNumber}"}',
        "--consumer", "web", "--provider", "auth", "--description", "build auth",
        "--contract-content-changed", "--user", "bob:pw",
    )  # fmt: skip
    assert code == 0, out
    [hook] = broker.webhooks()
    assert (hook.consumer, hook.provider, hook.events, hook.description) == (
        "web",
        "auth",
        ("contract_content_changed",),
        "build auth",
    )
    assert hook.headers == {"Content-Type": "application/json", "X-Build-Token": "***", "Authorization": "***"}

    (tmp_path / "web-auth.json").write_text(dumps_pact(make_pact("web", "auth", "/a")))
    code, out = pact("broker", "publish", str(tmp_path), "--consumer-app-version", "1.0.0", "--broker-base-url", url)
    assert code == 0, out
    assert broker.flush_webhooks(10)
    [sent] = receiver.requests
    assert sent["path"] == "/ok?c=web"
    assert json.loads(sent["body"]) == {"consumer": "web", "version": "1.0.0"}
    assert sent["headers"]["X-Build-Token"] == "s3cret"
    assert sent["headers"]["Authorization"] == "Basic " + base64.b64encode(b"bob:pw").decode()


@needs_pact_cli
def test_the_pact_cli_creates_or_updates_tests_and_deletes_a_webhook_by_uuid(
    served: tuple[Broker, str], receiver: Receiver, make_pact: PactMaker
) -> None:
    broker, url = served
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="3", branch="main")
    first = ("broker", "create-or-update-webhook", receiver.url + "/fail", "--uuid", HOOK_ID, "--broker-base-url", url)
    code, out = pact(*first, "--request", "POST", "--provider", "auth", "--contract-published")
    assert code == 0, out
    code, out = pact(*first[:2], receiver.url + "/ok", *first[3:], "--request", "PUT", "--provider-verification-failed")
    assert code == 0, out
    [hook] = broker.webhooks()
    assert (hook.id, hook.url, hook.method, hook.events) == (
        HOOK_ID,
        receiver.url + "/ok",
        "PUT",
        ("provider_verification_failed",),
    )

    code, out = pact("broker", "test-webhook", "--uuid", HOOK_ID, "--broker-base-url", url)
    assert code == 0, out
    [sent] = receiver.requests
    assert sent["method"] == "PUT"
    assert json.loads(sent["body"])["consumerVersionNumber"] == "3"  # the newest pact the webhook covers
    [attempt] = broker.webhook_deliveries(HOOK_ID)
    assert (attempt.ok, attempt.status_code, attempt.event) == (True, 200, "provider_verification_failed")

    code, out = pact("broker", "delete-webhook", "--uuid", HOOK_ID, "--broker-base-url", url)
    assert code == 0, out
    assert broker.webhooks() == ()


def test_the_http_client_configures_webhooks_like_the_embedded_broker(
    served: tuple[Broker, str], receiver: Receiver, make_pact: PactMaker
) -> None:
    broker, url = served
    broker.create_pacticipant("web")  # the Pact Broker creates webhooks only for known pacticipants
    with HttpBroker(url) as client:
        hook = client.create_webhook(
            url=receiver.url + "/ok",
            events=["contract_published", "provider_verification_succeeded"],
            headers={"Authorization": "Bearer xyz"},
            body_template={"v": "${pactbroker.consumerVersionNumber}"},
            consumer="web",
            description="notify",
            timeout=2.5,
        )
        assert hook == broker.webhook(hook.id)
        assert client.webhooks() == broker.webhooks() == (hook,)
        assert client.webhook(hook.id).headers == {"Authorization": "***"}

        client.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
        client.publish_verification(
            provider="auth", provider_version="9", consumer="web", consumer_version="1", success=True
        )
        assert broker.flush_webhooks(10)
        assert [json.loads(r["body"]) for r in receiver.requests] == [{"v": "1"}, {"v": "1"}]
        assert {r["headers"]["Authorization"] for r in receiver.requests} == {"Bearer xyz"}
        assert sorted(a.event for a in client.webhook_deliveries(hook.id)) == [
            "contract_published",
            "provider_verification_succeeded",
        ]

        attempt = client.execute_webhook(hook.id)
        assert (attempt.ok, attempt.event, attempt.attempt) == (True, "contract_published", 1)
        assert client.webhook_deliveries(hook.id) == broker.webhook_deliveries(hook.id)

        client.delete_webhook(hook.id)
        assert client.webhooks() == ()
        with pytest.raises(StorageError, match="no webhook"):
            client.delete_webhook(hook.id)
        with pytest.raises(UsageError, match="events"):
            client.create_webhook(url=receiver.url, events=["contract_eaten"])


def test_a_verification_fires_succeeded_or_failed_by_its_outcome(
    served: tuple[Broker, str], receiver: Receiver, make_pact: PactMaker
) -> None:
    broker, _ = served
    broker.create_webhook(url=receiver.url + "/ok", events=["provider_verification_failed"])
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    broker.publish_verification(
        provider="auth", provider_version="1", consumer="web", consumer_version="1", success=True
    )
    broker.publish_verification(
        provider="auth", provider_version="2", consumer="web", consumer_version="1", success=False
    )
    assert broker.flush_webhooks(10)
    assert [json.loads(r["body"])["providerVersionNumber"] for r in receiver.requests] == ["2"]


def _hook(request: Any = None, events: Any = None, **extra: Any) -> dict[str, Any]:
    """A webhook document: one ``contract_published`` event and ``request`` (default: a POST to x.test)."""
    document = {"events": [{"name": "contract_published"}] if events is None else events, **extra}
    if request is not False:
        document["request"] = {"url": "http://x.test"} if request is None else request
    return document


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "where"),
    [
        ("POST", "/webhooks", _hook(events=[{"name": "nope"}]), 400, "/events/0/name"),
        ("POST", "/webhooks", _hook(events=[]), 400, "/events"),
        ("POST", "/webhooks", _hook(request=False), 400, "/request"),
        ("POST", "/webhooks", _hook({}), 400, "/request/url"),
        ("POST", "/webhooks", _hook({"url": "ftp://x"}), 400, "/request/url"),
        ("POST", "/webhooks", _hook({"url": "http://x.test", "method": "GET"}), 400, "/request/method"),
        ("POST", "/webhooks", _hook({"url": "http://x.test", "headers": {"A": 1}}), 400, "/request/headers"),
        ("POST", "/webhooks", _hook(colour=1), 400, "/colour"),
        ("POST", "/webhooks", _hook(consumer={"name": "x", "label": "x"}), 400, "/consumer/label"),
        ("POST", "/webhooks", _hook(provider={}), 400, "/provider"),
        ("PUT", "/webhooks/short", _hook(), 400, "uuid"),
        ("GET", f"/webhooks/{HOOK_ID}", None, 404, "uuid"),
        ("POST", f"/webhooks/{HOOK_ID}/execute", {}, 404, "uuid"),  # a POST is typed as JSON, even empty
    ],
)
def test_bad_webhook_requests_are_problems_naming_the_field(
    served: tuple[Broker, str], method: str, path: str, body: Any, status: int, where: str
) -> None:
    broker, url = served
    answer = httpx.request(method, url + path, json=body, headers={"Accept": "application/problem+json"})
    assert answer.status_code == status
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert where in [e.get("pointer", e.get("parameter")) for e in problem["errors"]]
    assert broker.webhooks() == ()


def test_the_index_links_webhooks_and_listings_are_filtered_by_pair(served: tuple[Broker, str]) -> None:
    broker, url = served
    index = httpx.get(url + "/").json()["_links"]
    assert index["pb:webhooks"]["href"] == url + "/webhooks"
    assert index["pb:webhook"] == {"href": url + "/webhooks/{uuid}", "title": "Webhook", "templated": True}
    broker.create_pacticipant("web")
    broker.create_pacticipant("auth")
    created = httpx.post(
        url + "/webhooks/provider/auth/consumer/web",
        json={"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "http://x.test/b"}},
    )
    assert created.status_code == 201
    broker.create_webhook(url="http://x.test/other", events=["contract_published"])
    pair = httpx.get(url + "/webhooks/provider/auth/consumer/web").json()
    assert [link["href"] for link in pair["_links"]["pb:webhooks"]] == [created.json()["_links"]["self"]["href"]]
    assert len(httpx.get(url + "/webhooks").json()["_links"]["pb:webhooks"]) == 2


def test_the_cli_manages_webhooks_on_a_broker_server(served: tuple[Broker, str], receiver: Receiver) -> None:
    broker, url = served
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "create-webhook",
            "--url",
            receiver.url + "/ok",
            "--event",
            "contract_published",
            "--id",
            HOOK_ID,
            "--broker",
            url,
        ],
    )
    assert made.exit_code == 0, made.output
    assert [h.id for h in broker.webhooks()] == [HOOK_ID]
    tested = runner.invoke(cli, ["test-webhook", HOOK_ID, "--broker", url])
    assert tested.exit_code == 0, tested.output
    assert "HTTP 200" in tested.output
    failing = runner.invoke(
        cli,
        [
            "create-webhook",
            "--url",
            receiver.url + "/fail",
            "--event",
            "contract_published",
            "--id",
            HOOK_ID,
            "--broker",
            url,
        ],
    )
    assert failing.exit_code == 0, failing.output
    assert runner.invoke(cli, ["test-webhook", HOOK_ID, "--broker", url]).exit_code == 1
    listed = runner.invoke(cli, ["webhooks", "--broker", url, "--output", "json"])
    assert json.loads(listed.output)["webhooks"][0]["url"] == receiver.url + "/fail"
    assert runner.invoke(cli, ["delete-webhook", HOOK_ID, "--broker", url]).exit_code == 0
    assert broker.webhooks() == ()

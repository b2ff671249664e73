"""Webhooks end to end: a receiver on 127.0.0.1 records what the broker sends, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from polycontract.broker import Broker
from polycontract.broker._store.engine import make_engine, migrate
from polycontract.cli import cli
from polycontract.errors import StorageError, UsageError
from tests.broker.conftest import PactMaker, ticking_clock

REQUIRING = "contract_requiring_verification_published"
CHANGED = "contract_content_changed"
VERIFIED = "provider_verification_published"


@dataclass
class Receiver:
    """Answers ``/ok`` 200, ``/fail`` 500 and ``/slow`` 200 after ``delay`` seconds; records every request."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 1.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A stdlib HTTP server in a thread."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            state.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
            if self.path.startswith("/slow"):
                time.sleep(state.delay)
            status = 500 if self.path.startswith("/fail") else 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the client gave up (timeout)

        do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def wb(broker_url: str) -> Iterator[Broker]:
    """A broker with fast retries and a public URL for rendered links."""
    engine = make_engine(broker_url)
    migrate(engine)
    broker = Broker(engine, clock=ticking_clock(), public_url="https://broker.example", webhook_backoff=0.01)
    yield broker
    broker.close()


def _bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in receiver.requests]


TEMPLATE = {
    "event": "${pactbroker.eventName}",
    "consumer": "${pactbroker.consumerName}",
    "provider": "${pactbroker.providerName}",
    "version": "${pactbroker.consumerVersionNumber}",
    "branch": "${pactbroker.consumerVersionBranch}",
    "pact": "${pactbroker.pactUrl}",
}


def test_new_content_fires_requiring_verification_with_the_rendered_body(
    wb: Broker, receiver: Receiver, make_pact: PactMaker
) -> None:
    wb.create_webhook(url=receiver.url + "/ok?p=${pactbroker.providerName}", events=[REQUIRING], body_template=TEMPLATE)
    result = wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1", branch="main")
    assert wb.flush_webhooks(10)
    assert [r["path"] for r in receiver.requests] == ["/ok?p=auth"]
    assert receiver.requests[0]["headers"]["Content-Type"] == "application/json"
    assert _bodies(receiver) == [
        {
            "event": REQUIRING,
            "consumer": "web",
            "provider": "auth",
            "version": "1",
            "branch": "main",
            "pact": f"https://broker.example/pacts/provider/auth/consumer/web/pact-version/{result.content_hash}",
        }
    ]
    [attempt] = wb.webhook_deliveries(wb.webhooks()[0].id)
    assert (attempt.ok, attempt.status_code, attempt.attempt, attempt.response) == (True, 200, 1, "ok")


def test_identical_content_again_fires_nothing(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    wb.create_webhook(url=receiver.url + "/ok", events=[REQUIRING, CHANGED])
    pact = make_pact("web", "auth", "/a")
    wb.publish_pact(pact, consumer_version="1")
    assert wb.flush_webhooks(10)
    assert sorted(b["eventName"] for b in _bodies(receiver)) == sorted([REQUIRING, CHANGED])
    receiver.requests.clear()
    assert wb.publish_pact(pact, consumer_version="1").outcome == "unchanged"
    wb.publish_verification(provider="auth", provider_version="9", consumer="web", consumer_version="1", success=True)
    wb.publish_pact(pact, consumer_version="2")  # same content, already verified, not changed
    assert wb.flush_webhooks(10)
    assert receiver.requests == []


def test_changed_content_fires_content_changed(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    wb.create_webhook(url=receiver.url + "/ok", events=[CHANGED])
    wb.publish_pact(make_pact("web", "auth", "/a", "/b"), consumer_version="2")
    assert wb.flush_webhooks(10)
    assert [(b["eventName"], b["consumerVersionNumber"]) for b in _bodies(receiver)] == [(CHANGED, "2")]


def test_a_refused_publication_fires_nothing(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    wb.create_webhook(url=receiver.url + "/ok", events=[REQUIRING, CHANGED])
    with pytest.raises(StorageError):
        wb.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1")
    assert wb.flush_webhooks(10)
    assert receiver.requests == []


def test_a_verification_fires_provider_verification_published(
    wb: Broker, receiver: Receiver, make_pact: PactMaker
) -> None:
    digest = wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1", branch="feat").content_hash
    body = {"state": "${pactbroker.githubVerificationStatus}", "result": "${pactbroker.verificationResultUrl}"}
    wb.create_webhook(url=receiver.url + "/ok", events=[VERIFIED], body_template=json.dumps(body))
    wb.publish_verification(provider="auth", provider_version="7", consumer="web", consumer_version="1", success=True)
    wb.publish_verification_results(
        provider="auth", provider_version="8", results=[{"content_hash": digest, "success": False}]
    )
    assert wb.flush_webhooks(10)
    url = f"https://broker.example/pacts/provider/auth/consumer/web/pact-version/{digest}/verification-results/latest"
    assert sorted(_bodies(receiver), key=lambda b: b["state"]) == [
        {"state": "failure", "result": url},
        {"state": "success", "result": url},
    ]


def test_a_failing_receiver_is_retried_and_every_attempt_logged(
    wb: Broker, receiver: Receiver, make_pact: PactMaker
) -> None:
    hook = wb.create_webhook(url=receiver.url + "/fail", events=[REQUIRING])
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    assert wb.flush_webhooks(10)
    attempts = wb.webhook_deliveries(hook.id)
    assert [(a.attempt, a.status_code, a.error, a.ok) for a in attempts] == [
        (n, 500, "HTTP 500", False) for n in (1, 2, 3)
    ]
    assert len({a.delivery for a in attempts}) == 1
    assert len(receiver.requests) == 3


def test_the_timeout_is_honoured(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    hook = wb.create_webhook(url=receiver.url + "/slow", events=[REQUIRING], timeout=0.2)
    started = time.monotonic()
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    assert wb.flush_webhooks(10)
    assert time.monotonic() - started < 3 * receiver.delay
    attempts = wb.webhook_deliveries(hook.id)
    assert [(a.status_code, a.error) for a in attempts] == [(None, "timed out after 0.2 s")] * 3


def test_secret_headers_are_sent_but_never_shown(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    headers = {"Authorization": "Bearer s3cret", "X-Api-Key": "k3y", "X-Team": "web"}
    hook = wb.create_webhook(url=receiver.url + "/ok", events=[REQUIRING], headers=headers)
    assert hook.headers == {"Authorization": "***", "X-Api-Key": "***", "X-Team": "web"}
    assert wb.webhooks()[0].headers == hook.headers
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    assert wb.flush_webhooks(10)
    sent = receiver.requests[0]["headers"]
    assert (sent["Authorization"], sent["X-Api-Key"], sent["X-Team"]) == ("Bearer s3cret", "k3y", "web")


def test_filters_keep_other_integrations_quiet(wb: Broker, receiver: Receiver, make_pact: PactMaker) -> None:
    wb.create_pacticipant("mobile")  # a webhook names only known pacticipants (see the test below)
    wb.create_pacticipant("billing")
    quiet = wb.create_webhook(url=receiver.url + "/ok", events=[REQUIRING], consumer="mobile")
    wb.create_webhook(url=receiver.url + "/ok?billing", events=[REQUIRING], provider="billing")
    wb.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    wb.publish_pact(make_pact("web", "billing", "/b"), consumer_version="1")
    assert wb.flush_webhooks(10)
    assert [r["path"] for r in receiver.requests] == ["/ok?billing"]
    assert wb.webhook_deliveries(quiet.id) == ()


def test_a_webhook_for_an_unknown_pacticipant_is_refused_naming_it(wb: Broker) -> None:
    # pact_broker lib/pact_broker/api/contracts/webhook_pacticipant_contract.rb (pacticipant_with_name_exists):
    # a webhook's consumer/provider name must be a known pacticipant; the HTTP server answers 400/404 for it.
    with pytest.raises(StorageError, match="consumer='mobile' is not a known pacticipant"):
        wb.create_webhook(url="http://ci.example/hook", events=[REQUIRING], consumer="mobile")
    with pytest.raises(StorageError, match="provider='billing' is not a known pacticipant"):
        wb.create_webhook(url="http://ci.example/hook", events=[REQUIRING], provider="billing")
    assert wb.webhooks() == ()
    # a label chooses pacticipants that may not exist yet
    hook = wb.create_webhook(url="http://ci.example/hook", events=[REQUIRING], consumer_label="team-a")
    assert (hook.consumer, hook.consumer_label) == (None, "team-a")
    wb.create_pacticipant("mobile")
    assert wb.create_webhook(url="http://ci.example/hook", events=[REQUIRING], consumer="mobile").consumer == "mobile"


def test_invalid_webhooks_are_refused_and_delete_removes(wb: Broker, receiver: Receiver) -> None:
    with pytest.raises(UsageError, match="events"):
        wb.create_webhook(url=receiver.url, events=["contract_eaten"])
    with pytest.raises(UsageError, match="http"):
        wb.create_webhook(url="ftp://x", events=[REQUIRING])
    with pytest.raises(UsageError, match="JSON"):
        wb.create_webhook(url=receiver.url, events=[REQUIRING], body_template="{not json")
    hook = wb.create_webhook(url=receiver.url, events=[REQUIRING])
    wb.delete_webhook(hook.id)
    assert wb.webhooks() == ()
    with pytest.raises(StorageError, match="no webhook"):
        wb.delete_webhook(hook.id)


def test_cli_creates_and_lists_webhooks_with_secrets_masked(broker_url: str, tmp_path: Path) -> None:
    engine = make_engine(broker_url)
    migrate(engine)
    with Broker(engine) as broker:
        broker.create_pacticipant("auth")  # a webhook names only known pacticipants
    template = tmp_path / "body.json"
    template.write_text('{"pact": "${pactbroker.pactUrl}"}')
    runner = CliRunner()
    created = runner.invoke(
        cli,
        [
            "create-webhook",
            "--broker",
            broker_url,
            "--url",
            "http://ci.example/hook",
            "--event",
            REQUIRING,
            "--event",
            VERIFIED,
            "--header",
            "Authorization: Bearer s3cret",
            "--body-template",
            str(template),
            "--provider",
            "auth",
            "-o",
            "json",
        ],
    )
    assert created.exit_code == 0, created.output
    assert "s3cret" not in created.output
    assert json.loads(created.output)["body_template"] == '{"pact": "${pactbroker.pactUrl}"}'
    listed = runner.invoke(cli, ["webhooks", "--broker", broker_url])
    assert listed.exit_code == 0, listed.output
    assert "Authorization: ***" in listed.output and "s3cret" not in listed.output
    bad = runner.invoke(cli, ["create-webhook", "--broker", broker_url, "--url", "http://x", "--event", REQUIRING,
                              "--header", "no colon"])  # fmt: skip
    assert bad.exit_code == 2 and "Name: value" in bad.output


def test_writes_through_the_http_server_fire_the_servers_webhooks(
    wb: Broker, receiver: Receiver, make_pact: PactMaker
) -> None:
    from polycontract.broker import connect
    from tests.broker.http_twin import serving

    wb.create_webhook(url=receiver.url + "/ok", events=[REQUIRING, VERIFIED])
    with serving(wb) as url, connect(url) as client:
        client.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
        client.publish_verification(
            provider="auth", provider_version="7", consumer="web", consumer_version="1", success=True
        )
    assert wb.flush_webhooks(10)
    assert sorted(b["eventName"] for b in _bodies(receiver)) == [REQUIRING, VERIFIED]

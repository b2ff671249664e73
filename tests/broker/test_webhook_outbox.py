"""Webhook deliveries survive the server: SIGTERM, SIGKILL and a restart lose none (the outbox), from the outside.

A real ``polycontract broker serve`` process on 127.0.0.1 port 0 gets a webhook and 20 publications through its
HTTP API, each firing one delivery to a slow receiver in the test process; the server is stopped while most
deliveries are still queued, started again on the same database, and the receiver counts what arrived.

The Pact Broker keeps each fired delivery as a ``triggered_webhooks`` row, but runs its attempts as in-memory
jobs (pact_broker ``lib/pact_broker/webhooks/job.rb``, scheduled by ``trigger_service.rb``'s
``schedule_webhooks``), so a restart drops them: "Any unfinished are marked as failed on startup"
(pact-foundation/pact_broker issue #135). Here the row is the job: a restarted server sends what was left.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from polycontract.broker._store.engine import make_engine
from polycontract.broker._store.tables import webhook_outbox
from polycontract.codec import dumps_pact
from tests.broker.conftest import PactMaker

pytest.importorskip("uvicorn")

DELIVERIES = 20


class Receiver:
    """Answers every POST 200 after ``delay`` seconds and counts the ``version`` each body names."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.seen[body["version"]] += 1
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender went away (killed)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> Counter[str]:
        """How often each version arrived so far."""
        with self._lock:
            return Counter(self.seen)

    def wait_for(self, versions: int, timeout: float) -> Counter[str]:
        """The counts once ``versions`` distinct versions arrived (or ``timeout`` ran out)."""
        deadline = time.monotonic() + timeout
        while len(self.counts()) < versions and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.counts()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that takes 0.1 s per delivery."""
    made = Receiver(delay=0.1)
    yield made
    made.server.shutdown()
    made.server.server_close()


class Server:
    """``polycontract broker serve`` in its own process, allowed to call webhooks on 127.0.0.1; `ready` waits
    until it listens (so two can start at once).

    SQLite runs with ``synchronous=normal`` to keep the test quick: it only matters when the machine loses power.
    """

    def __init__(self, db_url: str, log: Path) -> None:
        command = [
            sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", db_url, "--port", "0",
            "--output", "json", "--log-level", "warning", "--sqlite-synchronous", "normal",
            "--webhook-allow-scheme", "http", "--webhook-allow-host", "127.0.0.1",
        ]  # fmt: skip
        self.log = log
        self.url = ""
        with log.open("a") as err:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)

    def ready(self) -> Server:
        """This server once it listens (its ``url`` set)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(30)
            raise AssertionError("the server did not start:\n" + self.log.read_text())
        self.url = json.loads(line)["url"]
        return self

    def stop(self, how: signal.Signals) -> None:
        """Send ``how`` and wait for the process to end."""
        self.process.send_signal(how)
        self.process.wait(30)


def _queue_deliveries(server: Server, receiver: Receiver, make_pact: PactMaker, versions: range) -> None:
    """A webhook on every publication, then one publication (one delivery) per version."""
    hook = {
        "events": [{"name": "contract_published"}],
        "request": {
            "method": "POST",
            "url": receiver.url,
            "body": {"version": "${pactbroker.consumerVersionNumber}"},
            "timeout": 1,  # a claim's lease: 2 x 1 s + 1 s, so a killed server's claims are taken up soon
        },
    }
    created = httpx.post(f"{server.url}/webhooks", json=hook)
    assert created.status_code == 201, created.text
    _publish(server, make_pact, versions)


def _publish(server: Server, make_pact: PactMaker, versions: range) -> None:
    with httpx.Client(base_url=server.url) as client:
        for n in versions:
            pact = dumps_pact(make_pact("web", "auth", f"/items/{n}"))  # new content each time
            answer = client.put(
                f"/pacts/provider/auth/consumer/web/version/{n}",
                content=pact,
                headers={"Content-Type": "application/json"},
            )
            assert answer.status_code in (200, 201), answer.text


def _left_in_outbox(db_url: str) -> int:
    engine = make_engine(db_url, create=False)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(webhook_outbox)).scalar_one())
    finally:
        engine.dispose()


def _wait_until_outbox_empty(db_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _left_in_outbox(db_url) and time.monotonic() < deadline:
        time.sleep(0.1)


def _interrupted(
    how: signal.Signals, db_url: str, receiver: Receiver, make_pact: PactMaker, tmp_path: Path
) -> tuple[int, Counter[str]]:
    """Queue `DELIVERIES`, stop the server with ``how`` after two arrived, restart it: (sent before, all counts)."""
    log = tmp_path / "server.log"
    first = Server(db_url, log).ready()
    try:
        _queue_deliveries(first, receiver, make_pact, range(1, DELIVERIES + 1))
        receiver.wait_for(2, timeout=20)
    finally:
        first.stop(how)
    before = sum(receiver.counts().values())
    assert _left_in_outbox(db_url) > 0, "the server finished every delivery before it was stopped: nothing was tested"
    second = Server(db_url, log).ready()
    try:
        counts = receiver.wait_for(DELIVERIES, timeout=60)
        _wait_until_outbox_empty(db_url, timeout=30)
        time.sleep(0.3)  # a duplicate would arrive now
        counts = receiver.counts()
    finally:
        second.stop(signal.SIGTERM)
    assert "Traceback" not in log.read_text(), log.read_text()
    return before, counts


def test_sigterm_loses_no_delivery_and_sends_each_exactly_once(
    receiver: Receiver, make_pact: PactMaker, tmp_path: Path
) -> None:
    """SIGTERM lets the attempt in flight finish and be logged; the queued rest is sent after the restart."""
    db_url = f"sqlite:///{tmp_path / 'broker.db'}"
    before, counts = _interrupted(signal.SIGTERM, db_url, receiver, make_pact, tmp_path)
    assert before < DELIVERIES
    assert counts == Counter({str(n): 1 for n in range(1, DELIVERIES + 1)})
    assert _left_in_outbox(db_url) == 0


@pytest.mark.parametrize("broker_url", ["sqlite", "postgresql"], indirect=True)
def test_sigkill_loses_no_delivery_and_resends_only_what_was_in_flight(
    broker_url: str, receiver: Receiver, make_pact: PactMaker, tmp_path: Path
) -> None:
    """After SIGKILL the attempts in flight were never logged: once their claim's lease runs out (twice the
    webhook's timeout plus a second) the restarted server sends them again, so delivery is at least once."""
    before, counts = _interrupted(signal.SIGKILL, broker_url, receiver, make_pact, tmp_path)
    assert before < DELIVERIES
    assert set(counts) == {str(n) for n in range(1, DELIVERIES + 1)}
    duplicates = sum(counts.values()) - DELIVERIES
    assert duplicates <= 4, counts  # at most the attempts in flight (the dispatcher's four workers)
    assert _left_in_outbox(broker_url) == 0


@pytest.mark.parametrize("broker_url", ["postgresql"], indirect=True)
def test_two_servers_on_one_postgresql_send_each_delivery_once(
    broker_url: str, receiver: Receiver, make_pact: PactMaker, tmp_path: Path
) -> None:
    """Both processes claim rows of the one outbox (FOR UPDATE SKIP LOCKED): none is sent by both."""
    receiver.delay = 0.05
    log = tmp_path / "servers.log"
    one, two = Server(broker_url, log), Server(broker_url, log)
    try:
        one.ready(), two.ready()
        _queue_deliveries(one, receiver, make_pact, range(1, DELIVERIES // 2 + 1))
        _publish(two, make_pact, range(DELIVERIES // 2 + 1, DELIVERIES + 1))
        receiver.wait_for(DELIVERIES, timeout=60)
        _wait_until_outbox_empty(broker_url, timeout=30)
        time.sleep(0.3)
        counts = receiver.counts()
    finally:
        one.stop(signal.SIGTERM)
        two.stop(signal.SIGTERM)
    assert counts == Counter({str(n): 1 for n in range(1, DELIVERIES + 1)})

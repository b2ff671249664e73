"""Webhook deliveries lost when ``polycontract broker serve`` is stopped with SIGTERM or killed with SIGKILL.

Each round starts the server as a subprocess on 127.0.0.1 over a fresh database (an SQLite file, or a new
schema of the PostgreSQL database ``POLYCONTRACT_TEST_POSTGRES_URL``), creates a webhook firing on every publication,
publishes ``--deliveries`` pacts (one delivery each) to a receiver in this process that takes ``--delay``
seconds per request, stops the server with the signal once a fifth of them arrived, starts it again on the
same database and waits until the outbox is empty. The receiver counts every version it was sent.

Printed per round: what arrived before the stop, what waited in the outbox, how long the restarted server took
to send the rest, deliveries lost (never arrived) and sent twice, and failed attempts in the delivery log (a
timed-out attempt the receiver did get is retried: a second copy). Then the totals per signal and backend.
The goal: 0 lost. SIGTERM should also send none twice (the attempt in flight finishes and is logged);
after SIGKILL an attempt in flight was never logged and is sent again (at least once).

Run:
    python benchmarks/bench_webhook_outbox.py [--rounds 3] [--deliveries 40] [--delay 0.05]
        [--backend sqlite postgresql]   (postgresql: POLYCONTRACT_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from bench_can_i_deploy import database  # a fresh SQLite file or PostgreSQL schema per round
from sqlalchemy import func, select

from polycontract.broker._store.engine import make_engine
from polycontract.broker._store.tables import webhook_deliveries, webhook_outbox
from polycontract.codec import dumps_pact
from polycontract.model import HttpInteraction, PactDocument, Request, Response

#: Where the servers' stderr goes.
LOG = Path(tempfile.gettempdir()) / "bench_webhook_outbox.log"


@dataclass
class Round:
    """One stop and restart: counts of deliveries."""

    backend: str
    how: str
    before_stop: int
    waiting: int
    resume_seconds: float
    lost: int
    twice: int
    failed: int


class Tally(ThreadingHTTPServer):
    """The receiver: answers 200 after ``delay`` seconds and counts each body's ``version``."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.arrived: Counter[str] = Counter()
        self.guard = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Count)

    def snapshot(self) -> Counter[str]:
        """The counts so far."""
        with self.guard:
            return Counter(self.arrived)


class _Count(BaseHTTPRequestHandler):
    server: Tally

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        version = json.loads(self.rfile.read(size))["version"]
        time.sleep(self.server.delay)
        with self.server.guard:
            self.server.arrived[version] += 1
        try:
            self.send_response(204)
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


def serve(db_url: str, log: Path) -> tuple[subprocess.Popen[str], str]:
    """``broker serve`` over ``db_url``, allowed to call webhooks on 127.0.0.1; the process and its URL."""
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", db_url, "--port", "0"]
    command += ["--output", "json", "--log-level", "warning", "--webhook-allow-scheme", "http"]
    command += ["--webhook-allow-host", "127.0.0.1"]
    with log.open("a") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
    assert process.stdout is not None
    announced = process.stdout.readline()
    if not announced:
        raise SystemExit("the server did not start:\n" + log.read_text())
    return process, json.loads(announced)["url"]


def waiting(db_url: str, *, failed: bool = False) -> int:
    """Rows in the outbox (or, with ``failed``, failed attempts in the delivery log)."""
    query = select(func.count()).select_from(webhook_outbox)
    if failed:
        query = select(func.count()).select_from(webhook_deliveries).where(webhook_deliveries.c.error.is_not(None))
    engine = make_engine(db_url, create=False)
    try:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def fire(url: str, receiver: str, deliveries: int) -> None:
    """A webhook on every publication, then ``deliveries`` publications of new content."""
    with httpx.Client(base_url=url, timeout=30) as client:
        body = {"version": "${pactbroker.consumerVersionNumber}"}
        hook = {
            "events": [{"name": "contract_published"}],
            "request": {"method": "POST", "url": receiver, "timeout": 2, "body": body},
        }
        client.post("/webhooks", json=hook).raise_for_status()
        for n in range(deliveries):
            interaction = HttpInteraction(
                description=f"item {n}",
                request=Request(method="GET", path=f"/items/{n}"),
                response=Response(status=200),
            )
            pact = PactDocument(consumer="web", provider="auth", interactions=(interaction,))
            path = f"/pacts/provider/auth/consumer/web/version/{n}"
            client.put(path, content=dumps_pact(pact), headers={"Content-Type": "application/json"}).raise_for_status()


def one_round(backend: str, db_url: str, how: signal.Signals, args: argparse.Namespace) -> Round:
    """Fire, stop with ``how`` after a fifth arrived, restart, and count (the servers log to `LOG`)."""
    tally = Tally(args.delay)
    threading.Thread(target=tally.serve_forever, daemon=True).start()
    receiver = f"http://127.0.0.1:{tally.server_address[1]}/hook"
    log = LOG
    try:
        process, url = serve(db_url, log)
        fire(url, receiver, args.deliveries)
        while sum(tally.snapshot().values()) < max(1, args.deliveries // 5):
            time.sleep(0.01)
        process.send_signal(how)
        process.wait(60)
        before, left = sum(tally.snapshot().values()), waiting(db_url)
        process, _ = serve(db_url, log)
        started = time.monotonic()
        deadline = started + args.deliveries * args.delay * 4 + 60
        while waiting(db_url) and time.monotonic() < deadline:
            time.sleep(0.05)
        resumed = time.monotonic() - started
        time.sleep(0.5)  # a late duplicate would arrive now
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        failed = waiting(db_url, failed=True)
    finally:
        tally.shutdown()
        tally.server_close()
    counts = tally.snapshot()
    lost = sum(1 for n in range(args.deliveries) if counts[str(n)] == 0)
    twice = sum(c - 1 for c in counts.values() if c > 1)
    return Round(backend, how.name, before, left, resumed, lost, twice, failed)


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print each and the totals; exit 1 if any delivery was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per signal and backend")
    parser.add_argument("--deliveries", type=int, default=40, help="deliveries fired per round")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds the receiver takes per delivery")
    parser.add_argument(
        "--backend",
        nargs="+",
        default=["sqlite"],
        choices=["sqlite", "postgresql"],
        help="postgresql uses a new schema of POLYCONTRACT_TEST_POSTGRES_URL per round",
    )
    args = parser.parse_args(argv)
    backends = args.backend
    rounds: list[Round] = []
    print("backend     signal   arrived before stop  waiting  resumed in  lost  sent twice  failed attempts")
    for backend in backends:
        for how in (signal.SIGTERM, signal.SIGKILL):
            for _ in range(args.rounds):
                with database(backend) as db_url:
                    done = one_round(backend, db_url, how, args)
                rounds.append(done)
                print(
                    f"{done.backend:<11} {done.how:<8} {done.before_stop:>19}  {done.waiting:>7}"
                    f"  {done.resume_seconds:>8.2f} s  {done.lost:>4}  {done.twice:>10}  {done.failed:>15}"
                )
    print()
    for backend in backends:
        for how in ("SIGTERM", "SIGKILL"):
            mine = [r for r in rounds if r.backend == backend and r.how == how]
            fired = len(mine) * args.deliveries
            print(
                f"{backend} {how}: {sum(r.lost for r in mine)} of {fired} deliveries lost,"
                f" {sum(r.twice for r in mine)} sent twice, {sum(r.waiting for r in mine)} resumed after restart"
            )
    return 1 if any(r.lost for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())

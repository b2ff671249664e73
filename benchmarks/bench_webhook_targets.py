"""Webhook targets that misbehave, against ``polycontract broker serve``: what they cost the server.

The server runs as a subprocess over a fresh SQLite file on 127.0.0.1, allowing webhooks to the local
targets (``--webhook-allow-scheme http --webhook-allow-host 127.0.0.1``). Two target servers run in this
process: one misbehaves, the other answers at once.

Measured and printed:
1. a test send (``POST /webhooks/{uuid}/execute``) to a target answering ``--huge`` MB (default 400): its
   duration and the server's peak RSS before and after;
2. a test send with a 2 s timeout to a target trickling its answer one byte every 0.5 s: its duration;
3. ``--publications`` pacts (default 20) published while a slow target (10 s per answer, 15 s timeout) and a
   healthy one listen: the healthy target's delay per delivery (from the publication to its arrival), max and p50;
4. 45 concurrent test sends to a target answering in 5 s, while ``GET /pacticipants`` runs in turn:
   its p50/p99/max and the test sends' statuses.

Run:
    python benchmarks/bench_webhook_targets.py [--huge 400] [--publications 20]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from bench_broker_slow_connections import peak_rss_mb, percentile, start_server

JSON = {"Content-Type": "application/json"}


def target(answer: Callable[[BaseHTTPRequestHandler], None], arrivals: list[tuple[str, float]]) -> str:
    """A local target server calling ``answer`` for each POST (noting path and arrival time); its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.append((self.path, time.monotonic()))
            with contextlib.suppress(OSError):  # the broker hung up
                answer(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def misbehave(huge_mb: int) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(h: BaseHTTPRequestHandler) -> None:
        delay = {"/slow": 10.0, "/pause": 5.0}.get(h.path, 0.0)
        time.sleep(delay)
        if h.path == "/huge":
            length, chunk, pause = huge_mb * 1024 * 1024, b"y" * 1024 * 1024, 0.0
        elif h.path == "/trickle":
            length, chunk, pause = 40, b"x", 0.5
        else:
            length, chunk, pause = 2, b"ok", 0.0
        h.send_response(200)
        h.send_header("Content-Length", str(length))
        h.end_headers()
        for _ in range(length // len(chunk)):
            h.wfile.write(chunk)
            h.wfile.flush()
            time.sleep(pause)

    return answer


def healthy(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "2")
    h.end_headers()
    h.wfile.write(b"ok")


def hook(base: str, url: str, *, timeout: float = 5.0, event: str = "provider_verification_published") -> str:
    document = {"events": [{"name": event}], "request": {"method": "POST", "url": url, "timeout": timeout}}
    made = httpx.post(f"{base}/webhooks", json=document, headers=JSON, timeout=30)
    made.raise_for_status()
    return str(made.json()["uuid"])


def execute(base: str, hook_id: str) -> httpx.Response:
    return httpx.post(f"{base}/webhooks/{hook_id}/execute", json={}, headers=JSON, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--huge", type=int, default=400, help="MB the huge target answers")
    parser.add_argument("--publications", type=int, default=20)
    args = parser.parse_args(argv)
    arrivals: list[tuple[str, float]] = []
    bad, good = target(misbehave(args.huge), arrivals), target(healthy, arrivals)
    with tempfile.TemporaryDirectory() as folder:
        allow = ["--webhook-allow-scheme", "http", "--webhook-allow-host", "127.0.0.1"]
        process, port = start_server(Path(folder), allow)
        base = f"http://127.0.0.1:{port}"
        try:
            before = peak_rss_mb(process.pid)
            started = time.monotonic()
            answer = execute(base, hook(base, bad + "/huge")).json()
            print(
                f"1. {args.huge} MB reply: test send {time.monotonic() - started:.2f} s, success={answer['success']};"
                f" server peak RSS {before:.0f} MB before, {peak_rss_mb(process.pid):.0f} MB after"
            )
            started = time.monotonic()
            answer = execute(base, hook(base, bad + "/trickle", timeout=2.0)).json()
            print(f"2. trickling target, 2 s timeout: test send {time.monotonic() - started:.2f} s: {answer['error']}")
            hook(base, bad + "/slow", timeout=15.0, event="contract_published")
            hook(base, good + "/healthy", event="contract_published")
            published = []
            for n in range(args.publications):
                pact = {"consumer": {"name": "web"}, "provider": {"name": "auth"}, "interactions": [], "n": n}
                path = f"{base}/pacts/provider/auth/consumer/web/version/{n}"
                published.append(time.monotonic())
                httpx.put(path, json=pact, headers=JSON, timeout=30).raise_for_status()
            deadline = time.monotonic() + 60
            while sum(p == "/healthy" for p, _ in arrivals) < args.publications and time.monotonic() < deadline:
                time.sleep(0.05)
            came = [t for p, t in arrivals if p == "/healthy"]
            delays = [t - p for t, p in zip(came, published)]
            slow_in = sum(p == "/slow" for p, _ in arrivals)
            print(
                f"3. healthy webhook beside a slow target: {len(came)}/{args.publications} arrived, delay max"
                f" {max(delays, default=float('nan')):.2f} s, p50 {statistics.median(delays or [float('nan')]):.2f} s"
                f" (the slow target got {slow_in} so far)"
            )
            pausing = hook(base, bad + "/pause", timeout=10.0)
            timings: list[float] = []
            with ThreadPoolExecutor(45) as pool:
                sends = [pool.submit(execute, base, pausing) for _ in range(45)]
                until = time.monotonic() + 5
                while time.monotonic() < until:
                    t = time.monotonic()
                    httpx.get(f"{base}/pacticipants", timeout=60).raise_for_status()
                    timings.append(time.monotonic() - t)
                statuses = [s.result().status_code for s in sends]
            print("   slowest GETs (ms):", [round(1000 * t) for t in sorted(timings)[-5:]], "of", len(timings))
            print(
                f"4. GET /pacticipants during 45 test sends: p50 {percentile(timings, 0.5):.1f} ms,"
                f" p99 {percentile(timings, 0.99):.1f} ms, max {1000 * max(timings):.1f} ms;"
                f" test sends {statuses.count(200)}x200, {statuses.count(503)}x503"
            )
        finally:
            process.terminate()
            process.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

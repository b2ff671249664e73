"""A normal request's latency on ``polycontract broker serve`` while 1,000 slow connections are open.

The server runs as a subprocess with its default connection settings (``--header-timeout 10``,
``--body-timeout 60``, ``--keep-alive-timeout 5``, ``--max-connections 2048``) over a fresh SQLite
file on 127.0.0.1. ``--slow`` connections (default 1,000) each send the start of a request head
and then one more header line every ``--drip`` seconds, as a slowloris client does; the server
closes each at its header deadline and the benchmark opens it again at once, so that many stay
open all the time. Meanwhile one client thread sends ``GET /pacticipants`` in turn over a kept-alive
connection and over a new connection each (the slow connections run in a process of their own), and
records every answer's status and latency.

Printed: how many slow connections were open (min/median while measuring), p50/p99/max of the
normal requests answered 200 (kept-alive and new connections apart) and of those refused (a 503 from
the cap, or a connection closed at once when too many wait for one), their statuses, and the server's
peak RSS. The goal: p99 under 100 ms, or a fast 503.

Run:
    python benchmarks/bench_broker_slow_connections.py [--slow 1000] [--seconds 20] [--drip 2]
        [-- extra broker serve options, e.g. --max-connections 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Tally:
    """The normal requests' latencies (seconds) by connection kind, and their statuses."""

    kept: list[float] = field(default_factory=list)
    fresh: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    open_slow: list[int] = field(default_factory=list)


def start_server(folder: Path, extra: list[str]) -> tuple[subprocess.Popen[str], int]:
    """``broker serve`` on 127.0.0.1:0 over a new SQLite file; the process and its port."""
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{folder / 'b.db'}"]
    command += ["--port", "0", "--output", "json", "--log-level", "warning", *extra]
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit("the server did not start:\n" + (folder / "serve.log").read_text())
    return process, int(json.loads(line)["url"].rsplit(":", 1)[1])


async def slow_connection(port: int, drip: float, until: float, open_now: Any) -> None:
    """Keep one slowloris connection open until ``until``, opening it again whenever the server closes it."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        open_now.value += 1
        try:
            writer.write(b"GET /pacticipants HTTP/1.1\r\nHost: broker\r\n")
            while time.monotonic() < until:
                await writer.drain()
                try:
                    await asyncio.wait_for(reader.read(4096), drip)
                    break  # anything from the server (a 408, a 503, the end) ends this connection
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
        except OSError:
            pass
        finally:
            open_now.value -= 1
            writer.close()


async def hold_slow(port: int, count: int, drip: float, until: float, open_now: Any) -> None:
    """``count`` slow connections, opened a few at a time so the server's backlog is not the limit."""
    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(slow_connection(port, drip, until, open_now)))
        if index % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)


def slow_process(port: int, count: int, drip: float, until_wall: float, open_now: Any) -> None:
    """The slow connections, in a process of their own so that they do not slow the measuring client."""
    until = time.monotonic() + (until_wall - time.time())
    asyncio.run(hold_slow(port, count, drip, until, open_now))


def measure(port: int, start: float, until: float, open_now: Any, tally: Tally) -> None:
    """Normal requests from ``start`` to ``until``: kept-alive and new connections in turn."""
    url = f"http://127.0.0.1:{port}/pacticipants"
    while time.monotonic() < start:
        time.sleep(0.05)
    once = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(timeout=30) as kept, httpx.Client(timeout=30, limits=once) as fresh_each:
        turn = 0
        while time.monotonic() < until:
            fresh = turn % 2 == 1
            began = time.monotonic()
            try:
                status = str((fresh_each if fresh else kept).get(url).status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            took = time.monotonic() - began
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            answered = tally.fresh if fresh else tally.kept
            (answered if status == "200" else tally.refused).append(took)
            tally.open_slow.append(open_now.value)
            turn += 1
            time.sleep(0.02)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` in milliseconds, nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=1000, help="slow connections kept open")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to measure")
    parser.add_argument("--drip", type=float, default=2.0, help="seconds between a slow connection's header lines")
    parser.add_argument("serve_options", nargs="*", help="extra broker serve options (after --)")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.slow + 512)), hard))
    with tempfile.TemporaryDirectory() as folder:
        process, port = start_server(Path(folder), args.serve_options)
        try:
            idle_rss = peak_rss_mb(process.pid)
            ramp = max(2.0, args.slow / 400)
            start = time.monotonic() + ramp
            until = start + args.seconds
            open_now, tally = multiprocessing.Value("i", 0), Tally()
            until_wall = time.time() + (until - time.monotonic())
            slow = multiprocessing.Process(target=slow_process, args=(port, args.slow, args.drip, until_wall, open_now))
            slow.start()
            measure(port, start, until, open_now, tally)
            slow.join()
            peak = peak_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
        log_bytes = (Path(folder) / "serve.log").stat().st_size
    opened = tally.open_slow or [0]
    print(f"slow connections open while measuring: min {min(opened)}, median {int(statistics.median(opened))}")
    for name, values in (("kept-alive", tally.kept), ("new connection", tally.fresh), ("refused", tally.refused)):
        p50, p99, top = (percentile(values, q) for q in (0.5, 0.99, 1.0))
        print(f"{name:15} n={len(values):5}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {top:7.1f} ms")
    print(f"statuses: {json.dumps(tally.statuses, sort_keys=True)}")
    print(f"server RSS: {idle_rss:.0f} MB at start, peak {peak:.0f} MB; server log {log_bytes} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

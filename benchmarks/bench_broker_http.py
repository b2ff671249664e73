"""can-i-deploy through ``polycontract broker serve`` (2 workers) at full data scale, on SQLite and PostgreSQL.

The estate is `bench_can_i_deploy`'s (scale 1.0: 100 services x 200 versions, ~300 integrations, 60,000
publications of 12,000 distinct pact documents, 200,000 verifications, deployments and releases in dev/qa/prod),
bulk-inserted straight into the broker's tables. ``--keep-seed`` keeps the seeded SQLite file in the system temp
folder and reuses it on later runs (the file name carries the scale and the schema revision).

The server is a subprocess (``broker serve --workers N --host 127.0.0.1 --port 0``, default log level: an access
line per request, to a file), loaded once every worker has started (the time it took is printed, with each
worker's estate index build: a worker builds its in-memory snapshot before serving); the load comes from another
process (``--client`` mode of this script): C keep-alive connections over raw sockets (asyncio streams, HTTP/1.1),
each sending its next request when the answer arrives. Requests alternate the two forms clients use:
``GET /can-i-deploy?pacticipant=&version=&environment=`` and the Pact CLI's
``GET /matrix?q[][pacticipant]=&q[][version]=&latestby=cvp&environment=``.

Phases: **cold** asks every distinct question once (100 services x 3 recent versions x 3 environments x 2
forms = 1,800; nothing computed before), **warm** asks ``--warm-questions`` of them again and again for
``--seconds`` (what CI polling and repeated pipelines do) after an untimed pass in which every connection asks
each once (so every server worker has answered each). Each phase prints requests/s, p50/p99 latency, the
server's CPU per request (user + system time of every process of the server's process group, from /proc, over
the timed requests) and the load client's CPU, with the goal beside. The machine's cores are shared by server
and client: the client's CPU is printed so the reader can judge.

Run:
    python benchmarks/bench_broker_http.py [--backend sqlite postgresql] [--scale 1.0] [--seconds 10]
        [--clients 16] [--workers 2] [--warm-questions 300] [--keep-seed] [--quick]
PostgreSQL reads POLYCONTRACT_TEST_POSTGRES_URL (a throwaway schema is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_can_i_deploy as estate_bench  # the estate and its seeding, shared

GOAL_RPS, GOAL_P99_MS = 1000.0, 50.0
_BOTH = {"both": ["sqlite", "postgresql"]}
SERVICES = estate_bench.SERVICES
ENVIRONMENTS = estate_bench.ENVIRONMENTS


# -- questions ------------------------------------------------------------------------------------


def questions(scale: float) -> list[str]:
    """Every distinct can-i-deploy request target (path + query) of the benchmark, in a fixed shuffled order."""
    n_versions = max(10, int(200 * scale))
    found = []
    for service in range(SERVICES):
        for back in range(3):
            name, version = f"svc-{service:03d}", f"1.0.{n_versions - 1 - back}"
            for env in ENVIRONMENTS:
                found.append(f"/can-i-deploy?pacticipant={name}&version={version}&environment={env}")
                found.append(
                    f"/matrix?q%5B%5D%5Bpacticipant%5D={name}&q%5B%5D%5Bversion%5D={version}"
                    f"&latestby=cvp&environment={env}"
                )
    random.Random(5).shuffle(found)
    return found


# -- load client (its own process) ----------------------------------------------------------------


async def _ask(
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], target: str, latencies: list[float] | None
) -> bool:
    """One request on a keep-alive connection; True when it was answered 200 with a can-i-deploy summary."""
    reader, writer = streams
    started = time.perf_counter()
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/hal+json\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
    body = await reader.readexactly(length)
    if latencies is not None:
        latencies.append(time.perf_counter() - started)
    return head.startswith(b"HTTP/1.1 200") and b'"deployable"' in body


async def _run(
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    targets: list[str],
    until: float,
    latencies: list[float] | None,
) -> int:
    """Ask ``targets`` in turn on one connection: once each, or cycling until monotonic ``until`` (when > 0)."""
    failures, i = 0, 0
    while time.monotonic() < until if until else i < len(targets):
        failures += not await _ask(streams, targets[i % len(targets)], latencies)
        i += 1
    return failures


async def _load(port: int, targets: list[str], clients: int, seconds: float) -> dict[str, object]:
    """Cold (``seconds`` 0): the connections share ``targets``, each asked once. Warm: every connection first asks
    every target once (untimed, so each server worker has computed each answer; prints ``filled``), then the
    connections cycle through them for ``seconds``."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]
    latencies: list[float] = []
    if seconds:
        offsets = [i * len(targets) // clients for i in range(clients)]
        shares = [targets[o:] + targets[:o] for o in offsets]
        await asyncio.gather(*[_run(c, s, 0.0, None) for c, s in zip(connections, shares, strict=True)])
        print("filled", flush=True)
        sys.stdin.readline()  # the parent has read the server's CPU time
    else:
        shares = [targets[i::clients] for i in range(clients)]
    until = time.monotonic() + seconds if seconds else 0.0
    started, cpu = time.monotonic(), time.process_time()
    failures = await asyncio.gather(*[_run(c, s, until, latencies) for c, s in zip(connections, shares, strict=True)])
    result = {"elapsed": time.monotonic() - started, "client_cpu": time.process_time() - cpu}
    for _, writer in connections:
        writer.close()
    return {**result, "latencies": latencies, "failures": sum(failures)}


def client_main(port: int, targets_file: str, clients: int, seconds: float) -> None:
    """``--client`` mode: load the server, print the figures as one JSON line."""
    targets = json.loads(Path(targets_file).read_text())
    print(json.dumps(asyncio.run(_load(port, targets, clients, seconds))), flush=True)


# -- server ---------------------------------------------------------------------------------------


def start_server(db_url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``broker serve`` on 127.0.0.1 port 0; returns the process (own process group) and the bound port."""
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", db_url]
    command += ["--host", "127.0.0.1", "--port", "0", "--workers", str(workers), "--output", "json"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    deadline = started + 120
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text(errors="replace")
        found = re.search(r'"url": "http://127\.0\.0\.1:(\d+)"', text)
        # every worker has started (built what it builds at start), so each takes its share of the connections
        ready = text.count("Application startup complete") >= workers
        if found and found.group(1) != "0" and ready and _healthy(int(found.group(1))):
            builds = re.findall(r"estate index built in ([\d.]+)s", text)
            print(
                f"  server ready in {time.monotonic() - started:.1f}s"
                + (f" (estate index built per worker in {', '.join(builds)} s)" if builds else ""),
                flush=True,
            )
            return process, int(found.group(1))
        time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("the server did not start:\n" + log.read_text(errors="replace"))


def _healthy(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL it if it has not exited after 20 s."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after ")": state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# -- database -------------------------------------------------------------------------------------


def seeded_sqlite(scale: float, folder: Path, keep: bool) -> tuple[str, str]:
    """A seeded SQLite file (reused from the temp folder with ``keep``); returns its URL and how it was made."""
    from polycontract.broker._store.tables import SCHEMA_REVISION

    cached = Path(tempfile.gettempdir()) / f"polycontract-bench-broker-http-{scale:g}-{SCHEMA_REVISION}.db"
    target = folder / "broker.db"
    if keep and cached.exists():
        shutil.copyfile(cached, target)
        return f"sqlite:///{target}", f"reused {cached}"
    seconds = estate_bench.seed(f"sqlite:///{target}", estate_bench.build_estate(scale))
    if keep:
        shutil.copyfile(target, cached)
    return f"sqlite:///{target}", f"seeded in {seconds:.1f}s"


@contextmanager
def database(backend: str, scale: float, folder: Path, keep: bool) -> Iterator[tuple[str, str]]:
    """The URL of a seeded database of ``backend`` and a note on how it was made."""
    if backend == "sqlite":
        yield seeded_sqlite(scale, folder, keep)
        return
    with estate_bench.database("postgresql") as url:
        seconds = estate_bench.seed(url, estate_bench.build_estate(scale))
        yield url, f"seeded in {seconds:.1f}s"


# -- one run --------------------------------------------------------------------------------------


def _phase(name: str, port: int, pgid: int, targets: list[str], folder: Path, clients: int, seconds: float) -> None:
    """Run one load client process and print its figures with the server's CPU time over the timed part."""
    targets_file = folder / f"{name}.json"
    targets_file.write_text(json.dumps(targets))
    command = [sys.executable, __file__, "--client", str(port), str(targets_file), str(clients), str(seconds)]
    client = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert client.stdin is not None and client.stdout is not None
    if seconds and client.stdout.readline().strip() != "filled":
        raise RuntimeError("the load client failed before the warm phase")
    cpu_before = group_cpu_seconds(pgid)
    client.stdin.write("go\n")
    client.stdin.flush()
    out = client.stdout.read()
    server_cpu = group_cpu_seconds(pgid) - cpu_before
    if client.wait() != 0:
        raise RuntimeError("the load client failed")
    result = json.loads(out.strip().splitlines()[-1])
    latencies = sorted(result["latencies"])
    n, elapsed = len(latencies), result["elapsed"]
    p50 = latencies[n // 2] * 1000 if n else 0.0
    p99 = latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0
    rps = n / elapsed if elapsed else 0.0
    verdict = "met" if rps >= GOAL_RPS and p99 <= GOAL_P99_MS else "NOT met"
    print(
        f"  {name:<5} {n:>6} req {rps:>8.0f} req/s (goal >= {GOAL_RPS:.0f})  p50 {p50:>6.2f} ms  "
        f"p99 {p99:>6.2f} ms (goal <= {GOAL_P99_MS:.0f})  server CPU {server_cpu / max(n, 1) * 1000:>5.2f} ms/req  "
        f"client CPU {result['client_cpu'] / max(elapsed, 1e-9):.2f} cores  failed {result['failures']}  [{verdict}]",
        flush=True,
    )


def bench(backend: str, args: argparse.Namespace, folder: Path) -> None:
    """Seed ``backend``, serve it, and print the cold and warm phases."""
    with database(backend, args.scale, folder, args.keep_seed) as (url, how):
        asked = questions(args.scale)
        process, port = start_server(url, args.workers, folder / f"serve-{backend}.log")
        try:
            print(
                f"{backend}: scale {args.scale:g} ({how}), --workers {args.workers}, {args.clients} keep-alive "
                f"connections from a separate process, {os.cpu_count()} CPU(s) shared by server and client",
                flush=True,
            )
            _phase("cold", port, process.pid, asked, folder, args.clients, 0.0)
            _phase("warm", port, process.pid, asked[: args.warm_questions], folder, args.clients, args.seconds)
        finally:
            stop_server(process)


def main() -> None:
    """Parse arguments (or run as the load client) and benchmark each backend."""
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _, _, port, targets, clients, seconds = sys.argv
        client_main(int(port), targets, int(clients), float(seconds))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--backend", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql", "both"]
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the warm phase")
    parser.add_argument("--clients", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-questions", type=int, default=300, help="distinct questions of the warm phase")
    parser.add_argument("--keep-seed", action="store_true", help="reuse (or keep) the seeded SQLite file in temp")
    parser.add_argument("--quick", action="store_true", help="scale 0.1, 3 s warm phase")
    args = parser.parse_args()
    args.backend = list(dict.fromkeys(b for name in args.backend for b in _BOTH.get(name, [name])))
    if args.quick:
        args.scale, args.seconds = 0.1, 3.0
    if "postgresql" in args.backend and not os.environ.get("POLYCONTRACT_TEST_POSTGRES_URL"):
        print("postgresql skipped: POLYCONTRACT_TEST_POSTGRES_URL is not set")
        args.backend = [b for b in args.backend if b != "postgresql"]
    with tempfile.TemporaryDirectory(prefix="pc-bench-http-") as tmp:
        for backend in args.backend:
            bench(backend, args, Path(tmp))


if __name__ == "__main__":
    main()

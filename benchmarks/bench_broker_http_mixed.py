"""Mixed write and read load on ``polycontract broker serve`` (publish, verification, deployment, can-i-deploy), with
the database checked against every acknowledged write. can-i-deploy alone at full scale: ``bench_broker_http.py``.

N client threads mixing the four calls CI makes, on SQLite and PostgreSQL.

The server runs as a subprocess (``--workers 2``, 127.0.0.1, ``--port 0``; the bound port is read from
uvicorn's "running on" line). Each client thread owns one `HttpBroker` (httpx, no retries, so every
answer is counted once) and one consumer ``web-<thread>``; for ``--seconds`` it mixes

* ``publish``       -- ``publish_pact`` of a new consumer version (``POST /contracts/publish``),
* ``verification``  -- ``publish_verification`` of that thread's latest pact by provider ``api``,
* ``deployment``    -- ``record_deployment`` of that thread's latest consumer version to ``prod``
  (recording the version already deployed is acknowledged but adds no row, so only changes count),
* ``can-i-deploy``  -- ``can_i_deploy`` of that version to ``prod`` (``GET /matrix``).

Afterwards the database is counted directly: rows added to publications, verifications and
deployments must equal the writes the server acknowledged (a failed call may or may not have
landed, so with errors the check is ``acknowledged <= rows <= acknowledged + failed``).

Latencies are per call as a client sees it: ``verification`` is two requests (it looks the pact up
first), the others one. ``--only OP`` loads with one operation (the floors are per operation).
``--nodelay-fix`` serves with uvicorn's pre-bound listener rebuilt as TCP (uvicorn issue #3149:
with ``--workers N`` no accepted connection gets ``TCP_NODELAY``, so every keep-alive response
waits ~40 ms for the client's delayed ACK) to show the figures once ``broker serve`` fixes that.

Run:
    python benchmarks/bench_broker_http_mixed.py [--clients 8] [--seconds 10] [--backend sqlite|postgresql|both]
        [--workers 2] [--only publish|verification|deployment|can-i-deploy] [--nodelay-fix]
PostgreSQL reads POLYCONTRACT_TEST_POSTGRES_URL (a throwaway schema is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from polycontract.broker._client.http_broker import HttpBroker
from polycontract.model import HttpInteraction, PactDocument, Request, Response

POSTGRES_ENV = "POLYCONTRACT_TEST_POSTGRES_URL"
OPERATIONS = ("publish", "verification", "deployment", "can-i-deploy")
#: Share of each operation in the mix (can-i-deploy dominates, as in CI pipelines).
WEIGHTS = (2, 2, 1, 5)
#: Tables whose row count grows by exactly one per acknowledged write.
WRITE_TABLES = {"publish": "pc_publications", "verification": "pc_verifications", "deployment": "pc_deployments"}


def pact_for(consumer: str) -> PactDocument:
    """A small pact of ``consumer`` on provider ``api`` (three GET interactions)."""
    interactions = tuple(
        HttpInteraction(description=f"get {p}", request=Request(method="GET", path=p), response=Response(status=200))
        for p in ("/items", "/items/1", "/health")
    )
    return PactDocument(consumer=consumer, provider="api", interactions=interactions)


# -- database ------------------------------------------------------------------------------------


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema of ``base``, dropped (with all its objects) on exit."""
    import psycopg

    schema = f"pc_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def count_rows(db_url: str) -> dict[str, int]:
    """Rows per write table, read straight from the database (not through the server)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return {
                op: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for op, t in WRITE_TABLES.items()
            }
    finally:
        engine.dispose()


# -- server --------------------------------------------------------------------------------------


@dataclass
class Server:
    """A ``polycontract broker serve`` subprocess (its own process group) and its base URL."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """Signal the server's process group and wait; SIGKILL the group if it does not exit in time."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


#: Run the CLI with uvicorn's pre-bound listener rebuilt as ``IPPROTO_TCP`` (uvicorn issue #3149):
#: with ``--workers N`` the listener has ``proto == 0``, so asyncio never sets ``TCP_NODELAY`` on
#: accepted connections and each keep-alive response waits ~40 ms for the client's delayed ACK.
NODELAY_FIX = """
import socket
import uvicorn.config

_bind = uvicorn.config.Config.bind_socket


def bind_socket(self):
    sock = _bind(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


uvicorn.config.Config.bind_socket = bind_socket
from polycontract.cli import main

main()
"""


def start_server(
    db_url: str, workers: int, log_dir: Path, *, timeout: float = 60.0, nodelay_fix: bool = False
) -> Server:
    """Start ``broker serve --port 0`` on 127.0.0.1 and wait until it answers ``/health``.

    ``nodelay_fix`` starts the CLI with `NODELAY_FIX` applied (what the figures would be once
    ``broker serve`` sets ``TCP_NODELAY`` with several workers).
    """
    log = log_dir / f"serve-{uuid.uuid4().hex[:8]}.log"
    entry = ["-c", NODELAY_FIX] if nodelay_fix else ["-m", "polycontract.cli"]
    command = [sys.executable, *entry, "broker", "serve", "--db", db_url]
    command += ["--host", "127.0.0.1", "--port", "0", "--workers", str(workers), "--log-level", "info"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, "", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:(\d+))", log.read_text(errors="replace"))
        if found and found.group(2) != "0" and _healthy(found.group(1)):  # workers listen after the bind line
            server.url = found.group(1)
            return server
        if process.poll() is not None:
            break
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise RuntimeError("the server did not start:\n" + log.read_text(errors="replace"))


def _healthy(url: str) -> bool:
    """True when ``GET /health`` answers 200 (the workers are accepting connections)."""
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


# -- load ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """One client thread's latencies (seconds) and failures per operation."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    failures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPERATIONS, 0))
    errors: list[str] = field(default_factory=list)
    new_deployments: int = 0
    crashed: bool = False


def run_client(
    url: str, index: int, until: float, tally: Tally, *, weights: tuple[int, ...] = WEIGHTS, max_calls: int = 1_000_000
) -> None:
    """Mix the four operations (by ``weights``) against ``url`` until monotonic ``until`` (at most ``max_calls``)."""
    rng = random.Random(index)
    consumer = f"web-{index}"
    pact = pact_for(consumer)
    with HttpBroker(url, retries=0, timeout=30.0) as broker:
        broker.publish_pact(pact, consumer_version=f"{index}.0", branch="main")
        tally.latencies["publish"].append(0.0)  # acknowledged write: counted, latency excluded below
        latest, published, verified, deployed = f"{index}.0", 0, 0, ""
        for _ in range(max_calls):
            if time.monotonic() >= until:
                break
            op = rng.choices(OPERATIONS, weights)[0]
            started = time.perf_counter()
            try:
                if op == "publish":
                    version = f"{index}.{published + 1}"
                    broker.publish_pact(pact, consumer_version=version, branch="main")
                    published, latest = published + 1, version
                elif op == "verification":
                    verified += 1
                    broker.publish_verification(
                        provider="api",
                        provider_version=f"api-{index}.{verified}",
                        consumer=consumer,
                        consumer_version=latest,
                        success=True,
                        branch="main",
                    )
                elif op == "deployment":
                    broker.record_deployment(consumer, latest, "prod")
                    if latest != deployed:  # redeploying the deployed version adds no row
                        deployed = latest
                        tally.new_deployments += 1
                else:
                    broker.can_i_deploy(consumer, latest, to_environment="prod")
            except Exception as error:  # counted and reported, the load goes on
                tally.failures[op] += 1
                if len(tally.errors) < 5:
                    tally.errors.append(f"{op}: {type(error).__name__}: {error}"[:300])
                continue
            tally.latencies[op].append(time.perf_counter() - started)


def _guarded(url: str, index: int, until: float, tally: Tally, weights: tuple[int, ...]) -> None:
    """`run_client`, recording a crash of the thread itself (a failed seed publish, a bug) in ``tally``."""
    try:
        run_client(url, index, until, tally, weights=weights)
    except Exception as error:
        tally.crashed = True
        tally.errors.append(f"client {index} crashed: {type(error).__name__}: {error}"[:300])


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def bench(
    db_url: str,
    label: str,
    *,
    clients: int,
    seconds: float,
    workers: int,
    log_dir: Path,
    nodelay_fix: bool = False,
    only: str | None = None,
) -> bool:
    """Load one server over ``db_url``; print per-operation figures; True when every write is accounted for."""
    server = start_server(db_url, workers, log_dir, nodelay_fix=nodelay_fix)
    try:
        with HttpBroker(server.url, retries=0) as admin:
            admin.create_environment("prod", production=True)
        before = count_rows(db_url)
        tallies = [Tally() for _ in range(clients)]
        weights = WEIGHTS if only is None else tuple(int(op == only) for op in OPERATIONS)
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=_guarded, args=(server.url, i, until, tallies[i], weights), daemon=True)
            for i in range(clients)
        ]
        started, client_cpu = time.monotonic(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        elapsed = time.monotonic() - started
        client_cpu = time.process_time() - client_cpu  # the load generator shares the machine's cores
        hung = sum(thread.is_alive() for thread in threads) + sum(tally.crashed for tally in tallies)
    finally:
        server.stop()
    after = count_rows(db_url)
    fix = (", TCP_NODELAY fix" if nodelay_fix else "") + (f", only {only}" if only else ", mixed")
    print(f"\n== {label}: {clients} clients, {seconds:g}s, --workers {workers}{fix}, {os.cpu_count()} CPU(s) ==")
    print(f"{'operation':<14}{'ok':>8}{'failed':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    total, consistent = 0, hung == 0
    for op in OPERATIONS:
        timed = [t for tally in tallies for t in tally.latencies[op] if t > 0.0]
        failed = sum(tally.failures[op] for tally in tallies)
        total += len(timed)
        print(
            f"{op:<14}{len(timed):>8}{failed:>8}{len(timed) / elapsed:>9.1f}"
            f"{percentile(timed, 0.5) * 1000:>9.1f}{percentile(timed, 0.99) * 1000:>9.1f}"
        )
    print(f"{'all':<14}{total:>8}{'':>8}{total / elapsed:>9.1f}   (client threads used {client_cpu / elapsed:.2f} CPU)")
    for op, table in WRITE_TABLES.items():
        acknowledged = sum(
            tally.new_deployments if op == "deployment" else len(tally.latencies[op]) for tally in tallies
        )
        failed = sum(tally.failures[op] for tally in tallies)
        rows = after[op] - before[op]
        ok = acknowledged <= rows <= acknowledged + failed
        consistent &= ok
        verdict = "OK" if ok else "MISMATCH"
        print(f"accounting {op:<13} acknowledged={acknowledged} rows added to {table}={rows} -> {verdict}")
    for error in {e for tally in tallies for e in tally.errors}:
        print(f"  error sample: {error}")
    if hung:
        print(f"  {hung} client thread(s) crashed or did not finish")
    return consistent


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the chosen backends, exit 1 when any write is unaccounted for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--nodelay-fix", action="store_true", help="serve with uvicorn's listener patched for TCP_NODELAY (#3149)"
    )
    parser.add_argument("--only", choices=OPERATIONS, default=None, help="load with one operation instead of the mix")
    args = parser.parse_args(argv)
    run = {
        "only": args.only,
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "nodelay_fix": args.nodelay_fix,
    }
    ok = True
    with tempfile.TemporaryDirectory(prefix="pc-bench-http-") as tmp:
        log_dir = Path(tmp)
        if args.backend in ("sqlite", "both"):
            ok &= bench(f"sqlite:///{log_dir / 'broker.db'}", "sqlite", log_dir=log_dir, **run)
        if args.backend in ("postgresql", "both"):
            base = os.environ.get(POSTGRES_ENV)
            if not base:
                print(f"postgresql skipped: {POSTGRES_ENV} is not set")
            else:
                with postgres_schema(base) as url:
                    ok &= bench(url, "postgresql", log_dir=log_dir, **run)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

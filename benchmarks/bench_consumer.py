"""Consumer-test throughput: polycontract's mock provider and pact writing against pact-python 4's.

N interactions in 4 rotating shapes (GET a user: integer, string, regex, decimal, datetime and
each_like; GET orders with a regex query and nested each_like; POST with a regex auth header, a JSON
body and a regex Location header; DELETE -> 204); 3 of 4 have a provider state with parameters. Each
interaction is exercised once with httpx, then the pact is written.

Modes (polycontract):

* ``per-test``: what one test per interaction does with the pytest plugin: a new ``Pact``, one
  interaction, one mock server on a real socket, one request; the interactions are collected as the
  plugin collects them and the pact file is written once at the end.
* ``bulk``: one ``Pact`` with all N interactions and one mock server; prints the per-request latency.
* ``transport``: one ``Pact`` with all N served in-process by ``pact.transport()`` (no socket); also
  times the same requests through plain httpx with a do-nothing ``httpx.MockTransport``, the floor.

pact-python 4 (if installed) then does the per-test work the way its docs do (a new ``Pact``, one
mock server and ``write_file()`` merging into the pact file per test), on at most ``--pp-sample``
interactions: its per-interaction cost grows with N (the merge is quadratic), so a sample
overstates its throughput and the ratio printed is conservative.

polycontract's work is timed ``--repeat`` times (default 5) after a warm-up, and the run with the median
total is reported with every run's rate: this kind of machine's speed varies from run to run.

Run: python benchmarks/bench_consumer.py 1000 --mode per-test
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polycontract import Pact, match
from polycontract.files import write_pact
from polycontract.pytest_plugin._pact_files import Collected

DATETIME = "2024-01-02T03:04:05+0000"

#: Issue 17: polycontract per-test at least this many times pact-python per-test, measured in the same run.
GOAL_RATIO = 25.0


def declare(pact: Pact, i: int) -> None:
    """Declare interaction ``i`` (shape ``i % 4``) with polycontract's DSL."""
    shape = i % 4
    if shape == 0:
        pact.given("user exists", id=i).upon_receiving(f"get user {i}").with_request(
            "GET", f"/users/{i}", headers={"Accept": "application/json"}
        ).will_respond_with(
            200,
            body={
                "id": match.integer(i),
                "name": match.string("Ann"),
                "email": match.regex(r"[^@]+@[^@]+\.\w+", "ann@example.com"),
                "balance": match.decimal(12.5),
                "joined": match.datetime(DATETIME),
                "tags": match.each_like("admin"),
            },
        )
    elif shape == 1:
        pact.given("customer has orders", customer=i, count=2).upon_receiving(f"list orders {i}").with_request(
            "GET", "/orders", query={"customer": str(i), "limit": match.regex(r"\d+", "10")}
        ).will_respond_with(
            200,
            body={
                "orders": match.each_like(
                    {"id": match.integer(1), "total": match.decimal(9.99), "placed": match.datetime(DATETIME)}
                ),
                "next": match.like("/orders?page=2"),
            },
        )
    elif shape == 2:
        pact.upon_receiving(f"create user {i}").with_request(
            "POST",
            "/users",
            headers={"Authorization": match.regex(r"Bearer \w+", "Bearer abc123")},
            body={"name": f"user {i}", "email": f"u{i}@example.com"},
        ).will_respond_with(
            201,
            headers={"Location": match.regex(r"/users/\d+", f"/users/{i}")},
            body={"id": match.integer(i), "name": f"user {i}"},
        )
    else:
        pact.given("user exists", id=i).upon_receiving(f"delete user {i}").with_request(
            "DELETE", f"/users/{i}"
        ).will_respond_with(204)


def declare_pact_python(pact: Any, i: int) -> None:
    """The same interaction with pact-python 4's DSL."""
    from pact import match as pm

    shape = i % 4
    dt_format = "%Y-%m-%dT%H:%M:%S%z"
    if shape == 0:
        pact.upon_receiving(f"get user {i}").given("user exists", id=i).with_request("GET", f"/users/{i}").with_header(
            "Accept", "application/json"
        ).will_respond_with(200).with_body(
            {
                "id": pm.int(i),
                "name": pm.str("Ann"),
                "email": pm.regex("ann@example.com", regex=r"[^@]+@[^@]+\.\w+"),
                "balance": pm.decimal(12.5),
                "joined": pm.datetime(DATETIME, format=dt_format),
                "tags": pm.each_like("admin"),
            },
            content_type="application/json",
        )
    elif shape == 1:
        pact.upon_receiving(f"list orders {i}").given("customer has orders", customer=i, count=2).with_request(
            "GET", "/orders"
        ).with_query_parameter("customer", str(i)).with_query_parameter(
            "limit", pm.regex("10", regex=r"\d+")
        ).will_respond_with(200).with_body(
            {
                "orders": pm.each_like(
                    {"id": pm.int(1), "total": pm.decimal(9.99), "placed": pm.datetime(DATETIME, format=dt_format)}
                ),
                "next": pm.like("/orders?page=2"),
            },
            content_type="application/json",
        )
    elif shape == 2:
        pact.upon_receiving(f"create user {i}").with_request("POST", "/users").with_header(
            "Authorization", pm.regex("Bearer abc123", regex=r"Bearer \w+")
        ).with_body(
            {"name": f"user {i}", "email": f"u{i}@example.com"}, content_type="application/json"
        ).will_respond_with(201).with_header("Location", pm.regex(f"/users/{i}", regex=r"/users/\d+")).with_body(
            {"id": pm.int(i), "name": f"user {i}"}, content_type="application/json"
        )
    else:
        pact.upon_receiving(f"delete user {i}").given("user exists", id=i).with_request(
            "DELETE", f"/users/{i}"
        ).will_respond_with(204)


def exercise(client: httpx.Client, base: str, i: int) -> None:
    """Send the request of interaction ``i`` as the consumer would, and check the answer."""
    shape = i % 4
    if shape == 0:
        response = client.get(f"{base}/users/{i}", headers={"Accept": "application/json"})
        expected = 200
    elif shape == 1:
        response = client.get(f"{base}/orders", params={"customer": str(i), "limit": "10"})
        expected = 200
    elif shape == 2:
        response = client.post(
            f"{base}/users",
            headers={"Authorization": "Bearer abc123"},
            json={"name": f"user {i}", "email": f"u{i}@example.com"},
        )
        expected = 201
    else:
        response = client.delete(f"{base}/users/{i}")
        expected = 204
    if response.status_code != expected:
        raise SystemExit(f"interaction {i}: status {response.status_code}: {response.text[:500]}")


# --------------------------------------------------------------------------------------- polycontract


@dataclass
class Timings:
    """Seconds spent declaring, exercising (requests through the mock provider) and writing the pact."""

    declare: float = 0.0
    exercise: float = 0.0
    write: float = 0.0
    latencies: list[float] = field(default_factory=list)
    #: CPU seconds of the whole run (this process): steadier than wall time on a busy machine.
    cpu: float = 0.0

    @property
    def total(self) -> float:
        """Wall time of the whole run."""
        return self.declare + self.exercise + self.write


def per_test(n: int, out: Path) -> Timings:
    """One Pact, one mock server (real socket) and one request per interaction; one write at the end."""
    collected = Collected()
    timings = Timings()
    with httpx.Client() as client:
        for i in range(n):
            t0 = time.perf_counter()
            pact = Pact(consumer="web", provider="api")
            declare(pact, i)
            t1 = time.perf_counter()
            with pact.serve() as server:
                exercise(client, server.url, i)
            t2 = time.perf_counter()
            model = pact.to_model()
            collected.check(model, f"test_{i}")
            collected.add(model, f"test_{i}")
            timings.declare += t1 - t0
            timings.exercise += t2 - t1
            timings.write += time.perf_counter() - t2
    t0 = time.perf_counter()
    written = collected.write(out)
    timings.write += time.perf_counter() - t0
    assert written[0].interactions == n, written
    return timings


def _one_pact(n: int, timings: Timings) -> Pact:
    t0 = time.perf_counter()
    pact = Pact(consumer="web", provider="api")
    for i in range(n):
        declare(pact, i)
    timings.declare = time.perf_counter() - t0
    return pact


def _write(pact: Pact, out: Path, timings: Timings) -> None:
    t0 = time.perf_counter()
    written = write_pact(pact.to_model(), out, mode="overwrite")
    timings.write = time.perf_counter() - t0
    assert written.interactions == len(pact.interactions), written


def bulk(n: int, out: Path) -> Timings:
    """All interactions in one mock server on a real socket, with each request's latency."""
    timings = Timings()
    pact = _one_pact(n, timings)
    t0 = time.perf_counter()
    with pact.serve() as server, httpx.Client() as client:
        for i in range(n):
            start = time.perf_counter()
            exercise(client, server.url, i)
            timings.latencies.append(time.perf_counter() - start)
    timings.exercise = time.perf_counter() - t0
    _write(pact, out, timings)
    return timings


def httpx_floor(n: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same N requests through plain httpx with a do-nothing ``httpx.MockTransport``.

    What httpx itself costs per request (building the request, the client's bookkeeping, the response):
    the in-process transport cannot be faster than this.
    """
    statuses = {"GET": 200, "POST": 201, "DELETE": 204}
    ok = httpx.MockTransport(lambda request: httpx.Response(statuses[request.method], content=b"{}"))
    with httpx.Client(transport=ok, base_url="http://api") as client:
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            exercise(client, "", i)
        return time.perf_counter() - start, time.process_time() - cpu


def transport(n: int, out: Path) -> Timings:
    """All interactions served in-process by the httpx transport (no socket)."""
    timings = Timings()
    pact = _one_pact(n, timings)
    t0 = time.perf_counter()
    with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
        for i in range(n):
            exercise(client, "", i)
    timings.exercise = time.perf_counter() - t0
    _write(pact, out, timings)
    return timings


# --------------------------------------------------------------------------------------- pact-python


def pact_python_per_test(n: int, out: Path) -> float | None:
    """pact-python 4 the way its docs' function-scoped fixture does it; None if it is not installed."""
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
    try:
        from pact import Pact as PactPython
    except ImportError:
        return None
    start = time.perf_counter()
    with httpx.Client() as client:
        for i in range(n):
            pact = PactPython("web", "api").with_specification("V4")
            declare_pact_python(pact, i)
            with pact.serve(addr="127.0.0.1") as server:
                exercise(client, str(server.url).rstrip("/"), i)
            pact.write_file(out)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------- main


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run the chosen mode, then pact-python's per-test work, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of interactions")
    parser.add_argument("--mode", choices=["per-test", "bulk", "transport"], default="per-test")
    parser.add_argument("--pp-sample", type=int, default=100, help="at most this many interactions for pact-python")
    parser.add_argument("--no-pact-python", action="store_true", help="skip the pact-python comparison")
    parser.add_argument("--repeat", type=int, default=5, help="time polycontract this many times; report the median")
    args = parser.parse_args(argv)
    n: int = args.n
    runs: dict[str, Callable[[int, Path], Timings]] = {"per-test": per_test, "bulk": bulk, "transport": transport}

    with tempfile.TemporaryDirectory() as tmp:
        runs[args.mode](min(n, 20), Path(tmp, "warm-up"))  # imports, regex compilation, first sockets
        done: list[Timings] = []
        for attempt in range(args.repeat):
            cpu = time.process_time()
            run = runs[args.mode](n, Path(tmp, f"polycontract-{attempt}"))
            run.cpu = time.process_time() - cpu
            done.append(run)
        # The run with the median total: this machine's speed varies from run to run, so one run can mislead.
        timings = sorted(done, key=lambda t: t.total)[len(done) // 2]
        rate = n / timings.total
        each = ", ".join(f"{n / t.total:,.0f}" for t in done)
        print(
            f"polycontract {args.mode}: N={n} in {timings.total:.3f} s = {rate:,.0f} interactions/s "
            f"(median of {len(done)} runs: {each})"
        )
        print(
            f"  declare {timings.declare:.3f} s, exercise {timings.exercise:.3f} s "
            f"({n / timings.exercise:,.0f} requests/s), write {timings.write:.3f} s; "
            f"CPU {timings.cpu:.3f} s = {n / timings.cpu:,.0f} interactions/s of CPU time"
        )
        if args.mode == "transport":
            floors = sorted((httpx_floor(n) for _ in range(args.repeat)), key=lambda f: f[0])
            wall, cpu_floor = floors[len(floors) // 2]
            print(
                f"  httpx alone (do-nothing httpx.MockTransport, same requests, median of {len(floors)} runs): "
                f"{n / wall:,.0f} requests/s ({wall / n * 1e6:.0f} us/request; CPU {cpu_floor / n * 1e6:.0f} "
                f"us/request) of the {timings.total / n * 1e6:.0f} us/interaction above"
            )
        if timings.latencies:
            latencies = timings.latencies
            p95 = statistics.quantiles(latencies, n=20)[-1] if n >= 20 else max(latencies)
            print(
                f"  per-request latency: median {_ms(statistics.median(latencies))}, p95 {_ms(p95)}, "
                f"max {_ms(max(latencies))}"
            )
        if args.no_pact_python:
            return
        sample = min(n, args.pp_sample)
        theirs = pact_python_per_test(sample, Path(tmp, "pact-python"))
        if theirs is None:
            print("pact-python is not installed: no comparison")
            return
        their_rate = sample / theirs
        note = f" (timed on a sample of {sample} of the {n}; it slows down as N grows)" if sample < n else ""
        print(f"pact-python 4 per-test: N={sample} in {theirs:.3f} s = {their_rate:,.1f} interactions/s{note}")
        ratio = rate / their_rate
        verdict = (
            ""
            if args.mode != "per-test"
            else f" (goal >= {GOAL_RATIO:g}x: {'met' if ratio >= GOAL_RATIO else 'NOT met'})"
        )
        print(f"ratio: polycontract {args.mode} is {ratio:,.1f}x pact-python per-test{verdict}")


if __name__ == "__main__":
    main()

"""Mock provider on a busy path: N interactions on one method and path, a request and its repeats.

GraphQL-like: every interaction is ``POST /graphql`` with a JSON body ``{"query": "<operation i>",
"variables": {"id": <integer matcher>}}`` and an ``X-Tenant`` header, so they differ only by the literal
``query`` field of the body; a second set of N is ``GET /search?q=<i>&page=<regex matcher>``, differing only
by a query parameter. For N = 10, 100, 1,000 and 10,000 the benchmark sends the request of the last declared
interaction (the worst place for a scan) through a real socket (``pact.serve()``, one keep-alive httpx
client) and in-process (``pact.transport()``):

* cold: its first request (the connection already open);
* warm: the median of ``--repeat`` repeats of the same request, each answered again by the same interaction.

Each figure is printed with its ratio to N=10 and the goal (within 2x of N=10). No peer: pact-python's
mock server has no equivalent public measure (its interactions on one path are matched by a scan too).

Run: python benchmarks/bench_mock.py [--sizes 10,100,1000,10000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polycontract import Pact, match

GOAL = 2.0


def graphql_pact(n: int) -> Pact:
    """N interactions on ``POST /graphql`` differing by the body's literal ``query`` field."""
    pact = Pact(consumer="web", provider="api")
    for i in range(n):
        pact.upon_receiving(f"operation {i}").with_request(
            "POST",
            "/graphql",
            headers={"X-Tenant": "acme"},
            body={"query": f"query Op{i} {{ user(id: $id) {{ name{i} }} }}", "variables": {"id": match.integer(7)}},
        ).will_respond_with(200, body={"data": {"user": {"name": match.string(f"user {i}")}}})
    return pact


def search_pact(n: int) -> Pact:
    """N interactions on ``GET /search`` differing by the literal query parameter ``q``."""
    pact = Pact(consumer="web", provider="api")
    for i in range(n):
        pact.upon_receiving(f"search {i}").with_request(
            "GET", "/search", query={"q": f"term {i}", "page": match.regex(r"\d+", "1")}
        ).will_respond_with(200, body={"hits": match.each_like({"id": match.integer(i)})})
    return pact


def graphql_request(client: httpx.Client, base: str, i: int) -> httpx.Response:
    """The request of GraphQL interaction ``i``."""
    body = {"query": f"query Op{i} {{ user(id: $id) {{ name{i} }} }}", "variables": {"id": 42}}
    return client.post(f"{base}/graphql", json=body, headers={"X-Tenant": "acme"})


def search_request(client: httpx.Client, base: str, i: int) -> httpx.Response:
    """The request of search interaction ``i``."""
    return client.get(f"{base}/search", params={"q": f"term {i}", "page": "3"})


def _timed(send: Callable[[], httpx.Response]) -> float:
    start = time.perf_counter()
    response = send()
    took = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:500]}")
    return took


def measure(
    pact: Pact, request: Callable[[httpx.Client, str, int], httpx.Response], n: int, repeat: int, *, socket: bool
) -> tuple[float, float]:
    """Seconds of the first request of the last interaction and the median of its repeats."""
    last = n - 1
    if socket:
        with pact.serve() as server, httpx.Client() as client:
            _timed(lambda: request(client, server.url, 0))  # opens the connection
            cold = _timed(lambda: request(client, server.url, last))
            warm = [_timed(lambda: request(client, server.url, last)) for _ in range(repeat)]
            for i in range(1, last):  # every interaction exercised: the mock's report stays clean
                request(client, server.url, i)
    else:
        with httpx.Client(transport=pact.transport(), base_url="http://api") as client:
            _timed(lambda: request(client, "", 0))
            cold = _timed(lambda: request(client, "", last))
            warm = [_timed(lambda: request(client, "", last)) for _ in range(repeat)]
            for i in range(1, last):
                request(client, "", i)
    return cold, statistics.median(warm)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us" if seconds < 0.01 else f"{seconds * 1e3:,.1f} ms"


def main(argv: list[str] | None = None) -> None:
    """Run every shape, size and transport; print cold and warm latencies with their ratio to N=10."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000", help="comma-separated N; the first is the base")
    parser.add_argument("--repeat", type=int, default=200, help="repeats of the measured request (median)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size; the minimum of each figure is kept")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = {
        "graphql (POST /graphql, by body field)": (graphql_pact, graphql_request),
        "search (GET /search, by query parameter)": (search_pact, search_request),
    }
    measure(graphql_pact(10), graphql_request, 10, 20, socket=True)  # warm-up: imports, first sockets
    ok = True
    for shape, (build, request) in shapes.items():
        for socket in (True, False):
            print(f"{shape}, {'real socket' if socket else 'in-process transport'}:")
            base: tuple[float, float] | None = None
            for n in sizes:
                pact = build(n)
                runs = [measure(pact, request, n, args.repeat, socket=socket) for _ in range(args.rounds)]
                cold, warm = min(r[0] for r in runs), min(r[1] for r in runs)
                base = base or (cold, warm)
                cold_ratio, warm_ratio = cold / base[0], warm / base[1]
                met = warm_ratio <= GOAL and cold_ratio <= GOAL
                ok = ok and met
                print(
                    f"  N={n:>6,}: cold {_fmt(cold):>9} ({cold_ratio:4.2f}x N={sizes[0]}), "
                    f"warm {_fmt(warm):>9} ({warm_ratio:4.2f}x N={sizes[0]}); goal <= {GOAL:g}x: "
                    f"{'met' if met else 'NOT met'}"
                )
    print("all goals met" if ok else "some goals NOT met")


if __name__ == "__main__":
    main()

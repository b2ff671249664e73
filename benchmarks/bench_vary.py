"""Varied responses: responses per second from the mock with ``vary``, against the plain mock's request rate.

The pact has three interactions with the rules a real consumer declares:

* ``GET /orders?page=<regex>`` answering ``{"orders": each_like({...})}``: each order an integer ``id``, a
  ``status`` regex, a ``decimal`` total, a ``datetime`` with its format, a nested ``customer`` object and
  an ``each_like`` of ``lines`` (regex ``sku``, integer ``qty``), with an ``X-Request-Id`` uuid header;
* ``GET /users/7`` answering an integer ``id``, a ``like`` name, ``each_like`` roles (``max=3``), a
  ``date``, and an ``ETag`` regex header;
* ``POST /orders`` with a JSON body, answering ``201`` with an integer ``id`` and a ``Location`` regex.

Each mode runs in a fresh child process, one round-robin over the interactions per "request":

* ``plain``: ``pact.serve()`` / ``pact.transport()``, the declared examples;
* ``vary=True``: the same, answering responses drawn within the rules (a seeded pool of up to eight
  distinct responses per interaction, drawn when the socket server starts or at an interaction's first
  request for a transport; later requests cycle through the pool);
* ``@given vary=data``: a hypothesis test (``@given(st.data())``, ``max_examples`` runs, no deadline, no
  database) that makes ``pact.serve(vary=data)`` / ``pact.transport(vary=data)`` in each run and sends one
  request per interaction, its response drawn from that run's data (for the socket server, a pool of
  `DRAWN_POOL_SIZE` per interaction drawn up front when the server is made, since hypothesis draws only in the
  test's thread; for the transport, when the request comes in): the way the pytest plugin's ``vary=N`` runs
  a consumer test. Its rate includes hypothesis's per-example cost, so it is its own row;
* ``@given plain``: the same hypothesis test with a plain mock (no ``vary``): the harness alone (hypothesis's
  per-example cost, a mock made per run), to tell it apart from drawing the responses.

Warm ``vary=True`` draws nothing after its pool is drawn: it cycles `POOL_SIZE` pre-drawn responses per
interaction, so its warm rate is the rate of serving a pool, not of drawing; the output says so on its row.
The ``@given vary=data`` rows draw every run's responses afresh. ``@given plain`` has no goal of its own.

``cold`` is the first round (one request per interaction) of a fresh process, from building the mock to
the last answer: imports of hypothesis and the strategies included. ``warm`` is the median rate of
``--rounds`` measurements of ``--requests`` requests each (one keep-alive httpx client for the socket).
Each row prints its ratios to the plain mock of the same transport (cold: this time / plain's; warm: plain's
rate / this rate) and the goal beside it: within 3x of the plain mock's rate (for cold: of the plain mock's
first round), each met when its ratio is at most 3.

Run: python benchmarks/bench_vary.py [--requests 600] [--rounds 5] [--examples 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polycontract import Pact, match
from polycontract.mock._vary import POOL_SIZE

GOAL = 3.0
MODES = ("plain", "vary=True", "@given vary=data", "@given plain")
TRANSPORTS = ("socket", "transport")
#: What each varied row's warm figure is a rate of, printed under it.
MODE_NOTES = {
    "vary=True": f"warm cycles a pool of {POOL_SIZE} pre-drawn responses per interaction: no fresh draws",
    "@given vary=data": "every hypothesis run draws its responses afresh from its data",
}


def orders_pact() -> Pact:
    """Three interactions with body and header rules: each_like, regex, integer, decimal, datetime, nesting."""
    pact = Pact(consumer="web", provider="orders")
    order = {
        "id": match.integer(1001),
        "status": match.regex(r"NEW|PAID|SHIPPED", "PAID"),
        "total": match.decimal(42.5),
        "created": match.datetime("2024-05-01T10:00:00+00:00"),
        "customer": {"id": match.integer(7), "name": match.like("Ann Lee"), "vip": match.boolean(False)},
        "lines": match.each_like({"sku": match.regex(r"SKU-\d{5}", "SKU-00001"), "qty": match.integer(2)}),
    }
    pact.upon_receiving("the orders").with_request(
        "GET", "/orders", query={"page": match.regex(r"\d+", "1")}
    ).will_respond_with(
        200, headers={"X-Request-Id": match.uuid()}, body={"orders": match.each_like(order), "page": match.integer(1)}
    )
    pact.upon_receiving("a user").with_request("GET", "/users/7").will_respond_with(
        200,
        headers={"ETag": match.regex(r'"[0-9a-f]{8}"', '"0a1b2c3d"')},
        body={
            "id": match.integer(7),
            "name": match.like("Ann"),
            "roles": match.each_like("admin", max=3),
            "joined": match.date("2024-05-01"),
        },
    )
    pact.upon_receiving("a new order").with_request(
        "POST", "/orders", body={"lines": [{"sku": "SKU-00001", "qty": 2}]}
    ).will_respond_with(
        201,
        headers={"Location": match.regex(r"/orders/\d+", "/orders/1001")},
        body={"id": match.integer(1001), "status": match.regex(r"NEW|PAID", "NEW")},
    )
    return pact


def round_trip(client: httpx.Client) -> int:
    """One request per interaction; the number of responses."""
    for response in (
        client.get("/orders", params={"page": "2"}),
        client.get("/users/7"),
        client.post("/orders", json={"lines": [{"sku": "SKU-00001", "qty": 2}]}),
    ):
        if response.status_code not in (200, 201):
            raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:500]}")
    return 3


def _client(pact: Pact, transport: str, vary: Any) -> tuple[httpx.Client, Callable[[], None]]:
    """An httpx client on the mock (a real socket or the in-process transport) and what closes both."""
    if transport == "socket":
        server = pact.serve(vary=vary)
        server.__enter__()
        client = httpx.Client(base_url=server.url)

        def close() -> None:
            client.close()
            server.__exit__(None, None, None)

        return client, close
    client = httpx.Client(transport=pact.transport(vary=vary), base_url="http://orders")
    return client, client.close


def _given_rate(transport: str, examples: int, vary: bool) -> float:
    """Responses per second of a hypothesis test making a fresh mock per run (varied from its data, or plain)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pact = orders_pact()
    served = 0

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: Any) -> None:
        nonlocal served
        client, close = _client(pact, transport, data if vary else None)
        try:
            served += round_trip(client)
        finally:
            close()

    started = time.perf_counter()
    run()
    return served / (time.perf_counter() - started)


def child(mode: str, transport: str, requests: int, rounds: int, examples: int) -> dict[str, float]:
    """In a fresh process: the cold first round, then the warm rates of one mode; JSON-ready figures."""
    if mode.startswith("@given"):
        vary = mode.endswith("vary=data")
        started = time.perf_counter()
        _given_rate(transport, 1, vary)  # cold: hypothesis imported, one run
        cold = time.perf_counter() - started
        rates = [_given_rate(transport, examples, vary) for _ in range(rounds)]
        return {"cold": cold, "warm": statistics.median(rates)}
    pact = orders_pact()
    started = time.perf_counter()
    client, close = _client(pact, transport, True if mode == "vary=True" else None)
    round_trip(client)
    cold = time.perf_counter() - started
    rates = []
    for _ in range(rounds):
        sent, started = 0, time.perf_counter()
        while sent < requests:
            sent += round_trip(client)
        rates.append(sent / (time.perf_counter() - started))
    close()
    return {"cold": cold, "warm": statistics.median(rates)}


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def main(argv: list[str] | None = None) -> None:
    """Run every mode and transport in fresh processes; print cold and warm figures against the plain mock."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per warm measurement")
    parser.add_argument("--rounds", type=int, default=5, help="warm measurements (median)")
    parser.add_argument("--examples", type=int, default=100, help="hypothesis runs per @given measurement")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "TRANSPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.requests, args.rounds, args.examples)))
        return
    print(f"varied responses: 3 interactions, warm = median of {args.rounds} x {args.requests} requests")
    ok = True
    for transport in TRANSPORTS:
        print(f"{'real socket (pact.serve)' if transport == 'socket' else 'in-process (pact.transport)'}:")
        base: dict[str, float] | None = None
        for mode in MODES:
            command = [sys.executable, __file__, "--child", mode, transport, "--requests", str(args.requests)]
            command += ["--rounds", str(args.rounds), "--examples", str(args.examples)]
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise SystemExit(f"{mode}, {transport}: {out.stderr or out.stdout}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            base = base or r
            cold_x, warm_x = r["cold"] / base["cold"], base["warm"] / r["warm"]
            verdict = {"cold": cold_x <= GOAL, "warm": warm_x <= GOAL}
            figures = (
                f"  {mode:<17} cold {_fmt(r['cold']):>10} ({cold_x:5.1f}x plain), warm {r['warm']:>8,.0f} responses/s "
                f"(plain's rate / this: {warm_x:5.2f})"
            )
            if "vary" not in mode:
                print(figures + ("" if mode == "plain" else "; no goal (the hypothesis harness alone, for reference)"))
                continue
            ok = ok and all(verdict.values())
            print(
                f"{figures}; goal within {GOAL:g}x of the plain mock's rate: "
                + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items())
            )
            print(f"  {'':<17} ({MODE_NOTES[mode]})")
    print("all goals of the varied rows met" if ok else "some goals of the varied rows NOT met")


if __name__ == "__main__":
    main()

"""Fuzzed verification throughput in-process: requests per second with ``Verifier(fuzz=N)``, example replay beside it.

The pact has N interactions (20 by default), alternating

* ``GET /items/<id>?page=<n>`` with an ``X-Trace`` header: regex rules on the path, the query and the header;
* ``POST /items`` with a JSON body: type, decimal, regex and ``min`` rules on the body;

each with the provider state ``item exists`` (params ``{"id": i}``, a Python handler) and response rules
(integer, type, decimal, regex). The provider answers every request the rules allow as the pact expects, so
nothing is shrunk: every figure counts requests drawn, sent, answered and checked.

Each provider kind (a bare ASGI app, a bare WSGI app; no socket) runs in a fresh child process. ``cold`` is
the first fuzzed ``verify()`` of that process (nothing drawn yet), ``warm`` the median of the later ones. A
fuzzed verify imports hypothesis (the first time), replays the examples, then fuzzes; the req/s rates count
the fuzzed requests over the fuzz run's own duration, so neither the import nor the replay is in them.
``first verify s`` is the whole first fuzzed ``verify()`` in wall time, the import and the replay included:
what a user waits for the first time. ``example replay`` is ``verify()`` without fuzzing in the same
process (interactions per second), for reference. ``warm req/cpu-s`` divides the requests by the CPU time
of the verifying process (the whole fuzzed verify, examples included): on a shared machine it moves far
less than the wall-clock rates.

Run: python benchmarks/bench_fuzz.py [--interactions N] [--fuzz F] [--repeat R] [--only asgi,wsgi]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

KINDS = ("asgi", "wsgi")


def get_interaction(i: int) -> dict[str, Any]:
    """``GET /items/<i>?page=1`` with ``X-Trace``: path, query and header regex rules."""
    return {
        "description": f"get item {i}",
        "providerStates": [{"name": "item exists", "params": {"id": i}}],
        "request": {
            "method": "GET",
            "path": f"/items/{i}",
            "query": {"page": ["1"]},
            "headers": {"Accept": "application/json", "X-Trace": "0a1b2c3d"},
            "matchingRules": {
                "path": {"matchers": [{"match": "regex", "regex": "^/items/[0-9]{1,6}$"}]},
                "query": {"page": {"matchers": [{"match": "regex", "regex": "^[1-9][0-9]{0,2}$"}]}},
                "header": {"X-Trace": {"matchers": [{"match": "regex", "regex": "^[0-9a-f]{8}$"}]}},
            },
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": i, "name": f"item {i}", "price": 9.5, "sku": "SKU-00001"},
            "matchingRules": {
                "body": {
                    "$.id": {"matchers": [{"match": "integer"}]},
                    "$.name": {"matchers": [{"match": "type"}]},
                    "$.price": {"matchers": [{"match": "decimal"}]},
                    "$.sku": {"matchers": [{"match": "regex", "regex": "^SKU-[0-9]{5}$"}]},
                }
            },
        },
    }


def post_interaction(i: int) -> dict[str, Any]:
    """``POST /items`` with a JSON body: type, decimal, regex and min-size rules."""
    return {
        "description": f"create item {i}",
        "providerStates": [{"name": "item exists", "params": {"id": i}}],
        "request": {
            "method": "POST",
            "path": "/items",
            "headers": {"Content-Type": "application/json"},
            "body": {"name": f"item {i}", "price": 9.5, "tags": ["a"], "sku": "SKU-00001", "count": 1},
            "matchingRules": {
                "body": {
                    "$.name": {"matchers": [{"match": "type"}]},
                    "$.price": {"matchers": [{"match": "decimal"}]},
                    "$.tags": {"matchers": [{"match": "type", "min": 1}]},
                    "$.sku": {"matchers": [{"match": "regex", "regex": "^SKU-[0-9]{5}$"}]},
                    "$.count": {"matchers": [{"match": "integer"}]},
                }
            },
        },
        "response": {
            "status": 201,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": 1, "name": "item"},
            "matchingRules": {
                "body": {"$.id": {"matchers": [{"match": "integer"}]}, "$.name": {"matchers": [{"match": "type"}]}}
            },
        },
    }


def pact(n: int) -> dict[str, Any]:
    """The N-interaction V3 pact shop -> items."""
    interactions = [get_interaction(i) if i % 2 == 0 else post_interaction(i) for i in range(n)]
    return {
        "consumer": {"name": "shop"},
        "provider": {"name": "items"},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def route(method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """Status and JSON body: every request the pact's rules allow is answered as the pact expects."""
    parts = path.split("/")
    if method == "GET" and len(parts) == 3 and parts[1] == "items" and parts[2].isdigit():
        i = int(parts[2])
        return 200, json.dumps({"id": i, "name": f"item {i}", "price": 9.5, "sku": f"SKU-{i % 100000:05d}"}).encode()
    if method == "POST" and path == "/items":
        name = json.loads(body).get("name", "")
        return 201, json.dumps({"id": 1, "name": name}).encode()
    return 404, b'{"error": "not found"}'


async def asgi_app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    """The provider as a bare ASGI app."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, data = route(scope["method"], scope["path"], body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The provider as a bare WSGI app."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    status, data = route(environ["REQUEST_METHOD"], environ["PATH_INFO"], body)
    phrase = {200: "200 OK", 201: "201 Created"}.get(status, "404 Not Found")
    start_response(phrase, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def child(kind: str, n: int, fuzz: int, repeat: int) -> dict[str, Any]:
    """In a fresh process: the fuzzed verify runs (cold first), then example replay; figures as JSON-ready data."""
    from polycontract.codec import load_pact
    from polycontract.verifier import Verifier

    doc = load_pact(pact(n))
    app = asgi_app if kind == "asgi" else wsgi_app

    def verifier(**options: Any) -> Verifier:
        v = Verifier(provider="items", app=app, **options)
        v.add_state("item exists", lambda params: None)
        return v

    fuzzing = verifier(fuzz=fuzz, fuzz_seed=1)
    rates: list[float] = []
    cpu: list[float] = []
    walls: list[float] = []
    sent: list[int] = []
    for _ in range(repeat + 1):
        started, wall_started = time.process_time(), time.perf_counter()
        result = fuzzing.verify(doc)
        spent = time.process_time() - started
        walls.append(time.perf_counter() - wall_started)
        if result.outcome != "verified" or result.fuzz is None:
            raise SystemExit(f"{kind}: the fuzzed verification did not verify:\n{result.report()}")
        count = sum(r.sent for r in result.fuzz.results)
        sent.append(count)
        rates.append(count / result.fuzz.duration)
        cpu.append(count / spent)
    plain = verifier()
    replay: list[float] = []
    for _ in range(max(repeat, 3)):
        started = time.perf_counter()
        result = plain.verify(doc)
        elapsed = time.perf_counter() - started
        if result.outcome != "verified":
            raise SystemExit(f"{kind}: the example replay did not verify:\n{result.report()}")
        replay.append(n / elapsed)
    return {
        "kind": kind,
        "cold": rates[0],
        "first_verify": walls[0],
        "warm": statistics.median(rates[1:]),
        "warm_best": max(rates[1:]),
        "warm_cpu": statistics.median(cpu[1:]),
        "sent": sent[0],
        "replay": statistics.median(replay),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=20)
    parser.add_argument("--fuzz", type=int, default=100, help="requests per interaction")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs after the cold one")
    parser.add_argument("--only", default=",".join(KINDS))
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.interactions, args.fuzz, args.repeat)))
        return
    print(f"fuzzed verification, in-process: {args.interactions} interactions, fuzz={args.fuzz}, seed 1")
    head = ("provider", "cold req/s", "warm req/s", "warm best", "warm req/cpu-s", "sent/run", "replay int/s")
    print(
        f"{head[0]:<8} {head[1]:>11} {head[2]:>11} {head[3]:>10} {head[4]:>15} {head[5]:>9} {head[6]:>13}"
        f" {'first verify s':>15}"
    )
    for kind in args.only.split(","):
        command = [sys.executable, __file__, "--child", kind]
        command += ["--interactions", str(args.interactions), "--fuzz", str(args.fuzz), "--repeat", str(args.repeat)]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{kind}: {out.stderr or out.stdout}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        figures = f"{r['cold']:>11.0f} {r['warm']:>11.0f} {r['warm_best']:>10.0f} {r['warm_cpu']:>15.0f}"
        print(f"{kind:<8} {figures} {r['sent']:>9} {r['replay']:>13.0f} {r['first_verify']:>15.2f}")


if __name__ == "__main__":
    main()

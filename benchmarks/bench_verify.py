"""Provider verification throughput: polycontract against pact-python 4's verifier, same provider, same pact.

A stdlib HTTP provider in a child process answers ``GET /items/<i>`` for N interactions, each with the
provider state ``item exists`` (params ``{"id": i}``) set up and torn down by an in-process Python
handler. Both tools verify the same N-interaction pact file; then polycontract verifies the same pact
against an in-process ASGI app, and the state handler overhead is measured on its own.

Run: python benchmarks/bench_verify.py 1000 [--skip-pact-python]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def item(i: int) -> dict[str, Any]:
    """What the provider answers for item ``i``."""
    return {"id": i, "name": f"item {i}", "price": 9.5 + i, "tags": ["a", "b"], "sku": f"SKU-{i:05d}"}


def interaction(i: int) -> dict[str, Any]:
    """A V3 interaction with a provider state and type, integer, regex and min-size rules."""
    return {
        "description": f"get item {i}",
        "providerStates": [{"name": "item exists", "params": {"id": i}}],
        "request": {"method": "GET", "path": f"/items/{i}", "headers": {"Accept": "application/json"}},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": item(i),
            "matchingRules": {
                "body": {
                    "$.id": {"matchers": [{"match": "integer"}]},
                    "$.name": {"matchers": [{"match": "type"}]},
                    "$.price": {"matchers": [{"match": "decimal"}]},
                    "$.tags": {"matchers": [{"match": "type", "min": 1}]},
                    "$.sku": {"matchers": [{"match": "regex", "regex": "SKU-[0-9]{5}"}]},
                }
            },
        },
    }


def write_pact(n: int, directory: Path) -> Path:
    path = directory / "shop-items.json"
    doc = {
        "consumer": {"name": "shop"},
        "provider": {"name": "items"},
        "interactions": [interaction(i) for i in range(n)],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    path.write_text(json.dumps(doc))
    return path


# ------------------------------------------------------------------------------------------ providers


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body leave in one write (flushed after each request), as real servers do

    def do_GET(self) -> None:
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "items":
            self._send(200, item(int(parts[2])))
        else:
            self._send(404, {"error": "not found"})

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> None:
    """Child-process mode: serve on 127.0.0.1 port 0, print the port, run until stdin closes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


async def asgi_app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    """The same provider as a bare ASGI app, for in-process verification."""
    parts = scope["path"].split("/")
    status, payload = (200, item(int(parts[2]))) if len(parts) == 3 and parts[1] == "items" else (404, {})
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# ---------------------------------------------------------------------------------------------- tools


def run_polycontract(pact: Any, n: int, **target: Any) -> float:
    from polycontract.verifier import Verifier

    seen: set[int] = set()
    verifier = Verifier(provider="items", **target)

    @verifier.state("item exists")
    def item_exists(params: dict[str, int]) -> Callable[[], None]:
        seen.add(params["id"])
        return lambda: seen.discard(params["id"])

    started = time.perf_counter()
    result = verifier.verify(pact)
    elapsed = time.perf_counter() - started
    assert result.ok and len(result) == n, result.report()
    return elapsed


def run_pact_python(pact: Path, n: int, url: str) -> float:
    os.environ["PACT_DO_NOT_TRACK"] = "true"
    from pact import Verifier as PactVerifier

    seen: set[int] = set()

    def item_exists(state: str, action: str, parameters: dict[str, Any] | None) -> None:
        ident = int((parameters or {})["id"])
        seen.add(ident) if action == "setup" else seen.discard(ident)

    verifier = (
        PactVerifier("items", host="127.0.0.1")
        .add_transport(url=url)
        .add_source(str(pact))
        .state_handler({"item exists": item_exists}, teardown=True)
    )
    sys.stdout.flush()
    saved = os.dup(1)  # its Rust core prints a report per interaction straight to fd 1
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        started = time.perf_counter()
        verifier.verify()
        return time.perf_counter() - started
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def state_overhead(calls: int, timeout: float | None) -> float:
    """Microseconds per setup + teardown of a no-op state handler."""
    from polycontract.model import ProviderState
    from polycontract.verifier._states import StateRunner

    runner = StateRunner(timeout=timeout)
    runner.add("s", lambda params: lambda: None)
    state = ProviderState(name="s", params={"id": 1})
    started = time.perf_counter()
    for _ in range(calls):
        runner.teardown(runner.setup(state), state)
    elapsed = time.perf_counter() - started
    runner.close()
    return elapsed / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="number of interactions")
    parser.add_argument("--skip-pact-python", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    n = args.n
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        url = f"http://127.0.0.1:{child.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory() as tmp:
            pact = write_pact(n, Path(tmp))
            # In-process first: pact-python leaves threads behind that would slow later runs on a small box.
            local = run_polycontract(pact, n, app=asgi_app)
            print(f"polycontract, in-process ASGI:  N={n}  {local:7.3f} s  {n / local:9.0f} interactions/s")
            from polycontract.codec import load_pact

            started = time.perf_counter()
            loaded = load_pact(pact)
            parse = time.perf_counter() - started
            local = run_polycontract(loaded, n, app=asgi_app)
            print(f"  same, pact already parsed:    N={n}  {local:7.3f} s  {n / local:9.0f} interactions/s")
            print(f"  (parsing the {pact.stat().st_size // 1024} KiB pact file alone: {parse:.3f} s)")
            ours = run_polycontract(pact, n, base_url=url)
            print(f"polycontract, real HTTP:        N={n}  {ours:7.3f} s  {n / ours:9.0f} interactions/s")
            if not args.skip_pact_python:
                theirs = run_pact_python(pact, n, url)
                print(f"pact-python 4 verifier:         N={n}  {theirs:7.3f} s  {n / theirs:9.0f} interactions/s")
                print(f"ratio (polycontract / pact-python, real HTTP): {theirs / ours:.1f}x")
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(10)
    timed = state_overhead(2000, 30.0)
    direct = state_overhead(2000, None)
    print(f"state handler overhead per setup+teardown: {timed:.1f} us with a timeout, {direct:.1f} us without")


if __name__ == "__main__":
    main()

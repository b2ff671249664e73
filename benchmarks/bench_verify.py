"""Provider verification throughput: polycontract beside pact-python 4's verifier, same pact, same providers.

Every interaction of the N-interaction pact (``GET /items/<i>``, type/integer/decimal/regex/min rules) has the
provider state ``item exists`` (params ``{"id": i}``), set up and torn down by a Python handler. It is verified
against

* (a) ``http.server`` writing headers and body in separate writes (``wbufsize = 0``, HTTP/1.1: the
  default ``BaseHTTPRequestHandler``, and how Flask's and many dev servers answer), a child process;
* (b) ``http.server`` writing the whole answer in one write, a child process;
* (c) uvicorn + Starlette, a child process;
* an in-process ASGI app and an in-process WSGI app (no socket).

pact-python 4 (``from pact import Verifier``, its Rust verifier) verifies the same pact with the same state
handler against (a) and (c) in the same run. A minimal raw-socket client (one keep-alive connection,
``TCP_QUICKACK`` re-armed before each read on Linux, no states) gives the floor of each server.

Each verifier runs in a fresh child process: ``cold`` is its first ``verify()`` (imports done, nothing else),
``warm`` the best and the median of the later ones. Figures are interactions per second; the raw-socket
floor is requests per second. ``cpu us`` is the verifier process's CPU time (all its threads) per
interaction, median of the warm runs: on a shared machine it moves far less than the rates. For the
in-process ASGI and WSGI rows the provider app runs in that process, so its time is in the figure; for the
server rows it is not (the server is another process).

Run: python benchmarks/bench_verify.py [N] [--repeat R] [--skip-pact-python] [--only asgi,wsgi,split,single,uvicorn]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SERVERS = {
    "split": "(a) http.server, separate writes",
    "single": "(b) http.server, one write",
    "uvicorn": "(c) uvicorn + Starlette",
}
GOALS = {"split": 500.0, "single": 500.0, "uvicorn": 2000.0, "asgi": 5000.0, "wsgi": 5000.0}
PEER_GOAL = 10.0  # at least 10x pact-python on (a)


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
    """The N-interaction pact file, in ``directory``."""
    path = directory / "shop-items.json"
    doc = {
        "consumer": {"name": "shop"},
        "provider": {"name": "items"},
        "interactions": [interaction(i) for i in range(n)],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    path.write_text(json.dumps(doc))
    return path


def route(path: str) -> tuple[int, bytes]:
    """Status and JSON body for ``path``: the one route every provider kind shares."""
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "items" and parts[2].isdigit():
        return 200, json.dumps(item(int(parts[2]))).encode()
    return 404, b'{"error": "not found"}'


# ------------------------------------------------------------------------------------------ providers


class _SplitHandler(BaseHTTPRequestHandler):
    """The default handler: unbuffered writes, so end_headers() sends the header block, then the body follows."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status, data = route(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _SingleHandler(_SplitHandler):
    wbufsize = 1 << 16  # headers and body leave in one write (the buffer is flushed after each request)


async def _asgi(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
    """The provider as a bare ASGI app, for in-process verification."""
    status, data = route(scope["path"])
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def _wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The provider as a bare WSGI app, for in-process verification."""
    status, data = route(environ["PATH_INFO"])
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response("200 OK" if status == 200 else "404 Not Found", headers)
    return [data]


def _starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def get_item(request: Request) -> Response:
        return JSONResponse(item(int(request.path_params["i"])))

    return Starlette(routes=[Route("/items/{i:int}", get_item)])


def serve(kind: str) -> None:
    """Child-process mode: serve ``kind`` on 127.0.0.1 port 0, print the port, run until stdin closes."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if kind == "uvicorn":
        import uvicorn

        config = uvicorn.Config(_starlette(), log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.01)
    else:
        handler = _SplitHandler if kind == "split" else _SingleHandler
        httpd = ThreadingHTTPServer(sock.getsockname(), handler, bind_and_activate=False)
        httpd.socket.close()
        httpd.socket = sock
        httpd.daemon_threads = True
        httpd.server_activate()
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(sock.getsockname()[1], flush=True)
    sys.stdin.read()


@contextlib.contextmanager
def provider(kind: str) -> Iterator[str]:
    """A provider of ``kind`` in a child process; yields its base URL and stops it on exit."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        yield f"http://127.0.0.1:{child.stdout.readline().strip()}"
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# ---------------------------------------------------------------------------------------------- clients


def run_polycontract(pact: Path, n: int, target: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds, and CPU seconds of this process, for each of ``repeat`` verify() calls against ``target``
    (a URL, ``asgi`` or ``wsgi``)."""
    from polycontract.verifier import Verifier

    apps = {"asgi": _asgi, "wsgi": _wsgi}
    where: dict[str, Any] = {"app": apps[target]} if target in apps else {"base_url": target}
    times, cpu = [], []
    for _ in range(repeat):
        live: set[int] = set()
        verifier = Verifier(provider="items", **where)

        @verifier.state("item exists")
        def item_exists(params: dict[str, int], live: set[int] = live) -> Callable[[], None]:
            live.add(params["id"])
            return lambda: live.discard(params["id"])

        started, cpu_started = time.perf_counter(), time.process_time()
        result = verifier.verify(pact)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if not (result.ok and len(result) == n and not live):
            raise SystemExit(f"polycontract did not verify {target}:\n{result.report()[:2000]}")
    return times, cpu


def run_pact_python(pact: Path, n: int, url: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds, and CPU seconds of this process, for each of ``repeat`` pact-python verifications of ``pact``
    against ``url``."""
    os.environ["PACT_DO_NOT_TRACK"] = "true"
    from pact import Verifier as PactVerifier

    times, cpu = [], []
    for _ in range(repeat):
        calls = [0]

        def item_exists(state: str, action: str, parameters: dict[str, Any] | None, calls: list[int] = calls) -> None:
            int((parameters or {})["id"])
            calls[0] += 1

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
            started, cpu_started = time.perf_counter(), time.process_time()
            verifier.verify()  # raises when an interaction fails
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        if calls[0] != 2 * n:
            raise SystemExit(f"pact-python called the state handler {calls[0]} times, not {2 * n}")
    return times, cpu


def raw_floor(url: str, requests: int) -> float:
    """Requests per second of a minimal keep-alive client re-arming TCP_QUICKACK before each read (no states)."""
    host, port = url.removeprefix("http://").split(":")
    quickack = getattr(socket, "TCP_QUICKACK", None)
    with socket.create_connection((host, int(port))) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        for i in range(requests):
            sock.sendall(f"GET /items/{i} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                data += _recv(sock, quickack)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            while len(body) < length:
                body += _recv(sock, quickack)
        return requests / (time.perf_counter() - started)


def _recv(sock: socket.socket, quickack: int | None) -> bytes:
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the provider closed the connection")
    return chunk


def in_child(args: list[str]) -> tuple[list[float], list[float]]:
    """Run ``bench_verify.py --client ...`` in a fresh process; its seconds and CPU seconds per run."""
    out = subprocess.run([sys.executable, __file__, "--client", *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    times, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return times, cpu


def client(tool: str, pact: Path, n: int, target: str, repeat: int) -> None:
    """Child-process mode: verify and print the seconds and CPU seconds of each run as JSON."""
    runner = run_pact_python if tool == "pact-python" else run_polycontract
    print(json.dumps(runner(pact, n, target, repeat)))


# ------------------------------------------------------------------------------------------------ main


def _rates(n: int, runs: tuple[list[float], list[float]]) -> tuple[float, float, float, float]:
    """Interactions per second: cold (the first run), warm best and warm median (the later runs); then the
    median CPU microseconds per interaction of the warm runs."""
    times, cpu = runs
    warm, warm_cpu = times[1:] or times, cpu[1:] or cpu
    return n / times[0], n / min(warm), n / statistics.median(warm), statistics.median(warm_cpu) / n * 1e6


def _line(what: str, tool: str, rates: tuple[float, float, float, float], goal: str) -> None:
    cold, best, median, cpu = rates
    print(f"{what:<34} {tool:<13} {cold:>7.0f} {best:>9.0f} {median:>9.0f} {cpu:>7.0f}   {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="interactions in the pact (default 1000)")
    parser.add_argument("--repeat", type=int, default=4, help="polycontract runs per provider (the first is cold)")
    parser.add_argument("--skip-pact-python", action="store_true")
    parser.add_argument(
        "--only", help="comma-separated rows to run: asgi, wsgi, split, single, uvicorn (default: all of them)"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=4, metavar=("TOOL", "PACT", "TARGET", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    n = args.n
    if args.client:
        tool, pact_file, target, repeat = args.client
        client(tool, Path(pact_file), n, target, int(repeat))
        return
    peer_repeat = 2
    rows = set(GOALS) if args.only is None else set(args.only.split(","))
    if not rows <= set(GOALS):
        parser.error(f"--only: unknown rows {', '.join(sorted(rows - set(GOALS)))}; choose from {', '.join(GOALS)}")
    print(f"N={n} interactions, each with a provider state set up and torn down; figures are interactions/s")
    print(f"{'provider':<34} {'tool':<13} {'cold':>7} {'warm best':>9} {'median':>9} {'cpu us':>7}   goal")
    with tempfile.TemporaryDirectory() as tmp:
        pact = write_pact(n, Path(tmp))
        for kind in ("asgi", "wsgi"):
            if kind not in rows:
                continue
            rates = _rates(n, in_child(["polycontract", str(pact), kind, str(args.repeat), str(n)]))
            _line(f"in-process {kind.upper()}", "polycontract", rates, f">= {GOALS[kind]:,.0f}/s")
        for kind, title in SERVERS.items():
            if kind not in rows:
                continue
            with provider(kind) as url:
                floor = raw_floor(url, n)
                ours = _rates(n, in_child(["polycontract", str(pact), url, str(args.repeat), str(n)]))
                goal = f">= {GOALS[kind]:,.0f}/s"
                if kind in ("split", "uvicorn") and not args.skip_pact_python:
                    peer = _rates(n, in_child(["pact-python", str(pact), url, str(peer_repeat), str(n)]))
                    goal += f"; >= {PEER_GOAL:.0f}x pact-python" if kind == "split" else ""
                    _line(title, "polycontract", ours, goal)
                    _line("", "pact-python", peer, "")
                    ratios = "".join(f"{o / p:>{w}.1f}x" for o, p, w in zip(ours[:3], peer[:3], (6, 8, 8), strict=True))
                    print(f"{'':<34} {'ratio':<13} {ratios}")
                else:
                    _line(title, "polycontract", ours, goal)
                blank = ""
                print(
                    f"{blank:<34} {'raw socket':<13} {blank:>7} {floor:>9.0f} {blank:>19}   "
                    "(floor: no states, no checks)"
                )


if __name__ == "__main__":
    main()

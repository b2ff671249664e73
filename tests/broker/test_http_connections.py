"""``polycontract broker serve`` under slow, idle and too many connections, seen from raw sockets.

Each test starts a real server process on 127.0.0.1:0 with short limits passed as options, so the
whole file takes seconds; `benchmarks/bench_broker_slow_connections.py` measures the default
settings under 1,000 slow connections.

The Pact Broker leaves these limits to the server in front of its Rack app (Puma or Passenger in the
``pact-foundation/pact-broker-docker`` image, configured by ``PACT_BROKER_PUMA_*`` settings and the
proxy); polycontract's server holds them itself.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytest.importorskip("uvicorn")


@dataclass
class Running:
    """A ``broker serve`` process: its port and the file its stderr goes to."""

    port: int
    log: Path

    def connect(self) -> socket.socket:
        """A raw connection to the server (reads time out after 5 s)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return sock

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serving(tmp_path: Path, *options: str, descriptors: int | None = None) -> Iterator[Running]:
    """Run ``broker serve`` over a fresh SQLite file with ``options`` until the block ends."""
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    command += ["--host", "127.0.0.1", "--port", "0", "--output", "json", *options]

    def limit() -> None:  # in the child: the descriptor limit the server starts with
        assert descriptors is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

    with log.open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, preexec_fn=limit if descriptors else None
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the server did not start:\n" + log.read_text()
        yield Running(int(json.loads(line)["url"].rsplit(":", 1)[1]), log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answer(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes (or resets) the connection, and the seconds that took."""
    started = time.monotonic()
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received, time.monotonic() - started


def _one_response(sock: socket.socket) -> bytes:
    """One whole response (head and ``Content-Length`` body) from a connection kept open."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response else 0


def _body(response: bytes) -> dict[str, object]:
    document: dict[str, object] = json.loads(response.partition(b"\r\n\r\n")[2])
    return document


def test_a_request_head_that_trickles_in_gets_408_and_the_connection_is_closed_at_the_header_timeout(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "--header-timeout", "0.5") as server:
        trickling = server.connect()
        trickling.sendall(b"GET /pacticipants HTTP/1.1\r\nHost: broker\r\n")
        time.sleep(0.2)
        trickling.sendall(b"X-Slow: 1\r\n")  # still arriving, but the head's deadline does not move
        answer, waited = _answer(trickling)
        assert _status(answer) == 408 and 0.2 < waited < 2
        assert _body(answer)["detail"] == "the request head did not arrive within 0.5 s"
        silent = server.connect()
        assert _answer(silent)[0] == b""  # nothing sent, nothing to answer: just closed


def test_a_kept_alive_connection_gets_a_fresh_head_deadline_and_is_closed_when_idle(tmp_path: Path) -> None:
    with serving(tmp_path, "--header-timeout", "0.5", "--keep-alive-timeout", "1") as server:
        sock = server.connect()
        for _ in range(3):  # each request well within the deadline, the connection older than it
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: broker\r\n\r\n")
            assert _status(_one_response(sock)) == 200
            time.sleep(0.3)
        answer, waited = _answer(sock)
        assert answer == b"" and 0.3 < waited < 2.5


def test_a_request_body_that_does_not_arrive_within_the_body_timeout_gets_408(tmp_path: Path) -> None:
    with serving(tmp_path, "--body-timeout", "0.5") as server:
        sock = server.connect()
        head = b"POST /environments HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n"
        sock.sendall(head + b"Content-Length: 100\r\n\r\n{")
        answer, waited = _answer(sock)
        assert _status(answer) == 408 and waited < 2
        assert _body(answer)["detail"] == "the request body did not arrive within 0.5 s"
        assert httpx.get(f"{server.url}/environments").json()["_embedded"]["environments"] == []


def test_a_client_that_hangs_up_mid_body_costs_one_access_line_not_a_traceback(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        for _ in range(3):
            with server.connect() as sock:
                head = b"POST /environments HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n"
                sock.sendall(head + b"Content-Length: 100\r\n\r\n{")
        time.sleep(0.5)
        assert httpx.get(f"{server.url}/environments").json()["_embedded"]["environments"] == []
        log = server.log.read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log


def test_beyond_the_connection_cap_a_new_connection_gets_a_fast_503_and_one_warning(tmp_path: Path) -> None:
    with serving(tmp_path, "--max-connections", "3") as server:
        held = [server.connect() for _ in range(3)]
        refused = []
        for _ in range(5):
            sock = server.connect()
            sock.sendall(b"GET /pacticipants HTTP/1.1\r\nHost: broker\r\n\r\n")
            answer, waited = _answer(sock)
            refused.append((_status(answer), waited))
            assert b"\r\nretry-after: 1\r\n" in answer and b"application/problem+json" in answer
        assert [status for status, _ in refused] == [503] * 5
        assert max(waited for _, waited in refused) < 0.5
        for sock in held:
            sock.close()
        time.sleep(0.2)
        assert httpx.get(f"{server.url}/pacticipants").status_code == 200
        warnings = [line for line in server.log.read_text().splitlines() if "refused with 503" in line]
    assert len(warnings) == 1 and "--max-connections 3" in warnings[0]


def test_normal_requests_are_answered_promptly_while_slow_connections_are_open(tmp_path: Path) -> None:
    with serving(tmp_path, "--header-timeout", "5") as server:
        slow = [server.connect() for _ in range(200)]
        for sock in slow:
            sock.sendall(b"GET /pacticipants HTTP/1.1\r\nHost: broker\r\n")
        took = []
        with httpx.Client(base_url=server.url) as client:
            for _ in range(30):
                started = time.monotonic()
                assert client.get("/pacticipants").status_code == 200
                took.append(time.monotonic() - started)
        fresh = [httpx.get(f"{server.url}/health").status_code for _ in range(5)]  # a new connection each
        for sock in slow:
            sock.close()
    assert sorted(took)[-2] < 0.25 and fresh == [200] * 5


def test_at_a_low_descriptor_limit_the_server_caps_connections_keeps_serving_and_logs_little(tmp_path: Path) -> None:
    with serving(tmp_path, descriptors=200) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/pacticipants").status_code == 200  # this connection is held from before the flood
        flood = [server.connect() for _ in range(400)]
        assert client.get("/pacticipants").status_code == 200
        assert client.post("/environments", json={"name": "prod", "production": True}).status_code == 201
        late = server.connect()
        late.sendall(b"GET /pacticipants HTTP/1.1\r\nHost: broker\r\n\r\n")
        assert _status(_answer(late)[0]) in (0, 503)  # refused (or closed unanswered), never left hanging
        for sock in flood:
            sock.close()
        time.sleep(0.3)
        assert httpx.get(f"{server.url}/pacticipants").status_code == 200
        log = server.log.read_text()
    assert "does not fit the file-descriptor limit (ulimit -n 200" in log and "at most 88 connections" in log
    # asyncio accepts a whole burst before the cap can close any, so the limit may be met once: one line, not a flood
    assert log.count("Too many open files") <= 1 and len(log) < 5000


def _refused(args: Sequence[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--port", "0", *args]
    return subprocess.run(command, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_serve_refuses_to_listen_beyond_loopback_without_tokens(tmp_path: Path, host: str) -> None:
    done = _refused(["--db", f"sqlite:///{tmp_path / 'b.db'}", "--host", host])
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: --host {host} is reachable from other machines and no tokens")
    assert "--allow-anonymous" in done.stderr and not (tmp_path / "b.db").exists()  # refused before anything


def test_allow_anonymous_or_tokens_let_serve_go_on_beyond_loopback() -> None:
    # An unopenable database stops both right after the check, so nothing listens on a public address.
    anonymous = _refused(["--db", "mysql://nowhere/db", "--host", "0.0.0.0", "--allow-anonymous"])
    assert anonymous.returncode == 2
    assert anonymous.stderr.startswith("warning: --allow-anonymous: anyone who reaches 0.0.0.0:0 can read and write")
    tokens = json.dumps({"tokens": [{"name": "ops", "token": "a-long-enough-token", "role": "admin"}]})
    with_tokens = _refused(["--db", "mysql://nowhere/db", "--host", "0.0.0.0"], {"POLYCONTRACT_BROKER_TOKENS": tokens})
    assert with_tokens.returncode == 2 and "unsupported backend" in with_tokens.stderr
    assert "allow-anonymous" not in with_tokens.stderr

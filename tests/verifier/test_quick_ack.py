"""The verifier's HTTP clients do not stall on a provider that writes headers and body in separate writes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import httpx
import pytest

from polycontract.codec import load_pact
from polycontract.model import Request
from polycontract.verifier import Verifier
from polycontract.verifier._http import Transport, prepare
from polycontract.verifier._network import QuickAckStream, quickack_client, quickack_option, quickack_transport, rearm


class _SplitWrites(BaseHTTPRequestHandler):
    """The default handler: ``end_headers()`` sends the header block, then the body is a second write."""

    protocol_version = "HTTP/1.1"
    connections: list[object] = []

    def setup(self) -> None:
        super().setup()
        self.connections.append(self.connection)

    def do_GET(self) -> None:
        data = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # a state change endpoint, answering in two writes too
        self.rfile.read(int(self.headers["Content-Length"]))
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _split_server() -> Iterator[tuple[str, list[object]]]:
    handler = type("Handler", (_SplitWrites,), {"connections": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.connections
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.skipif(quickack_option() is None, reason="TCP_QUICKACK is Linux's; elsewhere the stall is documented")
def test_fifty_requests_to_a_split_write_server_on_one_connection_take_well_under_fifty_delayed_acks() -> None:
    # Without TCP_QUICKACK re-armed before each read, each answer waits for the client's delayed ACK (~40 ms).
    with _split_server() as (url, connections):
        transport = Transport(base_url=url, app=None, timeout=5.0)
        try:
            outgoing = prepare(Request(method="GET", path="/items/1"))
            started = time.perf_counter()
            answers = [transport.send(outgoing) for _ in range(50)]
            elapsed = time.perf_counter() - started
        finally:
            transport.close()

    assert [a.status for a in answers] == [200] * 50
    assert len(connections) == 1
    assert elapsed < 1.0, f"50 requests took {elapsed:.2f} s: the delayed-ACK stall is back"


@pytest.mark.skipif(quickack_option() is None, reason="TCP_QUICKACK is Linux's; elsewhere the stall is documented")
def test_the_httpx_transport_does_not_stall_on_a_split_write_server_either() -> None:
    with _split_server() as (url, connections), httpx.Client(transport=quickack_transport()) as client:
        started = time.perf_counter()
        statuses = [client.get(f"{url}/items/1").status_code for _ in range(50)]
        elapsed = time.perf_counter() - started

    assert statuses == [200] * 50 and len(connections) == 1
    assert elapsed < 1.0, f"50 requests took {elapsed:.2f} s: the delayed-ACK stall is back"


@pytest.mark.skipif(quickack_option() is None, reason="TCP_QUICKACK is Linux's; elsewhere the stall is documented")
def test_state_changes_posted_to_an_absolute_url_do_not_stall_either() -> None:
    interactions = [
        {
            "description": f"item {i}",
            "providerStates": [{"name": "item exists", "params": {"id": i}}],
            "request": {"method": "GET", "path": f"/items/{i}"},
            "response": {"status": 200},
        }
        for i in range(20)
    ]
    pact = load_pact({"consumer": {"name": "web"}, "provider": {"name": "items"}, "interactions": interactions})

    with _split_server() as (url, _):
        verifier = Verifier(provider="items", base_url=url, state_change_url=f"{url}/_pact/state")
        started = time.perf_counter()
        result = verifier.verify(pact)
        elapsed = time.perf_counter() - started

    assert result.ok, result.report()
    assert elapsed < 1.0, f"20 interactions (60 requests) took {elapsed:.2f} s: the delayed-ACK stall is back"


def test_a_proxy_named_in_the_environment_is_still_used_for_state_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:  # bound, not listening: a proxy that refuses connections
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed.getsockname()[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with _split_server() as (url, connections), quickack_client(5.0) as client, pytest.raises(httpx.ConnectError):
            client.get(f"{url}/items/1")

    assert connections == []  # the request went to the proxy, not straight to the server


def test_without_tcp_quickack_the_transports_still_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(socket, "TCP_QUICKACK", raising=False)  # as on macOS and Windows
    assert quickack_option() is None

    with _split_server() as (url, _):
        transport = Transport(base_url=url, app=None, timeout=5.0)
        try:
            answers = [transport.send(prepare(Request(method="GET", path="/items/1"))) for _ in range(2)]
        finally:
            transport.close()
        with httpx.Client(transport=quickack_transport()) as client:
            status = client.get(f"{url}/items/1").status_code

    assert [a.status for a in answers] == [200, 200] and status == 200


class _Socket:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.calls.append((level, option, value))


class _Stream(httpcore.NetworkStream):
    def __init__(self, sock: _Socket) -> None:
        self.sock = sock
        self.options_set_at_read: list[int] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.options_set_at_read.append(len(self.sock.calls))
        return b"x"

    def get_extra_info(self, info: str) -> Any:
        return self.sock if info == "socket" else None


def test_quick_ack_is_set_again_before_every_read() -> None:
    sock = _Socket()
    inner = _Stream(sock)
    stream = QuickAckStream(inner, option=12)

    assert [stream.read(10) for _ in range(3)] == [b"x", b"x", b"x"]
    assert sock.calls == [(socket.IPPROTO_TCP, 12, 1)] * 3
    assert inner.options_set_at_read == [1, 2, 3]  # each read came after its own re-arm


def test_where_the_option_is_missing_rearming_is_a_no_op() -> None:
    sock = _Socket()
    inner = _Stream(sock)
    stream = QuickAckStream(inner, option=None)

    rearm(sock, None)  # type: ignore[arg-type]
    assert [stream.read(10) for _ in range(2)] == [b"x", b"x"]
    assert sock.calls == [] and inner.options_set_at_read == [0, 0]

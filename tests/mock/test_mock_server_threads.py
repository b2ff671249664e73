"""The socket mock server on the process's shared threads: one server after another starts no thread, an idle
connection does not hold up others, ``Expect: 100-continue`` is answered before the body, the port is freed."""

from __future__ import annotations

import socket
import threading

import httpx

from polycontract import Pact
from polycontract.mock._workers import MAX_IDLE


def _ping() -> Pact:
    pact = Pact(consumer="web", provider="api")
    pact.upon_receiving("a ping").with_request("POST", "/ping").will_respond_with(200, body={"ok": True})
    return pact


def test_servers_started_one_after_another_reuse_the_threads_of_the_first() -> None:
    with httpx.Client() as client:
        for _ in range(3):
            with _ping().serve() as server:
                client.post(f"{server.url}/ping")
        before = threading.active_count()
        for _ in range(20):
            with _ping().serve() as server:
                assert client.post(f"{server.url}/ping").json() == {"ok": True}

    assert threading.active_count() <= max(before, MAX_IDLE + 1)


def test_a_connection_that_sends_nothing_does_not_hold_up_another_client() -> None:
    with _ping().serve() as server, socket.create_connection(("127.0.0.1", server.port)):
        response = httpx.post(f"{server.url}/ping", timeout=2.0)

    assert response.json() == {"ok": True}


def test_expect_100_continue_is_answered_before_the_body_is_sent() -> None:
    with _ping().serve() as server, socket.create_connection(("127.0.0.1", server.port), timeout=2.0) as conn:
        conn.sendall(b"POST /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        interim = conn.recv(1024)
        conn.sendall(b"{}")
        final = b""
        while b"\r\n\r\n" not in final or not final.endswith(b"}"):
            final += conn.recv(1024)

    assert interim.startswith(b"HTTP/1.1 100")
    assert final.startswith(b"HTTP/1.1 200")


def test_a_stopped_server_frees_its_port() -> None:
    server = _ping().serve().start()
    port = server.port
    server.stop()

    with socket.socket() as again:
        again.bind(("127.0.0.1", port))

"""The accept loop serves its own connection between accepting others: pipelined requests, one connection
after another, a second client while the first holds its connection open, and stop while it waits."""

from __future__ import annotations

import socket
import time

import httpx

from polycontract import Pact


def _pings(count: int) -> Pact:
    pact = Pact(consumer="web", provider="api")
    for i in range(count):
        pact.upon_receiving(f"ping {i}").with_request("GET", f"/ping/{i}").will_respond_with(200, body={"n": i})
    return pact


def _read_answers(conn: socket.socket, count: int) -> bytes:
    answer = b""
    while answer.count(b"HTTP/1.1 200") < count or not answer.endswith(b"}"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer


def test_two_requests_sent_in_one_write_are_both_answered_in_order() -> None:
    with _pings(2).serve() as server, socket.create_connection(("127.0.0.1", server.port), timeout=2.0) as conn:
        conn.sendall(b"GET /ping/0 HTTP/1.1\r\nHost: x\r\n\r\nGET /ping/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_answers(conn, 2)

    assert answer.count(b"HTTP/1.1 200") == 2
    assert answer.index(b'{"n": 0}') < answer.index(b'{"n": 1}')


def test_connections_one_after_another_are_each_answered() -> None:
    with _pings(3).serve() as server:
        for i in range(3):
            with httpx.Client() as client:  # a new connection each time
                assert client.get(f"{server.url}/ping/{i}").json() == {"n": i}


def test_a_second_client_is_answered_while_the_first_keeps_its_connection_open() -> None:
    with _pings(2).serve() as server, httpx.Client() as first, httpx.Client() as second:
        assert first.get(f"{server.url}/ping/0").json() == {"n": 0}
        assert second.get(f"{server.url}/ping/1", timeout=2.0).json() == {"n": 1}


def test_stop_returns_at_once_while_the_server_waits_on_an_idle_connection() -> None:
    server = _pings(1).serve().start()
    with httpx.Client() as client:
        client.get(f"{server.url}/ping/0")
        started = time.perf_counter()
        server.stop()
        took = time.perf_counter() - started

    assert took < 1.0
    server.verify()

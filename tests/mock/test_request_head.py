"""The mock server reads request headers without the ``email`` parser, and reads them as ``http.server`` does."""

from __future__ import annotations

import http.client
import io
import socket

import pytest

from polycontract import Pact
from polycontract.mock._request_head import read_headers

BLOCKS = [
    b"Host: x\r\nAccept: */*\r\n\r\n",
    b"Host: x\r\naccept:  \t*/*  \r\nACCEPT: text/plain\r\n\r\n",
    b"X-Empty:\r\nX-Tab:\tv\r\n\r\n",
    b"Host: x\nLF-Only: yes\n\n",
    b"X-Latin: caf\xe9\r\n\r\n",
    b"X-Folded: one\r\n  two\r\nAfter: 1\r\n\r\n",
    b"No colon here\r\nAfter: 1\r\n\r\n",
    b"Name With Space: v\r\nAfter: 1\r\n\r\n",
    b"X-CR: a\rb\r\nAfter: 1\r\n\r\n",
    b" leading-continuation\r\nAfter: 1\r\n\r\n",
    b":no-name\r\nAfter: 1\r\n\r\n",
    b"From someone\r\nAfter: 1\r\n\r\n",
    b"Unterminated: v",
]


@pytest.mark.parametrize("block", BLOCKS)
def test_headers_are_the_ones_http_client_reads(block: bytes) -> None:
    expected = http.client.parse_headers(io.BytesIO(block))

    found = read_headers(io.BytesIO(block))

    assert found.items() == [(name, str(value)) for name, value in expected.items()]
    for name in ("host", "Accept", "after", "X-Folded", "missing"):
        assert found.get(name) == expected.get(name)


def test_more_than_a_hundred_headers_are_refused_as_http_client_refuses_them() -> None:
    block = b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n"

    with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
        read_headers(io.BytesIO(block))


def test_a_request_with_too_many_headers_is_answered_431() -> None:
    pact = Pact(consumer="web", provider="api")
    with pact.serve() as server, socket.create_connection(("127.0.0.1", server.port), timeout=2.0) as conn:
        conn.sendall(b"GET /ping HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n")
        answer = conn.recv(65536)

    assert answer.startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize(
    ("request_line", "status"),
    [(b"GET /ping HTTP/x.y", b"400"), (b"GET /ping HTTP/2.0", b"505"), (b"GET / ping HTTP/1.1", b"400")],
)
def test_a_bad_request_line_is_answered_as_http_server_answers_it(request_line: bytes, status: bytes) -> None:
    pact = Pact(consumer="web", provider="api")
    with pact.serve() as server, socket.create_connection(("127.0.0.1", server.port), timeout=2.0) as conn:
        conn.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        answer = conn.recv(65536)

    # ``http.server``'s error page; before the version is known it is sent as HTTP/0.9, with no status line.
    assert b"Error code: " + status in answer


def test_the_answer_carries_status_server_date_and_length_in_one_head() -> None:
    pact = Pact(consumer="web", provider="api")
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(
        201, headers={"X-Id": "7"}, body={"ok": True}
    )
    with pact.serve() as server, socket.create_connection(("127.0.0.1", server.port), timeout=2.0) as conn:
        conn.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b"}"):
            answer += conn.recv(65536)

    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    names = [line.split(":", 1)[0] for line in lines[1:]]
    assert lines[0] == "HTTP/1.1 201 Created"
    assert names[:2] == ["Server", "Date"]
    assert lines[2].endswith(" GMT")
    assert "X-Id: 7" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert body == b'{"ok": true}' or body.replace(b" ", b"") == b'{"ok":true}'

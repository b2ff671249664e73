"""The verifier's lean HTTP/1.1 client gives the same answer as httpx for each way a server may frame one."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from polycontract.model import Body, Request, Response
from polycontract.verifier._http import Transport, _response, prepare
from polycontract.verifier._network import quickack_transport
from polycontract.verifier._outgoing import Origin
from polycontract.verifier._wsgi import call_wsgi_request
from tests.broker._client.scripted import Answer, scripted


@contextmanager
def _scripted(answers: list[Answer]) -> Iterator[tuple[str, list[bytes]]]:
    """A server answering each request with the next (bytes, close-after) of ``answers``; yields its URL and the
    requests it read."""
    with scripted(answers) as server:
        yield server.url, server.requests


def _lean(url: str, request: Request) -> Response:
    transport = Transport(base_url=url, app=None, timeout=5.0)
    try:
        return transport.send(prepare(request))
    finally:
        transport.close()


def _httpx(url: str, request: Request) -> Response:
    with httpx.Client(transport=quickack_transport(), timeout=5.0) as client:
        answer = client.send(prepare(request).to_httpx(url))
        return _response(answer.status_code, answer.headers.multi_items(), answer.content)


ANSWERS = {
    "content-length": b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"id": 1}\r\n',
    "chunked with trailer": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    ),
    "repeated and mixed-case headers": (
        b"HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Name: caf\xc3\xa9\r\n"
        b"X-Spaces:   padded  \r\nContent-Length: 0\r\n\r\n"
    ),
    "no reason phrase": b"HTTP/1.1 404\r\nContent-Length: 2\r\n\r\n{}",
    "gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s",
    "204": b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
    "interim 100": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "bare newlines": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_each_framing_gives_the_answer_httpx_gives(name: str) -> None:
    answer = ANSWERS[name]
    if name == "gzip":
        packed = gzip.compress(b'{"a": 1}')
        answer = answer % (len(packed), packed)
    request = Request(method="GET", path="/x", headers={"Accept": ("application/json",)})

    with _scripted([(answer, False), (answer, False)]) as (url, heads):
        ours = _lean(url, request)
        theirs = _httpx(url, request)

    assert ours == theirs
    assert heads[0] == heads[1]  # the same request bytes on the wire


def test_a_body_read_to_the_end_of_the_connection_then_a_new_connection() -> None:
    answer = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end"
    request = Request(method="GET", path="/x")

    with _scripted([(answer, True)] * 3) as (url, _):
        transport = Transport(base_url=url, app=None, timeout=5.0)
        try:
            first, second = transport.send(prepare(request)), transport.send(prepare(request))
        finally:
            transport.close()
        theirs = _httpx(url, request)

    assert first == second == theirs
    assert isinstance(first.body, Body) and first.body.content == b"to the end"


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with _scripted([(ok, True), (ok, False)]) as (url, heads):
        transport = Transport(base_url=url, app=None, timeout=5.0)
        try:
            first = transport.send(prepare(Request(method="GET", path="/a")))
            threading.Event().wait(0.05)  # the server has closed the first connection by now
            second = transport.send(prepare(Request(method="GET", path="/b")))
        finally:
            transport.close()

    assert first.status == second.status == 200 and len(heads) == 2


def test_a_post_with_a_body_and_a_head_request_go_out_as_httpx_sends_them() -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    post = Request(method="post", path="/a b", query={"q": ("1 2",)}, body=Body(content={"x": 1}))
    head = Request(method="HEAD", path="/h")

    for request, answer in ((post, ok + b"hello"), (head, ok)):
        with _scripted([(answer, False), (answer, False)]) as (url, heads):
            assert _lean(url, request) == _httpx(url, request)
        assert heads[0] == heads[1]


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"NOT HTTP\r\n\r\n",
        b"",
    ],
    ids=["truncated body", "bad status line", "closed without answer"],
)
def test_a_broken_answer_is_an_httpx_protocol_error_on_both(answer: bytes) -> None:
    request = Request(method="GET", path="/x")
    with _scripted([(answer, True), (answer, True)]) as (url, _):
        with pytest.raises(httpx.RemoteProtocolError):
            _lean(url, request)
        with pytest.raises(httpx.RemoteProtocolError):
            _httpx(url, request)


def _generator_app(environ: dict[str, object], start_response: object) -> Iterator[bytes]:
    yield b""
    start_response("201 Created", [("X-Path", str(environ["PATH_INFO"])), ("X-Host", str(environ["HTTP_HOST"]))])  # type: ignore[operator]
    yield b"made"


def test_a_wsgi_app_is_called_as_httpx_calls_it() -> None:
    request = httpx.Request("POST", "http://provider/a%20b?x=1", content=b"{}", headers={"Content-Type": "x/y"})

    status, headers, body = call_wsgi_request(_generator_app, request)
    with httpx.Client(transport=httpx.WSGITransport(app=_generator_app)) as client:
        theirs = client.send(request)

    assert (status, headers, body) == (theirs.status_code, theirs.headers.raw, theirs.content)


REQUESTS = [
    Request(method="GET", path="/users/1", headers={"Accept": ("application/json",)}),
    Request(method="GET", path="/a b/%20/ü", query={"q": ("1 2", "ü"), "empty": ("",)}),
    Request(method="POST", path="/users", body=Body(content={"name": "ü"})),
    Request(method="POST", path="/empty"),
    Request(method="PUT", path="/x", headers={"Content-Length": ("0",)}),
    Request(method="PATCH", path="/x", headers={"Transfer-Encoding": ("chunked",)}),
    Request(method="DELETE", path="/x", headers={"Host": ("elsewhere",), "X-Many": ("1", "2")}),
    Request(method="GET", path="/a/../b/./c"),
    Request(method="GET", path="/x", raw_query="a=b c&d={}#e"),
    Request(method="GET", path="/x", raw_query="a=%zz&b=`|"),
    Request(method="GET", path="/x{y}`z"),
    Request(method="GET", path="/x", headers={"X-Name": ("café",)}),
]
BASES = ["http://127.0.0.1:8000", "http://LocalHost:80/", "http://h:1/api/", "http://[::1]:9/v1", "http://h/a?x=1"]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("number", range(len(REQUESTS)))
def test_the_target_and_headers_known_in_advance_are_those_httpx_sends(base: str, number: int) -> None:
    outgoing = prepare(REQUESTS[number], extra_headers={"X-Trace": "1"} if number % 2 else None)

    encoded = Origin(base).encode(outgoing.method, outgoing.target, outgoing.headers, outgoing.content)

    if encoded is not None:  # None: left to httpx
        request = outgoing.to_httpx(base)
        assert encoded == (request.url.raw_path, request.headers.raw)


def _echo_app(environ: dict[str, object], start_response: object) -> list[bytes]:
    keys = sorted(k for k in environ if k.isupper())
    start_response("200 OK", [("Content-Type", "application/json")])  # type: ignore[operator]
    return [repr([(k, environ[k]) for k in keys]).encode(), environ["wsgi.input"].read()]  # type: ignore[attr-defined]


@pytest.mark.parametrize("number", range(len(REQUESTS)))
def test_a_wsgi_app_sees_the_same_environ_with_or_without_an_httpx_request(number: int) -> None:
    outgoing = prepare(REQUESTS[number])
    transport = Transport(base_url=None, app=_echo_app, timeout=5.0)
    try:
        try:
            direct = transport.send(outgoing)
        except UnicodeEncodeError as exc:  # httpx refuses non-ASCII header values too
            direct = type(exc)  # type: ignore[assignment]
        try:
            through_httpx = transport.send(outgoing, hook=lambda request: request)
        except UnicodeEncodeError as exc:
            through_httpx = type(exc)  # type: ignore[assignment]
    finally:
        transport.close()

    assert direct == through_httpx


def test_a_signed_or_prefixed_chunk_size_is_a_protocol_error_on_both() -> None:
    request = Request(method="GET", path="/x")
    for size in (b"-5", b"+5", b"0x5", b"0_5"):
        answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nhello\r\n0\r\n\r\n"
        with _scripted([(answer, True), (answer, True)]) as (url, _):
            with pytest.raises(httpx.RemoteProtocolError):
                _lean(url, request)
            with pytest.raises(httpx.RemoteProtocolError):
                _httpx(url, request)


def test_bytes_sent_past_a_response_are_never_read_as_the_next_response() -> None:
    stray = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale"
    fresh = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nfresh"
    with _scripted([(b"HTTP/1.1 204 No Content\r\n\r\n" + stray, False), (fresh, True)]) as (url, heads):
        transport = Transport(base_url=url, app=None, timeout=5.0)
        try:
            first = transport.send(prepare(Request(method="GET", path="/a")))
            second = transport.send(prepare(Request(method="GET", path="/b")))
        finally:
            transport.close()

    assert first.status == 204
    assert second.status == 201 and isinstance(second.body, Body) and second.body.content == b"fresh"
    assert len(heads) == 2

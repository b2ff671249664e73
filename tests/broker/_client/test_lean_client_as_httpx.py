"""The broker client's lean HTTP/1.1 path sends what httpx sends and reads answers as httpx reads them.

Each case asks the same question through the client's two paths, the lean one (a broker reached directly)
and httpx (a transport passed in, or a proxy configured), against real sockets on 127.0.0.1, and compares
what a user sees: the decoded answer, the error message, the request that reached the server.
"""

from __future__ import annotations

import gzip
import json
import socket
import zlib
from typing import Any

import httpx
import pytest

from polycontract.broker._client.transport import Transport
from polycontract.broker._client.urls import merge, parse
from polycontract.errors import BrokerError
from tests.broker._client.scripted import PATHS, Answer, both, head_fields, lean, ok, scripted

DOCUMENT = {"matrix": [], "name": "Zoë ✓"}
BODY = json.dumps(DOCUMENT).encode()


@pytest.mark.parametrize(
    "answer",
    [
        ok(BODY, "Content-Type: application/hal+json"),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"
        + BODY[:5]
        + f"\r\n{len(BODY) - 5:x}\r\n".encode()
        + BODY[5:]
        + b"\r\n0\r\n\r\n",
        ok(gzip.compress(BODY), "Content-Encoding: gzip"),
        ok(zlib.compress(BODY), "Content-Encoding: deflate"),
        ok(zlib.compress(BODY)[2:-4], "Content-Encoding: deflate"),  # raw deflate, as some servers send
        b"HTTP/1.1 100 Continue\r\n\r\n" + ok(BODY),
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY,  # ends with the connection
    ],
    ids=["content-length", "chunked", "gzip", "deflate", "raw-deflate", "interim-100", "until-closed"],
)
def test_each_framing_and_coding_of_an_answer_decodes_as_httpx_decodes_it(answer: bytes) -> None:
    results = both([(answer, True)], "GET", "/matrix", params=[("q[][pacticipant]", "web app")])
    assert results["lean"][0] == results["httpx"][0] == DOCUMENT


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("GET", "/matrix", {"params": [("q[][pacticipant]", "web"), ("q[][version]", "1.0+b"), ("latestby", "cvp")]}),
        ("GET", "/pacticipants/a%2Fb/versions/1", {"params": {"revision": 3, "flag": True, "none": None}}),
        ("GET", "/x?keep=1&q=2", {"params": {"q": "new"}}),
        ("GET", "/pacts/provider/ü ber", {}),
        ("POST", "/contracts/publish", {"json_body": {"name": "Zoë", "n": [1, 2.5, None]}}),
        ("POST", "/polycontract/prune", {}),
        ("PUT", "/pacticipants/web", {"json_body": {"displayName": "Web"}}),
        ("DELETE", "/webhooks/1", {}),
        ("GET", "/", {}),
    ],
)
def test_the_request_on_the_wire_is_the_one_httpx_sends(method: str, path: str, call: dict[str, Any]) -> None:
    results = both([(ok(b"{}"), False)], method, path, **call)
    assert head_fields(results["lean"][1][0]) == head_fields(results["httpx"][1][0])


@pytest.mark.parametrize(
    "base",
    [
        "http://broker.test",
        "http://broker.test:8080/pact/",
        "https://Broker.Test:443/a b",
        "http://[::1]:9292",
        "https://brøker.example/pact",
    ],
)
@pytest.mark.parametrize(
    ("reference", "params"),
    [
        ("/matrix", [("q[][pacticipant]", "a b"), ("q[][version]", "1/2?&=#")]),
        ("/matrix", {"limit": 100, "latest": True, "x": None, "l": ["a", "b"]}),
        ("/path?a=1&b=2", {"b": "3"}),
        ("/path?a=1", []),
        ("/p%20q/ü/{x}`", None),
        ("relative/path", None),
        ("https://other.test:9443/elsewhere?z=1", {"y": "2"}),
        ("/with?query string&a=<b>", None),
    ],
)
def test_urls_are_built_as_httpx_builds_them(base: str, reference: str, params: Any) -> None:
    expected = httpx.Client(base_url=base).build_request("GET", reference, params=params).url
    assert str(merge(parse(base), reference, params)) == str(expected)


def test_a_redirect_is_followed_as_httpx_follows_it() -> None:
    answers: list[Answer] = [
        (ok(b"", "Location: /moved", status="302 Found"), False),
        (ok(b"", "Location: /again", status="307 Temporary Redirect"), False),
        (ok(b'{"done": true}'), False),
    ]
    results = both(answers, "POST", "/contracts/publish", json_body={"a": 1})
    assert results["lean"][0] == results["httpx"][0] == {"done": True}
    assert [head_fields(r) for r in results["lean"][1]] == [head_fields(r) for r in results["httpx"][1]]
    assert [r.split(b" ", 2)[:2] for r in results["lean"][1]] == [
        [b"POST", b"/base/contracts/publish"],
        [b"GET", b"/moved"],  # 302 turns a POST into a GET, without its body
        [b"GET", b"/again"],
    ]


def test_credentials_are_not_sent_to_another_origin_on_redirect() -> None:
    with scripted([(ok(b'{"there": 1}'), False)]) as other:
        answers: list[Answer] = [(ok(b"", f"Location: {other.url}/x", status="301 Moved"), False)]
        with scripted(answers) as first:
            transport = lean(first.url, token="s3cret")
            try:
                assert transport.request("GET", "/start") == {"there": 1}
            finally:
                transport.close()
        assert b"authorization" in first.requests[0].lower()
        assert b"authorization" not in other.requests[0].lower()


def test_a_redirect_loop_is_a_broker_error_not_a_traceback() -> None:
    loop = ok(b"", "Location: /loop", status="302 Found")
    results = both([(loop, False)] * 21, "GET", "/loop")
    assert results["lean"][0] == results["httpx"][0]
    assert (
        results["lean"][0]
        == "BrokerError: GET URL/base/loop failed: TooManyRedirects: Exceeded maximum allowed redirects."
    )


@pytest.mark.parametrize(
    "answer",
    [
        ok(b'{"error": {"message": "no such pacticipant"}}', status="404 Not Found"),
        ok(b"plain words", status="409 Conflict"),
        ok(b"", status="404 Not Found Here"),
        ok(b"<html>", status="200 OK"),
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"NOT HTTP\r\n\r\n",
        ok(b"\x00garbage", "Content-Encoding: gzip"),
    ],
    ids=["404-json", "409-text", "404-empty", "not-json", "short-body", "bad-chunk", "bad-status", "bad-gzip"],
)
def test_a_bad_or_refusing_answer_is_reported_with_the_words_httpx_gives(answer: bytes) -> None:
    results = both([(answer, True)], "GET", "/thing")
    lean_outcome, httpx_outcome = results["lean"][0], results["httpx"][0]
    assert lean_outcome.split(":", 2)[:2] == httpx_outcome.split(":", 2)[:2]  # error class and the failing step
    if "failed" not in lean_outcome:  # an HTTP answer: the whole message matches
        assert lean_outcome == httpx_outcome


def test_an_unreachable_broker_reads_the_same_on_both_paths() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    messages = []
    for make in PATHS.values():
        transport = make(url)
        with pytest.raises(BrokerError) as caught:
            transport.request("GET", "/matrix")
        transport.close()
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "ConnectError: [Errno 111] Connection refused" in messages[0]


def test_a_silent_server_is_a_read_timeout() -> None:
    with socket.socket() as listener:  # connections complete in the kernel's backlog; nobody ever answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        transport = Transport(f"http://127.0.0.1:{listener.getsockname()[1]}", retries=0, timeout=0.3)
        with pytest.raises(BrokerError, match="failed: ReadTimeout: timed out"):
            transport.request("GET", "/matrix")
        transport.close()

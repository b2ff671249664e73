"""The broker client's lean HTTP/1.1 path sends what httpx sends and reads answers as httpx reads them.

Each case asks the same question through the client's two paths, the lean one (a broker reached directly)
and httpx (a transport passed in, or a proxy configured), against real sockets on 127.0.0.1, and compares
what a user sees: the decoded answer, the error message, the request that reached the server.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.broker._client.tls import verifying_context
from polycontract.broker._client.transport import Transport
from polycontract.broker._client.urls import merge, parse
from polycontract.errors import BrokerError, StorageError

Answer = tuple[bytes, bool]  # bytes to send, close the connection afterwards


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            while len(body) < int(line.split(b":")[1]):
                body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


class Scripted:
    """A server answering each request with the next scripted answer; records requests and connections."""

    def __init__(self, answers: list[Answer], tls: ssl.SSLContext | None = None) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:
                conn.close()
                continue
            with conn:
                while self.answers and (request := _read_request(conn)):
                    self.requests.append(request)
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def stop(self) -> None:
        self.listener.close()
        self.thread.join(5)


@contextmanager
def scripted(answers: list[Answer], tls: ssl.SSLContext | None = None) -> Iterator[Scripted]:
    server = Scripted(answers, tls)
    try:
        yield server
    finally:
        server.stop()


def ok(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def lean(url: str, **kwargs: Any) -> Transport:
    transport = Transport(url, retries=0, timeout=5.0, **kwargs)
    assert transport._lean is not None  # the path under test
    return transport


def through_httpx(url: str, **kwargs: Any) -> Transport:
    transport = Transport(url, retries=0, timeout=5.0, transport=httpx.HTTPTransport(), **kwargs)
    assert transport._lean is None
    return transport


PATHS = {"lean": lean, "httpx": through_httpx}


def both(answers: list[Answer], method: str, path: str, **request: Any) -> dict[str, tuple[Any, list[bytes]]]:
    """``request`` through each path against its own server scripted with ``answers``: outcome, requests."""
    out: dict[str, tuple[Any, list[bytes]]] = {}
    for name, make in PATHS.items():
        with scripted(answers) as server:
            transport = make(server.url + "/base", token="t0k")
            try:
                outcome: Any = transport.request(method, path, **request)
            except (BrokerError, StorageError) as exc:
                outcome = f"{type(exc).__name__}: {exc}".replace(server.url, "URL")
            finally:
                transport.close()
            out[name] = (outcome, server.requests)
    return out


def _head_fields(request: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    parsed = {k.lower(): v.strip() for k, _, v in (f.partition(b":") for f in fields)}
    parsed.pop(b"host")  # the port differs between the two servers
    return line, parsed, body


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
    assert _head_fields(results["lean"][1][0]) == _head_fields(results["httpx"][1][0])


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
    assert [_head_fields(r) for r in results["lean"][1]] == [_head_fields(r) for r in results["httpx"][1]]
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


def test_one_connection_carries_every_request_until_the_server_says_it_closes() -> None:
    answers: list[Answer] = [(ok(b"[1]"), False), (ok(b"[2]", "Connection: close"), True), (ok(b"[3]"), False)]
    with scripted(answers) as server:
        transport = lean(server.url)
        try:
            assert [transport.request("GET", f"/{n}") for n in range(3)] == [[1], [2], [3]]
        finally:
            transport.close()
    assert server.connections == 2


def test_a_configured_proxy_sends_the_client_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    transport = Transport("http://broker.test")
    assert transport._lean is None and transport._httpx is not None
    transport.close()
    monkeypatch.delenv("https_proxy")
    transport = Transport("http://broker.test")
    assert transport._lean is not None and transport._httpx is None
    transport.close()


def test_https_is_verified_with_httpx_s_default_context() -> None:
    default = httpx.create_ssl_context()
    ours = verifying_context()
    assert ours.verify_mode == ssl.CERT_REQUIRED and ours.check_hostname
    assert ours.verify_flags == default.verify_flags
    assert ours.options == default.options
    assert ours.get_ca_certs() == default.get_ca_certs()


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (key and certificate in one PEM file)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    pem = tmp_path / "server.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(pem), "-out", str(pem)),
        ],
        check=True,
        capture_output=True,
    )
    return pem


def test_an_https_broker_is_trusted_only_through_the_configured_ca_bundle(
    certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(certificate)
    with scripted([(ok(b'{"secure": true}'), False)], tls=server_tls) as server:
        transport = lean(server.url)
        with pytest.raises(BrokerError, match="CERTIFICATE_VERIFY_FAILED"):
            transport.request("GET", "/matrix")
        transport.close()
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        transport = lean(server.url)
        try:
            assert transport.request("GET", "/matrix") == {"secure": True}
        finally:
            transport.close()
    assert os.environ["SSL_CERT_FILE"] == str(certificate)


def test_a_missing_ca_file_is_a_broker_error_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    transport = lean("https://127.0.0.1:9")
    with pytest.raises(BrokerError, match=r"cannot load the CA certificates to verify 127\.0\.0\.1:9 .*SSL_CERT_FILE"):
        transport.request("GET", "/matrix")
    transport.close()


def test_credentials_inside_the_base_url_send_the_client_through_httpx() -> None:
    transport = Transport("http://ci:secret@broker.test")
    assert transport._lean is None and transport._httpx is not None
    transport.close()


def test_cookies_a_server_sets_are_sent_back_as_httpx_sends_them() -> None:
    answers: list[Answer] = [
        (ok(b"[1]", "Set-Cookie: lb=node-2; Path=/", "Set-Cookie: other=x; Path=/elsewhere"), False),
        (ok(b"[2]"), False),
        (ok(b"[3]"), False),
    ]
    results = {}
    for name, make in PATHS.items():
        with scripted(answers) as server:
            transport = make(server.url)
            try:
                assert [transport.request("GET", p) for p in ("/a", "/b", "/elsewhere/c")] == [[1], [2], [3]]
            finally:
                transport.close()
            results[name] = [_head_fields(r)[1].get(b"cookie") for r in server.requests]
    assert results["lean"] == results["httpx"] == [None, b"lb=node-2", b"other=x; lb=node-2"]


def test_threads_sharing_a_client_each_get_their_answer() -> None:
    from concurrent.futures import ThreadPoolExecutor
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    transport = lean(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda n: transport.request("GET", f"/n/{n}"), range(200)))
    finally:
        transport.close()
        server.shutdown()
        server.server_close()
    assert answers == [{"path": f"/n/{n}"} for n in range(200)]

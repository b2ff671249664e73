"""The broker client's lean path keeps connections, TLS, proxies, cookies and threads as httpx's client does.

Real sockets on 127.0.0.1 (a scripted server, `http.server`, a self-signed certificate made with openssl).
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.broker._client.tls import verifying_context
from polycontract.broker._client.transport import Transport
from polycontract.errors import BrokerError
from tests.broker._client.scripted import PATHS, Answer, head_fields, lean, ok, scripted


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
            results[name] = [head_fields(r)[1].get(b"cookie") for r in server.requests]
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

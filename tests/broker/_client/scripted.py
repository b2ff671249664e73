"""A scripted HTTP server on 127.0.0.1 and the broker client's two paths, for the lean client's tests.

`Scripted` answers each request with the next scripted bytes and records what reached it; `both` asks one
question through the lean path and through httpx, each against its own scripted server.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from polycontract.broker._client.transport import Transport
from polycontract.errors import BrokerError, StorageError

__all__ = ["PATHS", "Answer", "Scripted", "both", "head_fields", "lean", "ok", "scripted", "through_httpx"]

Answer = tuple[bytes, bool]  # bytes to send, close the connection afterwards


def read_request(conn: socket.socket) -> bytes:
    """One request's head and body as it arrived (empty when the client closed the connection)."""
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
                while self.answers and (request := read_request(conn)):
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
    """A `Scripted` server, stopped afterwards."""
    server = Scripted(answers, tls)
    try:
        yield server
    finally:
        server.stop()


def ok(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    """An HTTP/1.1 answer with ``headers`` and a ``Content-Length`` body."""
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def lean(url: str, **kwargs: Any) -> Transport:
    """The broker client's transport on its lean path (no retries)."""
    transport = Transport(url, retries=0, timeout=5.0, **kwargs)
    assert transport._lean is not None  # the path under test
    return transport


def through_httpx(url: str, **kwargs: Any) -> Transport:
    """The broker client's transport on its httpx path (no retries)."""
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


def head_fields(request: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """A recorded request's line, fields (lower-cased names, ``Host`` left out) and body."""
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    parsed = {k.lower(): v.strip() for k, _, v in (f.partition(b":") for f in fields)}
    parsed.pop(b"host")  # the port differs between the two servers
    return line, parsed, body

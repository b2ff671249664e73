"""One keep-alive HTTP/1.1 connection on the standard library's `socket` (TLS through `ssl` only for https).

The broker client's read-only commands (``polycontract can-i-deploy --broker http://…``) are a few small
requests; importing httpx, httpcore, h11 and anyio for them costs more than the requests take. This module
writes a request as httpx writes it and reads the answer as h11 does (`polycontract._http1`, shared with the
verifier's client to providers). Errors carry httpx's exception names (``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError``, ...), so messages built from them read the same. `polycontract.broker._client.lean`
adds redirects, bodies and decoding on top.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from polycontract._http1 import ResponseReader

if TYPE_CHECKING:
    import ssl

__all__ = [
    "ConnectError",
    "ConnectTimeout",
    "Connection",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "WireError",
    "WriteError",
    "WriteTimeout",
]


class WireError(Exception):
    """A request that failed below HTTP (httpx's ``TransportError``); the class name says which way."""


class ConnectError(WireError):
    """The connection could not be opened (refused, name not resolved, TLS handshake failed)."""


class ConnectTimeout(ConnectError):
    """Opening the connection took longer than the timeout."""


class ReadError(WireError):
    """Reading the answer failed (connection reset)."""


class ReadTimeout(WireError):
    """No answer within the timeout."""


class WriteError(WireError):
    """Sending the request failed."""


class WriteTimeout(WireError):
    """Sending the request took longer than the timeout."""


class RemoteProtocolError(WireError):
    """The server's answer is not valid HTTP/1.1 (or it closed the connection mid-answer)."""


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)

#: status, reason phrase, raw headers, body
Answer = tuple[int, bytes, list[tuple[bytes, bytes]], bytes]


def _readable(sock: socket.socket) -> bool:
    """True when an idle kept-alive socket has something to read: the server closed it (or misbehaved)."""
    if hasattr(select, "poll"):  # select.select refuses file descriptors over 1023
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


def _recv(sock: socket.socket, quickack: int | None) -> bytes:
    """The next bytes ``sock`` receives (``b""``: closed), ``TCP_QUICKACK`` (``quickack``) re-armed first."""
    if quickack is not None:
        # ack at once: a server that writes headers and body apart (Nagle) is not left waiting on our delayed ACK
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
    try:
        return sock.recv(65536)
    except TimeoutError as exc:
        raise ReadTimeout(str(exc) or "timed out") from exc
    except OSError as exc:
        raise ReadError(str(exc)) from exc


class Connection:
    """One keep-alive HTTP/1.1 connection to ``host:port``, opened on first use and again when it closes.

    ``tls`` (an `ssl.SSLContext`) wraps the socket for https, with ``host`` as the server name.
    """

    def __init__(self, host: str, port: int, timeout: float, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.tls = tls
        self._sock: socket.socket | None = None
        self._reader: ResponseReader | None = None

    def request(self, method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], content: bytes) -> Answer:
        """Send one request and return its status, reason, raw headers and whole body."""
        head = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
        head.append(b"\r\n")
        sock, reader = self._connected()
        try:
            self._send(sock, b"".join(head) + content)
            status, reason, answer, body, keep = reader.read(method == "HEAD")
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return status, reason, answer, body

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._reader = None

    # -------------------------------------------------------------------------------------- connection

    def _connected(self) -> tuple[socket.socket, ResponseReader]:
        sock, reader = self._sock, self._reader
        if sock is not None and reader is not None:
            if not reader.buffer and not _readable(sock):
                return sock, reader
            self.close()  # closed by the server, or bytes nobody asked for: start afresh, as httpcore does
        try:
            # an ASCII name as bytes: the resolver then does not load the IDNA codec for it
            host: Any = self.host.encode("ascii") if self.host.isascii() else self.host
            sock = socket.create_connection((host, self.port), self.timeout)
        except TimeoutError as exc:
            raise ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise ConnectError(str(exc)) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:  # ssl.SSLError (certificate refused, handshake failed) is an OSError
            sock.close()
            raise ConnectError(str(exc)) from exc
        self._sock = sock
        quickack = _QUICKACK if self.tls is None else None
        self._reader = reader = ResponseReader(partial(_recv, sock, quickack), RemoteProtocolError)
        return sock, reader

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise WriteError(str(exc)) from exc

"""A lean HTTP/1.1 client for replaying requests to a provider: one keep-alive connection, one request at a time.

httpx (over httpcore and h11) costs about 200 microseconds a request in Python, more than a fast provider
takes to answer; the verifier sends thousands of plain requests in a row to one origin, so it speaks
HTTP/1.1 itself for those. It sends the request exactly as httpx would put it on the wire (the caller
gives it an ``httpx.Request``'s method, target and raw headers) and reads the answer as h11 does
(`polycontract._http1`, shared with the broker client). Errors are httpx's exceptions (``ConnectError``,
``ReadTimeout``, ``RemoteProtocolError``, ...). Anything it does not handle (a request body without ``Content-Length``,
``Expect``, ``Upgrade``, a header httpx would refuse) is the caller's to send with httpx: see `plain`.

``TCP_NODELAY`` is set and ``TCP_QUICKACK`` re-armed before every read (`polycontract.verifier._network`).
"""

from __future__ import annotations

import re
import select
import socket
from collections.abc import Sequence
from functools import partial

import httpx

from polycontract._http1 import TOKEN, ResponseReader
from polycontract.verifier._network import quickack_option, rearm

__all__ = ["Connection", "plain"]

_VALUE = re.compile(rb"[^\x00\r\n]*")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_OWN_FRAMING = frozenset({b"transfer-encoding", b"expect", b"upgrade"})


def plain(method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], content: bytes) -> bool:
    """True when `Connection.request` sends this request as httpx would; False: send it with httpx."""
    if not TOKEN.fullmatch(method.encode("latin-1")) or not _TARGET.fullmatch(target):
        return False
    length = None
    for name, value in headers:
        lower = name.lower()
        if lower in _OWN_FRAMING or not TOKEN.fullmatch(name) or not _VALUE.fullmatch(value):
            return False
        if lower == b"content-length":
            length = value.strip()
    return (length is None and not content) or length == str(len(content)).encode()


def _readable(sock: socket.socket, poller: select.poll | None) -> bool:
    """True when an idle kept-alive socket has something to read: the server closed it (or misbehaved).

    ``poller`` has ``sock`` registered for ``POLLIN`` (None where ``select.poll`` is missing).
    """
    if poller is not None:  # select.select refuses file descriptors over 1023
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


def _recv(sock: socket.socket, quickack: int | None) -> bytes:
    """The next bytes ``sock`` receives (``b""``: closed), ``TCP_QUICKACK`` re-armed first; httpx's read errors."""
    rearm(sock, quickack)
    try:
        return sock.recv(65536)
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out") from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc)) from exc


def _poller(sock: socket.socket) -> select.poll | None:
    """A poll object watching ``sock`` for input, made once per connection; None where there is no poll."""
    if not hasattr(select, "poll"):
        return None
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return poller


class Connection:
    """One keep-alive HTTP/1.1 connection to ``host:port``, opened on first use and again when it closes."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._reader: ResponseReader | None = None
        self._poller: select.poll | None = None

    def request(
        self, method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], content: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send one request (`plain` must hold) and return status, raw headers and the whole body."""
        head = [method.encode("latin-1"), b" ", target, b" HTTP/1.1\r\n"]
        close = False
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
            if name.lower() == b"connection" and b"close" in value.lower():
                close = True
        head.append(b"\r\n")
        sock, reader = self._connected()
        try:
            self._send(sock, b"".join(head) + content)
            status, _, answer, body, keep = reader.read(method == "HEAD")
        except BaseException:
            self.close()
            raise
        if close or not keep:
            self.close()
        return status, answer, body

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            self._poller = None
        self._reader = None

    # -------------------------------------------------------------------------------------- connection

    def _connected(self) -> tuple[socket.socket, ResponseReader]:
        sock, reader = self._sock, self._reader
        if sock is not None and reader is not None:
            if not reader.buffer and not _readable(sock, self._poller):
                return sock, reader
            # the server closed it, or sent what was not asked for (bytes past the last response, buffered or
            # not): as httpcore, start afresh, so they are never read as the next response
            self.close()
        try:
            sock = socket.create_connection((self.host, self.port), self.timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._poller = _poller(sock)
        self._sock = sock
        self._reader = reader = ResponseReader(partial(_recv, sock, quickack_option()), httpx.RemoteProtocolError)
        return sock, reader

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc)) from exc

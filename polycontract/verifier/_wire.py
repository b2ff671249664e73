"""A lean HTTP/1.1 client for replaying requests to a provider: one keep-alive connection, one request at a time.

httpx (over httpcore and h11) costs about 200 microseconds a request in Python, more than a fast provider
takes to answer; the verifier sends thousands of plain requests in a row to one origin, so it speaks
HTTP/1.1 itself for those. It sends the request exactly as httpx would put it on the wire (the caller
gives it an ``httpx.Request``'s method, target and raw headers) and reads the answer as h11 does: status
line, headers (obsolete line folding joined), then a body framed by ``Transfer-Encoding: chunked``,
``Content-Length`` or the end of the connection; no body for ``HEAD``, ``1xx``, ``204`` and ``304``;
interim ``1xx`` answers skipped. Errors are httpx's exceptions (``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError``, ...). Anything it does not handle (a request body without ``Content-Length``,
``Expect``, ``Upgrade``, a header httpx would refuse) is the caller's to send with httpx: see `plain`.

``TCP_NODELAY`` is set and ``TCP_QUICKACK`` re-armed before every read (`polycontract.verifier._network`).
"""

from __future__ import annotations

import re
import select
import socket
from collections.abc import Sequence

import httpx

from polycontract.verifier._network import quickack_option, rearm

__all__ = ["Connection", "plain"]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(rb"[^\x00\r\n]*")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_STATUS = re.compile(rb"HTTP/(\d)\.(\d) ([0-9]{3})(?: [^\r\n]*)?")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE = re.compile(rb"\r?\n")
_OWN_FRAMING = frozenset({b"transfer-encoding", b"expect", b"upgrade"})
_MAX_HEAD = 64 * 1024
#: A chunk size as RFC 9112 writes it: hex digits only.
_HEX = re.compile(rb"[0-9A-Fa-f]+")


def plain(method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], content: bytes) -> bool:
    """True when `Connection.request` sends this request as httpx would; False: send it with httpx."""
    if not _TOKEN.fullmatch(method.encode("latin-1")) or not _TARGET.fullmatch(target):
        return False
    length = None
    for name, value in headers:
        lower = name.lower()
        if lower in _OWN_FRAMING or not _TOKEN.fullmatch(name) or not _VALUE.fullmatch(value):
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
        self._poller: select.poll | None = None
        self._buffer = b""
        self._quickack: int | None = None

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
        sock = self._connected()
        try:
            self._send(sock, b"".join(head) + content)
            status, answer, body, keep = self._receive(sock, method == "HEAD")
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
        self._buffer = b""

    # -------------------------------------------------------------------------------------- connection

    def _connected(self) -> socket.socket:
        sock = self._sock
        if sock is not None:
            if not self._buffer and not _readable(sock, self._poller):
                return sock
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
        self._quickack = quickack_option()
        self._poller = _poller(sock)
        self._sock = sock
        return sock

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc)) from exc

    def _recv(self, sock: socket.socket) -> bytes:
        rearm(sock, self._quickack)
        try:
            return sock.recv(65536)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc)) from exc

    # ----------------------------------------------------------------------------------------- answer

    def _receive(self, sock: socket.socket, head_only: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        while True:
            status, version, headers = self._head(sock)
            if status >= 200 or status == 101:
                break
        keep = version >= (1, 1)
        framing: list[bytes] = []
        lengths: set[bytes] = set()
        for name, value in headers:
            lower = name.lower()
            if lower == b"connection" and b"close" in [t.strip() for t in value.lower().split(b",")]:
                keep = False
            elif lower == b"transfer-encoding":
                framing += [t.strip().lower() for t in value.split(b",")]
            elif lower == b"content-length":
                lengths.update(v.strip() for v in value.split(b","))
        if head_only or status in (204, 304) or status < 200:
            return status, headers, b"", keep and status != 101
        if framing:
            if framing != [b"chunked"]:
                raise httpx.RemoteProtocolError("Only Transfer-Encoding: chunked is supported")
            return status, headers, self._chunked(sock), keep
        if lengths:
            if len(lengths) != 1 or not next(iter(lengths)).isdigit():
                raise httpx.RemoteProtocolError(f"bad Content-Length: {sorted(lengths)}")
            return status, headers, self._exactly(sock, int(next(iter(lengths)))), keep
        return status, headers, self._until_closed(sock), False

    def _head(self, sock: socket.socket) -> tuple[int, tuple[int, int], list[tuple[bytes, bytes]]]:
        while (end := _HEAD_END.search(self._buffer)) is None:
            if len(self._buffer) > _MAX_HEAD:
                raise httpx.RemoteProtocolError("the response's header block is too long")
            chunk = self._recv(sock)
            if not chunk:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            self._buffer += chunk
        lines = _LINE.split(self._buffer[: end.start()])
        self._buffer = self._buffer[end.end() :]
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            raise httpx.RemoteProtocolError(f"illegal status line: {lines[0][:100]!r}")
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: part of the last value
                name, value = headers[-1]
                headers[-1] = (name, (value + b" " + line.strip(b" \t")).strip(b" \t"))
                continue
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise httpx.RemoteProtocolError(f"illegal header line: {line[:100]!r}")
            headers.append((name, value.strip(b" \t")))
        return int(match[3]), (int(match[1]), int(match[2])), headers

    def _exactly(self, sock: socket.socket, size: int) -> bytes:
        parts, have = [self._buffer], len(self._buffer)
        while have < size:
            chunk = self._recv(sock)
            if not chunk:
                raise httpx.RemoteProtocolError(
                    f"peer closed connection without sending complete message body: "
                    f"received {have} bytes, expected {size}"
                )
            parts.append(chunk)
            have += len(chunk)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._buffer = data[size:]
        return data[:size] if have > size else data

    def _line(self, sock: socket.socket) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise httpx.RemoteProtocolError("a chunk header is too long")
            chunk = self._recv(sock)
            if not chunk:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body: incomplete chunked read"
                )
            self._buffer += chunk
        line, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
        return line.rstrip(b"\r")

    def _chunked(self, sock: socket.socket) -> bytes:
        parts: list[bytes] = []
        while True:
            size = self._line(sock).split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size):  # int() would also take a sign, 0x and underscores
                raise httpx.RemoteProtocolError(f"illegal chunk size: {size[:20]!r}")
            length = int(size, 16)
            if length == 0:
                while self._line(sock):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(sock, length))
            if self._line(sock):
                raise httpx.RemoteProtocolError("a chunk is longer than its size says")

    def _until_closed(self, sock: socket.socket) -> bytes:
        parts = [self._buffer]
        while chunk := self._recv(sock):
            parts.append(chunk)
        self._buffer = b""
        return b"".join(parts)

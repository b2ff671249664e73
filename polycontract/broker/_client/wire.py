"""One keep-alive HTTP/1.1 connection on the standard library's `socket` (TLS through `ssl` only for https).

The broker client's read-only commands (``polycontract can-i-deploy --broker http://…``) are a few small
requests; importing httpx, httpcore, h11 and anyio for them costs more than the requests take. This module
writes a request as httpx writes it and reads the answer as h11 does: status line, headers (obsolete line
folding joined), then a body framed by ``Transfer-Encoding: chunked``, ``Content-Length`` or the end of the
connection; no body for ``HEAD``, ``1xx``, ``204`` and ``304``; interim ``1xx`` answers skipped. Errors carry
httpx's exception names (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...), so messages built
from them read the same. `polycontract.broker._client.lean` adds redirects, bodies and decoding on top.
"""

from __future__ import annotations

import re
import select
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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


_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS = re.compile(rb"HTTP/(\d)\.(\d) ([0-9]{3})(?: ([^\r\n]*))?")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE = re.compile(rb"\r?\n")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_MAX_HEAD = 64 * 1024
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
        self._buffer = b""

    def request(self, method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], content: bytes) -> Answer:
        """Send one request and return its status, reason, raw headers and whole body."""
        head = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
        head.append(b"\r\n")
        sock = self._connected()
        try:
            self._send(sock, b"".join(head) + content)
            answer, keep = self._receive(sock, method == "HEAD")
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return answer

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer = b""

    # -------------------------------------------------------------------------------------- connection

    def _connected(self) -> socket.socket:
        sock = self._sock
        if sock is not None:
            if not self._buffer and not _readable(sock):
                return sock
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
        return sock

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise WriteError(str(exc)) from exc

    def _recv(self, sock: socket.socket) -> bytes:
        if _QUICKACK is not None and self.tls is None:
            # ack at once: a server that writes headers and body apart (Nagle) is not left waiting on our delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        try:
            return sock.recv(65536)
        except TimeoutError as exc:
            raise ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise ReadError(str(exc)) from exc

    # ----------------------------------------------------------------------------------------- answer

    def _receive(self, sock: socket.socket, head_only: bool) -> tuple[Answer, bool]:
        while True:
            status, reason, version, headers = self._head(sock)
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
            return (status, reason, headers, b""), keep and status != 101
        if framing:
            if framing != [b"chunked"]:
                raise RemoteProtocolError("Only Transfer-Encoding: chunked is supported")
            return (status, reason, headers, self._chunked(sock)), keep
        if lengths:
            if len(lengths) != 1 or not next(iter(lengths)).isdigit():
                raise RemoteProtocolError(f"bad Content-Length: {sorted(lengths)}")
            return (status, reason, headers, self._exactly(sock, int(next(iter(lengths))))), keep
        return (status, reason, headers, self._until_closed(sock)), False

    def _head(self, sock: socket.socket) -> tuple[int, bytes, tuple[int, int], list[tuple[bytes, bytes]]]:
        while (end := _HEAD_END.search(self._buffer)) is None:
            if len(self._buffer) > _MAX_HEAD:
                raise RemoteProtocolError("the response's header block is too long")
            chunk = self._recv(sock)
            if not chunk:
                raise RemoteProtocolError("Server disconnected without sending a response.")
            self._buffer += chunk
        lines = _LINE.split(self._buffer[: end.start()])
        self._buffer = self._buffer[end.end() :]
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            raise RemoteProtocolError(f"illegal status line: {lines[0][:100]!r}")
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: part of the last value
                name, value = headers[-1]
                headers[-1] = (name, (value + b" " + line.strip(b" \t")).strip(b" \t"))
                continue
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise RemoteProtocolError(f"illegal header line: {line[:100]!r}")
            headers.append((name, value.strip(b" \t")))
        return int(match[3]), match[4] or b"", (int(match[1]), int(match[2])), headers

    def _exactly(self, sock: socket.socket, size: int) -> bytes:
        parts, have = [self._buffer], len(self._buffer)
        while have < size:
            chunk = self._recv(sock)
            if not chunk:
                raise RemoteProtocolError(
                    f"peer closed connection without sending complete message body: received {have} bytes,"
                    f" expected {size}"
                )
            parts.append(chunk)
            have += len(chunk)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._buffer = data[size:]
        return data[:size] if have > size else data

    def _line(self, sock: socket.socket) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise RemoteProtocolError("a chunk header is too long")
            chunk = self._recv(sock)
            if not chunk:
                raise RemoteProtocolError(
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
                raise RemoteProtocolError(f"illegal chunk size: {size[:20]!r}")
            length = int(size, 16)
            if length == 0:
                while self._line(sock):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(sock, length))
            if self._line(sock):
                raise RemoteProtocolError("a chunk is longer than its size says")

    def _until_closed(self, sock: socket.socket) -> bytes:
        parts = [self._buffer]
        while chunk := self._recv(sock):
            parts.append(chunk)
        self._buffer = b""
        return b"".join(parts)

"""Reading an HTTP/1.1 response as h11 does, from bytes its caller receives: no socket here.

Internal interface of the core: the verifier's keep-alive client to providers (`polycontract.verifier._wire`)
and the broker client's (`polycontract.broker._client.wire`) share it; not part of the public API.

`ResponseReader` reads the status line, the headers (obsolete line folding joined), then a body framed by
``Transfer-Encoding: chunked``, ``Content-Length`` or the end of the connection; no body for ``HEAD``,
``1xx``, ``204`` and ``304``; interim ``1xx`` answers skipped. It asks its ``recv`` for more bytes when it
needs them (``b""``: the peer closed), so each client keeps its socket, its timeouts, its TCP options and
the exceptions its reads raise; a malformed answer raises the ``error`` class it is given, with h11's words.

>>> parts = iter([b"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nhel", b"lo"])
>>> reader = ResponseReader(lambda: next(parts, b""), ValueError)
>>> reader.read(head_only=False)
(200, b'OK', [(b'Content-Length', b'5')], b'hello', True)
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["TOKEN", "Response", "ResponseReader"]

#: An HTTP token (RFC 9110): a method or a header name.
TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS = re.compile(rb"HTTP/(\d)\.(\d) ([0-9]{3})(?: ([^\r\n]*))?")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE = re.compile(rb"\r?\n")
#: A chunk size as RFC 9112 writes it: hex digits only.
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_MAX_HEAD = 64 * 1024

#: status, reason phrase, raw headers, body, and whether the connection may carry the next request
Response = tuple[int, bytes, list[tuple[bytes, bytes]], bytes, bool]


class ResponseReader:
    """The responses arriving on one connection, read one at a time from what ``recv`` returns.

    ``recv`` returns the next bytes received (``b""`` once the peer has closed); ``error`` is the exception
    class raised for an answer that is not valid HTTP/1.1 or ends early. `buffer` holds what arrived past
    the last response read: a kept-alive connection with something there has been sent what nobody asked for.
    """

    __slots__ = ("_error", "_recv", "buffer")

    def __init__(self, recv: Callable[[], bytes], error: type[Exception]) -> None:
        self.buffer = b""
        self._recv = recv
        self._error = error

    def read(self, head_only: bool) -> Response:
        """The next final response (``head_only``: to a ``HEAD`` request, so without a body)."""
        while True:
            status, reason, version, headers = self._head()
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
            return status, reason, headers, b"", keep and status != 101
        if framing:
            if framing != [b"chunked"]:
                raise self._error("Only Transfer-Encoding: chunked is supported")
            return status, reason, headers, self._chunked(), keep
        if lengths:
            if len(lengths) != 1 or not next(iter(lengths)).isdigit():
                raise self._error(f"bad Content-Length: {sorted(lengths)}")
            return status, reason, headers, self._exactly(int(next(iter(lengths)))), keep
        return status, reason, headers, self._until_closed(), False

    def _head(self) -> tuple[int, bytes, tuple[int, int], list[tuple[bytes, bytes]]]:
        while (end := _HEAD_END.search(self.buffer)) is None:
            if len(self.buffer) > _MAX_HEAD:
                raise self._error("the response's header block is too long")
            chunk = self._recv()
            if not chunk:
                raise self._error("Server disconnected without sending a response.")
            self.buffer += chunk
        lines = _LINE.split(self.buffer[: end.start()])
        self.buffer = self.buffer[end.end() :]
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            raise self._error(f"illegal status line: {lines[0][:100]!r}")
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: part of the last value
                name, value = headers[-1]
                headers[-1] = (name, (value + b" " + line.strip(b" \t")).strip(b" \t"))
                continue
            name, colon, value = line.partition(b":")
            if not colon or not TOKEN.fullmatch(name):
                raise self._error(f"illegal header line: {line[:100]!r}")
            headers.append((name, value.strip(b" \t")))
        return int(match[3]), match[4] or b"", (int(match[1]), int(match[2])), headers

    def _exactly(self, size: int) -> bytes:
        parts, have = [self.buffer], len(self.buffer)
        while have < size:
            chunk = self._recv()
            if not chunk:
                raise self._error(
                    f"peer closed connection without sending complete message body: "
                    f"received {have} bytes, expected {size}"
                )
            parts.append(chunk)
            have += len(chunk)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self.buffer = data[size:]
        return data[:size] if have > size else data

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > _MAX_HEAD:
                raise self._error("a chunk header is too long")
            chunk = self._recv()
            if not chunk:
                raise self._error(
                    "peer closed connection without sending complete message body: incomplete chunked read"
                )
            self.buffer += chunk
        line, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
        return line.rstrip(b"\r")

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = self._line().split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size):  # int() would also take a sign, 0x and underscores
                raise self._error(f"illegal chunk size: {size[:20]!r}")
            length = int(size, 16)
            if length == 0:
                while self._line():  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(length))
            if self._line():
                raise self._error("a chunk is longer than its size says")

    def _until_closed(self) -> bytes:
        parts = [self.buffer]
        while chunk := self._recv():
            parts.append(chunk)
        self.buffer = b""
        return b"".join(parts)

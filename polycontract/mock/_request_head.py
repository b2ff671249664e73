"""The header block of an HTTP/1.1 request, read the way ``http.client.parse_headers`` reads it, without
the ``email`` parser.

``http.server`` hands the header lines to ``email.parser``, which costs some 40 µs a request: a large
share of a consumer test whose mock provider answers one request. The lines are read with the same
limits (65,536 bytes a line, 100 headers) and kept as ``email.message.Message`` keeps them: names as
sent, values with leading blanks removed, a folded line joined to the one before it, duplicates in order.
`wire_text` reads the request target as the reference mock server does (UTF-8 beyond ASCII), and
`version_number` the request line's HTTP version as ``http.server`` does.

>>> import io
>>> head = read_headers(io.BytesIO(b"Host: x\\r\\nAccept:  */*\\r\\naccept: text/plain\\r\\n\\r\\n"))
>>> head.get("ACCEPT"), head.items()[1]
('*/*', ('Accept', '*/*'))
"""

from __future__ import annotations

import email.parser
import http.client
import re
from typing import Protocol, overload

__all__ = ["RequestHeaders", "read_headers", "version_number", "wire_text"]

_MAX_LINE = 65536
_MAX_HEADERS = 100
_END = (b"\r\n", b"\n", b"")
#: A header line ``email`` reads as a name and a value with no defect: a name of visible characters but
#: the colon, blanks before the value (left out), no carriage return but the one ending the line.
_PLAIN = re.compile(rb"([!-9;-~]+):[ \t]*([^\r\n]*)\r?\n")


class _Lines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


class RequestHeaders:
    """The headers of one request: ``get`` (first value, any case) and ``items`` (every header, in order)."""

    __slots__ = ("_first", "_items")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        first: dict[str, str] = {}
        for name, value in items:
            first.setdefault(name.lower(), value)
        self._first = first

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (case-insensitive), else ``default``."""
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` as sent, in order."""
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __repr__(self) -> str:
        return f"RequestHeaders({self._items!r})"


def read_headers(stream: _Lines) -> RequestHeaders:
    """Read header lines from ``stream`` up to the blank line that ends them.

    Raises ``http.client.LineTooLong`` and ``http.client.HTTPException`` as ``http.client.parse_headers``
    does, so ``http.server`` answers 431 the same way.
    """
    lines: list[bytes] = []
    while True:
        line = stream.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in _END:
            break
        lines.append(line)
        if len(lines) > _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")
    return RequestHeaders(fields_of(lines))


def fields_of(lines: list[bytes]) -> list[tuple[str, str]]:
    """``(name, value)`` pairs as ``email.message.Message.items()`` gives them for these header lines.

    A plain ``Name: value`` line is split here; a block with anything else in it (a folded line, a line
    with no name, a bare carriage return) goes to the ``email`` parser, which decides what it means.
    """
    items: list[tuple[str, str]] = []
    for line in lines:
        found = _PLAIN.fullmatch(line)
        if found is None:
            parsed = email.parser.Parser().parsestr(b"".join(lines).decode("iso-8859-1"), headersonly=True)
            return [(name, str(value)) for name, value in parsed.items()]
        items.append((found[1].decode("iso-8859-1"), found[2].decode("iso-8859-1")))
    return items


def wire_text(target: str) -> str:
    """The request target as the Pact mock server reads it: bytes beyond ASCII as UTF-8 text.

    ``http.server`` decodes the request line as Latin-1; hyper keeps the bytes and the reference mock
    server takes its path as text, so ``café`` sent as raw UTF-8 bytes is ``café`` there, and here too.
    """
    if target.isascii():
        return target
    try:
        return target.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return target


def version_number(version: str) -> tuple[int, int] | None:
    """``HTTP/1.1`` -> (1, 1); None for what ``http.server`` refuses as a bad request version."""
    if not version.startswith("HTTP/"):
        return None
    parts = version[5:].split(".")
    if len(parts) != 2 or any(not p.isdigit() or len(p) > 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1])

"""A request's target and headers as ``httpx.Request`` would put them on the wire, without building one.

Building an ``httpx.Request`` (URL parsing, header normalising) costs more than sending the request on a
kept-alive connection; for the plain requests a pact usually holds the result is known in advance:
httpx leaves a target alone when its path and query hold only characters it does not escape and no
dot segments, puts ``Host`` first (unless given), and a ``Content-Length`` after the given headers (or
``Content-Length: 0`` up front for an empty POST, PUT or PATCH). `Origin.encode` returns exactly that,
or None whenever httpx would change something; the caller then builds the ``httpx.Request``.

>>> origin = Origin("http://127.0.0.1:8000/api")
>>> origin.encode("POST", "/a?b=1", [("Accept", "*/*")], b"{}")
(b'/api/a?b=1', [(b'Host', b'127.0.0.1:8000'), (b'Accept', b'*/*'), (b'Content-Length', b'2')])
>>> origin.encode("GET", "/a b", [], b"") is None  # httpx escapes the space: let it
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx

__all__ = ["Origin"]

# What httpx's URL parser leaves as it is (httpx._urlparse PATH_SAFE, QUERY_SAFE): printable ASCII but these.
_PATH = re.compile(r'/[^\x00-\x20\x7f-\U0010ffff"#<>?`{}]*')
_QUERY = re.compile(r'[^\x00-\x20\x7f-\U0010ffff"#<>]*')
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
_EMPTY_BODY_LENGTH = frozenset({"POST", "PUT", "PATCH"})


class Origin:
    """The scheme, host and path prefix of a base URL, parsed once for many requests."""

    def __init__(self, base_url: str) -> None:
        url = httpx.URL(base_url.rstrip("/"))
        self.url = url
        self.scheme = url.scheme
        self.host = url.host
        self.port = url.port
        self.netloc = url.netloc
        prefix = url.raw_path.decode("ascii").rstrip("/")
        plain = url.query == b"" and not url.fragment and _PATH.fullmatch(prefix or "/") is not None
        #: None when requests under this base URL are left to httpx (a query, fragment or odd path in it).
        self.prefix: str | None = prefix if plain and not _DOT_SEGMENT.search(prefix) else None

    def encode(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], content: bytes
    ) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        """The target and raw headers ``httpx.Request(method, base + target, headers=, content=)`` would have."""
        if self.prefix is None:
            return None
        path, mark, query = target.partition("?")
        if _PATH.fullmatch(path) is None or _DOT_SEGMENT.search(path) or (mark and _QUERY.fullmatch(query) is None):
            return None
        try:
            given = [(name.encode("ascii"), value.encode("ascii")) for name, value in headers]
        except UnicodeEncodeError:
            return None
        names = {name.lower() for name, _ in given}
        framed = b"content-length" in names or b"transfer-encoding" in names
        auto = [] if b"host" in names else [(b"Host", self.netloc)]
        if content and b"content-length" not in names:
            given.append((b"Content-Length", str(len(content)).encode("ascii")))
        elif not content and not framed and method in _EMPTY_BODY_LENGTH:
            auto.append((b"Content-Length", b"0"))
        return (self.prefix + target).encode("ascii"), auto + given

"""`LeanClient`: the broker client's requests without httpx, for a broker reached directly (no proxy).

It does what ``httpx.Client(base_url=…, headers=…, timeout=…, follow_redirects=True)`` does for the
broker client's calls, with only the standard library: the same URLs (`polycontract.broker._client.urls`),
the same default headers (``Accept-Encoding: gzip, deflate``, ``Connection: keep-alive``, ``Host``), JSON
bodies encoded as httpx encodes them, up to 20 redirects followed with httpx's rules (303 and 302 become GET,
a POST answered 301 becomes GET, ``Authorization`` dropped when the redirect leaves the origin other than by
an upgrade from http to https on the default ports), ``gzip`` and ``deflate`` bodies decoded, and TLS
verified with httpx's default context (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle).
`polycontract.broker._client.transport` uses it unless the caller passes an httpx transport or the
environment names a proxy.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from polycontract.broker._client.urls import Url, merge, parse, redirected
from polycontract.broker._client.wire import Connection, RemoteProtocolError, WireError
from polycontract.errors import BrokerError

if TYPE_CHECKING:
    import ssl

__all__ = ["DecodingError", "LeanClient", "Reply", "TooManyRedirects"]

MAX_REDIRECTS = 20
_REDIRECTS = (301, 302, 303, 307, 308)


class TooManyRedirects(WireError):
    """More than `MAX_REDIRECTS` redirects in a row."""


class DecodingError(WireError):
    """A body whose ``Content-Encoding`` does not decode."""


class Reply:
    """An HTTP answer: what the broker client reads of it (httpx's ``Response`` names).

    ``headers`` maps lower-cased names to values (repeated fields joined with ``", "``); ``cookies`` are the
    ``Set-Cookie`` values, one each.
    """

    __slots__ = ("content", "cookies", "encoding", "headers", "reason_phrase", "status_code", "url")

    def __init__(
        self,
        *,
        status_code: int,
        reason_phrase: str,
        headers: Mapping[str, str],
        content: bytes,
        url: str,
        encoding: str = "utf-8",
        cookies: tuple[str, ...] = (),
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content
        self.url = url
        self.encoding = encoding
        self.cookies = cookies

    @property
    def text(self) -> str:
        """The body as text (the ``Content-Type`` charset, else UTF-8; undecodable bytes replaced)."""
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON (`ValueError` when it is not)."""
        return json.loads(self.content)


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            name = value.strip().strip("'\"")
            try:
                "".encode(name)
            except LookupError:
                return "utf-8"
            return name
    return "utf-8"


def _decoded(body: bytes, encodings: str) -> bytes:
    """``body`` with its content codings undone, last applied first (unknown codings left, as httpx does)."""
    import zlib

    for coding in reversed([c.strip().lower() for c in encodings.split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
                body = decoder.decompress(body) + decoder.flush()
            elif coding == "deflate":
                try:
                    decoder = zlib.decompressobj()
                    body = decoder.decompress(body) + decoder.flush()
                except zlib.error:
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    body = decoder.decompress(body) + decoder.flush()
        except zlib.error as exc:
            raise DecodingError(str(exc)) from exc
    return body


class LeanClient:
    """Requests to one broker base URL over kept-alive connections, redirects followed; safe to share between
    threads (each request in flight has its own connection, returned to the origin's idle list afterwards).

    ``tls`` is the context for https connections (None: httpx's default, built on the first https connection).
    """

    def __init__(
        self, base_url: str, *, headers: Mapping[str, str], timeout: float, tls: ssl.SSLContext | None = None
    ) -> None:
        self.base = parse(base_url)
        self.timeout = timeout
        self._headers = {
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
            "User-Agent": "polycontract",
            **headers,
        }
        self._tls = tls
        #: idle kept-alive connections by origin; a request takes one (or opens one) and gives it back after
        self._idle: dict[tuple[str, str, int], list[Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close every connection (one in use by another thread closes when its request ends)."""
        with self._lock:
            self._closed = True
            idle = [c for pool in self._idle.values() for c in pool]
            self._idle.clear()
        for connection in idle:
            connection.close()

    def request(
        self,
        method: str,
        reference: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
    ) -> Reply:
        """Send ``method reference`` (a path under the base URL, or an absolute URL) and follow redirects."""
        url = merge(self.base, reference, params)
        headers = dict(self._headers)
        content = b""
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            headers["Content-Length"] = str(len(content))
            headers["Content-Type"] = "application/json"
        elif method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._send(method, url, headers, content)
            location = reply.headers.get("location")
            if reply.status_code not in _REDIRECTS or location is None:
                return reply
            method, url, headers, content = self._redirect(reply.status_code, location, method, url, headers, content)
        raise TooManyRedirects("Exceeded maximum allowed redirects.")

    def _redirect(
        self, status: int, location: str, method: str, url: Url, headers: dict[str, str], content: bytes
    ) -> tuple[str, Url, dict[str, str], bytes]:
        """httpx's ``_build_redirect_request``: the next method, URL, headers and body."""
        try:
            target = redirected(url, location)
        except ValueError as exc:
            raise RemoteProtocolError(f"Invalid URL in location header: {exc}.") from None
        headers = dict(headers)
        new_method = method
        if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
            new_method = "GET"
        if target.origin() != url.origin():
            upgrade = (
                url.host == target.host
                and url.scheme == "http"
                and url.effective_port == 80
                and target.scheme == "https"
                and target.effective_port == 443
            )
            if not upgrade:
                headers.pop("Authorization", None)
        if new_method != method and new_method == "GET":
            headers.pop("Content-Length", None)
            content = b""
        return new_method, target, headers, content

    def _connection(self, url: Url) -> Connection:
        """An idle connection to ``url``'s origin, or a new one (threads sharing a client each get their own)."""
        with self._lock:
            idle = self._idle.get(url.origin())
            if idle:
                return idle.pop()
            tls = None
            if url.scheme == "https":
                if self._tls is None:
                    from polycontract.broker._client.tls import verifying_context

                    try:
                        self._tls = verifying_context()
                    except OSError as exc:  # a CA file or folder that is missing or not PEM (ssl.SSLError)
                        raise BrokerError(
                            f"cannot load the CA certificates to verify {url.netloc} ({exc}); check SSL_CERT_FILE"
                            " and SSL_CERT_DIR"
                        ) from None
                tls = self._tls
        return Connection(url.host, url.effective_port, self.timeout, tls)

    def _send(self, method: str, url: Url, headers: Mapping[str, str], content: bytes) -> Reply:
        raw = [(b"Host", url.netloc.encode("ascii"))]
        raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        connection = self._connection(url)
        try:
            status, reason, answer, body = connection.request(method, url.target.encode("ascii"), raw, content)
        finally:  # a connection that failed has closed itself; it reopens on its next use
            with self._lock:
                if self._closed:
                    connection.close()
                else:
                    self._idle.setdefault(url.origin(), []).append(connection)
        fields: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in answer:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            fields[key] = f"{fields[key]}, {text}" if key in fields else text
            if key == "set-cookie":
                cookies.append(text)
        if "content-encoding" in fields:
            body = _decoded(body, fields["content-encoding"])
        return Reply(
            status_code=status,
            reason_phrase=reason.decode("ascii", errors="ignore"),
            headers=fields,
            content=body,
            url=str(url),
            encoding=_charset(fields.get("content-type", "")),
            cookies=tuple(cookies),
        )

"""TCP for the verifier's HTTP clients: no delayed-ACK stall, whatever way the provider writes its answer.

**The stall.** Many servers write an answer in two ``send()`` calls: the status line and headers, then the
body. Python's ``http.server`` does (its default ``wfile`` is unbuffered: ``end_headers()`` sends the
header block, ``wfile.write(body)`` the body), and so do Werkzeug's dev server and uvicorn's h11 protocol
(``http.response.start`` and ``http.response.body`` are written separately). Such a server has Nagle's
algorithm on (no ``TCP_NODELAY``), so its kernel holds the body until the headers are acknowledged. The
client received one segment and has nothing to send back, so its kernel delays that ACK. Each request
then waits for the client's delayed-ACK timer: about 40 ms on Linux (20 requests a second, whatever the
server's speed).

**The fix, per platform.**

* Linux: ``TCP_QUICKACK`` makes the kernel acknowledge at once, and sends an ACK that is already due. It
  is not sticky (the kernel drops back to delayed ACKs on its own), so it is set again before every
  read. `rearm` does that; `QuickAckBackend` does it for httpcore (what httpx runs on), and the
  verifier's own HTTP/1.1 client (`polycontract.verifier._wire`) calls `rearm` itself.
* macOS and the BSDs: no per-socket option (``socket.TCP_QUICKACK`` is absent; delayed ACKs are a
  system-wide sysctl, ``net.inet.tcp.delayed_ack``). `rearm` does nothing there; the stall stays with
  such servers (about 100 ms per request with the default settings).
* Windows: ``socket.TCP_QUICKACK`` is absent too (acknowledging at once needs the
  ``SIO_TCP_SET_ACK_FREQUENCY`` ioctl, which Python's ``socket.ioctl`` does not offer); `rearm` does
  nothing, and the delayed-ACK timer (200 ms by default) can stall such servers.

Everywhere the client sets ``TCP_NODELAY`` on its own sockets, so a request written in pieces (headers,
then body) never waits for the server's delayed ACK: that half of the problem is the client's to fix on
every platform.

>>> import socket
>>> with socket.socket() as sock:
...     rearm(sock, quickack_option())  # a no-op where the option does not exist
"""

from __future__ import annotations

import socket
import ssl
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

__all__ = [
    "QuickAckBackend",
    "QuickAckStream",
    "quickack_client",
    "quickack_option",
    "quickack_transport",
    "rearm",
]

_NODELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def quickack_option() -> int | None:
    """``socket.TCP_QUICKACK`` where the platform has it (Linux), else None (macOS, BSD, Windows)."""
    option = getattr(socket, "TCP_QUICKACK", None)
    return option if isinstance(option, int) else None


def rearm(sock: socket.socket, option: int | None) -> None:
    """Ask for an immediate ACK of what arrives next (and send one that is due); no-op when ``option`` is None.

    Call it before every read: the kernel leaves quick-ACK mode on its own.
    """
    if option is None:
        return
    try:  # noqa: SIM105 (a read's hot path: contextlib.suppress costs more than the call)
        sock.setsockopt(socket.IPPROTO_TCP, option, 1)
    except OSError:  # a socket already closed: the read that follows says so
        pass


class QuickAckStream(httpcore.NetworkStream):
    """An httpcore stream that re-arms ``TCP_QUICKACK`` before each read (see the module docstring)."""

    def __init__(self, inner: httpcore.NetworkStream, option: int | None) -> None:
        self._inner = inner
        self._option = option
        self._sock: socket.socket | None = inner.get_extra_info("socket")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes``, acknowledging at once what arrives."""
        if self._sock is not None:
            rearm(self._sock, self._option)
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write the whole ``buffer``."""
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """The same connection under TLS, still re-arming before each read."""
        return QuickAckStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._option)

    def get_extra_info(self, info: str) -> Any:
        """What the underlying stream says (``socket``, ``ssl_object``, ``is_readable``, ...)."""
        return self._inner.get_extra_info(info)


class QuickAckBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend with ``TCP_NODELAY`` and a ``TCP_QUICKACK`` re-armed before each read."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to ``host:port``, with ``TCP_NODELAY`` beside any ``socket_options``."""
        options = [*(socket_options or ()), _NODELAY]
        stream = self._inner.connect_tcp(host, port, timeout, local_address, options)
        return QuickAckStream(stream, quickack_option())

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        """A Unix socket has no ACKs to delay: httpcore's own stream."""
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retries use it)."""
        self._inner.sleep(seconds)


#: httpcore's exceptions as httpx raises them (what httpx's own transport maps), most specific last.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
)


def _as_httpx(exc: Exception) -> Exception:
    mapped: type[httpx.TransportError] | None = None
    for source, target in _ERRORS:
        if isinstance(exc, source) and (mapped is None or issubclass(target, mapped)):
            mapped = target
    return exc if mapped is None else mapped(str(exc))


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _QuickAckTransport(httpx.BaseTransport):
    """httpx's HTTP transport over `QuickAckBackend` (httpx offers no ``network_backend`` argument)."""

    def __init__(self) -> None:
        # As httpx.HTTPTransport() builds its pool: the same TLS context (SSL_CERT_FILE / SSL_CERT_DIR honoured)
        # and limits; only the network backend differs.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=QuickAckBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = self._pool.handle_request(core)
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status, headers=answer.headers, stream=_Body(answer.stream), extensions=answer.extensions
        )

    def close(self) -> None:
        self._pool.close()


def quickack_transport() -> httpx.BaseTransport:
    """An httpx transport whose connections set ``TCP_NODELAY`` and re-arm ``TCP_QUICKACK`` before each read.

    It is ``httpx.HTTPTransport()`` but for the backend. Like any transport given to ``httpx.Client``, it
    takes no proxy from the environment: see `quickack_client`.
    """
    return _QuickAckTransport()


def quickack_client(timeout: float | None) -> httpx.Client:
    """``httpx.Client(timeout=timeout)`` on `quickack_transport`, unless the environment names a proxy.

    A client given a transport ignores ``HTTP_PROXY`` and the like; where they are set, the plain client
    (which honours them) is returned instead, so the proxy is still used.
    """
    if urllib.request.getproxies():
        return httpx.Client(timeout=timeout)
    return httpx.Client(timeout=timeout, transport=quickack_transport())

"""TLS for the broker client: httpx's default verifying context, built only when a TLS connection is made.

`verifying_context` is the context httpx verifies with by default, for the lean client's https connections.
`DeferredContext` is for the httpx path (a proxy named by the environment) when the broker is plain ``http://``:
httpx builds its SSL context (loading the whole CA bundle, tens of milliseconds) when a client is created, even
when every request is plain HTTP. `DeferredContext` stands in for it: the first TLS connection (a redirect to
``https://``, an HTTPS proxy) builds the real context with httpx's own `httpx.create_ssl_context` (same CA
bundle, ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``, same checks) and hands the socket to it, so verification is
exactly httpx's.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["DeferredContext", "verifying_context"]


def verifying_context() -> ssl.SSLContext:
    """The context httpx verifies with by default (``httpx.create_ssl_context()``), built without importing httpx.

    ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's CA bundle; ALPN offers HTTP/1.1 only, as httpcore
    does without HTTP/2. A test compares it with httpx's.
    """
    import os

    cafile = os.environ.get("SSL_CERT_FILE")
    capath = os.environ.get("SSL_CERT_DIR")
    if cafile:
        context = ssl.create_default_context(cafile=cafile)
    elif capath:
        context = ssl.create_default_context(capath=capath)
    else:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context


class DeferredContext(ssl.SSLContext):
    """An `ssl.SSLContext` whose TLS connections are made by httpx's default context, built on first use.

    Only `set_alpn_protocols` (what httpcore sets) is carried over to the real context; `wrap_socket` and
    `wrap_bio` use the real one. A context built this way never verifies less than httpx's default.
    """

    _trust_env: bool
    _real: ssl.SSLContext | None
    _alpn: list[str] | None
    _lock: threading.Lock

    def __new__(cls, *, trust_env: bool = True) -> DeferredContext:
        context = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        context._trust_env = trust_env
        context._real = None
        context._alpn = None
        context._lock = threading.Lock()
        return context

    def __init__(self, *, trust_env: bool = True) -> None:
        # ssl.SSLContext.__init__ takes the protocol; everything is set in __new__.
        pass

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        """Remember the protocols for the real context (and set them here, as `ssl.SSLContext` does)."""
        protocols = list(alpn_protocols)
        with self._lock:
            self._alpn = protocols
            if self._real is not None:
                self._real.set_alpn_protocols(protocols)
        super().set_alpn_protocols(protocols)

    def real(self) -> ssl.SSLContext:
        """httpx's verifying context (``httpx.create_ssl_context``), built on the first call."""
        with self._lock:
            if self._real is None:
                import httpx

                real = httpx.create_ssl_context(trust_env=self._trust_env)
                if self._alpn is not None:
                    real.set_alpn_protocols(self._alpn)
                self._real = real
            return self._real

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        """`ssl.SSLContext.wrap_socket` on the real context."""
        return self.real().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        """`ssl.SSLContext.wrap_bio` on the real context."""
        return self.real().wrap_bio(*args, **kwargs)

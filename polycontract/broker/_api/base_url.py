"""The base URL of every link the broker server writes, never taken from an unchecked ``Host`` header.

With a public URL (``polycontract broker serve --public-url`` or ``POLYCONTRACT_BROKER_PUBLIC_URL``,
as the Pact Broker's ``PACT_BROKER_BASE_URL``) every link and webhook URL starts with it, whatever
the request says. Without one, links start with the address the connection actually reached (the
listening socket's host and port, and the scheme uvicorn reports, which takes ``X-Forwarded-Proto``
only from the proxies it trusts): the ``Host`` header is ignored, so a forged ``Host: evil.example``
cannot put another server into a link. Behind a reverse proxy, a port mapping or a DNS name that
clients must use, configure the public URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from polycontract.errors import UsageError

__all__ = ["PUBLIC_URL_ENV", "connection_base_url", "parse_public_url"]

#: The environment variable naming the broker server's public base URL.
PUBLIC_URL_ENV = "POLYCONTRACT_BROKER_PUBLIC_URL"


def parse_public_url(text: str, *, source: str = "--public-url") -> str:
    """``text`` checked as an absolute ``http(s)://host[:port][/path]`` base URL, without a trailing slash.

    >>> parse_public_url("https://pacts.example.com/broker/")
    'https://pacts.example.com/broker'
    """
    value = text.strip()
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(c.isspace() for c in value)
    ):
        raise UsageError(
            f"{source}={text!r} is not a public base URL: give http(s)://host[:port][/path],"
            " e.g. https://pacts.example.com"
        )
    return value.rstrip("/")


def connection_base_url(scope: dict[str, Any] | Any) -> str:
    """``scheme://host:port[root_path]`` of the socket address the request reached (no ``Host`` header)."""
    scheme = str(scope.get("scheme") or "http")
    server = scope.get("server")
    if server is None:
        host, port = "127.0.0.1", None
    else:
        host, port = str(server[0]), server[1]
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = shown if port is None or port == default else f"{shown}:{port}"
    return f"{scheme}://{netloc}{str(scope.get('root_path') or '').rstrip('/')}"

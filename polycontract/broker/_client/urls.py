"""Request URLs as httpx builds them, without importing httpx: base URL + path, params, redirect targets.

The broker client's lean transport (`polycontract.broker._client.wire`) must put the same request target on
the wire as ``httpx.Client(base_url=…).request(method, path, params=…)`` would: a path relative to the base URL
is appended to the base URL's path, characters outside httpx's safe sets are percent-encoded (existing ``%xx``
escapes kept), and ``params``, when given, are the whole query, encoded with `urllib.parse.urlencode`
(``True`` -> ``true``, ``None`` -> empty). Tests compare both on many inputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["Url", "merge", "parse", "redirected"]

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_QUERY_SAFE = _UNRESERVED + "".join(chr(i) for i in range(0x20, 0x7F) if i not in (0x20, 0x22, 0x23, 0x3C, 0x3E))
_PATH_SAFE = "".join(c for c in _QUERY_SAFE if c not in "?`{}")
_ESCAPE = re.compile("%[A-Fa-f0-9]{2}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Url:
    """An absolute ``http``/``https`` URL split as a connection needs it.

    A plain class rather than a dataclass: it loads on every command line start, where a dataclass costs more.
    """

    __slots__ = ("host", "path", "port", "query", "scheme")

    def __init__(self, *, scheme: str, host: str, port: int | None, path: str, query: str | None) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query

    @property
    def effective_port(self) -> int:
        """The port a connection goes to (80/443 when the URL gives none)."""
        return self.port if self.port is not None else _DEFAULT_PORTS[self.scheme]

    @property
    def netloc(self) -> str:
        """``host[:port]`` as the ``Host`` header writes it (the scheme's default port left out)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def target(self) -> str:
        """The request target: path and query."""
        return (self.path or "/") + ("" if self.query is None else "?" + self.query)

    def origin(self) -> tuple[str, str, int]:
        """Scheme, host and effective port: what two URLs share when they have the same origin."""
        return (self.scheme, self.host, self.effective_port)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.target}"


def _quote(text: str, safe: str) -> str:
    """Percent-encode ``text`` outside ``safe``, keeping existing ``%xx`` escapes (httpx's ``quote``)."""
    if not text.rstrip(safe):
        return text
    out: list[str] = []
    at = 0
    for match in _ESCAPE.finditer(text):
        out.append(_encode(text[at : match.start()], safe))
        out.append(match.group(0))
        at = match.end()
    out.append(_encode(text[at:], safe))
    return "".join(out)


def _encode(text: str, safe: str) -> str:
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text)


def parse(url: str) -> Url:
    """Split an absolute ``http(s)://`` URL; raises `ValueError` for anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    port = parts.port
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    host = parts.hostname.lower()
    if not host.isascii():  # an internationalised name, as httpx sends it: IDNA (punycode)
        host = host.encode("idna").decode("ascii")
    return Url(
        scheme=scheme,
        host=host,
        port=port,
        path=_quote(parts.path, _PATH_SAFE),
        query=_quote(parts.query, _QUERY_SAFE) if "?" in url else None,
    )


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _items(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    pairs = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        values = value if isinstance(value, (list, tuple)) else [value]
        out += [(str(key), _text(v)) for v in values]
    return out


def _with_params(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str | None:
    """The query httpx sends when ``params`` are given: those params only (a query in the reference is dropped)."""
    return urlencode(_items(params)) or None


def merge(base: Url, reference: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> Url:
    """The URL httpx requests for ``reference`` (absolute, or relative to ``base`` as httpx's ``base_url``)."""
    if "://" in reference.split("?", 1)[0]:
        url = parse(reference)
    else:
        path, mark, query = reference.partition("?")
        prefix = base.path if base.path.endswith("/") else base.path + "/"
        url = Url(
            scheme=base.scheme,
            host=base.host,
            port=base.port,
            path=_quote(prefix + path.lstrip("/"), _PATH_SAFE),
            query=_quote(query, _QUERY_SAFE) if mark else None,
        )
    if params is not None:
        url = Url(scheme=url.scheme, host=url.host, port=url.port, path=url.path, query=_with_params(params))
    return url


def redirected(current: Url, location: str) -> Url:
    """Where a ``Location`` header sends a request made to ``current`` (relative references resolved)."""
    from urllib.parse import urljoin

    return parse(urljoin(str(current), location))

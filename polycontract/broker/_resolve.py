"""Which broker, with which credentials: one answer for `connect()`, the CLI and everything that opens a broker.

The URL comes from the argument, else ``POLYCONTRACT_BROKER``, else the embedded default
``sqlite:///.polycontract/broker.db`` (only when nothing names a broker). Credentials for a broker
server come from the arguments (``token``, or ``username``/``password``), else the URL's own
``user:password@``, else ``POLYCONTRACT_BROKER_TOKEN``, else ``POLYCONTRACT_BROKER_USERNAME`` and
``POLYCONTRACT_BROKER_PASSWORD``. A setting that is present but empty, or a URL of no form a broker
has, is a `BrokerError` (exit 2) naming where it came from: a missing CI secret never falls back to
an empty local broker.

>>> resolve_broker("http://ci:s3cret@broker.example/", environ={}).username
'ci'
>>> resolve_broker(environ={"POLYCONTRACT_BROKER": "sqlite:///shared/broker.db"}).origin
'POLYCONTRACT_BROKER'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from polycontract.errors import BrokerError, UsageError

__all__ = [
    "BROKER_ENV",
    "DEFAULT_URL",
    "PASSWORD_ENV",
    "TOKEN_ENV",
    "USERNAME_ENV",
    "BrokerTarget",
    "resolve_broker",
    "shown",
]

#: The embedded broker used when nothing names one.
DEFAULT_URL = "sqlite:///.polycontract/broker.db"
BROKER_ENV = "POLYCONTRACT_BROKER"
TOKEN_ENV = "POLYCONTRACT_BROKER_TOKEN"
USERNAME_ENV = "POLYCONTRACT_BROKER_USERNAME"
PASSWORD_ENV = "POLYCONTRACT_BROKER_PASSWORD"

_EXPECTED = "expected sqlite:///path/broker.db, postgresql://user@host/database or http(s)://host[:port][/path]"
_POSTGRES = ("postgresql", "postgres", "postgresql+psycopg")

Kind = Literal["sqlite", "postgresql", "http"]


@dataclass(frozen=True, kw_only=True)
class BrokerTarget:
    """A resolved broker: its URL (no credentials in it for a server), backend, origin and credentials."""

    #: The broker's URL; for ``http(s)`` without the ``user:password@`` part.
    url: str
    #: ``sqlite``, ``postgresql`` or ``http`` (``https`` included).
    kind: Kind
    #: Where the URL came from: ``argument``, ``POLYCONTRACT_BROKER`` or ``default``.
    origin: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def resolve_broker(
    url: str | None = None,
    *,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BrokerTarget:
    """The broker ``url`` names (else ``POLYCONTRACT_BROKER``, else `DEFAULT_URL`) and its credentials.

    Raises `BrokerError` for an empty or malformed URL and `UsageError` for conflicting credentials.
    """
    env = os.environ if environ is None else environ
    if url is not None:
        origin = "argument"
        if not url.strip():
            raise BrokerError(f"broker={url!r} is empty: give the broker's URL ({_EXPECTED})")
    elif BROKER_ENV in env:
        url, origin = env[BROKER_ENV], BROKER_ENV
        if not url.strip():
            raise BrokerError(
                f"{BROKER_ENV} is set but empty (a missing CI secret?): set it to the broker's URL, or unset it"
                f" to use the embedded broker {DEFAULT_URL}"
            )
    else:
        url, origin = DEFAULT_URL, "default"
    url = url.strip()
    name = "broker" if origin != BROKER_ENV else BROKER_ENV
    kind = _kind(url, name)
    if kind != "http":
        return BrokerTarget(url=url, kind=kind, origin=origin)
    return _server(url, origin, name, token=token, username=username, password=password, env=env)


def shown(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for an error message."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}{slash}{path}"


def _kind(url: str, name: str) -> Kind:
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    quoted = f"{name}={shown(url)!r}"
    if not sep:
        raise BrokerError(f"{quoted} is not a broker URL ({_EXPECTED})")
    if scheme in ("http", "https"):
        try:
            host = urlsplit(url).hostname
        except ValueError as exc:
            raise BrokerError(f"{quoted} is not a valid URL ({exc}); {_EXPECTED}") from None
        if not host:
            raise BrokerError(f"{quoted} names no host (expected http(s)://host[:port][/path])")
        return "http"
    if scheme == "sqlite":
        if rest and not rest.startswith("/"):
            raise BrokerError(
                f"{quoted} is not an SQLite URL: expected sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        if rest == "/":
            raise BrokerError(f"{quoted} names no file (sqlite:///path/broker.db, or sqlite:///:memory:)")
        return "sqlite"
    if scheme in _POSTGRES:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except (ArgumentError, ValueError):
            raise BrokerError(
                f"{quoted} is not a valid PostgreSQL URL (postgresql://user@host[:port]/database)"
            ) from None
        return "postgresql"
    raise BrokerError(f"{quoted}: unsupported backend {scheme!r} ({_EXPECTED})")


def _server(
    url: str,
    origin: str,
    name: str,
    *,
    token: str | None,
    username: str | None,
    password: str | None,
    env: Mapping[str, str],
) -> BrokerTarget:
    """An ``http(s)`` target: credentials from the arguments, the URL, then the environment (token first)."""
    if token and username is not None:
        raise UsageError("give token= or username=/password=, not both")
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    target = BrokerTarget(url=base, kind="http", origin=origin)
    if token:
        return _with(target, token=token)
    if username is not None:
        return _with(target, username=username, password=password)
    if parts.username is not None:
        found = unquote(parts.password) if parts.password is not None else None
        return _with(target, username=unquote(parts.username), password=found)
    if env.get(TOKEN_ENV):
        return _with(target, token=env[TOKEN_ENV])
    if env.get(USERNAME_ENV):
        return _with(target, username=env[USERNAME_ENV], password=env.get(PASSWORD_ENV) or None)
    if env.get(PASSWORD_ENV):
        raise BrokerError(f"{PASSWORD_ENV} is set but {USERNAME_ENV} is not: set both for basic auth ({name})")
    return target


def _with(target: BrokerTarget, **credentials: str | None) -> BrokerTarget:
    from dataclasses import replace

    return replace(target, **credentials)  # type: ignore[arg-type]

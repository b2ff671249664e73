"""The pact broker: where pacts, verification results, deployments and releases meet can-i-deploy.

>>> broker = connect("sqlite:///:memory:")
>>> broker.create_environment("prod", production=True)
>>> broker.create_version("auth", "2.0")
>>> broker.can_i_deploy("auth", "2.0", to_environment="prod").ok
True

`connect` accepts ``sqlite:///path`` (embedded, WAL mode; the default is
``.polycontract/broker.db``) and ``postgresql://…`` (psycopg 3); the schema is migrated on connect.
``http://…`` / ``https://…`` returns an `HttpBroker` speaking a broker server's HTTP API
(``polycontract broker serve``) with the same methods.

Providers verify through `BrokerSource` (consumer version selectors, pending and WIP pacts; see
`Broker.pacts_for_verification`) and record a run with `Broker.publish_verification_results`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from polycontract.broker._broker import Broker, Environment, PublishResult
from polycontract.broker._engine import DEFAULT_URL, make_engine, migrate
from polycontract.broker._results import PublishedVerification
from polycontract.broker._retention import PruneReport
from polycontract.broker._schemas import SchemaPublishResult
from polycontract.broker._selection import BrokerSource, PactForVerification
from polycontract.broker._selectors import ConsumerVersionSelector
from polycontract.errors import BrokerError
from polycontract.matrix import Decision, Ignore, LiveVersion, Reason, Row

if TYPE_CHECKING:
    from polycontract.broker._http_client import HttpBroker

__all__ = [
    "DEFAULT_URL",
    "Broker",
    "BrokerSource",
    "ConsumerVersionSelector",
    "Decision",
    "Environment",
    "HttpBroker",
    "Ignore",
    "LiveVersion",
    "PactForVerification",
    "PruneReport",
    "PublishResult",
    "PublishedVerification",
    "Reason",
    "Row",
    "SchemaPublishResult",
    "connect",
]


def connect(
    url: str | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    auto_detect_main_branch: bool | Sequence[str] = True,
    token: str | None = None,
) -> Broker:
    """Open the broker at ``url`` (default: the embedded SQLite file `DEFAULT_URL`).

    ``http(s)://[user:password@]host…`` returns an `HttpBroker` (``token``: a bearer token, e.g. from
    ``POLYCONTRACT_BROKER_TOKEN``; user and password in the URL: HTTP basic auth). Raises `BrokerError`
    for a URL it cannot serve or a database it cannot open. ``clock`` supplies "now" for recorded
    timestamps (tests pin it; a broker server keeps its own clock). ``auto_detect_main_branch``: see
    `Broker` (a broker server applies its own setting).
    """
    if url is not None and url.startswith(("http://", "https://")):
        return _http_broker(url, token)
    engine = make_engine(url or DEFAULT_URL)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Broker(engine, clock=clock, auto_detect_main_branch=auto_detect_main_branch)


def __getattr__(name: str) -> Any:
    """`HttpBroker` on first use, so commands on an embedded broker never import httpx."""
    if name == "HttpBroker":
        from polycontract.broker._http_client import HttpBroker

        return HttpBroker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _http_broker(url: str, token: str | None) -> HttpBroker:
    """An `HttpBroker` for ``url``, credentials in it moved to basic auth (never kept in the URL)."""
    from polycontract.broker._http_client import HttpBroker

    parts = urlsplit(url)
    if not parts.hostname:
        raise BrokerError(f"broker={url!r} names no host (expected http(s)://host[:port][/path])")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    host = parts.netloc.rpartition("@")[2]
    base = urlunsplit((parts.scheme, host, parts.path, "", ""))
    if token and username is not None:
        username = password = None  # an explicit token wins over credentials in the URL
    return HttpBroker(base, token=token, username=username, password=password)

"""The pact broker: where pacts, verification results, deployments and releases meet can-i-deploy.

>>> broker = connect("sqlite:///:memory:")
>>> broker.create_environment("prod", production=True)
>>> broker.create_version("auth", "2.0")
>>> broker.can_i_deploy("auth", "2.0", to_environment="prod").ok
True

`connect` accepts ``sqlite:///path`` (embedded, WAL mode) and ``postgresql://…`` (psycopg 3); the
schema is migrated on connect. ``http://…`` / ``https://…`` returns an `HttpBroker` speaking a broker
server's HTTP API (``polycontract broker serve``). Both implement `BrokerAPI`, the operations every
broker offers, each on its own; code that takes any broker is typed `BrokerAPI`. ``connect()`` without a URL
reads ``POLYCONTRACT_BROKER`` and ``POLYCONTRACT_BROKER_TOKEN`` as the command line does; the
embedded ``.polycontract/broker.db`` is used only when nothing names a broker.

Providers verify through `BrokerSource` (consumer version selectors, pending and WIP pacts; see
`BrokerAPI.pacts_for_verification`) and record a run with `BrokerAPI.publish_verification_results`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._resolve import resolve_broker

if TYPE_CHECKING:
    from polycontract.broker._client.http_broker import HttpBroker
    from polycontract.broker._embedded.broker import Broker
    from polycontract.broker._embedded.selection import BrokerSource
    from polycontract.broker._interface import BrokerAPI
    from polycontract.broker._store.engine import DEFAULT_URL
    from polycontract.broker._values.records import (
        Environment,
        PactForVerification,
        PruneReport,
        PublishedVerification,
        PublishResult,
        SchemaPublishResult,
    )
    from polycontract.broker._values.selectors import ConsumerVersionSelector
    from polycontract.matrix import Decision, Ignore, LiveVersion, Reason, Row

__all__ = [
    "DEFAULT_URL",
    "Broker",
    "BrokerAPI",
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
    username: str | None = None,
    password: str | None = None,
    create: bool = True,
) -> BrokerAPI:
    """Open the broker ``url`` names, resolved exactly as the ``polycontract`` command line does.

    Without ``url``: ``POLYCONTRACT_BROKER``; only when nothing names a broker, the embedded SQLite file
    `DEFAULT_URL`. A database URL returns the embedded `Broker`, ``http(s)://…`` an `HttpBroker` (both a
    `BrokerAPI`); the `HttpBroker`'s credentials are ``token`` (bearer) or
    ``username``/``password`` (basic auth), else ``user:password@`` in the URL, else
    ``POLYCONTRACT_BROKER_TOKEN``, else ``POLYCONTRACT_BROKER_USERNAME``/``POLYCONTRACT_BROKER_PASSWORD``.

    >>> # in CI, with POLYCONTRACT_BROKER=https://broker.example and POLYCONTRACT_BROKER_TOKEN set:
    >>> # broker = connect()

    Raises `BrokerError` for an empty or malformed URL, an SQLite file whose folder does not exist
    (only the default's ``.polycontract/`` is created), a missing database driver, or a database it
    cannot open. ``create=False`` is for callers that only read (can-i-deploy, the matrix, pacts to
    verify): an SQLite file that does not exist yet is then a `BrokerError` instead of a new, empty
    broker that would answer "nothing here". ``clock`` supplies "now" for recorded timestamps (tests pin
    it; a broker server keeps its own clock). ``auto_detect_main_branch``: see `Broker` (a broker server
    applies its own setting).
    """
    target = resolve_broker(url, token=token, username=username, password=password)
    if target.kind == "http":
        from polycontract.broker._client.http_broker import HttpBroker

        return HttpBroker(target.url, token=target.token, username=target.username, password=target.password)
    from polycontract.broker._embedded.broker import Broker
    from polycontract.broker._store.engine import make_engine, migrate

    engine = make_engine(target.url, create=create)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Broker(engine, clock=clock, auto_detect_main_branch=auto_detect_main_branch)


#: public name -> the module that defines it, imported on first use (see `__getattr__`).
_LAZY: dict[str, str] = {
    "Broker": "polycontract.broker._embedded.broker",
    "BrokerAPI": "polycontract.broker._interface",
    "BrokerSource": "polycontract.broker._embedded.selection",
    "ConsumerVersionSelector": "polycontract.broker._values.selectors",
    "DEFAULT_URL": "polycontract.broker._store.engine",
    "Decision": "polycontract.matrix",
    "Environment": "polycontract.broker._values.records",
    "HttpBroker": "polycontract.broker._client.http_broker",
    "Ignore": "polycontract.matrix",
    "LiveVersion": "polycontract.matrix",
    "PactForVerification": "polycontract.broker._values.records",
    "PruneReport": "polycontract.broker._values.records",
    "PublishResult": "polycontract.broker._values.records",
    "PublishedVerification": "polycontract.broker._values.records",
    "Reason": "polycontract.matrix",
    "Row": "polycontract.matrix",
    "SchemaPublishResult": "polycontract.broker._values.records",
}


def __getattr__(name: str) -> Any:
    """Every public name but `connect` on first use: the HTTP client never loads SQLAlchemy, commands on an
    embedded broker never import httpx, and ``polycontract can-i-deploy`` loads only the records it reads."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

"""The pact broker: where pacts, verification results, deployments and releases meet can-i-deploy.

>>> broker = connect("sqlite:///:memory:")
>>> broker.create_environment("prod", production=True)
>>> broker.create_version("auth", "2.0")
>>> broker.can_i_deploy("auth", "2.0", to_environment="prod").ok
True

`connect` accepts ``sqlite:///path`` (embedded, WAL mode; the default is
``.polycontract/broker.db``) and ``postgresql://…`` (psycopg 3). The schema is migrated on connect.

Providers verify through `BrokerSource` (consumer version selectors, pending and WIP pacts; see
`Broker.pacts_for_verification`) and record a run with `Broker.publish_verification_results`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from polycontract.broker._broker import Broker, Environment, PublishResult
from polycontract.broker._engine import DEFAULT_URL, make_engine, migrate
from polycontract.broker._results import PublishedVerification
from polycontract.broker._retention import PruneReport
from polycontract.broker._schemas import SchemaPublishResult
from polycontract.broker._selection import BrokerSource, PactForVerification
from polycontract.broker._selectors import ConsumerVersionSelector
from polycontract.matrix import Decision, Ignore, LiveVersion, Reason, Row

__all__ = [
    "DEFAULT_URL",
    "Broker",
    "BrokerSource",
    "ConsumerVersionSelector",
    "Decision",
    "Environment",
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


def connect(url: str | None = None, *, clock: Callable[[], datetime] | None = None) -> Broker:
    """Open the broker at ``url`` (default: the embedded SQLite file `DEFAULT_URL`).

    Raises `BrokerError` for a URL it cannot serve (the HTTP client is not available yet) or a
    database it cannot open. ``clock`` supplies "now" for recorded timestamps (tests pin it).
    """
    engine = make_engine(url or DEFAULT_URL)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Broker(engine, clock=clock)

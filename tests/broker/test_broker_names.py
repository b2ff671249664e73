"""Both brokers refuse the consumer builder `polycontract.Pact` in ``publish_pact`` before anything is stored.

The builder declares a pact; ``pact.to_model()`` gives the `polycontract.model.PactDocument` a broker publishes.
Handing over the builder is a `UsageError` that says so, from the embedded broker (SQLite and PostgreSQL)
and from `HttpBroker` talking to a real server, and the broker is left as it was.
"""

from __future__ import annotations

import pytest

from polycontract import Pact
from polycontract.broker import Broker, connect
from polycontract.errors import UsageError
from tests.broker.http_twin import serving

REFUSED = (
    "publish_pact(pact) got the consumer builder polycontract.Pact(consumer='web', provider='users', spec='V4', "
    "interactions=1); pass pact.to_model(), the polycontract.model.PactDocument it declares"
)


def _builder() -> Pact:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
    return pact


def test_the_embedded_broker_refuses_the_builder_and_stores_nothing(broker: Broker) -> None:
    with pytest.raises(UsageError) as raised:
        broker.publish_pact(_builder(), consumer_version="1.0.0")  # type: ignore[arg-type]

    assert str(raised.value) == REFUSED
    assert broker.pacticipants() == ()


def test_the_http_broker_refuses_the_builder_and_its_server_stores_nothing(broker: Broker) -> None:
    with serving(broker) as url, connect(url) as http:
        with pytest.raises(UsageError) as raised:
            http.publish_pact(_builder(), consumer_version="1.0.0")  # type: ignore[arg-type]

        assert str(raised.value) == REFUSED
    assert broker.pacticipants() == ()


def test_the_document_the_builder_declares_is_published(broker: Broker) -> None:
    result = broker.publish_pact(_builder().to_model(), consumer_version="1.0.0")

    assert result.outcome == "created"
    assert broker.pacticipants() == ("users", "web")

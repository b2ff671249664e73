"""One broker interface: `BrokerAPI`, implemented on its own by the embedded `Broker` and by `HttpBroker`."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from polycontract.broker import Broker, BrokerAPI, HttpBroker, connect

#: What only the embedded broker offers, and why a client of a broker server cannot.
EMBEDDED_ONLY = {"flush_webhooks": "deliveries are sent by the server's process; a client cannot wait for them"}


def _members(cls: type) -> set[str]:
    """Public operations defined by ``cls`` or its bases (not `object`'s), with the context manager methods."""
    found = {name for klass in cls.__mro__ if klass is not object for name in vars(klass) if not name.startswith("_")}
    return found | {"__enter__", "__exit__"}


API = sorted(_members(BrokerAPI) - {"__init__"})


def _shape(member: Any) -> list[tuple[str, object, object]]:
    """A callable's parameters as (name, kind, default): what callers rely on, annotations aside."""
    function: Callable[..., Any] = member.fget if isinstance(member, property) else member
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_interface_names_every_public_operation_of_both_brokers() -> None:
    assert _members(Broker) - set(EMBEDDED_ONLY) == set(API)
    assert _members(HttpBroker) - set(EMBEDDED_ONLY) == set(API)
    assert not set(EMBEDDED_ONLY) & set(API)


@pytest.mark.parametrize("name", API)
@pytest.mark.parametrize("implementation", [Broker, HttpBroker], ids=["embedded", "http"])
def test_each_broker_takes_every_operations_parameters_as_the_interface_declares(
    implementation: type, name: str
) -> None:
    declared = inspect.getattr_static(BrokerAPI, name)
    defined = inspect.getattr_static(implementation, name)
    assert isinstance(defined, property) == isinstance(declared, property)
    assert _shape(defined) == _shape(declared)


@pytest.mark.parametrize("name", API)
def test_every_operation_of_the_interface_tells_users_what_it_does(name: str) -> None:
    assert (inspect.getdoc(inspect.getattr_static(BrokerAPI, name)) or "").strip()


def test_the_http_client_is_not_an_embedded_broker() -> None:
    assert not issubclass(HttpBroker, Broker)
    assert not issubclass(Broker, HttpBroker)


def test_both_brokers_are_broker_apis(tmp_path: Any) -> None:
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as embedded, connect("http://127.0.0.1:1") as client:
        assert isinstance(embedded, Broker) and isinstance(embedded, BrokerAPI)
        assert isinstance(client, HttpBroker) and isinstance(client, BrokerAPI)
    assert not isinstance(object(), BrokerAPI)


def test_a_client_asked_to_wait_for_webhook_deliveries_says_it_cannot() -> None:
    from polycontract.errors import BrokerError

    with HttpBroker("http://127.0.0.1:1") as client, pytest.raises(BrokerError, match="webhook_deliveries"):
        client.flush_webhooks(1)


def test_the_http_client_loads_no_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "import polycontract.broker._client\n"
        "import polycontract.broker._client.http_broker\n"
        "import polycontract.broker\n"
        "broker = polycontract.broker.connect('http://127.0.0.1:1')\n"
        "broker.close()\n"
        "print(type(broker).__name__, sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "HttpBroker []"

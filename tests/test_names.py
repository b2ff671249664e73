"""One name per thing: the consumer builder and the pact document, and the two kinds of message, never mix.

`polycontract.Pact` builds a pact and `polycontract.model.PactDocument` is one; `polycontract.mock.ExampleMessage`
is a pact's example as the consumer gets it and `polycontract.verifier.ProducedMessage` what a producer made.
Handing the builder where a document belongs is a `UsageError` that says to pass ``pact.to_model()``; the old
names (``model.Pact``, ``mock.Message``, ``verifier.Message``) still import for one release, each use warning once.
(The brokers' ``publish_pact`` is checked in ``tests/broker/test_broker_names.py``.)
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract import Pact, codec, files
from polycontract.compat import bidirectional
from polycontract.errors import UsageError
from polycontract.mock import AsyncMockTransport, ExampleMessage, MockProvider, MockServer, MockTransport
from polycontract.model import PactDocument
from polycontract.verifier import ProducedMessage, Verifier

#: (module, old name, the object the new name gives).
OLD_NAMES = [
    ("polycontract.model", "Pact", PactDocument),
    ("polycontract.mock", "Message", ExampleMessage),
    ("polycontract.verifier", "Message", ProducedMessage),
]
TO_MODEL = "; pass pact.to_model(), the polycontract.model.PactDocument it declares"
#: What the provider of `_builder`'s pact documents: ``GET /ping`` answered 204.
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "users", "version": "1"},
    "paths": {"/ping": {"get": {"responses": {"204": {"description": "pong"}}}}},
}


def _builder() -> Pact:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
    return pact


def _warnings_of(use: Callable[[], Any]) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        use()
    return [w for w in seen if issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize(("module", "old", "new"), OLD_NAMES, ids=[f"{m}.{o}" for m, o, _ in OLD_NAMES])
def test_an_old_name_gives_the_renamed_class_and_warns_once_naming_the_new_name(
    module: str, old: str, new: type
) -> None:
    imported: dict[str, Any] = {}

    seen = _warnings_of(lambda: exec(f"from {module} import {old}", imported))

    assert imported[old] is new
    assert len(seen) == 1
    assert str(seen[0].message).startswith(f"{module}.{old} is renamed {module}.{new.__name__} (")
    assert str(seen[0].message).endswith("; the old name goes in the next release")


@pytest.mark.parametrize(("module", "old", "new"), OLD_NAMES, ids=[f"{m}.{o}" for m, o, _ in OLD_NAMES])
def test_every_use_of_an_old_name_warns_again_and_points_at_the_line_that_used_it(
    module: str, old: str, new: type
) -> None:
    package = importlib.import_module(module)

    seen = _warnings_of(lambda: [getattr(package, old) for _ in range(3)])

    assert len(seen) == 3
    assert {w.filename for w in seen} == {__file__}


@pytest.mark.parametrize("module", sorted({m for m, _, _ in OLD_NAMES}))
def test_a_star_import_neither_warns_nor_brings_an_old_name(module: str) -> None:
    imported: dict[str, Any] = {}

    seen = _warnings_of(lambda: exec(f"from {module} import *", imported))

    assert seen == []
    assert not {old for m, old, _ in OLD_NAMES if m == module} & set(imported)


@pytest.mark.parametrize("module", sorted({m for m, _, _ in OLD_NAMES}))
def test_a_name_that_never_existed_is_still_an_attribute_error(module: str) -> None:
    with pytest.raises(AttributeError, match=f"module '{module}' has no attribute 'Messages'"):
        _ = importlib.import_module(module).Messages


def test_the_messages_of_the_two_sides_have_their_own_names() -> None:
    pact = Pact(consumer="billing", provider="orders")
    pact.expects_to_receive("an order event").with_content({"id": 7})

    [example] = pact.messages()

    assert type(example) is ExampleMessage
    assert ExampleMessage is not ProducedMessage


def _verify(pact: Any) -> Any:
    return Verifier(provider="users", base_url="http://127.0.0.1:9").verify(pact)


#: Every public entry point that takes a pact document, and the call its message names.
ENTRY_POINTS: list[tuple[str, Callable[[Any, Path], Any]]] = [
    ("dump_pact(pact)", lambda pact, _: codec.dump_pact(pact)),
    ("dumps_pact(pact)", lambda pact, _: codec.dumps_pact(pact)),
    ("dumps_pact_parts(pact)", lambda pact, _: codec.dumps_pact_parts(pact)),
    ("content_hash(pact)", lambda pact, _: codec.content_hash(pact)),
    ("write_pact(pact)", lambda pact, where: files.write_pact(pact, where)),
    ("merge_pacts(pacts[1])", lambda pact, _: files.merge_pacts([_builder().to_model(), pact])),
    ("update_pact(update=...)", lambda pact, where: files.update_pact("web", "users", where, lambda _: pact)),
    ("Verifier.verify(source)", lambda pact, _: _verify(pact)),
    ("MockProvider(pact)", lambda pact, _: MockProvider(pact)),
    ("MockServer(pact)", lambda pact, _: MockServer(pact)),
    ("MockTransport(pact)", lambda pact, _: MockTransport(pact)),
    ("AsyncMockTransport(pact)", lambda pact, _: AsyncMockTransport(pact)),
    ("bidirectional.check(pact)", lambda pact, _: bidirectional.check(pact, OPENAPI)),
]


@pytest.mark.parametrize(("call", "use"), ENTRY_POINTS, ids=[call for call, _ in ENTRY_POINTS])
def test_the_consumer_builder_where_a_pact_document_belongs_is_a_usage_error_saying_to_call_to_model(
    call: str, use: Callable[[Any, Path], Any], tmp_path: Path
) -> None:
    pact = _builder()

    with pytest.raises(UsageError) as raised:
        use(pact, tmp_path / "pacts")

    assert str(raised.value) == (
        f"{call} got the consumer builder polycontract.Pact(consumer='web', provider='users', spec='V4', "
        f"interactions=1){TO_MODEL}"
    )
    assert not (tmp_path / "pacts" / "web-users.json").exists()


@pytest.mark.parametrize(("call", "use"), ENTRY_POINTS, ids=[call for call, _ in ENTRY_POINTS])
def test_the_document_the_builder_declares_is_taken_where_the_builder_is_refused(
    call: str, use: Callable[[Any, Path], Any], tmp_path: Path
) -> None:
    use(_builder().to_model(), tmp_path / "pacts")  # raises nothing


def test_a_mock_server_started_from_the_document_answers_the_consumer() -> None:
    with MockServer(_builder().to_model()) as server:
        assert httpx.get(f"{server.url}/ping").status_code == 204


def test_a_producer_returning_a_consumer_example_cannot_verify_and_is_told_to_return_a_produced_message() -> None:
    consumer = Pact(consumer="billing", provider="orders")
    consumer.expects_to_receive("an order event").with_content({"id": 7}, metadata={"topic": "orders"})
    [example] = consumer.messages()
    verifier = Verifier(provider="orders", base_url="http://127.0.0.1:9")  # never contacted for messages
    verifier.add_message("an order event", lambda: example)

    [entry] = verifier.verify(consumer.to_model())

    assert not entry.ok
    assert entry.error == (
        "message producer for 'an order event' raised UsageError: the producer returned "
        "polycontract.mock.ExampleMessage 'an order event', an example from a consumer's pact; return what the "
        "provider's code makes: the contents, (contents, metadata) or "
        "polycontract.verifier.ProducedMessage(contents=..., metadata=...)"
    )


def test_a_producer_returning_a_produced_message_verifies() -> None:
    consumer = Pact(consumer="billing", provider="orders")
    consumer.expects_to_receive("an order event").with_content({"id": 7}, metadata={"topic": "orders"})
    verifier = Verifier(provider="orders", base_url="http://127.0.0.1:9")
    verifier.add_message("an order event", lambda: ProducedMessage(contents={"id": 7}, metadata={"topic": "orders"}))

    result = verifier.verify(consumer.to_model())

    assert result.ok, result.report()

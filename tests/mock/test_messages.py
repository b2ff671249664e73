"""Messages in consumer tests: each declared example goes to the consumer's handler, failures name the message."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from polycontract import Pact, match
from polycontract.errors import ContractViolation, UsageError
from polycontract.mock import MessageViolation


def _orders() -> Pact:
    pact = Pact(consumer="billing", provider="orders")
    pact.given("order 7 exists", id=7).expects_to_receive("an order created event").with_content(
        {"id": match.integer(7), "placed": match.datetime()}, metadata={"topic": "orders"}
    )
    pact.expects_to_receive("an order cancelled event").with_content({"id": 8, "reason": "stock"})
    return pact


def test_handler_with_two_parameters_gets_contents_and_metadata_of_every_message() -> None:
    seen: list[tuple[Any, Any]] = []

    _orders().verify_message(lambda contents, metadata: seen.append((contents, metadata)))

    assert [c["id"] for c, _ in seen] == [7, 8]
    assert seen[0][1] == {"topic": "orders"}
    assert seen[1][1] == {}


def test_generators_are_applied_to_the_example_the_handler_receives() -> None:
    seen: list[Any] = []

    _orders().verify_message(seen.append, description="an order created event")

    assert seen[0]["placed"] != "2000-02-01T12:30:00Z"  # the DateTime generator gives the current time
    assert seen[0]["placed"][:2] == "20"


def test_handler_with_one_parameter_gets_the_contents_only() -> None:
    seen: list[Any] = []

    def handle(event: dict[str, Any]) -> None:
        seen.append(event)

    _orders().verify_message(handle)

    assert [event["id"] for event in seen] == [7, 8]


def test_an_async_handler_is_awaited_by_verify_message() -> None:
    seen: list[int] = []

    async def handle(event: dict[str, Any], metadata: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        seen.append(event["id"])

    _orders().verify_message(handle)

    assert seen == [7, 8]


def test_verify_message_with_an_async_handler_works_inside_a_running_event_loop() -> None:
    seen: list[int] = []

    async def handle(event: dict[str, Any]) -> None:
        seen.append(event["id"])

    async def main() -> None:
        _orders().verify_message(handle)

    asyncio.run(main())
    assert seen == [7, 8]


def test_async_verify_message_awaits_the_handler_on_the_running_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def handle(event: dict[str, Any]) -> None:
        loops.append(asyncio.get_running_loop())

    async def main() -> asyncio.AbstractEventLoop:
        await _orders().async_verify_message(handle)
        return asyncio.get_running_loop()

    loop = asyncio.run(main())
    assert loops == [loop, loop]


def test_a_raising_handler_fails_with_the_message_named_and_its_error_as_cause() -> None:
    delivered: list[int] = []

    def handle(event: dict[str, Any]) -> None:
        delivered.append(event["id"])
        if "reason" not in event:
            raise KeyError("reason")

    with pytest.raises(ContractViolation) as info:
        _orders().verify_message(handle)

    assert delivered == [7, 8]  # the other messages are still delivered
    text = str(info.value)
    assert "failed 1 of 2 messages of billing -> orders" in text
    assert "message 'an order created event' (given 'order 7 exists'): KeyError: 'reason'" in text
    assert '"topic": "orders"' in text
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value.__cause__, KeyError)
    assert isinstance(info.value, MessageViolation)
    assert [m.description for m, _ in info.value.failures] == ["an order created event"]


def test_a_raising_async_handler_fails_async_verify_message() -> None:
    async def handle(event: dict[str, Any]) -> None:
        raise ValueError(f"bad event {event['id']}")

    with pytest.raises(MessageViolation, match="ValueError: bad event 8"):
        asyncio.run(_orders().async_verify_message(handle, description="an order cancelled event"))


def test_verify_message_without_a_declared_message_is_a_usage_error() -> None:
    pact = Pact(consumer="web", provider="users")
    pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)

    with pytest.raises(UsageError, match="web -> users declares no asynchronous message"):
        pact.verify_message(print)


def test_an_unknown_description_is_a_usage_error_quoting_it() -> None:
    with pytest.raises(UsageError, match="description='an order shipped event'"):
        _orders().verify_message(print, description="an order shipped event")


def test_a_handler_that_is_not_callable_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="handler='handle'"):
        _orders().verify_message("handle")  # type: ignore[arg-type]


def test_messages_gives_the_examples_to_feed_the_consumer_directly() -> None:
    messages = _orders().messages()

    assert [m.description for m in messages] == ["an order created event", "an order cancelled event"]
    assert messages[0].provider_states[0].params == {"id": 7}
    assert messages[1].contents == {"id": 8, "reason": "stock"}

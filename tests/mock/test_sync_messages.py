"""V4 synchronous messages in consumer tests: the handler gets the request, its reply must match a response."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from polycontract import Pact, match
from polycontract.errors import ContractViolation
from polycontract.mock import MessageViolation, ReplyMismatch
from polycontract.mock._messages import deliver
from polycontract.model import SynchronousMessage


def _stock() -> Pact:
    pact = Pact(consumer="shop", provider="stock")
    pact.given("sku A1 is stocked", sku="A1").upon_receiving("a stock query").with_request_message(
        {"sku": "A1", "asked": match.datetime()}, metadata={"queue": "stock.q"}
    ).will_respond_with_message(
        {
            "sku": match.string("A1"),
            "count": match.integer(3),
            "lines": match.each_like({"bin": match.regex(r"B\d+", "B1")}),
        },
        metadata={"contentType": "application/json", "status": match.regex("ok|partial", "ok")},
    )
    return pact


def _good_reply(query: dict[str, Any]) -> dict[str, Any]:
    return {"sku": query["sku"], "count": 12, "lines": [{"bin": "B7"}, {"bin": "B9"}]}


def test_handler_receives_the_request_message_with_generators_applied_and_its_metadata() -> None:
    seen: list[tuple[Any, Any]] = []

    def handle(query: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        seen.append((query, metadata))
        return _good_reply(query)

    _stock().verify_message(handle)

    ((query, metadata),) = seen
    assert query["sku"] == "A1"
    assert query["asked"] != "2000-02-01T12:30:00Z"  # the DateTime generator gives the current time
    assert metadata == {"queue": "stock.q"}


def test_a_reply_matching_the_declared_response_passes() -> None:
    _stock().verify_message(_good_reply)


def test_a_reply_that_differs_fails_naming_every_path_that_differs() -> None:
    def handle(query: dict[str, Any]) -> dict[str, Any]:
        return {"sku": query["sku"], "count": "twelve", "lines": [{"bin": "shelf"}]}

    with pytest.raises(ContractViolation) as info:
        _stock().verify_message(handle)

    text = str(info.value)
    assert "failed 1 of 1 messages of shop -> stock" in text
    assert "message 'a stock query' (given 'sku A1 is stocked'): ReplyMismatch" in text
    assert "$.contents.count" in text
    assert "$.contents.lines[0].bin" in text
    assert isinstance(info.value, MessageViolation)
    cause = info.value.__cause__
    assert isinstance(cause, ReplyMismatch)
    assert {m.path for m in cause.mismatches} == {"$.contents.count", "$.contents.lines[0].bin"}


def test_metadata_returned_with_the_reply_is_checked_against_the_declared_metadata() -> None:
    def handle(query: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return _good_reply(query), {"contentType": "application/json", "status": "failed"}

    with pytest.raises(MessageViolation) as info:
        _stock().verify_message(handle)

    assert isinstance(info.value.__cause__, ReplyMismatch)
    assert [m.path for m in info.value.__cause__.mismatches] == ["$.metadata.status"]


def test_matching_metadata_returned_with_the_reply_passes() -> None:
    _stock().verify_message(
        lambda query: (_good_reply(query), {"contentType": "application/json", "status": "partial"})
    )


def test_a_handler_returning_nothing_for_a_synchronous_message_fails_saying_a_reply_is_declared() -> None:
    with pytest.raises(MessageViolation, match="the handler returned None, but the pact declares a reply"):
        _stock().verify_message(lambda query: None)


def test_an_async_handler_reply_is_awaited_and_compared() -> None:
    async def handle(query: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"sku": query["sku"], "count": -1.5, "lines": [{"bin": "B1"}]}

    with pytest.raises(MessageViolation, match=r"\$\.contents\.count"):
        _stock().verify_message(handle)
    with pytest.raises(MessageViolation, match=r"\$\.contents\.count"):
        asyncio.run(_stock().async_verify_message(handle))


def test_async_verify_message_passes_a_good_async_reply() -> None:
    async def handle(query: dict[str, Any]) -> dict[str, Any]:
        return _good_reply(query)

    asyncio.run(_stock().async_verify_message(handle))


def test_a_reply_matching_any_of_several_declared_responses_passes_and_none_reports_the_closest() -> None:
    model = _stock().to_model()
    interaction = model.interactions[0]
    assert isinstance(interaction, SynchronousMessage)
    other = Pact(consumer="shop", provider="stock")
    other.upon_receiving("x").with_request_message({"sku": "A1"}).will_respond_with_message(
        {"error": match.string("out of stock")}
    )
    error_reply = other.to_model().interactions[0]
    assert isinstance(error_reply, SynchronousMessage)
    two = replace(interaction, response=(*interaction.response, *error_reply.response))
    both = replace(model, interactions=(two,))

    deliver(both, lambda query: {"error": "no stock"})
    deliver(both, _good_reply)
    with pytest.raises(MessageViolation, match="any of the 2 declared responses") as info:
        deliver(both, lambda query: {"error": 404})
    assert isinstance(info.value.__cause__, ReplyMismatch)
    assert [m.path for m in info.value.__cause__.mismatches] == ["$.contents.error"]


def test_asynchronous_and_synchronous_messages_are_all_delivered_and_a_raising_handler_still_fails() -> None:
    pact = _stock()
    pact.expects_to_receive("a restock event").with_content({"sku": "A1", "added": 5})
    seen: list[str] = []

    def handle(contents: dict[str, Any]) -> Any:
        seen.append(contents["sku"])
        if "added" in contents:
            raise ValueError("restocks are not handled")
        return _good_reply(contents)

    with pytest.raises(MessageViolation, match="message 'a restock event': ValueError: restocks are not handled"):
        pact.verify_message(handle)
    assert seen == ["A1", "A1"]


def test_description_selects_one_synchronous_message() -> None:
    pact = _stock()
    pact.expects_to_receive("a restock event").with_content({"sku": "A1", "added": 5})
    seen: list[Any] = []

    def handle(query: dict[str, Any]) -> dict[str, Any]:
        seen.append(query)
        return _good_reply(query)

    pact.verify_message(handle, description="a stock query")

    assert [q["sku"] for q in seen] == ["A1"]
    assert "asked" in seen[0]


def test_messages_still_lists_only_asynchronous_messages() -> None:
    pact = _stock()
    pact.expects_to_receive("a restock event").with_content({"sku": "A1", "added": 5})

    assert [m.description for m in pact.messages()] == ["a restock event"]

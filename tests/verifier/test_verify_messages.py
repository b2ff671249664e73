"""Verifying asynchronous (V3, V4) and synchronous (V4) messages by calling registered producers."""

from __future__ import annotations

from typing import Any

from polycontract.codec import load_pact
from polycontract.verifier import ProducedMessage, Verifier


def _v3_messages(*messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "billing"},
        "provider": {"name": "users"},
        "messages": list(messages),
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


USER_CREATED = {
    "description": "a user created event",
    "providerStates": [{"name": "user exists", "params": {"id": 1}}],
    "contents": {"id": 1, "name": "alice"},
    "metaData": {"topic": "users", "contentType": "application/json"},
    "matchingRules": {"body": {"$.id": {"matchers": [{"match": "integer"}]}}},
}

SYNC = {
    "type": "Synchronous/Messages",
    "description": "price request",
    "request": {"contents": {"content": {"sku": "A1"}, "contentType": "application/json", "encoded": False}},
    "response": [
        {
            "contents": {"content": {"sku": "A1", "price": 10}, "contentType": "application/json", "encoded": False},
            "matchingRules": {"body": {"$.price": {"combine": "AND", "matchers": [{"match": "integer"}]}}},
        }
    ],
}


def _v4(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "billing"},
        "provider": {"name": "users"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }


def _verifier() -> Verifier:
    return Verifier(provider="users", base_url="http://127.0.0.1:9")  # never contacted for messages


def test_an_async_message_producer_that_matches_passes_after_its_state() -> None:
    verifier = _verifier()
    calls: list[str] = []
    verifier.add_state("user exists", lambda params: calls.append("state"))

    @verifier.message("a user created event")
    def created() -> ProducedMessage:
        calls.append("produce")
        return ProducedMessage(contents={"id": 7, "name": "alice"}, metadata={"topic": "users"})

    result = verifier.verify(load_pact(_v3_messages(USER_CREATED)))

    assert result.ok, result.report()
    assert calls == ["state", "produce"]
    assert result.interactions[0].interaction_type == "Asynchronous/Messages"


def test_a_message_with_wrong_contents_or_metadata_lists_mismatches() -> None:
    verifier = _verifier()
    verifier.add_state("user exists", lambda: None)
    verifier.add_message("a user created event", lambda: ({"id": "7", "name": "alice"}, {"topic": "orders"}))

    [entry] = verifier.verify(load_pact(_v3_messages(USER_CREATED)))

    assert not entry.ok
    assert {m.path for m in entry.mismatches} == {"$.contents.id", "$.metadata.topic"}


def test_a_message_without_a_producer_fails_naming_the_description() -> None:
    verifier = _verifier()
    verifier.add_state("user exists", lambda: None)

    [entry] = verifier.verify(load_pact(_v3_messages(USER_CREATED)))

    assert entry.error is not None
    assert "no message producer for 'a user created event'" in entry.error


def test_a_raising_producer_fails_only_its_message() -> None:
    verifier = _verifier()
    verifier.add_state("user exists", lambda: None)
    other = {**USER_CREATED, "description": "other", "providerStates": []}
    verifier.add_message("a user created event", lambda: 1 / 0)
    verifier.add_message("other", lambda: ({"id": 2, "name": "alice"}, {"topic": "users"}))

    result = verifier.verify(load_pact(_v3_messages(USER_CREATED, other)))

    assert [r.ok for r in result] == [False, True]
    assert "raised ZeroDivisionError" in (result.interactions[0].error or "")


def test_a_sync_message_producer_receives_the_request() -> None:
    verifier = _verifier()
    seen: list[Any] = []

    @verifier.message("price request")
    def price(request: dict[str, str]) -> dict[str, Any]:
        seen.append(request)
        return {"sku": request["sku"], "price": 12}

    result = verifier.verify(load_pact(_v4(SYNC)))

    assert result.ok, result.report()
    assert seen == [{"sku": "A1"}]


def test_a_sync_message_with_a_wrong_response_fails() -> None:
    verifier = _verifier()
    verifier.add_message("price request", lambda request: {"sku": "A1", "price": "free"})

    [entry] = verifier.verify(load_pact(_v4(SYNC)))

    assert [m.path for m in entry.mismatches] == ["$.contents.price"]


def test_a_sync_message_with_too_few_responses_fails() -> None:
    verifier = _verifier()
    verifier.add_message("price request", lambda request: [])

    [entry] = verifier.verify(load_pact(_v4(SYNC)))

    assert "Expected 1 response messages but the producer made 0" in entry.explain()


def test_an_async_producer_is_awaited() -> None:
    verifier = _verifier()

    @verifier.message("price request")
    async def price(request: dict[str, str]) -> dict[str, Any]:
        return {"sku": request["sku"], "price": 3}

    assert verifier.verify(load_pact(_v4(SYNC))).ok


def test_a_hanging_producer_times_out() -> None:
    import threading

    release = threading.Event()
    verifier = Verifier(provider="users", base_url="http://127.0.0.1:9", state_timeout=0.1)
    verifier.add_message("price request", lambda request: release.wait(10))
    try:
        [entry] = verifier.verify(load_pact(_v4(SYNC)))
    finally:
        release.set()

    assert "message producer for 'price request' did not finish within 0.1 s" in (entry.error or "")

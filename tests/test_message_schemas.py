"""Example messages against producer schemas: the pure checks behind can-i-deploy's message-schema reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polycontract import Pact
from polycontract.errors import UsageError
from polycontract.matrix import LiveVersion
from polycontract.message_schemas import (
    SCHEMA_SUBJECT,
    MessageExample,
    ProducerSchema,
    check_example,
    message_examples,
    message_schema_reasons,
    schema_subject,
)

ORDER_AVRO = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "amount", "type": "long"},
            {"name": "note", "type": ["null", "string"], "default": None},
            {
                "name": "address",
                "type": {"type": "record", "name": "Address", "fields": [{"name": "zip", "type": "string"}]},
            },
        ],
    }
)
ORDER_JSON = json.dumps(
    {
        "type": "object",
        "required": ["id", "amount"],
        "properties": {"id": {"type": "string"}, "amount": {"type": "integer", "minimum": 0}},
    }
)
GOOD = {"id": "o1", "amount": 12, "note": None, "address": {"zip": "1000"}}


def _example(contents: Any, *, consumer: str = "web", version: str = "1", binary: bool = False) -> MessageExample:
    return MessageExample(
        consumer=consumer,
        consumer_version=version,
        provider="orders",
        description="an order created event",
        subject="orders-value",
        contents=contents,
        binary=binary,
    )


def _schema(kind: str = "avro", version: str = "2", text: str = ORDER_AVRO) -> ProducerSchema:
    return ProducerSchema(pacticipant="orders", version=version, subject="orders-value", kind=kind, schema=text)  # type: ignore[arg-type]


LIVE_WEB = (LiveVersion(pacticipant="web", version="1", target="prod"),)


# -- the DSL and the pact -----------------------------------------------------------------------


def test_the_dsl_names_the_subject_in_the_v4_comments_and_examples_carry_it() -> None:
    pact = Pact(consumer="web", provider="orders")
    pact.expects_to_receive("an order created event").with_content(GOOD, schema_subject="orders-value")
    pact.expects_to_receive("a plain event").with_content({"x": 1})
    model = pact.to_model()
    assert model.interactions[0].comments == {SCHEMA_SUBJECT: "orders-value"}
    assert schema_subject(model.interactions[1]) is None
    (example,) = message_examples(model, "1")
    assert (example.subject, example.description, example.contents) == (
        "orders-value",
        "an order created event",
        GOOD,
    )


def test_synchronous_message_replies_can_name_a_subject_too() -> None:
    pact = Pact(consumer="web", provider="orders")
    pact.upon_receiving("a stock query").with_request_message({"sku": "a"})
    pact.will_respond_with_message({"sku": "a", "count": 3}, schema_subject="stock-value")
    (example,) = message_examples(pact.to_model(), "1")
    assert (example.subject, example.contents) == ("stock-value", {"sku": "a", "count": 3})


def test_naming_a_subject_needs_a_v4_pact_and_a_name() -> None:
    with pytest.raises(UsageError, match="schema_subject needs spec='V4'"):
        Pact(consumer="web", provider="orders", spec="V3").expects_to_receive("e").with_content(
            {"a": 1}, schema_subject="s"
        )
    with pytest.raises(UsageError, match="must be a non-empty subject name"):
        Pact(consumer="web", provider="orders").expects_to_receive("e").with_content({"a": 1}, schema_subject=" ")


def test_the_subject_survives_a_pact_file_round_trip() -> None:
    from polycontract.codec import dumps_pact, load_pact

    pact = Pact(consumer="web", provider="orders")
    pact.expects_to_receive("an order created event").with_content(GOOD, schema_subject="orders-value")
    loaded = load_pact(dumps_pact(pact.to_model()))
    assert [e.subject for e in message_examples(loaded, "1")] == ["orders-value"]


# -- checking one example -----------------------------------------------------------------------


def test_a_valid_avro_example_has_no_findings() -> None:
    assert check_example("avro", ORDER_AVRO, GOOD) == ()


def test_an_avro_example_with_a_wrong_type_names_the_field() -> None:
    (finding,) = check_example("avro", ORDER_AVRO, {**GOOD, "amount": "12"})
    assert finding.path == "shop.Order.amount"
    assert "the schema says long" in finding.message


def test_an_avro_example_missing_a_required_field_says_so() -> None:
    example = {k: v for k, v in GOOD.items() if k != "id"}
    (finding,) = check_example("avro", ORDER_AVRO, example)
    assert (finding.path, finding.message) == ("shop.Order.id", "missing or null, the schema says string")


def test_an_avro_example_with_a_field_the_writer_never_sends_is_a_finding() -> None:
    findings = check_example("avro", ORDER_AVRO, {**GOOD, "address": {"zip": "1", "city": "X"}, "coupon": "c"})
    assert {f.path for f in findings} == {"shop.Order.coupon", "shop.Address.city"}
    assert all("never sends it" in f.message for f in findings)


def test_a_json_schema_example_reports_each_violation_with_a_pointer() -> None:
    findings = check_example("jsonschema", ORDER_JSON, {"amount": -1})
    assert [(f.path, f.message) for f in findings] == [
        ("/", "'id' is a required property"),
        ("/amount", "-1 is less than the minimum of 0"),
    ]


def test_a_valid_json_schema_example_has_no_findings() -> None:
    assert check_example("jsonschema", ORDER_JSON, {"id": "a", "amount": 3}) == ()


# -- reasons for can-i-deploy ---------------------------------------------------------------------


def test_a_producer_version_whose_schema_accepts_live_examples_is_ok() -> None:
    (reason,) = message_schema_reasons([_example(GOOD)], [_schema()], LIVE_WEB, "orders", "2", target="prod")
    assert reason.status == "ok"
    assert reason.message == (
        "The orders-value schema of orders 2 accepts the 1 example message of web 1 (deployed to prod)"
        " (verified by schema: avro)"
    )
    assert (reason.counterpart, reason.counterpart_version) == ("web", "1")


def test_a_producer_schema_rejecting_a_live_example_fails_naming_interaction_and_field() -> None:
    bad = _example({**GOOD, "amount": "12"})
    (reason,) = message_schema_reasons([bad], [_schema()], LIVE_WEB, "orders", "2", target="prod")
    assert reason.status == "failed"
    assert "message 'an order created event': shop.Order.amount" in reason.message
    assert reason.next_action is not None and "(at shop.Order.amount)" in reason.next_action


def test_examples_of_consumer_versions_not_live_are_not_checked() -> None:
    bad = _example({**GOOD, "amount": "12"}, version="0")
    assert message_schema_reasons([bad], [_schema()], LIVE_WEB, "orders", "2", target="prod") == ()


def test_a_producer_version_without_the_named_schema_is_unverified() -> None:
    (reason,) = message_schema_reasons([_example(GOOD)], [], LIVE_WEB, "orders", "2", target="prod")
    assert reason.status == "unverified"
    assert reason.next_action == "publish-schema --subject orders-value for orders 2"


def test_a_consumer_version_is_checked_against_every_live_producer_version() -> None:
    live = (
        LiveVersion(pacticipant="orders", version="2", target="prod"),
        LiveVersion(pacticipant="orders", version="3", target="prod", application_instance="eu"),
    )
    strict = json.dumps({**json.loads(ORDER_JSON), "properties": {"id": {"type": "integer"}}})
    schemas = [_schema("jsonschema", "2", ORDER_JSON), _schema("jsonschema", "3", strict)]
    reasons = message_schema_reasons([_example({"id": "a", "amount": 1})], schemas, live, "web", "1", target="prod")
    assert [(r.counterpart_version, r.status) for r in reasons] == [("2", "ok"), ("3", "failed")]
    assert "/id: 'a' is not of type 'integer'" in reasons[1].message


def test_a_live_producer_version_without_the_schema_adds_no_consumer_reason() -> None:
    live = (LiveVersion(pacticipant="orders", version="2", target="prod"),)
    assert message_schema_reasons([_example(GOOD)], [], live, "web", "1", target="prod") == ()


def test_binary_examples_cannot_be_checked_and_are_unverified() -> None:
    (reason,) = message_schema_reasons(
        [_example(None, binary=True)], [_schema()], LIVE_WEB, "orders", "2", target="prod"
    )
    assert reason.status == "unverified"
    assert "are not JSON" in reason.message

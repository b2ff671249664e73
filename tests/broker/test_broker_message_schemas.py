"""Message pacts naming a schema subject, checked by can-i-deploy against published schemas (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from polycontract import Pact
from polycontract.broker import Broker

ORDER: dict[str, Any] = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "long"}],
}
ORDER_AMOUNT_AS_STRING = {**ORDER, "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "string"}]}


def _event_pact(amount: Any = 12, *, subject: str | None = "orders-value") -> Any:
    pact = Pact(consumer="billing", provider="orders")
    pact.expects_to_receive("an order created event").with_content(
        {"id": "o1", "amount": amount}, metadata={"contentType": "application/json"}, schema_subject=subject
    )
    return pact.to_model()


def _estate(broker: Broker) -> None:
    """billing 1 (expects an order event, verified by orders 1) runs in prod; orders 1 too."""
    broker.publish_pact(_event_pact(), consumer_version="1")
    broker.publish_schema("orders", "1", subject="orders-value", kind="avro", schema=ORDER)
    broker.publish_verification(
        provider="orders", provider_version="1", consumer="billing", consumer_version="1", success=True
    )
    broker.record_deployment("orders", "1", "prod")
    broker.record_deployment("billing", "1", "prod")


def _verify(broker: Broker, provider_version: str, consumer_version: str = "1") -> None:
    broker.publish_verification(
        provider="orders",
        provider_version=provider_version,
        consumer="billing",
        consumer_version=consumer_version,
        success=True,
    )


def test_a_producer_whose_schema_accepts_the_live_example_can_deploy(broker: Broker) -> None:
    _estate(broker)
    broker.publish_schema("orders", "2", subject="orders-value", kind="avro", schema=ORDER)
    _verify(broker, "2")
    decision = broker.can_i_deploy("orders", "2", to_environment="prod")
    assert decision.ok is True
    assert any("accepts the 1 example message of billing 1 (deployed to prod)" in r.message for r in decision.reasons)


def test_a_producer_schema_that_rejects_a_live_example_blocks_the_deploy(broker: Broker) -> None:
    _estate(broker)
    broker.publish_schema("orders", "2", subject="orders-value", kind="avro", schema=ORDER_AMOUNT_AS_STRING)
    _verify(broker, "2")
    decision = broker.can_i_deploy("orders", "2", to_environment="prod")
    assert decision.ok is False
    failed = [r for r in decision.reasons if r.status == "failed"]
    assert len(failed) == 1
    assert "message 'an order created event': shop.Order.amount: got 12, the schema says string" in failed[0].message
    assert (failed[0].counterpart, failed[0].counterpart_version) == ("billing", "1")


def test_a_producer_that_publishes_no_schema_for_a_named_subject_is_unknown(broker: Broker) -> None:
    _estate(broker)
    broker.create_version("orders", "2")
    _verify(broker, "2")
    decision = broker.can_i_deploy("orders", "2", to_environment="prod")
    assert decision.ok is None
    assert "publish-schema --subject orders-value for orders 2" in decision.next_actions


def test_a_consumer_example_is_checked_against_the_live_producer_schema(broker: Broker) -> None:
    _estate(broker)
    broker.publish_pact(_event_pact("twelve"), consumer_version="2")
    _verify(broker, "1", consumer_version="2")
    decision = broker.can_i_deploy("billing", "2", to_environment="prod")
    assert decision.ok is False
    (failed,) = [r for r in decision.reasons if r.status == "failed"]
    assert failed.message.startswith("The orders-value schema of orders 1 (deployed to prod) rejects")
    assert 'shop.Order.amount: got "twelve", the schema says long' in failed.message


def test_a_failing_message_schema_check_can_be_ignored_like_a_pact_result(broker: Broker) -> None:
    _estate(broker)
    broker.publish_schema("orders", "2", subject="orders-value", kind="avro", schema=ORDER_AMOUNT_AS_STRING)
    _verify(broker, "2")
    assert broker.can_i_deploy("orders", "2", to_environment="prod", ignore=["billing"]).ok is True


def test_message_pacts_without_a_subject_add_no_schema_reasons(broker: Broker) -> None:
    broker.publish_pact(_event_pact(subject=None), consumer_version="1")
    broker.publish_schema("orders", "1", subject="orders-value", kind="avro", schema=ORDER_AMOUNT_AS_STRING)
    _verify(broker, "1")
    broker.record_deployment("billing", "1", "prod")
    decision = broker.can_i_deploy("orders", "1", to_environment="prod")
    assert decision.ok is True
    assert not any("schema" in r.message for r in decision.reasons)

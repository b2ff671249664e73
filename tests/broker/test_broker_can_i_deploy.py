"""can-i-deploy end to end through storage, on every backend: the scenarios of the broker semantics notes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from polycontract.broker import Broker
from polycontract.errors import StorageError, UsageError
from polycontract.model import PactDocument

Maker = Callable[..., PactDocument]


def verify(broker: Broker, provider: str, version: str, consumer: str, consumer_version: str, ok: bool) -> None:
    broker.publish_verification(
        provider=provider, provider_version=version, consumer=consumer, consumer_version=consumer_version, success=ok
    )


def test_a_consumer_whose_pact_the_deployed_provider_verified_may_deploy(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod")
    decision = broker.can_i_deploy("web", "1.0", to_environment="prod")
    assert decision.ok is True
    assert [r.status for r in decision.reasons] == ["ok"]


def test_a_new_consumer_version_with_identical_content_is_pre_verified(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod")
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.1")
    assert broker.can_i_deploy("web", "1.1", to_environment="prod").ok is True


def test_an_unverified_change_is_unknown_and_names_the_provider_version_to_verify(
    broker: Broker, make_pact: Maker
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod")
    result = broker.publish_pact(make_pact("web", "auth", "/users", "/roles"), consumer_version="1.1")
    decision = broker.can_i_deploy("web", "1.1", to_environment="prod")
    assert decision.ok is None
    assert decision.next_actions == (
        f"provider auth 2.0 must verify pact content {result.content_hash[:8]} from web 1.1",
    )
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is True


def test_a_failure_is_fixed_by_deploying_a_provider_that_verifies(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", False)
    verify(broker, "auth", "2.1", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod")
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is False
    broker.record_deployment("auth", "2.1", "prod")
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is True


def test_two_live_provider_instances_are_both_checked(broker: Broker, make_pact: Maker) -> None:
    """Unlike pact_broker#903, the newer instance's success does not hide the older one's failure."""
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", False)
    verify(broker, "auth", "2.1", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod", application_instance="eu")
    broker.record_deployment("auth", "2.1", "prod", application_instance="us")
    decision = broker.can_i_deploy("web", "1.0", to_environment="prod")
    assert decision.ok is False
    assert [(r.status, r.counterpart_version) for r in decision.reasons] == [("failed", "2.0"), ("ok", "2.1")]


def test_a_provider_must_satisfy_every_supported_mobile_release(broker: Broker, make_pact: Maker) -> None:
    for version, path in (("1", "/v1"), ("2", "/v2"), ("3", "/v3")):
        broker.publish_pact(make_pact("app", "api", path), consumer_version=version)
        broker.record_release("app", version, "prod")
    for version in ("2", "3"):
        verify(broker, "api", "5", "app", version, True)
    verify(broker, "api", "5", "app", "1", False)
    assert broker.can_i_deploy("api", "5", to_environment="prod").ok is False
    broker.record_support_ended("app", "1", "prod")
    decision = broker.can_i_deploy("api", "5", to_environment="prod")
    assert decision.ok is True
    assert [r.counterpart_version for r in decision.reasons] == ["2", "3"]


def test_a_provider_without_consumers_may_deploy(broker: Broker) -> None:
    broker.create_version("api", "1")
    decision = broker.can_i_deploy("api", "1", to_environment="prod")
    assert decision.ok is True
    assert decision.reasons[0].message == "There are no missing dependencies in prod"


def test_a_consumer_with_two_providers_needs_both_live_and_verified(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    broker.publish_pact(make_pact("web", "billing", "/invoices"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    verify(broker, "billing", "7", "web", "1.0", True)
    broker.record_deployment("auth", "2.0", "prod")
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is None
    broker.record_deployment("billing", "7", "prod")
    assert broker.can_i_deploy("web", "1.0", to_environment="prod").ok is True


def test_an_empty_environment_blocks_a_consumer_but_not_a_provider(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    consumer = broker.can_i_deploy("web", "1.0", to_environment="dev")
    assert consumer.ok is None
    assert consumer.reasons[0].status == "missing"
    assert broker.can_i_deploy("auth", "2.0", to_environment="dev").ok is True


def test_a_pending_failure_still_blocks(broker: Broker, make_pact: Maker) -> None:
    result = broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    broker.publish_verification(
        provider="auth", provider_version="2.0", content_hash=result.content_hash, success=False, pending=True
    )
    broker.record_deployment("web", "1.0", "prod")
    decision = broker.can_i_deploy("auth", "2.0", to_environment="prod")
    assert decision.ok is False
    assert "pending" in decision.reasons[0].message


def test_undeploying_the_only_consumer_frees_the_provider(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", False)
    broker.record_deployment("web", "1.0", "prod")
    assert broker.can_i_deploy("auth", "2.0", to_environment="prod").ok is False
    broker.record_undeployment("web", "prod")
    assert broker.can_i_deploy("auth", "2.0", to_environment="prod").ok is True


def test_ignoring_a_counterpart_reports_it_without_counting_it(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    broker.record_deployment("web", "1.0", "prod")
    broker.create_version("auth", "3.0")
    decision = broker.can_i_deploy("auth", "3.0", to_environment="prod", ignore=["web", "ghost"])
    assert decision.ok is True
    assert decision.reasons[0].status == "ignored"
    assert decision.warnings == ("Cannot ignore ghost: not found in the broker",)


def test_an_unknown_version_may_not_deploy(broker: Broker) -> None:
    decision = broker.can_i_deploy("web", "9.9", to_environment="prod")
    assert decision.ok is False
    assert decision.reasons[0].message == "web 9.9 is not known to the broker"


def test_an_unknown_environment_is_an_error(broker: Broker) -> None:
    with pytest.raises(StorageError, match="environment='staging' does not exist"):
        broker.can_i_deploy("web", "1.0", to_environment="staging")


def test_can_i_merge_checks_the_latest_main_branch_versions(broker: Broker, make_pact: Maker) -> None:
    broker.create_pacticipant("auth", main_branch="main")
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0", branch="feat")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    broker.create_version("auth", "2.0", branch="main")
    assert broker.can_i_deploy("web", "1.0", to_main_branch=True).ok is True
    broker.create_version("auth", "2.1", branch="main")
    decision = broker.can_i_deploy("web", "1.0", to_main_branch=True)
    assert decision.ok is None
    assert "auth 2.1 (latest on main branch main)" in decision.reasons[0].message
    with pytest.raises(UsageError):
        broker.can_i_deploy("web", "1.0")


def test_the_legacy_to_tag_checks_the_latest_tagged_counterparts(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/users"), consumer_version="1.0")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    verify(broker, "auth", "2.1", "web", "1.0", False)
    broker.create_version("auth", "2.0", tags=["prod"])
    assert broker.can_i_deploy("web", "1.0", to_tag="prod").ok is True
    broker.create_version("auth", "2.1", tags=["prod"])  # the newest prod-tagged auth now fails web's pact
    decision = broker.can_i_deploy("web", "1.0", to_tag="prod")
    assert decision.ok is False
    assert "auth 2.1 (latest with tag prod)" in decision.reasons[0].message
    assert decision.target == "the latest versions tagged prod"
    nothing = broker.can_i_deploy("web", "1.0", to_tag="qa")  # no auth tagged qa: the consumer lacks its provider
    assert (nothing.ok, [r.status for r in nothing.reasons]) == (None, ["missing"])
    with pytest.raises(UsageError, match="exactly one"):
        broker.can_i_deploy("web", "1.0", to_tag="prod", to_environment="prod")


def test_the_matrix_lists_rows_narrowed_by_version_and_environment(broker: Broker, make_pact: Maker) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0", branch="main")
    broker.publish_pact(make_pact("web", "auth", "/b"), consumer_version="1.1", branch="feat")
    verify(broker, "auth", "2.0", "web", "1.0", True)
    verify(broker, "auth", "2.1", "web", "1.1", False)
    broker.record_deployment("auth", "2.1", "prod")
    every = {(r.consumer_version, r.provider_version, r.success) for r in broker.matrix("web")}
    assert every == {("1.0", "2.0", True), ("1.1", "2.1", False)}
    assert [r.consumer_version for r in broker.matrix("web", branch="feat")] == ["1.1"]
    in_prod = {(r.consumer_version, r.provider_version) for r in broker.matrix("web", environment="prod")}
    assert in_prod == {("1.0", None), ("1.1", "2.1")}
    as_provider = {(r.consumer_version, r.provider_version) for r in broker.matrix("auth", version="2.0")}
    assert as_provider == {("1.0", "2.0"), ("1.1", None)}

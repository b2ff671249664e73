"""Retention: prune old versions and superseded results, never anything deployed, supported or latest on main."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from polycontract.broker import Broker
from polycontract.broker._store.retention import VersionFacts, prunable
from polycontract.errors import UsageError
from polycontract.model import PactDocument

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def fact(number: int, *, days_old: int = 100, protected: bool = False) -> VersionFacts:
    return VersionFacts(
        id=number,
        pacticipant="auth",
        number=str(number),
        created_at=NOW - timedelta(days=days_old),
        protected=protected,
    )


def test_the_policy_keeps_the_newest_the_protected_and_the_young() -> None:
    facts = [fact(1), fact(2, protected=True), fact(3, days_old=1), fact(4), fact(5), fact(6)]
    doomed = prunable(facts, keep_latest=2, cutoff=NOW - timedelta(days=90))
    assert [f.number for f in doomed] == ["4", "1"]


def _estate(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    broker.create_pacticipant("auth", main_branch="main")
    contents = {1: "/a", 2: "/a", 3: "/b", 4: "/c", 5: "/c", 6: "/c"}
    for n, path in contents.items():
        broker.create_version("auth", str(n), branch="main")
        broker.publish_pact(make_pact("web", "auth", path), consumer_version=str(n))
    broker.record_deployment("auth", "2", "prod")
    broker.record_release("web", "1", "prod")
    broker.record_support_ended("web", "1", "prod")
    broker.record_release("web", "3", "prod")
    for success in (False, True):
        broker.publish_verification(
            provider="auth", provider_version="1", consumer="web", consumer_version="1", success=success
        )
    broker.publish_verification(
        provider="auth", provider_version="2", consumer="web", consumer_version="3", success=True
    )
    broker.publish_verification(
        provider="auth", provider_version="5", consumer="web", consumer_version="6", success=True
    )


def test_a_dry_run_reports_what_would_go_and_deletes_nothing(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    _estate(broker, make_pact)
    before = broker.matrix("web")
    report = broker.prune(keep_latest=2, older_than=timedelta(0), dry_run=True)
    assert report.dry_run
    assert report.versions == (("auth", "4"), ("auth", "3"), ("auth", "1"), ("web", "4"), ("web", "2"), ("web", "1"))
    assert (report.publications, report.verifications, report.pact_contents) == (3, 2, 1)
    assert broker.matrix("web") == before


def test_pruning_keeps_every_answer_that_still_counts(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    _estate(broker, make_pact)
    asked = broker.can_i_deploy("web", "3", to_environment="prod")
    report = broker.prune(keep_latest=2, older_than=timedelta(0))
    assert not report.dry_run
    assert (report.publications, report.verifications, report.pact_contents) == (3, 2, 1)
    assert sorted({r.consumer_version for r in broker.matrix("web")}) == ["3", "5", "6"]
    assert broker.can_i_deploy("web", "3", to_environment="prod") == asked
    assert broker.can_i_deploy("auth", "2", to_environment="prod").ok is True
    assert [(lv.pacticipant, lv.version) for lv in broker.live("prod")] == [("auth", "2"), ("web", "3")]
    assert broker.prune(keep_latest=2, older_than=timedelta(0)).versions == ()


def test_superseded_results_go_but_the_latest_stays(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1")
    for success in (True, False, True):
        broker.publish_verification(
            provider="auth", provider_version="1", consumer="web", consumer_version="1", success=success
        )
    report = broker.prune(keep_latest=5, older_than=timedelta(0))
    assert (report.versions, report.verifications) == ((), 2)
    assert [r.success for r in broker.matrix("web")] == [True]


def test_recent_versions_are_kept_whatever_their_number(broker: Broker, make_pact: Callable[..., PactDocument]) -> None:
    _estate(broker, make_pact)
    report = broker.prune(keep_latest=1, older_than=timedelta(days=1))
    assert (report.versions, report.verifications, report.pact_contents) == ((), 0, 0)


def test_keeping_fewer_than_one_version_is_refused(broker: Broker) -> None:
    with pytest.raises(UsageError, match="keep_latest=0"):
        broker.prune(keep_latest=0)

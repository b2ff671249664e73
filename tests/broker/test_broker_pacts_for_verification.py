"""Which pacts a provider verifies: consumer version selectors, de-duplication by content, pending and WIP.

Every test runs against SQLite and PostgreSQL (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from polycontract.broker import Broker, BrokerSource, ConsumerVersionSelector, PactForVerification
from polycontract.errors import StorageError, UsageError
from polycontract.model import PactDocument

Maker = Callable[..., PactDocument]


def _versions(found: tuple[PactForVerification, ...]) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.consumer, p.consumer_versions) for p in found]


def _estate(broker: Broker, make_pact: Maker) -> None:
    """web 1.0 (main, deployed to prod), 2.0 (main), 3.0 (branch feat); app 7 released to prod."""
    broker.create_pacticipant("web", main_branch="main")
    broker.create_pacticipant("users", main_branch="main")
    broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="1.0", branch="main")
    broker.publish_pact(make_pact("web", "users", "/a", "/b"), consumer_version="2.0", branch="main")
    broker.publish_pact(make_pact("web", "users", "/a", "/c"), consumer_version="3.0", branch="feat")
    broker.record_deployment("web", "1.0", "prod")
    broker.publish_pact(make_pact("app", "users", "/m"), consumer_version="7", branch="release")
    broker.record_release("app", "7", "prod")


def test_main_branch_selects_only_the_latest_main_version_of_each_consumer(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    found = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}])
    assert _versions(found) == [("web", ("2.0",))]
    assert found[0].notices == ("2.0 (latest from the main branch main)",)
    assert found[0].pact is not None and [i.description for i in found[0].pact.interactions] == ["get /a", "get /b"]


def test_default_selectors_are_the_main_branch_and_everything_deployed_or_released(
    broker: Broker, make_pact: Maker
) -> None:
    _estate(broker, make_pact)
    found = broker.pacts_for_verification("users")
    assert _versions(found) == [("app", ("7",)), ("web", ("1.0",)), ("web", ("2.0",))]
    assert [p.notices for p in found] == [
        ("7 (released to prod)",),
        ("1.0 (deployed to prod)",),
        ("2.0 (latest from the main branch main)",),
    ]


def test_deployed_released_and_environment_selectors_choose_what_is_live(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    broker.record_deployment("web", "3.0", "qa")
    deployed = broker.pacts_for_verification("users", selectors=[ConsumerVersionSelector(deployed=True)])
    assert _versions(deployed) == [("web", ("1.0",)), ("web", ("3.0",))]
    in_prod = broker.pacts_for_verification("users", selectors=[{"deployed": True, "environment": "prod"}])
    assert _versions(in_prod) == [("web", ("1.0",))]
    released = broker.pacts_for_verification("users", selectors=[{"released": True}])
    assert _versions(released) == [("app", ("7",))]
    prod = broker.pacts_for_verification("users", selectors=[{"environment": "prod"}])
    assert _versions(prod) == [("app", ("7",)), ("web", ("1.0",))]


def _tagged_estate(broker: Broker, make_pact: Maker) -> None:
    """web 1.0 and 2.0 tagged prod, 3.0 tagged main; app 7 tagged main only."""
    broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="1.0", tags=["prod"])
    broker.publish_pact(make_pact("web", "users", "/a", "/b"), consumer_version="2.0", tags=["prod"])
    broker.publish_pact(make_pact("web", "users", "/a", "/c"), consumer_version="3.0", tags=["main"])
    broker.publish_pact(make_pact("app", "users", "/m"), consumer_version="7", tags=["main"])


def test_a_tag_selector_chooses_every_tagged_version_or_the_newest_with_latest(
    broker: Broker, make_pact: Maker
) -> None:
    _tagged_estate(broker, make_pact)
    every = broker.pacts_for_verification("users", selectors=[{"tag": "prod"}])
    assert _versions(every) == [("web", ("1.0",)), ("web", ("2.0",))]
    assert every[0].notices == ("1.0 (tagged prod)",)
    latest = broker.pacts_for_verification("users", selectors=[{"tag": "prod", "latest": True}])
    assert _versions(latest) == [("web", ("2.0",))]
    assert latest[0].notices == ("2.0 (latest with tag prod)",)


def test_a_fallback_tag_stands_in_per_consumer_without_the_tag(broker: Broker, make_pact: Maker) -> None:
    _tagged_estate(broker, make_pact)
    found = broker.pacts_for_verification("users", selectors=[{"tag": "prod", "latest": True, "fallbackTag": "main"}])
    assert _versions(found) == [("app", ("7",)), ("web", ("2.0",))]
    assert found[0].notices == ("7 (latest with fallback tag main)",)


def test_a_fallback_branch_stands_in_per_consumer_without_the_branch(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    found = broker.pacts_for_verification("users", selectors=[{"branch": "feat", "fallbackBranch": "main"}])
    assert _versions(found) == [("web", ("3.0",))]  # web has feat: no fallback for web
    broker.publish_pact(make_pact("app", "users", "/n"), consumer_version="8", branch="main")
    found = broker.pacts_for_verification("users", selectors=[{"branch": "feat", "fallbackBranch": "main"}])
    assert [(p.consumer, p.notices) for p in found] == [
        ("app", ("8 (latest from fallback branch main)",)),
        ("web", ("3.0 (latest from branch feat)",)),
    ]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ({"tag": "prod", "fallbackTag": "main"}, "fallbackTag needs tag and latest=true"),
        ({"mainBranch": True, "fallbackBranch": "main"}, "fallbackBranch needs branch"),
        ({"tag": "prod", "environment": "prod"}, "not branch or tag selectors"),
        ({"tag": ""}, "tag='' must be a non-empty string"),
    ],
)
def test_tag_and_fallback_selectors_that_cannot_work_are_refused(selector: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ConsumerVersionSelector.from_json(selector)


def test_undeployed_and_unsupported_versions_are_no_longer_selected(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    broker.record_undeployment("web", "prod")
    broker.record_support_ended("app", "7", "prod")
    assert broker.pacts_for_verification("users", selectors=[{"deployedOrReleased": True}]) == ()


def test_identical_content_is_verified_once_for_every_consumer_version_it_serves(
    broker: Broker, make_pact: Maker
) -> None:
    broker.create_pacticipant("web", main_branch="main")
    broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="1.0", branch="main")
    broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="2.0", branch="main")
    broker.record_deployment("web", "1.0", "prod")
    [found] = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}, {"deployedOrReleased": True}])
    assert found.consumer_versions == ("1.0", "2.0")
    assert found.consumer_version == "2.0"
    assert found.notices == ("1.0 (deployed to prod)", "2.0 (latest from the main branch main)")
    assert "for web 1.0 (deployed to prod), 2.0 (latest from the main branch main)" in found.describe()


def test_branch_and_matching_branch_select_the_latest_on_that_branch(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    broker.publish_pact(make_pact("web", "users", "/a", "/d"), consumer_version="3.1", branch="feat")
    assert _versions(broker.pacts_for_verification("users", selectors=[{"branch": "feat"}])) == [("web", ("3.1",))]
    every = broker.pacts_for_verification("users", selectors=[{"branch": "feat", "latest": False}])
    assert _versions(every) == [("web", ("3.0",)), ("web", ("3.1",))]
    matching = broker.pacts_for_verification("users", selectors=[{"matchingBranch": True}], provider_branch="feat")
    assert _versions(matching) == [("web", ("3.1",))]
    with pytest.raises(UsageError, match="matchingBranch selector needs the provider's branch"):
        broker.pacts_for_verification("users", selectors=[{"matchingBranch": True}])


def test_latest_and_consumer_narrow_the_selection(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    latest = broker.pacts_for_verification("users", selectors=[{"latest": True}])
    assert _versions(latest) == [("app", ("7",)), ("web", ("3.0",))]
    only_web = broker.pacts_for_verification("users", selectors=[{"deployedOrReleased": True, "consumer": "web"}])
    assert _versions(only_web) == [("web", ("1.0",))]


def test_content_is_pending_for_a_branch_until_that_branch_verifies_it(broker: Broker, make_pact: Maker) -> None:
    """The full rule (other branches, branch creation time) is in ``test_broker_pending.py``."""
    _estate(broker, make_pact)
    [before] = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], provider_branch="main")
    assert before.pending is True
    broker.create_version("users", "p-main", branch="main")
    broker.publish_verification(
        provider="users", provider_version="p0", content_hash=before.content_hash, success=True, branch="feat"
    )
    broker.publish_verification(
        provider="users", provider_version="p1", content_hash=before.content_hash, success=False, branch="main"
    )
    main = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], provider_branch="main")
    assert main[0].pending is True
    assert (
        broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], provider_branch="feat")[0].pending
        is False
    )
    broker.publish_verification(
        provider="users", provider_version="p2", content_hash=before.content_hash, success=True, branch="main"
    )
    main = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], provider_branch="main")
    assert main[0].pending is False


def test_without_pending_status_nothing_is_pending(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    found = broker.pacts_for_verification("users", include_pending=False)
    assert found and not any(p.pending for p in found)


def test_wip_pacts_are_unselected_branch_heads_published_since_the_date(broker: Broker, make_pact: Maker) -> None:
    # WIP pacts are computed for the provider branch being verified (provider_branch="main"): without one the Pact
    # Broker returns none (see test_without_a_provider_branch_there_are_no_wip_pacts)
    _estate(broker, make_pact)
    main = {"selectors": [{"mainBranch": True}], "provider_branch": "main"}
    found = broker.pacts_for_verification("users", **main, include_wip_since=date(2026, 1, 1))
    wip = [p for p in found if p.wip]
    assert _versions(tuple(wip)) == [("app", ("7",)), ("web", ("3.0",))]
    assert all(p.pending for p in wip)
    assert wip[1].notices == ("3.0 (work in progress: latest from branch feat)",)
    later = broker.pacts_for_verification("users", **main, include_wip_since=date(2026, 2, 1))
    assert not any(p.wip for p in later)
    with pytest.raises(UsageError, match="WIP pacts are always pending"):
        broker.pacts_for_verification("users", include_pending=False, include_wip_since=date(2026, 1, 1))


def test_a_verified_branch_head_is_no_longer_wip(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    feat = broker.pacts_for_verification("users", selectors=[{"branch": "feat"}])[0]
    broker.publish_verification(
        provider="users", provider_version="p1", content_hash=feat.content_hash, success=True, branch="main"
    )
    found = broker.pacts_for_verification(
        "users", selectors=[{"mainBranch": True}], provider_branch="main", include_wip_since=date(2026, 1, 1)
    )
    assert [p.consumer_versions for p in found if p.wip] == [("7",)]


def test_without_a_provider_branch_there_are_no_wip_pacts(broker: Broker, make_pact: Maker) -> None:
    # pact_broker lib/pact_broker/pacts/pacts_for_verification_repository.rb, find_wip: with no provider tags and no
    # provider branch it logs "No provider tags or branch provided. Cannot calculate WIP pacts." and returns [].
    _estate(broker, make_pact)
    found = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], include_wip_since=date(2026, 1, 1))
    assert _versions(found) == [("web", ("2.0",))]
    assert not any(p.wip for p in found)


def test_a_result_published_from_a_wip_pact_leaves_it_wip(broker: Broker, make_pact: Maker) -> None:
    # pact_broker pacts_for_verification_repository.rb remove_non_wip_for_branch only removes pacts
    # successfully_verified_by_provider_branch_when_not_wip (pact_publication_wip_dataset_module.rb joins
    # successful non-WIP verifications: the verifications.wip column, set by api/resources/verifications.rb from the
    # w=true metadata of a WIP pact's URL). Pending is not WIP: pact_version.rb pending_for_provider_branch? counts
    # every successful verification, so the WIP result still ends pending for a selector that picks the pact.
    _estate(broker, make_pact)
    main = {"selectors": [{"mainBranch": True}], "provider_branch": "main", "include_wip_since": date(2026, 1, 1)}
    [feat] = [p for p in broker.pacts_for_verification("users", **main) if p.consumer == "web" and p.wip]
    broker.publish_verification_results(
        provider="users",
        provider_version="p1",
        branch="main",
        results=[{"content_hash": feat.content_hash, "success": True, "pending": True, "wip": True}],
    )
    again = [p for p in broker.pacts_for_verification("users", **main) if p.wip]
    assert _versions(tuple(again)) == [("app", ("7",)), ("web", ("3.0",))]
    chosen = broker.pacts_for_verification("users", selectors=[{"branch": "feat"}], provider_branch="main")
    assert [(p.consumer_versions, p.pending) for p in chosen] == [(("3.0",), False)]
    with pytest.raises(UsageError, match="wip as True/False"):
        broker.publish_verification_results(
            provider="users",
            provider_version="p1",
            results=[{"content_hash": feat.content_hash, "success": True, "wip": 1}],
        )


def test_an_unknown_provider_has_nothing_to_verify_and_an_unknown_environment_is_an_error(
    broker: Broker, make_pact: Maker
) -> None:
    _estate(broker, make_pact)
    assert broker.pacts_for_verification("nobody") == ()
    with pytest.raises(StorageError, match="environment='staging'"):
        broker.pacts_for_verification("users", selectors=[{"environment": "staging"}])


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ({"mainBrunch": True}, "unknown consumer version selector key 'mainBrunch'"),
        ({"mainBranch": True, "deployed": True}, "one kind"),
        ({"branch": 3}, "must be a str"),
        ({"consumer": "web"}, "selects nothing"),
        ({"mainBranch": True, "environment": "prod"}, "not branch or tag selectors"),
        ({"deployed": True, "latest": True}, "every live version counts"),
    ],
)
def test_a_selector_that_cannot_be_used_is_a_usage_error_naming_the_problem(
    selector: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        ConsumerVersionSelector.from_json(selector)


def test_selectors_round_trip_through_the_pact_json_form() -> None:
    for data in ({"mainBranch": True}, {"branch": "feat", "latest": False}, {"deployed": True, "environment": "qa"}):
        assert ConsumerVersionSelector.from_json(data).to_json() == data


def test_a_broker_source_lists_the_same_pacts_each_time_it_is_asked(broker: Broker, make_pact: Maker) -> None:
    _estate(broker, make_pact)
    source = BrokerSource(broker, "users", selectors=[{"deployedOrReleased": True}])
    assert _versions(source.pacts()) == [("app", ("7",)), ("web", ("1.0",))]
    assert "deployed or released in any environment" in repr(source)


def test_publishing_results_is_all_or_nothing_and_counts_for_every_consumer_version(
    broker: Broker, make_pact: Maker
) -> None:
    broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="1.0")
    published = broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="2.0")
    good = {"content_hash": published.content_hash, "success": True}
    with pytest.raises(StorageError, match="holds no pact for users with content 00000000"):
        broker.publish_verification_results(
            provider="users", provider_version="p1", results=[good, {"content_hash": "0" * 64, "success": True}]
        )
    assert all(row.provider_version is None for row in broker.matrix("web"))
    [recorded] = broker.publish_verification_results(provider="users", provider_version="p1", results=[good])
    assert (recorded.consumer, recorded.success, recorded.pending) == ("web", True, False)
    assert sorted((r.consumer_version, r.provider_version, r.success) for r in broker.matrix("web")) == [
        ("1.0", "p1", True),
        ("2.0", "p1", True),
    ]
    with pytest.raises(UsageError, match="needs success"):
        broker.publish_verification_results(
            provider="users", provider_version="p1", results=[{"content_hash": published.content_hash}]
        )

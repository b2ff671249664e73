"""Pending pacts for provider branches follow the Pact Broker's rule.

pact_broker ``lib/pact_broker/pacts/pact_version.rb``::

    def pending_for_provider_branch?(branch_name)
      !any_successful_verifications_from_provider_branch?(branch_name) &&
        !any_successful_verifications_from_another_branch_from_before_this_branch_created?(branch_name)

(the second query ignores the branch's creation time when the branch does not exist yet), and
``lib/pact_broker/pacts/squash_pacts_for_verification.rb``: with a ``providerVersionBranch`` that
rule decides; without branch or tags, ``pending_for_any_provider_branch?`` = no successful
verification by any provider version. The main branch is not special. Every test runs against
SQLite and PostgreSQL (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from polycontract.broker import Broker
from polycontract.model import PactDocument
from tests.broker.http_twin import serving

Maker = Callable[..., PactDocument]


def _pending(broker: Broker, provider_branch: str | None = None) -> bool:
    [found] = broker.pacts_for_verification("users", selectors=[{"mainBranch": True}], provider_branch=provider_branch)
    return found.pending


def _publish(broker: Broker, make_pact: Maker) -> str:
    broker.create_pacticipant("web", main_branch="main")
    broker.create_pacticipant("users", main_branch="main")
    return broker.publish_pact(make_pact("web", "users", "/a"), consumer_version="1.0", branch="main").content_hash


def _verify(broker: Broker, content_hash: str, provider_version: str, branch: str | None, success: bool = True) -> None:
    broker.publish_verification(
        provider="users", provider_version=provider_version, content_hash=content_hash, success=success, branch=branch
    )


def test_a_pact_verified_on_main_after_a_feature_branch_was_cut_stays_pending_for_that_branch(
    broker: Broker, make_pact: Maker
) -> None:
    content = _publish(broker, make_pact)
    broker.create_version("users", "0.9-feat-b", branch="feat-b")  # feat-b exists before main verifies
    _verify(broker, content, "1.0.1", "main")
    assert _pending(broker, "main") is False
    assert _pending(broker, "feat-b") is True  # main's success came after feat-b was created
    _verify(broker, content, "1.0.2-feat-b", "feat-b", success=False)
    assert _pending(broker, "feat-b") is True  # a failure of the branch itself does not end pending
    _verify(broker, content, "1.0.3-feat-b", "feat-b")
    assert _pending(broker, "feat-b") is False


def test_a_new_provider_branch_inherits_what_any_branch_verified_before_it_was_created(
    broker: Broker, make_pact: Maker
) -> None:
    content = _publish(broker, make_pact)
    broker.create_version("users", "0.1", branch="main")
    _verify(broker, content, "0.5-feat-a", "feat-a")  # a feature branch, not main
    assert _pending(broker, "main") is True  # main existed before and has not verified it
    assert _pending(broker, "feat-c") is False  # feat-c has no version yet: feat-a's success counts
    broker.create_version("users", "0.6-feat-c", branch="feat-c")
    assert _pending(broker, "feat-c") is False  # feat-a verified it before feat-c was created


def test_a_verification_by_a_provider_version_without_a_branch_ends_pending_only_without_a_branch(
    broker: Broker, make_pact: Maker
) -> None:
    content = _publish(broker, make_pact)
    _verify(broker, content, "0.1", None)
    assert _pending(broker) is False
    assert _pending(broker, "main") is True


def test_without_a_provider_branch_any_successful_verification_ends_pending(broker: Broker, make_pact: Maker) -> None:
    content = _publish(broker, make_pact)
    assert _pending(broker) is True
    _verify(broker, content, "p1", "main", success=False)
    assert _pending(broker) is True
    _verify(broker, content, "p0", "feat")  # main is not special: a feature branch's success counts too
    assert _pending(broker) is False


def test_the_server_answers_the_pact_verifier_with_the_branch_rule(broker: Broker, make_pact: Maker) -> None:
    """The request ``pact verifier --provider-branch feat-b`` sends, and the pending flag it reads."""
    content = _publish(broker, make_pact)
    broker.create_version("users", "0.9-feat-b", branch="feat-b")
    _verify(broker, content, "1.0.1", "main")
    with serving(broker) as url:
        answers = {
            branch: httpx.post(
                f"{url}/pacts/provider/users/for-verification",
                json={
                    "consumerVersionSelectors": [{"mainBranch": True}],
                    "providerVersionBranch": branch,
                    "includePendingStatus": True,
                },
                headers={"Accept": "application/hal+json"},
                timeout=10,
            ).json()
            for branch in ("feat-b", "main")
        }
    pending = {b: [p["verificationProperties"]["pending"] for p in a["_embedded"]["pacts"]] for b, a in answers.items()}
    assert pending == {"feat-b": [True], "main": [False]}

"""Main branch auto-detection on every backend: the first main/master/develop branch becomes the main branch."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import create_engine, text

from polycontract.broker import Broker, connect
from polycontract.model import PactDocument


def _main_branches(broker_url: str) -> dict[str, str | None]:
    engine = create_engine(broker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT name, main_branch FROM pc_pacticipants"))
            return {name: main for name, main in found}
    finally:
        engine.dispose()


def test_creating_a_version_on_main_sets_the_missing_main_branch(broker: Broker, broker_url: str) -> None:
    broker.create_version("auth", "1.0", branch="feat/login")
    broker.create_version("auth", "1.1", branch="main")
    assert _main_branches(broker_url)["auth"] == "main"


def test_the_first_candidate_branch_wins_and_later_ones_do_not_replace_it(broker: Broker, broker_url: str) -> None:
    broker.create_version("auth", "1.0", branch="develop")
    broker.create_version("auth", "1.1", branch="master")
    broker.create_version("auth", "1.2", branch="main")
    assert _main_branches(broker_url)["auth"] == "develop"


def test_an_explicit_main_branch_is_never_replaced(broker: Broker, broker_url: str) -> None:
    broker.create_pacticipant("auth", main_branch="trunk")
    broker.create_version("auth", "1.0", branch="main")
    assert _main_branches(broker_url)["auth"] == "trunk"


def test_a_version_without_a_candidate_branch_leaves_the_main_branch_unset(broker: Broker, broker_url: str) -> None:
    broker.create_version("auth", "1.0", branch="feature-main")
    broker.create_version("auth", "1.1")
    assert _main_branches(broker_url)["auth"] is None


def test_publishing_a_pact_and_a_verification_detect_both_main_branches(
    broker: Broker, broker_url: str, make_pact: Callable[..., PactDocument]
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0", branch="master")
    broker.publish_verification(
        provider="auth", provider_version="2.0", consumer="web", consumer_version="1.0", success=True, branch="main"
    )
    assert _main_branches(broker_url) == {"web": "master", "auth": "main"}


def test_a_detected_main_branch_is_what_can_i_merge_checks_against(
    broker: Broker, make_pact: Callable[..., PactDocument]
) -> None:
    broker.publish_pact(make_pact("web", "auth", "/a"), consumer_version="1.0", branch="feat")
    broker.create_version("auth", "2.0", branch="main")
    decision = broker.can_i_deploy("web", "1.0", to_main_branch=True)
    assert decision.ok is None
    assert "auth 2.0 (latest on main branch main)" in decision.reasons[0].message


def test_auto_detection_can_be_turned_off(broker_url: str) -> None:
    with connect(broker_url, auto_detect_main_branch=False) as broker:
        broker.create_version("auth", "1.0", branch="main")
    assert _main_branches(broker_url)["auth"] is None


def test_custom_candidates_replace_the_defaults(broker_url: str) -> None:
    with connect(broker_url, auto_detect_main_branch=["trunk"]) as broker:
        broker.create_version("auth", "1.0", branch="main")
        broker.create_version("auth", "1.1", branch="trunk")
    assert _main_branches(broker_url)["auth"] == "trunk"

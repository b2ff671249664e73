"""The whole loop on every backend: consumers publish, the provider verifies through the broker, can-i-deploy.

The provider is the users WSGI app of the verifier tests, called in-process (Python API) or over a socket
on 127.0.0.1 (CLI).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, BrokerSource, connect
from polycontract.cli import cli
from polycontract.codec import load_pact
from polycontract.model import PactDocument
from polycontract.verifier import VerificationResult, Verifier
from tests.verifier.providers import UsersApp, get_user, serve, users_pact

SELECTORS = [{"mainBranch": True}, {"deployedOrReleased": True}]


def _pact(*user_ids: int) -> PactDocument:
    return load_pact(users_pact(*(get_user(i, description=f"get user {i}") for i in user_ids)))


def _publish_consumers(broker: Broker) -> None:
    """web 1.0 (deployed to prod) asks for user 1; web 2.0, latest on main, also for user 2."""
    broker.create_pacticipant("web", main_branch="main")
    broker.create_pacticipant("users", main_branch="main")
    broker.publish_pact(_pact(1), consumer_version="1.0", branch="main")
    broker.record_deployment("web", "1.0", "prod")
    broker.publish_pact(_pact(1, 2), consumer_version="2.0", branch="main")


def _verifier(app: UsersApp, version: str) -> Verifier:
    verifier = Verifier(provider="users", app=app, provider_version=version, branch="main")

    @verifier.state("user exists")
    def user_exists(params: dict[str, Any]) -> None:
        app.users[int(params["id"])] = "alice"

    return verifier


def _verify_and_publish(broker: Broker, app: UsersApp, version: str) -> VerificationResult:
    source = BrokerSource(broker, "users", selectors=SELECTORS, provider_branch="main")
    result = _verifier(app, version).verify(source)
    broker.publish_verification_results(
        provider="users", provider_version=version, branch="main", results=result.verifications()
    )
    return result


def test_a_provider_verified_through_the_broker_may_deploy_to_prod(broker: Broker) -> None:
    _publish_consumers(broker)

    result = _verify_and_publish(broker, UsersApp(), "p1")

    assert result.ok, result.report()
    assert [(v["consumer_versions"], v["success"], v["pending"]) for v in result.verifications()] == [
        (["1.0"], True, True),
        (["2.0"], True, True),
    ]
    decision = broker.can_i_deploy("users", "p1", to_environment="prod")
    assert decision.ok is True, [str(r) for r in decision.reasons]
    broker.record_deployment("users", "p1", "prod")
    assert broker.can_i_deploy("web", "2.0", to_environment="prod").ok is True
    assert not any(p.pending for p in broker.pacts_for_verification("users", selectors=SELECTORS))


def test_a_failing_provider_publishes_the_failure_and_can_i_deploy_names_the_consumer_version(
    broker: Broker,
) -> None:
    _publish_consumers(broker)
    _verify_and_publish(broker, UsersApp(), "p1")  # un-pends both contents
    broken = UsersApp()
    broken.broken = True  # answers ids as strings

    result = _verify_and_publish(broker, broken, "p2")

    assert not result.ok and len(result.failures) == 3
    assert [v["success"] for v in result.verifications()] == [False, False]
    decision = broker.can_i_deploy("users", "p2", to_environment="prod")
    assert decision.ok is False
    failed = [r for r in decision.reasons if r.status == "failed"]
    assert [(r.counterpart, r.counterpart_version) for r in failed] == [("web", "1.0")]
    assert "1.0" in str(failed[0])


def test_pending_pacts_are_published_as_failures_without_failing_the_run(broker: Broker) -> None:
    _publish_consumers(broker)
    _verify_and_publish(broker, UsersApp(), "p1")
    broker.publish_pact(
        load_pact(users_pact(get_user(1), get_user(7, description="get missing user 7", state=None))),
        consumer_version="3.0",
        branch="main",
    )

    result = _verify_and_publish(broker, UsersApp(), "p2")

    assert result.ok, result.report()
    pending = [r for r in result.interactions if not r.ok]
    assert [(r.description, r.pending) for r in pending] == [("get missing user 7", True)]
    outcomes = {tuple(v["consumer_versions"]): (v["success"], v["pending"]) for v in result.verifications()}
    assert outcomes == {("1.0",): (True, False), ("3.0",): (False, True)}
    broker.record_deployment("web", "3.0", "prod")
    assert broker.can_i_deploy("users", "p2", to_environment="prod").ok is False


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_verifies_the_brokers_pacts_publishes_and_can_i_deploy_agrees(broker_url: str) -> None:
    with connect(broker_url) as broker:
        broker.create_environment("prod", production=True)
        _publish_consumers(broker)
    app = UsersApp()
    with serve(app) as provider_url:
        code, out, err = _cli(
            "--provider", "users", "--provider-url", provider_url, "--state-change-url", "/_pact/state",
            "--broker", broker_url, "--consumer-version-selector", json.dumps({"deployedOrReleased": True}),
            "--consumer-version-selector", '{"mainBranch": true}', "--enable-pending",
            "--include-wip-pacts-since", "2020-01-01", "--provider-version", "p1", "--branch", "main", "--publish",
        )  # fmt: skip

    assert code == 0, out + err
    assert "Verifying 2 pacts from the broker" in err
    assert "for web 1.0 (deployed to prod)" in err and "for web 2.0 (latest from the main branch main)" in err
    assert "published: web -> users verified (pending) for web 1.0" in err
    assert "3 interactions, 3 passed, 0 failed" in out
    with connect(broker_url) as broker:
        assert broker.can_i_deploy("users", "p1", to_environment="prod").ok is True


def test_the_cli_fails_with_exit_1_for_a_broken_provider_once_the_pacts_are_not_pending(broker_url: str) -> None:
    with connect(broker_url) as broker:
        broker.create_environment("prod", production=True)
        _publish_consumers(broker)
    app = UsersApp()
    app.broken = True
    args = ["--provider", "users", "--broker", broker_url, "--state-change-url", "/_pact/state", "--output", "json"]
    with serve(app) as provider_url:
        pending_code, _, _ = _cli(*args, "--provider-url", provider_url, "--enable-pending")
        code, out, _ = _cli(*args, "--provider-url", provider_url, "--provider-version", "p9", "--publish")

    assert pending_code == 0  # every pact is still pending: failures are reported, not counted
    assert code == 1
    assert sorted(p["consumerVersions"][0] for p in json.loads(out)["pacts"]) == ["1.0", "2.0"]
    with connect(broker_url) as broker:
        assert broker.can_i_deploy("users", "p9", to_environment="prod").ok is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--consumer-version-selector", "{nope"], "is not JSON"),
        (["--consumer-version-selector", "[1]"], "is not a JSON object"),
        (["--consumer-version-selector", '{"tag": "prod", "fallbackTag": "main"}'], "fallbackTag needs"),
        (["--include-wip-pacts-since", "2026-01-01"], "needs --enable-pending"),
        (["--enable-pending", "pacts/"], "give them without PACTS"),
    ],
)
def test_cli_broker_options_that_cannot_work_are_usage_errors(tmp_path: Any, extra: list[str], message: str) -> None:
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    code, _, err = _cli("--provider", "users", "--provider-url", "http://127.0.0.1:9", "--broker", url, *extra)
    assert code == 2 and message in err


def test_the_cli_says_when_the_broker_has_nothing_to_verify(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    connect(url).close()  # the broker exists, and holds no pacts for users
    code, _, err = _cli("--provider", "users", "--provider-url", "http://127.0.0.1:9", "--broker", url)
    # Nothing was checked, so this is no pass: exit 2 (it was 0), unless --allow-no-pacts says it is fine.
    assert code == 2 and "No pacts to verify for users" in err
    allowed = ("--allow-no-pacts",)
    code, _, _ = _cli("--provider", "users", "--provider-url", "http://127.0.0.1:9", "--broker", url, *allowed)
    assert code == 0


def test_pytest_items_can_come_from_a_broker_source(broker: Broker) -> None:
    from polycontract.pytest_plugin import pact_verification
    from polycontract.pytest_plugin._provider import _SESSIONS, collect

    _publish_consumers(broker)
    verifier = _verifier(UsersApp(), "p1")
    source = BrokerSource(broker, "users", selectors=SELECTORS)

    test = pact_verification(verifier, source)
    cases = collect(verifier, (source,))

    assert test.pytestmark[0].args == (verifier, source)  # type: ignore[attr-defined]
    # Ids name the consumer version and where it is deployed, so the two "get user 1" items differ.
    assert [(c.id, c.pending) for c in cases] == [
        ("web 1.0 (deployed in prod): get user 1", True),
        ("web 2.0: get user 1", True),
        ("web 2.0: get user 2", True),
    ]
    try:
        assert all(c.run().ok for c in cases)
    finally:
        _SESSIONS.pop(id(verifier))[1].__exit__(None, None, None)

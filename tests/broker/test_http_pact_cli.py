"""Interop: the official Pact CLI (``pact broker …``, ``pact verifier``) against a real uvicorn server.

The server runs in a thread on 127.0.0.1 port 0 over an embedded SQLite file and over PostgreSQL
(when ``POLYCONTRACT_TEST_POSTGRES_URL`` is set); a tiny provider runs beside it. Tests skip only
when the ``pact`` binary is missing (``.ci/node`` installs it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from polycontract.codec import dumps_pact
from tests.broker.pact_cli import Estate, needs_pact_cli, pact, users_pact

pytestmark = needs_pact_cli


def test_the_pact_cli_runs_publish_verify_deploy_and_can_i_deploy_against_the_server(
    estate: Estate,
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]

    code, out = pact("broker", "create-environment", "--name", "prod", "--production", *url)
    assert code == 0, out
    assert [(e.name, e.production) for e in broker.environments()] == [("prod", True)]

    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)
    assert code == 0 and "Pact published" in out, out
    assert {i.description for i in broker.pact("web", "1", "users").interactions} == {
        "get user 7",
        "get a missing user",
    }

    code, out = pact(
        "broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", "--to-environment", "prod", *url
    )
    assert code == 1 and "Computer says no" in out and "none is currently deployed" in out, out

    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "1", "--provider-branch", "main")
    assert code == 0, out
    code, out = pact("broker", "record-deployment", "--pacticipant", "users", "--version", "1", "--environment", "prod",
                     *url)  # fmt: skip
    assert code == 0 and "Recorded deployment" in out, out

    code, out = pact(
        "broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", "--to-environment", "prod", *url
    )
    assert code == 0 and "Computer says yes" in out, out
    assert broker.can_i_deploy("web", "1", to_environment="prod").ok is True

    code, out = pact("broker", "describe-version", "--pacticipant", "users", "--version", "1", *url)
    assert code == 0 and "1" in out, out


def test_a_failing_verification_through_the_pact_verifier_makes_can_i_deploy_say_no(
    estate: Estate,
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    code, out = pact("broker", "record-deployment", "--pacticipant", "web", "--version", "1", "--environment", "prod",
                     "--application-instance", "eu", *url)  # fmt: skip
    assert code == 0, out
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    selectors = ["--consumer-version-selectors", '{"deployedOrReleased": true}', "--enable-pending"]
    code, out = pact(*verifier, *selectors, "--publish", "--provider-version", "1", "--provider-branch", "main")
    assert code == 0, out

    provider.broken = True
    code, out = pact(*verifier, *selectors, "--publish", "--provider-version", "2", "--provider-branch", "main")
    assert code != 0, out  # no longer pending: verified by main, so the failure fails the build

    check = ["broker", "can-i-deploy", "--pacticipant", "users", "--to-environment", "prod", *url]
    code, out = pact(*check[:4], "--version", "2", *check[4:])
    assert code == 1 and "Computer says no" in out, out
    code, out = pact(*check[:4], "--version", "1", *check[4:])
    assert code == 0 and "Computer says yes" in out, out
    assert broker.can_i_deploy("users", "2", to_environment="prod").ok is False


def test_the_pact_verifier_selects_pacts_by_consumer_version_tags(
    estate: Estate,
) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--tag", "prod", *url)
    assert code == 0, out
    assert broker.pacts_for_verification("users", selectors=[{"tag": "prod", "latest": True}])[0].consumer_versions == (
        "1",
    )
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--consumer-version-tags", "prod", "--publish", "--provider-version", "1")
    assert code == 0, out
    assert "get user 7" in out
    assert [(r.provider_version, r.success) for r in broker.matrix("web", version="1")] == [("1", True)]
    code, out = pact(*verifier, "--consumer-version-tags", "qa")
    assert "get user 7" not in out  # nothing tagged qa


def test_the_pact_cli_asks_can_i_deploy_to_a_tag(estate: Estate) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "7", "--provider-tags", "prod")
    assert code == 0, out
    ask = ["broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", *url]
    code, out = pact(*ask, "--to", "prod")
    assert code == 0 and "Computer says yes" in out, out
    broker.create_version("users", "8", tags=["prod"])  # newer, never verified web's pact
    code, out = pact(*ask, "--to", "prod")
    assert code == 1 and "Computer says no" in out, out
    assert broker.can_i_deploy("web", "1", to_tag="prod").ok is None


def test_the_pact_cli_records_releases_undeployments_and_support_ended(
    estate: Estate,
) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    who = ["--pacticipant", "web", "--environment", "prod", *url]

    code, out = pact("broker", "record-release", "--version", "1", *who)
    assert code == 0 and "Recorded release" in out, out
    code, out = pact("broker", "record-deployment", "--version", "1", *who)
    assert code == 0, out
    assert sorted(lv.kind for lv in broker.live("prod")) == ["deployed", "released"]

    code, out = pact("broker", "record-undeployment", *who)
    assert code == 0 and "Undeployed" in out, out
    code, out = pact("broker", "record-support-ended", "--version", "1", *who)
    assert code == 0, out
    assert broker.live("prod") == ()


def test_pact_pythons_verifier_fetches_pacts_for_verification_and_publishes_results(
    estate: Estate,
) -> None:
    pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
    from pact import Verifier

    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    assert pact("broker", "record-deployment", "--pacticipant", "web", "--version", "1", "--environment", "prod",
                *url)[0] == 0  # fmt: skip

    verifier = (
        Verifier("users", host="127.0.0.1")
        .add_transport(url=f"http://127.0.0.1:{provider.port}")
        .broker_source(server.url, selector=True, use_env=False)
        .consumer_version(deployed_or_released=True)
        .consumer_version(main_branch=True)
        .include_pending()
        .provider_branch("main")
        .build()
        .set_publish_options(version="3", branch="main")
    )
    verifier.verify()
    results = verifier.results["interactionResults"]
    assert {r["description"] for r in results} == {"get user 7", "get a missing user"}
    assert broker.can_i_deploy("users", "3", to_environment="prod").ok is True
    code, out = pact("broker", "can-i-deploy", "--pacticipant", "users", "--version", "3", "--to-environment", "prod",
                     *url)  # fmt: skip
    assert code == 0 and "Computer says yes" in out, out


def test_the_pact_cli_prints_the_problem_detail_of_a_refused_request(
    estate: Estate,
) -> None:
    """Errors are RFC 9457 problems that keep ``error.message``, which the Pact CLI shows the user."""
    _broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", "--production", *url)[0] == 0
    code, out = pact("broker", "create-environment", "--name", "prod", "--production", *url)
    assert code != 0 and "an environment named prod already exists" in out, out
    code, out = pact("broker", "create-environment", "--name", "pre prod", *url)
    assert code != 0 and "name must not contain whitespace" in out, out
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    changed = users_pact()
    (pacts / "web-users.json").write_text(dumps_pact(replace(changed, interactions=changed.interactions[:1])))
    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)
    assert code != 0 and "already published different pact content" in out, out


def test_a_result_the_pact_verifier_publishes_for_a_wip_pact_leaves_it_wip(
    estate: Estate,
) -> None:
    """The Pact verifier sends no ``wip`` member (pact-reference rust/pact_verifier/src/pact_broker.rs,
    build_payload: success, providerApplicationVersion, verifiedBy, buildUrl, testResults); it posts to the
    pact's ``pb:publish-verification-results`` link. The Pact Broker links a WIP pact with the metadata
    ``w=true`` (api/pact_broker_urls.rb build_metadata_for_pact_for_verification, verification_publication_url)
    and records the result as WIP (api/resources/verifications.rb ``wip?``), and such a result does not take
    the pact out of WIP (pacts_for_verification_repository.rb remove_non_wip_for_branch)."""
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "feat", *url)[0] == 0
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    wip = ["--consumer-version-selectors", '{"mainBranch": true}', "--enable-pending",
           "--include-wip-pacts-since", "2020-01-01"]  # fmt: skip
    code, out = pact(*verifier, *wip, "--publish", "--provider-version", "1", "--provider-branch", "main")
    assert code == 0 and "get user 7" in out, out
    assert [(r.provider_version, r.success) for r in broker.matrix("web", version="1")] == [("1", True)]

    again = broker.pacts_for_verification(
        "users", selectors=[{"mainBranch": True}], provider_branch="main", include_wip_since=date(2020, 1, 1)
    )
    assert [(p.consumer_versions, p.wip) for p in again] == [(("1",), True)]
    code, out = pact(*verifier, *wip, "--provider-version", "2", "--provider-branch", "main")
    assert code == 0 and "get user 7" in out, out  # still verified as WIP

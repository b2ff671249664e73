"""A failed verification keeps its mismatches, so can-i-deploy and the matrix say which field broke.

Results are published with their per-interaction ``test_results`` (the Pact Broker's ``testResults``)
through the embedded broker and through a real HTTP server; the CLI then names the failed interaction,
the consumer version and the mismatch path, in text and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from polycontract.broker import Broker, connect
from polycontract.broker._values.test_results import MAX_MISMATCHES
from polycontract.cli import cli
from polycontract.errors import UsageError
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import serving, ticking_clock

NAME_MISSING = "Expected key 'name' with value \"Ann\" but it was missing"


def _pact() -> PactDocument:
    interactions = (
        HttpInteraction(
            description="a request for user 1",
            request=Request(method="GET", path="/users/1"),
            response=Response(status=200, body={"name": "Ann"}),
        ),
        HttpInteraction(
            description="a request for the health",
            request=Request(method="GET", path="/health"),
            response=Response(status=200),
        ),
    )
    return PactDocument(consumer="web", provider="auth", interactions=interactions)


def _failed_run(content_hash: str) -> dict[str, Any]:
    """One verified pact, as ``VerificationResult.verifications()`` hands it to the broker."""
    return {
        "consumer": "web",
        "consumer_versions": ["1.0.0"],
        "consumer_version": "1.0.0",
        "content_hash": content_hash,
        "success": False,
        "pending": False,
        "test_results": [
            {
                "interactionId": "k1",
                "interactionDescription": "a request for user 1",
                "success": False,
                "mismatches": [
                    {
                        "attribute": "body",
                        "identifier": "$.body.name",
                        "description": NAME_MISSING,
                        "expected": "Ann",
                        "actual": None,
                    }
                ],
            },
            {"interactionId": "k2", "interactionDescription": "a request for the health", "success": True},
        ],
    }


def _estate(broker: Any) -> None:
    """web 1.0.0 runs in prod; auth 3.0.0 fails its pact on $.body.name."""
    broker.create_environment("prod", production=True)
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    broker.record_deployment("web", "1.0.0", "prod")
    broker.publish_verification_results(
        provider="auth", provider_version="3.0.0", results=[_failed_run(published.content_hash)]
    )


@pytest.fixture(params=["embedded", "http"])
def broker_cli_url(request: pytest.FixtureRequest, broker_url: str) -> Iterator[tuple[Any, str]]:
    """(a broker to publish through, the URL the CLI uses): the embedded broker, or `HttpBroker` on a server."""
    with connect(broker_url, clock=ticking_clock()) as served:
        if request.param == "embedded":
            yield served, broker_url
            return
        with serving(served) as url, connect(url) as client:
            yield client, url


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_can_i_deploy_names_the_failed_interaction_the_consumer_version_and_the_path(
    broker_cli_url: tuple[Any, str],
) -> None:
    broker, url = broker_cli_url
    _estate(broker)
    code, out = _run("can-i-deploy", "-a", "auth", "-e", "3.0.0", "--to-environment", "prod", "--broker", url)
    assert code == 1, out
    assert f'web 1.0.0 -> auth 3.0.0: "a request for user 1": $.body.name: {NAME_MISSING}' in out
    assert "a request for the health" not in out  # it passed
    assert "first deploy a version of auth that verifies it" in out


def test_can_i_deploy_json_carries_the_failed_interactions_with_their_mismatches(
    broker_cli_url: tuple[Any, str],
) -> None:
    broker, url = broker_cli_url
    _estate(broker)
    code, out = _run(
        "can-i-deploy", "-a", "auth", "-e", "3.0.0", "--to-environment", "prod", "--broker", url, "--output", "json"
    )
    assert code == 1, out
    answer = json.loads(out)
    [failed] = [r for r in answer["reasons"] if r["status"] == "failed"]
    report = failed["report"]
    assert report["consumer"] == {"name": "web", "version": "1.0.0"}
    assert report["provider"] == {"name": "auth", "version": "3.0.0"}
    assert report["detailsRecorded"] is True
    [interaction] = report["testResults"]
    assert interaction["interactionDescription"] == "a request for user 1"
    assert interaction["mismatches"][0]["identifier"] == "$.body.name"
    [row] = answer["matrix"]
    assert row["verificationResult"]["testResults"][0]["mismatches"][0]["description"] == NAME_MISSING


def test_the_matrix_lists_what_each_failed_verification_broke(broker_cli_url: tuple[Any, str]) -> None:
    broker, url = broker_cli_url
    _estate(broker)
    code, out = _run("matrix", "-a", "auth", "--broker", url)
    assert code == 0, out
    assert "failed verifications:" in out
    assert f'web 1.0.0 -> auth 3.0.0: "a request for user 1": $.body.name: {NAME_MISSING}' in out


def test_a_failure_published_without_test_results_reads_as_no_details_recorded(broker: Broker) -> None:
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    broker.record_deployment("web", "1.0.0", "prod")
    broker.publish_verification(
        provider="auth", provider_version="3.0.0", content_hash=published.content_hash, success=False
    )
    decision = broker.can_i_deploy("auth", "3.0.0", to_environment="prod")
    [failed] = [r for r in decision.reasons if r.status == "failed"]
    assert failed.report is not None and failed.report.failures is None
    assert failed.report.lines() == (
        "web 1.0.0 -> auth 3.0.0: no details recorded (the verification was published without its test results)",
    )


def test_a_later_passing_verification_replaces_the_reported_failure(broker: Broker) -> None:
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    broker.record_deployment("web", "1.0.0", "prod")
    run = _failed_run(published.content_hash)
    broker.publish_verification_results(provider="auth", provider_version="3.0.0", results=[run])
    fixed = {**run, "success": True, "test_results": [{"interactionId": "k1", "success": True}]}
    broker.publish_verification_results(provider="auth", provider_version="3.0.0", results=[fixed])
    decision = broker.can_i_deploy("auth", "3.0.0", to_environment="prod")
    assert decision.ok is True
    assert all(r.report is None for r in decision.reasons)


def test_stored_test_results_keep_the_first_mismatches_and_count_the_rest(broker: Broker) -> None:
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    broker.record_deployment("web", "1.0.0", "prod")
    many = [{"attribute": "body", "identifier": f"$.body.f{i}", "description": "was missing"} for i in range(40)]
    run = _failed_run(published.content_hash)
    run["test_results"] = [
        {"interactionDescription": "a request for user 1", "success": False, "mismatches": many},
    ]
    broker.publish_verification_results(provider="auth", provider_version="3.0.0", results=[run])
    [failed] = [r for r in broker.can_i_deploy("auth", "3.0.0", to_environment="prod").reasons if r.report]
    assert failed.report is not None and failed.report.failures is not None
    [interaction] = failed.report.failures
    assert len(interaction.mismatches) == MAX_MISMATCHES
    assert interaction.omitted == 40 - MAX_MISMATCHES
    assert failed.report.lines()[-1].endswith(f"and {40 - 3} more mismatches")


def test_malformed_test_results_are_refused_before_anything_is_recorded(broker: Broker) -> None:
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    run = {**_failed_run(published.content_hash), "test_results": [{"success": "no"}]}
    with pytest.raises(UsageError, match=r"test_results\[0\]\.success must be true or false"):
        broker.publish_verification_results(provider="auth", provider_version="3.0.0", results=[run])
    assert broker.matrix("auth") and all(r.success is None for r in broker.matrix("auth"))


# -- the HTTP server: testResults from any client, served back on the result's resource -------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Broker, str]]:
    with connect(f"sqlite:///{tmp_path / 'server.db'}", clock=ticking_clock()) as served, serving(served) as url:
        yield served, url


def _post(url: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=10)


def test_the_server_stores_test_results_as_the_pact_verifier_sends_them_and_serves_them_back(
    server: tuple[Broker, str],
) -> None:
    broker, url = server
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    body = {
        "success": False,
        "providerApplicationVersion": "3.0.0",
        "verifiedBy": {"implementation": "Pact-Rust", "version": "1.0"},
        "testResults": [
            {
                "interactionId": "k1",
                "interactionDescription": "a request for user 1",
                "success": False,
                "mismatches": [{"attribute": "body", "identifier": "$.body.name", "description": NAME_MISSING}],
            },
            {"interactionId": "k3", "success": False, "exceptions": [{"message": "connection refused"}]},
            {"interactionId": "k2", "success": True},
        ],
    }
    path = f"/pacts/provider/auth/consumer/web/pact-version/{published.content_hash}/verification-results"
    answer = _post(url, path, body)
    assert answer.status_code == 201, answer.text
    resource = answer.json()["_links"]["self"]["href"]
    found = httpx.get(resource, timeout=10).json()
    assert found["success"] is False and found["providerApplicationVersion"] == "3.0.0"
    assert [r["interactionId"] for r in found["testResults"]] == ["k1", "k3", "k2"]
    assert found["testResults"][0]["mismatches"][0]["identifier"] == "$.body.name"
    assert found["testResults"][1]["exceptions"] == [{"message": "connection refused"}]


def test_the_server_refuses_test_results_that_are_not_a_list_naming_the_field(server: tuple[Broker, str]) -> None:
    broker, url = server
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    path = f"/pacts/provider/auth/consumer/web/pact-version/{published.content_hash}/verification-results"
    answer = _post(url, path, {"success": False, "providerApplicationVersion": "3.0.0", "testResults": "broken"})
    assert answer.status_code == 400
    assert "testResults must be a list" in answer.text
    assert broker.matrix("auth")[0].success is None  # nothing recorded


def test_an_unknown_verification_result_is_not_found(server: tuple[Broker, str]) -> None:
    broker, url = server
    published = broker.publish_pact(_pact(), consumer_version="1.0.0")
    path = f"/pacts/provider/auth/consumer/web/pact-version/{published.content_hash}/verification-results/999"
    assert httpx.get(url + path, timeout=10).status_code == 404


# -- the migration: a database made before test results were stored --------------------------------------


def _downgrade_to_0003(url: str) -> None:
    """Take the database back to schema revision 0003, the head before test results were stored."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect

    import polycontract.broker._store.engine as engine_module

    config = Config()
    config.set_main_option("script_location", str(engine_module._MIGRATIONS))
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("pc_verifications")}
    engine.dispose()
    assert "test_results" not in columns


def test_a_database_from_the_previous_schema_upgrades_and_its_failures_read_as_no_details_recorded(
    broker_url: str,
) -> None:
    with connect(broker_url, clock=ticking_clock()) as broker:
        broker.create_environment("prod")
        published = broker.publish_pact(_pact(), consumer_version="1.0.0")
        broker.record_deployment("web", "1.0.0", "prod")
        broker.publish_verification(
            provider="auth", provider_version="3.0.0", content_hash=published.content_hash, success=False
        )
    _downgrade_to_0003(broker_url)
    code, out = _run("can-i-deploy", "-a", "auth", "-e", "3.0.0", "--to-environment", "prod", "--broker", broker_url)
    assert code == 1, out
    assert "web 1.0.0 -> auth 3.0.0: no details recorded" in out
    with connect(broker_url) as broker:  # and new results carry their details on the upgraded database
        broker.publish_verification_results(
            provider="auth", provider_version="3.0.1", results=[_failed_run(published.content_hash)]
        )
        broker.record_deployment("auth", "3.0.1", "prod")
        decision = broker.can_i_deploy("web", "1.0.0", to_environment="prod")
    [failed] = [r for r in decision.reasons if r.status == "failed"]
    assert failed.report is not None and failed.report.failures is not None
    assert failed.report.failures[0].mismatches[0].path == "$.body.name"


def test_the_demos_broker_explains_the_refusal_on_its_own(tmp_path: Path) -> None:
    kept = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "--keep", str(kept)], catch_exceptions=False).exit_code == 0
    url = f"sqlite:///{kept / 'broker.db'}"
    code, out = _run("can-i-deploy", "-a", "auth-svc", "-e", "3.0.0", "--to-environment", "PROD", "--broker", url)
    assert code == 1, out
    assert 'web-ui 1.0.0 -> auth-svc 3.0.0: "a request for user 7": $.body.name: Expected key' in out

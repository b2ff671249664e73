"""can-i-deploy for the latest version (optionally on a branch), in Python and on the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polycontract.broker import Broker
from polycontract.cli import cli
from polycontract.codec import dumps_pact
from polycontract.errors import StorageError
from polycontract.model import PactDocument


def test_latest_version_is_the_newest_created(broker: Broker) -> None:
    broker.create_version("web", "1.0", branch="main")
    broker.create_version("web", "1.1", branch="feat")
    assert broker.latest_version("web") == "1.1"


def test_latest_version_on_a_branch_ignores_other_branches(broker: Broker) -> None:
    broker.create_version("web", "1.0", branch="main")
    broker.create_version("web", "1.1", branch="feat")
    broker.create_version("web", "0.9-hotfix")
    assert broker.latest_version("web", branch="main") == "1.0"


def test_latest_version_of_an_unknown_pacticipant_says_how_to_create_it(broker: Broker) -> None:
    with pytest.raises(StorageError, match="pacticipant='web' is not known to the broker"):
        broker.latest_version("web")


def test_latest_version_on_a_branch_without_versions_names_the_branch(broker: Broker) -> None:
    broker.create_version("web", "1.0", branch="main")
    with pytest.raises(StorageError, match="web has no versions on branch 'release'"):
        broker.latest_version("web", branch="release")


@pytest.fixture
def run(broker_url: str, tmp_path: Path, make_pact: Callable[..., PactDocument]) -> Callable[..., Result]:
    """The CLI against a broker where web 1.0 (main) is verified by auth 2.0 in prod and web 1.1 (feat) is not."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"POLYCONTRACT_BROKER": broker_url}, catch_exceptions=False)

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(dumps_pact(make_pact("web", "auth", "/a")))
    second.write_text(dumps_pact(make_pact("web", "auth", "/b")))
    invoke("create-environment", "--name", "prod", "--production")
    invoke("publish", str(first), "--consumer-version", "1.0", "--branch", "main")
    invoke("publish", str(second), "--consumer-version", "1.1", "--branch", "feat")
    invoke("create-version", "-a", "auth", "-e", "2.0")
    invoke("record-deployment", "-a", "auth", "-e", "2.0", "--environment", "prod")
    return invoke


def _verify(broker_url: str) -> None:
    from polycontract.broker import connect

    with connect(broker_url) as broker:
        broker.publish_verification(
            provider="auth", provider_version="2.0", consumer="web", consumer_version="1.0", success=True
        )


def test_can_i_deploy_latest_checks_the_newest_version_and_warns(run: Callable[..., Result], broker_url: str) -> None:
    _verify(broker_url)
    result = run("can-i-deploy", "-a", "web", "--latest", "--to-environment", "prod", "-o", "json")
    document = json.loads(result.output)
    assert result.exit_code == 1
    assert document["version"] == "1.1"
    assert "specify --version to avoid race conditions" in document["warnings"][0]


def test_can_i_deploy_latest_on_a_branch_checks_that_branch(run: Callable[..., Result], broker_url: str) -> None:
    _verify(broker_url)
    for args in (("--latest", "--branch", "main"), ("--branch", "main")):
        result = run("can-i-deploy", "-a", "web", *args, "--to-environment", "prod")
        assert result.exit_code == 0, result.output
        assert "Can web 1.0 go to prod? yes" in result.output
        assert "warning: using the latest version on branch main of web (1.0)" in result.output


def test_can_i_deploy_latest_without_versions_is_a_clear_error(run: Callable[..., Result]) -> None:
    result = run("can-i-deploy", "-a", "web", "--branch", "release", "--to-environment", "prod")
    assert result.exit_code == 2
    assert "error: web has no versions on branch 'release'" in result.output


def test_can_i_deploy_needs_exactly_one_way_to_name_the_version(run: Callable[..., Result]) -> None:
    for args in ((), ("-e", "1.0", "--latest")):
        result = run("can-i-deploy", "-a", "web", *args, "--to-environment", "prod")
        assert result.exit_code == 2
        assert "give exactly one of --version V or --latest" in result.output

"""``polycontract can-i-deploy`` takes the Pact CLI's option names with the Pact CLI's meaning.

The Pact CLI (``pact broker can-i-deploy --help``, pact_broker-client
``lib/pact_broker/client/cli/matrix_commands.rb``) documents ``--to TAG`` as "the tag that represents the
branch or environment of the integrated applications" and ``--to-environment ENVIRONMENT`` as "the
environment into which the pacticipant(s) are to be deployed": ``--to`` is a tag, never an environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polycontract.cli import cli
from polycontract.codec import dumps_pact
from polycontract.model import HttpInteraction, PactDocument, Request, Response


@pytest.fixture
def broker_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'broker.db'}"


@pytest.fixture
def run(tmp_path: Path, broker_url: str) -> Callable[..., Result]:
    runner = CliRunner()
    env = {"POLYCONTRACT_BROKER": broker_url}

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    pact = PactDocument(
        consumer="web",
        provider="auth",
        interactions=(
            HttpInteraction(description="get", request=Request(method="GET", path="/u"), response=Response()),
        ),
    )
    path = tmp_path / "web-auth.json"
    path.write_text(dumps_pact(pact))
    assert invoke("publish", str(path), "--consumer-version", "1.0").exit_code == 0
    return invoke


@pytest.fixture
def verify(run: Callable[..., Result], broker_url: str) -> Callable[..., None]:
    """Record a verification of web 1.0's pact by auth ``provider_version``, tagged ``tag``."""
    from polycontract.broker import connect

    def publish(provider_version: str, *, success: bool, tag: str) -> None:
        assert run("create-version", "-a", "auth", "-e", provider_version, "--tag", tag).exit_code == 0
        with connect(broker_url) as broker:
            broker.publish_verification(
                provider="auth",
                provider_version=provider_version,
                consumer="web",
                consumer_version="1.0",
                success=success,
            )

    return publish


def test_can_i_deploy_to_tag_checks_the_latest_counterpart_version_with_that_tag(
    run: Callable[..., Result], verify: Callable[..., None]
) -> None:
    verify("2.0", success=True, tag="prod")
    safe = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to", "prod", "-o", "json")
    assert safe.exit_code == 0, safe.output
    document = json.loads(safe.output)
    assert document["target"] == "the latest versions tagged prod"
    assert document["matrix"][0]["provider"]["version"] == "2.0"
    verify("3.0", success=False, tag="prod")  # the newest prod-tagged auth now fails web's pact
    assert run("can-i-deploy", "-a", "web", "-e", "1.0", "--to", "prod").exit_code == 1


def test_can_i_deploy_to_tag_is_an_alias_of_to(run: Callable[..., Result], verify: Callable[..., None]) -> None:
    verify("2.0", success=True, tag="prod")
    by_alias = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-tag", "prod", "-o", "json")
    by_name = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to", "prod", "-o", "json")
    assert by_alias.exit_code == by_name.exit_code == 0
    assert json.loads(by_alias.output) == json.loads(by_name.output)
    help_text = run("can-i-deploy", "--help").output
    assert "--to, --to-tag TAG" in help_text
    assert "--to-tag is an alias" in help_text


def test_can_i_deploy_to_names_a_tag_even_when_an_environment_has_that_name(
    run: Callable[..., Result], verify: Callable[..., None]
) -> None:
    assert run("create-environment", "--name", "prod", "--production").exit_code == 0
    verify("2.0", success=True, tag="prod")
    result = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to", "prod")
    assert result.exit_code == 0  # against the environment it would be 1: nothing is deployed to prod
    assert "warning: --to prod names a tag, as in the Pact CLI; to check against the environment prod" in result.output
    assert "use --to-environment prod" in result.output
    assert run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod").exit_code == 1


ROOT = Path(__file__).resolve().parents[2]
PACT_BIN = os.environ.get("PACT_CLI") or shutil.which("pact") or str(ROOT / ".ci/node/node_modules/.bin/pact")
#: The options of ``pact broker can-i-deploy --help`` (Pact CLI 18) that the migration guide promises by name.
PACT_CLI_OPTIONS = (
    "--pacticipant",
    "--version",
    "--latest",
    "--branch",
    "--to-environment",
    "--to",
    "--ignore",
    "--retry-while-unknown",
    "--retry-interval",
    "--dry-run",
    "--output",
)


def _offers(help_text: str, option: str) -> bool:
    return re.search(rf"(^|[\s,]){re.escape(option)}([\s,=]|$)", help_text, re.MULTILINE) is not None


def test_can_i_deploy_accepts_the_pact_cli_option_names(run: Callable[..., Result]) -> None:
    help_text = run("can-i-deploy", "--help").output
    assert [o for o in PACT_CLI_OPTIONS if not _offers(help_text, o)] == []
    if not Path(PACT_BIN).exists():
        pytest.skip(f"the Pact CLI is not installed ({PACT_BIN})")
    pact_help = subprocess.run(
        [PACT_BIN, "broker", "can-i-deploy", "--help"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert [o for o in PACT_CLI_OPTIONS if not _offers(pact_help, o)] == []

"""The broker commands as a CI script sees them: output, JSON, and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polycontract.cli import _can_i_deploy as can_i_deploy_module
from polycontract.cli import cli
from polycontract.codec import dumps_pact
from polycontract.model import PactDocument


@pytest.fixture
def run(broker_url: str) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"POLYCONTRACT_BROKER": broker_url}, catch_exceptions=False)

    invoke("create-environment", "--name", "prod", "--production")
    return invoke


@pytest.fixture
def pact_file(tmp_path: Path, make_pact: Callable[..., PactDocument]) -> Path:
    path = tmp_path / "pacts" / "web-auth.json"
    path.parent.mkdir()
    path.write_text(dumps_pact(make_pact("web", "auth", "/users")))
    return path


def test_publish_reports_each_pact_file_or_folder_and_is_idempotent(
    run: Callable[..., Result], pact_file: Path
) -> None:
    first = run("publish", str(pact_file), "--consumer-version", "1.0", "-o", "json")
    again = run("publish", str(pact_file.parent), "--consumer-version", "1.0")
    assert first.exit_code == 0 and again.exit_code == 0
    assert json.loads(first.output)["published"][0]["outcome"] == "created"
    assert again.output.startswith("unchanged: pact web 1.0 -> auth (content ")


def test_can_i_deploy_says_unknown_and_what_to_verify_with_exit_1(run: Callable[..., Result], pact_file: Path) -> None:
    run("publish", str(pact_file), "--consumer-version", "1.0")
    run("create-version", "-a", "auth", "-e", "2.0")
    run("record-deployment", "-a", "auth", "-e", "2.0", "--environment", "prod", "--application-instance", "eu")
    result = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod")
    assert result.exit_code == 1
    assert "! There is no verified pact between web 1.0 and auth 2.0 (deployed to prod, instance eu)" in result.output
    assert "provider auth 2.0 must verify pact content" in result.output
    assert result.output.rstrip().endswith("Can web 1.0 go to prod? unknown (counted as no)")


def test_can_i_deploy_says_yes_with_exit_0_and_json(
    run: Callable[..., Result], pact_file: Path, broker_url: str
) -> None:
    from polycontract.broker import connect

    run("publish", str(pact_file), "--consumer-version", "1.0")
    with connect(broker_url) as broker:
        broker.publish_verification(
            provider="auth", provider_version="2.0", consumer="web", consumer_version="1.0", success=True
        )
    run("record-deployment", "-a", "auth", "-e", "2.0", "--environment", "prod")
    result = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod", "--output", "json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["summary"]["deployable"] is True
    assert document["matrix"][0]["verificationResult"]["success"] is True


def test_can_i_deploy_dry_run_always_exits_0(run: Callable[..., Result], pact_file: Path) -> None:
    run("publish", str(pact_file), "--consumer-version", "1.0")
    result = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod", "--dry-run")
    assert result.exit_code == 0
    assert "[dry run: exit 0]" in result.output


def test_can_i_deploy_retries_while_unknown(
    run: Callable[..., Result], pact_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(can_i_deploy_module, "sleep", waits.append)
    run("publish", str(pact_file), "--consumer-version", "1.0")
    result = run(
        "can-i-deploy",
        "-a",
        "web",
        "-e",
        "1.0",
        "--to-environment",
        "prod",
        "--retry-while-unknown",
        "2",
        "--retry-interval",
        "3",
    )
    assert result.exit_code == 1
    assert waits == [3.0, 3.0]


def test_can_i_deploy_ignore_lets_a_missing_provider_pass(run: Callable[..., Result], pact_file: Path) -> None:
    run("publish", str(pact_file), "--consumer-version", "1.0")
    result = run("can-i-deploy", "-a", "web", "-e", "1.0", "--to-environment", "prod", "--ignore", "auth")
    assert result.exit_code == 0
    assert "Ignoring: web 1.0 needs a version of auth in prod" in result.output


def test_deployment_lifecycle_commands_succeed(run: Callable[..., Result]) -> None:
    assert run("create-version", "-a", "app", "-e", "1", "--branch", "main", "--main-branch", "main").exit_code == 0
    assert run("record-release", "-a", "app", "-e", "1", "--environment", "prod").exit_code == 0
    ended = run("record-support-ended", "-a", "app", "-e", "1", "--environment", "prod", "-o", "json")
    assert json.loads(ended.output) == {"pacticipant": "app", "version": "1", "environment": "prod"}
    assert run("record-deployment", "-a", "app", "-e", "1", "--environment", "prod").exit_code == 0
    undeployed = run("record-undeployment", "-a", "app", "--environment", "prod")
    assert undeployed.output.strip() == "recorded undeployment of app 1 from prod"


def test_the_matrix_command_lists_rows(run: Callable[..., Result], pact_file: Path) -> None:
    run("publish", str(pact_file), "--consumer-version", "1.0")
    table = run("matrix", "-a", "web")
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == [
        "CONSUMER",
        "C.VERSION",
        "PROVIDER",
        "P.VERSION",
        "CONTENT",
        "SUCCESS?",
    ]
    assert json.loads(run("matrix", "-a", "web", "-o", "json").output)["matrix"][0]["consumer"]["version"] == "1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("record-deployment", "-a", "ghost", "-e", "1", "--environment", "prod"),
            "error: pacticipant='ghost' is not known",
        ),
        (
            ("can-i-deploy", "-a", "web", "-e", "1", "--to-environment", "staging"),
            "error: environment='staging' does not exist",
        ),
        (
            ("can-i-deploy", "-a", "web", "-e", "1", "--to-environment", "prod", "--broker", "http://127.0.0.1:1"),
            "error: cannot reach the broker at http://127.0.0.1:1",
        ),
        (("can-i-deploy", "-a", "web", "-e", "1"), "exactly one of --to-environment ENV, --to-main-branch or --to TAG"),
    ],
    ids=["unknown-pacticipant", "unknown-environment", "http-broker-down", "no-target"],
)
def test_errors_are_one_clean_line_with_exit_2(run: Callable[..., Result], args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_prune_dry_run_lists_what_would_go(run: Callable[..., Result], pact_file: Path) -> None:
    for version in ("1", "2", "3"):
        run("publish", str(pact_file), "--consumer-version", version)
    result = run("prune", "--keep-latest", "1", "--older-than-days", "0", "--dry-run", "-o", "json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["dryRun"] is True
    assert document["versions"] == [{"pacticipant": "web", "version": "2"}, {"pacticipant": "web", "version": "1"}]
    text = run("prune", "--keep-latest", "1", "--older-than-days", "0")
    assert text.output.strip().endswith(
        "deleted 2 versions, 2 publications, 0 verification results and 0 pact contents"
    )

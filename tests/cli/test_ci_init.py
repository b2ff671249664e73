"""``polycontract ci init`` writes pipelines whose steps are real polycontract commands, in the rails' order."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from polycontract.cli import COMMANDS, cli

ROLES = ("consumer", "provider", "both")
SYSTEMS = ("github", "gitlab")
FILES = {"github": Path(".github/workflows/ci.yml"), "gitlab": Path(".gitlab-ci.yml")}


def _init(directory: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["ci", "init", "--dir", str(directory), *args])


def _jobs(system: str, document: dict[str, Any]) -> dict[str, list[str]]:
    """Job name -> its shell commands, in order, whitespace normalised."""
    if system == "github":
        return {
            name: [" ".join(step["run"].split()) for step in job["steps"] if "run" in step]
            for name, job in document["jobs"].items()
        }
    return {
        name: [" ".join(line.split()) for line in job["script"]]
        for name, job in document.items()
        if isinstance(job, dict) and "script" in job
    }


def _generated(tmp_path: Path, system: str, role: str, *extra: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    result = _init(tmp_path, f"--{system}", "--role", role, "--service", "shop", *extra)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = yaml.safe_load((tmp_path / FILES[system]).read_text())
    return document, _jobs(system, document)


def _check_parses(run: str) -> str:
    """Parse a ``polycontract …`` line with the real click command (options, types, required ones)."""
    words = shlex.split(run.replace('"$VERSION"', "1f3c2ab").replace('"$BRANCH"', "main"))
    assert words[1] in COMMANDS, run
    command = cli.get_command(click.Context(cli), words[1])
    assert command is not None
    command.make_context(words[1], words[2:], resilient_parsing=False)
    return words[1]


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_and_ci_gets_valid_yaml_whose_polycontract_steps_parse_with_the_real_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str, role: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pacts").mkdir()  # what the consumer tests write before publish runs
    _, jobs = _generated(tmp_path, system, role, "--start", "python app.py --port 8000")
    used = [_check_parses(run) for runs in jobs.values() for run in runs if run.startswith("polycontract ")]
    assert ("publish" in used) == (role != "provider")
    assert ("create-version" in used) == (role != "provider")
    assert ("verify" in used) == (role != "consumer")
    assert used.count("can-i-deploy") == used.count("record-deployment") == 3


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("role", ROLES)
def test_the_rails_run_test_then_publish_or_verify_then_each_environment_in_order(
    tmp_path: Path, system: str, role: str
) -> None:
    document, jobs = _generated(tmp_path, system, role, "--environments", "dev,staging,prod")
    expected = ["test", *(["verify"] if role != "consumer" else []), "deploy-dev", "deploy-staging", "deploy-prod"]
    assert list(jobs) == expected
    for previous, name in itertools.pairwise(expected):
        needs = document["jobs"][name]["needs"] if system == "github" else document[name]["needs"]
        assert needs in (previous, [previous])
    for environment in ("dev", "staging", "prod"):
        runs = jobs[f"deploy-{environment}"]
        asks = next(i for i, r in enumerate(runs) if r.startswith("polycontract can-i-deploy -a shop "))
        records = next(i for i, r in enumerate(runs) if r.startswith("polycontract record-deployment -a shop "))
        assert asks < records
        assert f"--to-environment {environment}" in runs[asks] and f"--environment {environment}" in runs[records]
    if system == "gitlab":
        assert document["stages"] == expected


def test_a_provider_verifies_the_brokers_pacts_and_publishes_its_results(tmp_path: Path) -> None:
    _, jobs = _generated(tmp_path, "github", "provider", "--provider-url", "http://127.0.0.1:9000")
    verify = next(run for run in jobs["verify"] if run.startswith("polycontract verify"))
    words = shlex.split(verify)
    assert words[words.index("--provider") + 1] == "shop"
    assert words[words.index("--provider-url") + 1] == "http://127.0.0.1:9000"
    assert "--publish" in words and "--provider-version" in words
    assert words[-1] == "--publish"  # no PACTS argument: the pacts come from the broker


def test_a_provider_without_start_gets_a_start_step_that_fails_and_says_what_to_edit(tmp_path: Path) -> None:
    result = _init(tmp_path, "--gitlab", "--role", "provider", "--service", "shop")
    assert "edit the step that starts the service" in result.output
    _, jobs = _jobs_of(tmp_path, "gitlab")
    start = next(run for run in jobs["verify"] if "edit this step" in run)
    assert start.endswith("exit 1")


def _jobs_of(tmp_path: Path, system: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    document: dict[str, Any] = yaml.safe_load((tmp_path / FILES[system]).read_text())
    return document, _jobs(system, document)


def test_an_existing_pipeline_is_not_overwritten_without_force(tmp_path: Path) -> None:
    target = tmp_path / FILES["github"]
    target.parent.mkdir(parents=True)
    target.write_text("name: mine\n")
    refused = _init(tmp_path, "--github", "--role", "consumer", "--service", "shop")
    assert refused.exit_code == 2
    assert "exists; --force replaces it" in refused.output
    assert target.read_text() == "name: mine\n"
    forced = _init(tmp_path, "--github", "--role", "consumer", "--service", "shop", "--force")
    assert forced.exit_code == 0, forced.output
    assert yaml.safe_load(target.read_text())["name"] == "shop"


def test_the_service_name_defaults_to_the_directory_name(tmp_path: Path) -> None:
    repo = tmp_path / "billing-svc"
    repo.mkdir()
    assert _init(repo, "--gitlab", "--role", "consumer").exit_code == 0
    _, jobs = _jobs_of(repo, "gitlab")
    assert any(run.startswith("polycontract can-i-deploy -a billing-svc ") for run in jobs["deploy-prod"])


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "consumer"],  # no CI named
        ["--github", "--role", "consumer", "--service", "bad name"],
        ["--github", "--role", "consumer", "--environments", "dev,,dev"],
        ["--github", "--role", "provider", "--provider-url", "127.0.0.1:8000"],
        ["--github", "--role", "tester"],
    ],
)
def test_bad_arguments_are_usage_errors_and_write_nothing(tmp_path: Path, args: list[str]) -> None:
    result = _init(tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert not (tmp_path / ".github").exists() and not (tmp_path / ".gitlab-ci.yml").exists()


def test_names_with_yaml_special_characters_in_commands_read_back_unchanged(tmp_path: Path) -> None:
    start = "python -m shop --port 8000 --greeting 'a: b' # not a comment"
    _, jobs = _generated(tmp_path, "github", "provider", "--start", start)
    assert f"{start} &" in jobs["verify"]
    _, jobs = _generated(tmp_path, "gitlab", "provider", "--start", start, "--force")
    assert f"{start} &" in jobs["verify"]


def test_the_ci_recipes_page_shows_jobs_exactly_as_ci_init_writes_them(tmp_path: Path) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "ci.md").read_text()
    shown = [yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```", page, re.MULTILINE | re.DOTALL)]
    github_shown, gitlab_shown = shown
    github, _ = _generated(tmp_path, "github", "consumer", "--service", "web-ui")
    assert github_shown["env"] == github["env"]
    assert github_shown["jobs"]["deploy-dev"] == github["jobs"]["deploy-dev"]
    gitlab, _ = _generated(tmp_path, "gitlab", "consumer", "--service", "web-ui")
    for key in ("image", "variables", "deploy-dev"):
        assert gitlab_shown[key] == gitlab[key], key

"""``polycontract ci init`` writes pipelines whose steps are real polycontract commands, in the rails' order."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import tomllib
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


def _installs(system: str, document: dict[str, Any]) -> dict[str, list[str]]:
    """Job name -> its ``pip install`` lines."""
    return {
        name: [run for run in runs if run.startswith("pip install")] for name, runs in _jobs(system, document).items()
    }


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("role", ROLES)
def test_every_job_installs_polycontract_from_the_pip_spec_variable_before_using_it(
    tmp_path: Path, system: str, role: str
) -> None:
    document, jobs = _generated(tmp_path, system, role)
    for name, runs in jobs.items():
        installs = [
            i for i, run in enumerate(runs) if "$POLYCONTRACT_PIP_SPEC" in run or "{POLYCONTRACT_PIP_SPEC:?" in run
        ]
        uses = [i for i, run in enumerate(runs) if run.startswith(("polycontract ", "python -m pytest"))]
        assert installs and all(installs[0] < i for i in uses), (name, runs)
        assert not [r for r in _installs(system, document)[name] if shlex.split(r)[2:3] == ["polycontract"]], runs
    text = (tmp_path / FILES[system]).read_text()
    assert not re.search(r"pip install ['\"]?polycontract\b(?!\S* @)", text), "a bare install no index can serve"
    if system == "github":
        assert document["env"]["POLYCONTRACT_PIP_SPEC"] == "${{ vars.POLYCONTRACT_PIP_SPEC }}"


def _fake_pip(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``pip`` writes its arguments, one a line, to pip-args.txt."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pip = bin_dir / "pip"
    pip.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path / "pip-args.txt"}"\n')
    pip.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "POLYCONTRACT_PIP_SPEC"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_install_step_stops_with_one_clear_line_when_the_variable_is_unset_and_passes_the_spec_whole(
    tmp_path: Path, system: str
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _, jobs = _generated(repo, system, "consumer")
    install = next(run for run in jobs["deploy-dev"] if "POLYCONTRACT_PIP_SPEC" in run)
    env = _fake_pip(tmp_path)
    unset = subprocess.run(["sh", "-c", install], env=env, capture_output=True, text=True, check=False)
    assert unset.returncode != 0
    assert "POLYCONTRACT_PIP_SPEC: is not set: the pip requirement of polycontract" in unset.stderr
    assert not (tmp_path / "pip-args.txt").exists()
    spec = "polycontract[postgres] @ git+https://git.example.com/org/polycontract.git@v0.1.0"
    done = subprocess.run(
        ["sh", "-c", install], env={**env, "POLYCONTRACT_PIP_SPEC": spec}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pip-args.txt").read_text().splitlines() == ["install", spec]


@pytest.mark.parametrize("system", SYSTEMS)
def test_install_writes_the_requirement_into_the_pipeline(tmp_path: Path, system: str) -> None:
    spec = "polycontract[postgres,server] @ git+https://git.example.com/org/polycontract.git@v0.1.0"
    document, _ = _generated(tmp_path, system, "consumer", "--install", spec)
    variables = document["env"] if system == "github" else document["variables"]
    assert variables["POLYCONTRACT_PIP_SPEC"] == spec


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("polycontract", "would ask a package index, and none serves polycontract"),
        ("polycontract[server]", "would ask a package index"),
        ("polycontract==0.1.0", "would ask a package index"),
        ("polycontract[server,graphql] @ git+https://git.example.com/o/polycontract.git", "the extra graphql"),
        ("./polycontract[postgress]", "the extra postgress"),
    ],
)
def test_an_install_line_no_index_serves_or_with_an_unknown_extra_is_refused(
    tmp_path: Path, spec: str, says: str
) -> None:
    result = _init(tmp_path, "--github", "--role", "consumer", "--service", "shop", "--install", spec)
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert not (tmp_path / ".github").exists()


@pytest.mark.parametrize(
    "spec",
    [
        "polycontract[postgres] @ git+https://git.example.com/o/polycontract.git@v0.1.0",
        "./dist/polycontract-0.1.0-py3-none-any.whl[postgres]",
        "../polycontract[server,postgres]",
        ".",
    ],
)
def test_install_takes_a_git_url_a_wheel_or_a_directory_with_extras_pyproject_has(tmp_path: Path, spec: str) -> None:
    result = _init(tmp_path, "--gitlab", "--role", "consumer", "--service", "shop", "--install", spec)
    assert result.exit_code == 0, result.output
    extras = set(re.findall(r"\[([^\]]*)\]", spec)[0].split(",")) if "[" in spec else set()
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert extras <= set(pyproject["project"]["optional-dependencies"])


def _message_pacts(directory: Path) -> Path:
    directory.mkdir()
    pact = {
        "consumer": {"name": "billing"},
        "provider": {"name": "shop"},
        "interactions": [
            {"type": "Asynchronous/Messages", "description": "an order placed", "contents": {"content": {"id": 1}}}
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    (directory / "billing-shop.json").write_text(json.dumps(pact))
    return directory


def test_a_provider_whose_pacts_hold_messages_must_say_what_produces_them(tmp_path: Path) -> None:
    pacts = _message_pacts(tmp_path / "pacts")
    refused = _init(tmp_path, "--github", "--role", "provider", "--service", "shop", "--pacts", str(pacts))
    assert refused.exit_code == 2
    assert "hold 1 message interaction(s) for shop, e.g. 'an order placed'" in " ".join(refused.output.split())
    assert "--messages MODULE:OBJECT" in refused.output
    assert not (tmp_path / ".github").exists()


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_verify_step_passes_the_message_producer_to_polycontract_verify(tmp_path: Path, system: str) -> None:
    pacts = _message_pacts(tmp_path / "pacts")
    _, jobs = _generated(tmp_path, system, "provider", "--pacts", str(pacts), "--messages", "shop.events:producers")
    verify = next(run for run in jobs["verify"] if run.startswith("polycontract verify"))
    words = shlex.split(verify)
    assert words[words.index("--messages") + 1] == "shop.events:producers"
    assert _check_parses(verify) == "verify"
    _, jobs = _generated(
        tmp_path, system, "provider", "--message-url", "http://127.0.0.1:8000/_pact/message", "--force"
    )
    verify = next(run for run in jobs["verify"] if run.startswith("polycontract verify"))
    assert "--message-url http://127.0.0.1:8000/_pact/message" in verify
    assert _check_parses(verify) == "verify"


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "consumer", "--messages", "shop.events:producers"],
        ["--role", "provider", "--messages", "not an object"],
        ["--role", "provider", "--message-url", "ftp://x"],
        ["--role", "provider", "--messages", "a:b", "--message-url", "http://127.0.0.1:1/m"],
    ],
)
def test_message_options_that_cannot_work_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    result = _init(tmp_path, "--github", "--service", "shop", *args)
    assert result.exit_code == 2, result.output
    assert not (tmp_path / ".github").exists()


def test_output_json_lists_the_files_written_and_what_is_left_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["ci", "init", "--dir", str(tmp_path), "--gitlab", "--role", "provider", "--service", "shop", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["files"] == [str(tmp_path / ".gitlab-ci.yml")]
    assert (tmp_path / ".gitlab-ci.yml").is_file()
    assert any("POLYCONTRACT_PIP_SPEC" in step for step in document["next"])
    assert any("starts the service" in step for step in document["next"])


def test_the_generated_provider_pipeline_runs_verify_publish_and_each_deployment_for_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The polycontract steps of a generated provider pipeline, run as written against a real provider
    and an embedded broker: the verification is published and every can-i-deploy answers yes."""
    from tests.verifier.providers import UsersApp, get_user, serve, users_pact

    repo = tmp_path / "users"
    repo.mkdir()
    monkeypatch.chdir(repo)
    env = {"POLYCONTRACT_BROKER": f"sqlite:///{tmp_path / 'broker.db'}", "VERSION": "u1", "BRANCH": "main"}
    runner = CliRunner()
    (tmp_path / "web-users.json").write_text(json.dumps(users_pact(get_user(7))))
    for setup in (
        ["create-environment", "--name", "dev"],
        ["create-environment", "--name", "prod", "--production"],
        ["create-version", "-a", "web", "-e", "w1", "--branch", "main", "--main-branch", "main"],
        ["publish", str(tmp_path / "web-users.json"), "--consumer-version", "w1", "--branch", "main"],
    ):
        assert runner.invoke(cli, setup, env=env).exit_code == 0, setup
    with serve(UsersApp()) as url:
        _, jobs = _generated(repo, "github", "provider", "--service", "users", "--environments", "dev,prod")
        ran = []
        for job in ("verify", "deploy-dev", "deploy-prod"):
            for run in jobs[job]:
                if not run.startswith("polycontract "):
                    continue
                line = run.replace("http://127.0.0.1:8000", url).replace(
                    " --retry-while-unknown 10 --retry-interval 30", ""
                )
                words = [w.replace("$VERSION", "u1").replace("$BRANCH", "main") for w in shlex.split(line)]
                result = runner.invoke(cli, words[1:], env=env)
                assert result.exit_code == 0, f"{line}\n{result.output}"
                ran.append(words[1])
    assert ran == ["verify", "can-i-deploy", "record-deployment", "can-i-deploy", "record-deployment"]
    from polycontract.broker import connect

    with connect(env["POLYCONTRACT_BROKER"]) as broker:
        assert broker.can_i_deploy("web", "w1", to_environment="prod").ok is True

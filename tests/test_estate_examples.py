"""examples/estate: each service's own tests pass, and its CI workflow's rails work as written.

The rails test copies the three "repositories" to a temporary directory and runs, in story order,
the commands of their GitHub Actions workflows against an embedded SQLite broker: web-ui's tests
(they write its pacts) and publish; each provider's own tests (which verify those pacts
in-process) and its verify job (results published); then can-i-deploy and record-deployment for
every service in DEV, QA and PROD.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from polycontract.broker import connect
from polycontract.cli import COMMANDS, cli

ESTATE = Path(__file__).resolve().parents[1] / "examples" / "estate"
SERVICES = ("web-ui", "auth-svc", "orders-svc")
ENVIRONMENTS = ("dev", "qa", "prod")


def _pytest(folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _workflow(service: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ESTATE / service / ".github" / "workflows" / "ci.yml").read_text())
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [" ".join(step["run"].split()) for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("service", SERVICES)
def test_each_workflow_has_the_rails_in_order_and_uses_real_commands_and_options(service: str) -> None:
    jobs = _workflow(service)["jobs"]
    assert list(jobs) == [
        "test",
        *(["verify"] if service != "web-ui" else []),
        "deploy-dev",
        "deploy-qa",
        "deploy-prod",
    ]
    previous = list(jobs)[list(jobs).index("deploy-dev") - 1]
    for environment in ENVIRONMENTS:
        job = jobs[f"deploy-{environment}"]
        assert job["needs"] == previous and job["environment"] == environment
        runs = _runs(job)
        asks = next(i for i, r in enumerate(runs) if r.startswith(f"polycontract can-i-deploy -a {service} "))
        records = next(i for i, r in enumerate(runs) if r.startswith(f"polycontract record-deployment -a {service} "))
        assert asks < records and f"--to-environment {environment}" in runs[asks]
        previous = f"deploy-{environment}"
    for job in jobs.values():
        for run in _runs(job):
            if run.startswith("polycontract "):
                words = shlex.split(run)
                assert words[1] in COMMANDS, run
                command = cli.get_command(None, words[1])  # type: ignore[arg-type]
                assert command is not None
                known = {opt for param in command.params for opt in param.opts}
                assert {w for w in words[2:] if w.startswith("-")} <= known, run


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    """A copy of the three repositories, so that nothing is written into examples/."""
    copy = tmp_path / "estate"
    for service in SERVICES:
        shutil.copytree(ESTATE / service, copy / service, ignore=shutil.ignore_patterns("pacts", "__pycache__"))
    return copy


@pytest.fixture
def provider_servers(estate: Path) -> Iterator[dict[str, str]]:
    """auth-svc running with provider states on a free port of 127.0.0.1, as its verify job starts it."""
    process = subprocess.Popen(
        [sys.executable, "auth_svc.py", "--port", "0", "--pact-states"],
        cwd=estate / "auth-svc",
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield {"auth-svc": line.split(" on ")[1].strip()}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_workflows_rails_release_every_service_to_prod_on_an_embedded_broker(
    estate: Path, provider_servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker_url = f"sqlite:///{tmp_path / 'broker.db'}"
    versions = {"web-ui": "w1", "auth-svc": "a1", "orders-svc": "o1"}
    runner = CliRunner()

    def run(service: str, line: str) -> None:
        env = {"POLYCONTRACT_BROKER": broker_url, "VERSION": versions[service], "BRANCH": "main"}
        line = line.replace("http://127.0.0.1:8000", provider_servers.get(service, "http://127.0.0.1:8000"))
        line = line.replace("--retry-while-unknown 10 --retry-interval 30", "")
        words = [os.path.expandvars(w) for w in shlex.split(line.removesuffix("&"))]
        for name, value in env.items():
            words = [w.replace(f"${name}", value) for w in words]
        if words[0] == "polycontract":
            monkeypatch.chdir(estate / service)
            result = runner.invoke(cli, words[1:], env=env, catch_exceptions=False)
            assert result.exit_code == 0, f"{service}: {line}\n{result.output}"
        elif words[0] == "python" and words[1:2] != ["-m"] and words[1].startswith("verify_"):
            done = subprocess.run(
                [sys.executable, *words[1:]], cwd=estate / service, env={**os.environ, **env}, capture_output=True
            )
            assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        elif words[:3] == ["python", "-m", "pytest"]:  # the service's own tests, provider verification included
            out = _pytest(estate / service)
            assert "skipped" not in out and re.search(r"\b3 passed\b", out), out

    for environment in ENVIRONMENTS:
        runner.invoke(cli, ["create-environment", "--name", environment], env={"POLYCONTRACT_BROKER": broker_url})
    order = [("web-ui", "test"), ("auth-svc", "test"), ("auth-svc", "verify"), ("orders-svc", "test")]
    order += [("orders-svc", "verify")]
    order += [(s, f"deploy-{e}") for e in ENVIRONMENTS for s in ("auth-svc", "orders-svc", "web-ui")]
    for service, job in order:
        for line in _runs(_workflow(service)["jobs"][job]):
            run(service, line)
    pacts = sorted(p.name for p in (estate / "web-ui" / "pacts").iterdir())
    assert pacts == ["web-ui-auth-svc.json", "web-ui-orders-svc.json"]
    assert not (ESTATE / "web-ui" / "pacts").exists()
    with connect(broker_url) as broker:
        live = {(lv.pacticipant, lv.version) for lv in broker.live("prod")}
        assert live == set(versions.items())
        # the providers' published results are what let web-ui through
        assert broker.can_i_deploy("web-ui", "w1", to_environment="prod").ok is True

"""Every ``polycontract`` command takes ``--output json``, as docs/broker.md promises, and prints JSON with it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from polycontract import __version__
from polycontract.cli import cli


def _leaves(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), command


LEAVES = list(_leaves(cli))


def test_the_walk_finds_every_command_of_the_cli() -> None:
    names = {name for name, _ in LEAVES}
    assert {"verify", "version", "delete-webhook", "broker serve", "ci init", "compat openapi"} <= names
    assert len(names) >= 25


@pytest.mark.parametrize(("name", "command"), LEAVES, ids=[name for name, _ in LEAVES])
def test_every_command_takes_output_json(name: str, command: click.Command) -> None:
    output = next((p for p in command.params if "--output" in p.opts), None)
    assert output is not None, f"polycontract {name} has no --output"
    assert isinstance(output.type, click.Choice) and "json" in output.type.choices, name


def test_version_prints_json() -> None:
    result = CliRunner().invoke(cli, ["version", "--output", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == __version__
    assert CliRunner().invoke(cli, ["version"]).stdout == f"polycontract {__version__}\n"


def test_delete_webhook_prints_json(tmp_path: Path) -> None:
    broker = ["--broker", f"sqlite:///{tmp_path / 'broker.db'}"]
    runner = CliRunner()
    created = runner.invoke(
        cli,
        ["create-webhook", "--url", "http://127.0.0.1:9/hook", "--event", "contract_published", *broker, "-o", "json"],
    )
    assert created.exit_code == 0, created.output
    webhook_id = json.loads(created.stdout)["id"]
    deleted = runner.invoke(cli, ["delete-webhook", webhook_id, *broker, "--output", "json"])
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout) == {"deleted": webhook_id}
    listed = runner.invoke(cli, ["webhooks", *broker, "-o", "json"])
    assert json.loads(listed.stdout) == {"webhooks": []}


def test_ci_init_prints_json_listing_the_files_written(tmp_path: Path) -> None:
    args = ["ci", "init", "--dir", str(tmp_path), "--github", "--role", "consumer", "--service", "web", "-o", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["files"] == [str(tmp_path / ".github" / "workflows" / "ci.yml")]
    assert all(Path(f).is_file() for f in document["files"])


def test_broker_serve_prints_one_json_line_with_the_real_url_once_it_listens(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--output", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        line = process.stdout.readline()
        assert time.monotonic() < deadline and line, "broker serve printed nothing"
        ready = json.loads(line)
        assert ready["event"] == "listening" and ready["auth"] == "off" and ready["workers"] == 1
        assert ready["url"].startswith("http://127.0.0.1:") and not ready["url"].endswith(":0")
        assert httpx.get(f"{ready['url']}/health", timeout=10).json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=30)

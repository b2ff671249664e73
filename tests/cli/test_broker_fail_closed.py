"""The command line names the broker it cannot use and exits 2, instead of answering from an empty one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polycontract.broker import connect
from polycontract.cli import cli

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``polycontract ARGS`` in an empty folder (a provider's checkout), with ``env`` as the CI job sets it."""
    monkeypatch.chdir(tmp_path)
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("POLYCONTRACT_BROKER")}

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env={**unset, **(env or {})})

    return invoke


VERIFY = ("verify", "--provider", "users", "--provider-url", "http://127.0.0.1:9")


def test_verify_exits_2_when_polycontract_broker_is_set_but_empty(run: Run, tmp_path: Path) -> None:
    result = run(*VERIFY, env={"POLYCONTRACT_BROKER": ""})
    assert result.exit_code == 2, result.output
    assert "error: POLYCONTRACT_BROKER is set but empty" in result.output
    assert "No pacts to verify" not in result.output
    assert not (tmp_path / ".polycontract").exists()


@pytest.mark.parametrize(
    "args",
    [
        VERIFY,
        ("can-i-deploy", "-a", "users", "-e", "1", "--to-environment", "prod"),
        ("matrix", "-a", "users"),
        ("webhooks",),
    ],
)
def test_reading_commands_exit_2_when_nothing_names_a_broker(run: Run, tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "there is no broker at .polycontract/broker.db" in result.output
    assert "--broker URL or POLYCONTRACT_BROKER" in result.output
    assert not (tmp_path / ".polycontract").exists()


def test_a_broker_file_in_a_folder_that_does_not_exist_is_an_error(run: Run, tmp_path: Path) -> None:
    result = run("create-environment", "--name", "prod", "--broker", "sqlite:///shraed/broker.db")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: the folder of the broker file shraed/broker.db")
    assert not (tmp_path / "shraed").exists()


def test_a_malformed_broker_variable_is_one_error_line(run: Run) -> None:
    result = run("matrix", "-a", "users", env={"POLYCONTRACT_BROKER": "broker.example.com"})
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: POLYCONTRACT_BROKER='broker.example.com' is not a broker URL (expected sqlite:///path/broker.db,"
        " postgresql://user@host/database or http(s)://host[:port][/path])"
    ]


def test_matrix_of_an_unknown_pacticipant_exits_2_naming_the_known_ones(run: Run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    with connect(url) as broker:
        broker.create_version("users", "1")
        broker.create_version("web", "7")
    result = run("matrix", "-a", "uesrs", "--broker", url)
    assert result.exit_code == 2, result.output
    assert "pacticipant='uesrs' is not known" in result.output and "(known: users, web)" in result.output
    unknown_version = run("matrix", "-a", "users", "-e", "2", "--broker", url)
    assert unknown_version.exit_code == 2, unknown_version.output
    assert "users has no version '2'" in unknown_version.output
    known = run("matrix", "-a", "users", "-e", "1", "--broker", url)
    assert (known.exit_code, known.output.strip()) == (0, "no pacts found")


def test_a_postgres_url_without_the_driver_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # the driver is not installed\n"
        "from polycontract.cli import main\n"
        "sys.argv = ['polycontract', 'can-i-deploy', '-a', 'web', '-e', '1', '--to-environment', 'prod',"
        " '--broker', 'postgresql://ci:s3cret@db.example/pacts']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYCONTRACT_BROKER")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: broker='postgresql://ci:***@db.example/pacts' needs the PostgreSQL driver")
    assert "polycontract[postgres]" in line and "s3cret" not in line

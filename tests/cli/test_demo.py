"""``polycontract demo`` tells the whole story, exits 0 and leaves nothing behind unless asked to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polycontract.cli import cli

REFUSAL = "can-i-deploy auth-svc 3.0.0 to PROD? NO - REFUSED"
BOARD = [
    "| service    | DEV   | QA    | PROD  |",
    "| auth-svc   | 3.0.1 | 3.0.1 | 3.0.1 |",
    "| orders-svc | 1.1.0 | 1.0.0 | 1.0.0 |",
    "| web-ui     | 2.0.0 | 2.0.0 | 1.0.0 |",
]


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private TMPDIR, so the test can see that the demo's temporary directory is gone."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    return root


def _working_dir(output: str) -> Path:
    first = output.splitlines()[0]
    assert first.startswith("polycontract demo: working in "), first
    return Path(first.removeprefix("polycontract demo: working in "))


def _assert_story(output: str) -> None:
    assert REFUSAL in output
    refusal = " ".join(output[output.index(REFUSAL) :].split())  # the narration is wrapped at 100 columns
    # the reasons name the consumer version that would break, where it runs, and the field it reads
    assert "web-ui 1.0.0 (deployed to PROD) and auth-svc 3.0.0 failed" in refusal
    assert "$.body.name: Expected key 'name'" in refusal
    assert "web-ui 1.0.0 reads the field 'name' ($.body.name of GET /users/7)" in refusal
    assert "can-i-deploy auth-svc 3.0.1 to PROD? yes" in output
    assert "-> auth-svc 3.0.1 is now deployed to PROD" in output
    assert "Version skew" in output and "PROD runs web-ui 1.0.0 beside auth-svc 2.0.0" in " ".join(output.split())
    board = output[output.index("The environments board") :]
    for line in BOARD:
        assert f"  {line}\n" in board


def test_demo_tells_the_story_and_removes_its_temporary_directory(tmp_root: Path) -> None:
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _assert_story(result.output)
    workdir = _working_dir(result.output)
    assert workdir.parent == tmp_root.resolve() or workdir.parent == tmp_root
    assert not workdir.exists()
    assert list(tmp_root.iterdir()) == []
    assert "the temporary directory was removed" in result.output


def test_demo_runs_as_a_process_with_exit_0(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "polycontract.cli", "demo"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    _assert_story(done.stdout)
    assert not _working_dir(done.stdout).exists()
    assert list(tmp_path.iterdir()) == []


def test_keep_leaves_the_broker_database_and_the_pacts(tmp_root: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept" / "demo"
    result = CliRunner().invoke(cli, ["demo", "--keep", str(kept)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert _working_dir(result.output) == kept.resolve()
    assert (kept / "broker.db").is_file()
    assert sorted(p.relative_to(kept).as_posix() for p in kept.glob("pacts/*/*.json")) == [
        "pacts/web-ui-1.0.0/web-ui-auth-svc.json",
        "pacts/web-ui-1.0.0/web-ui-orders-svc.json",
        "pacts/web-ui-2.0.0/web-ui-auth-svc.json",
        "pacts/web-ui-2.0.0/web-ui-orders-svc.json",
    ]
    assert f"the broker database and pact files are in {kept.resolve()}" in result.output
    assert list(tmp_root.iterdir()) == []
    matrix = CliRunner().invoke(cli, ["matrix", "-a", "web-ui", "--broker", f"sqlite:///{kept / 'broker.db'}"])
    assert matrix.exit_code == 0, matrix.output
    assert "auth-svc    3.0.0      4701ebd3  false" in matrix.output


def test_keep_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("mine")
    result: Result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["something"]


def test_json_output_has_the_decisions_and_the_board(tmp_root: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--output", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    refused = [d for d in document["decisions"] if d["ok"] is not True]
    assert [(d["pacticipant"], d["version"], d["environment"]) for d in refused] == [("auth-svc", "3.0.0", "PROD")]
    assert document["board"]["web-ui"] == {"DEV": "2.0.0", "QA": "2.0.0", "PROD": "1.0.0"}
    assert document["kept"] is None
    assert list(tmp_root.iterdir()) == []

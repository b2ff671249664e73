"""The CI entry point fails closed: no green build without the Pact specification data, a pinned Pact CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / ".ci" / "run"
CHECK = ROOT / ".ci" / "check-pact-spec"
PARTS = ("testcases", "compatibility-suite/features", "compatibility-suite/fixtures")


def _spec(folder: Path, parts: tuple[str, ...] = PARTS) -> Path:
    for part in parts:
        (folder / part).mkdir(parents=True)
        (folder / part / "data").write_text("x")
    return folder


def _only_tools(tmp_path: Path) -> str:
    """A PATH with just what the guard needs: if it let the build go on, installing would fail at once."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "ls", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def _bash() -> str:
    found = shutil.which("bash")
    if found is None:
        pytest.skip("bash is not installed")
    return found


def test_ci_stops_before_installing_anything_when_the_spec_data_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "no-spec"
    empty.mkdir()
    venv = tmp_path / "venv"
    env = {
        "PATH": _only_tools(tmp_path),
        "POLYCONTRACT_PACT_SPEC": str(empty),
        "POLYCONTRACT_ALLOW_MISSING_SPEC": "1",  # CI ignores it
        "POLYCONTRACT_CI_VENV": str(venv),
    }

    run = subprocess.run([_bash(), str(RUN)], env=env, capture_output=True, text=True, timeout=60)

    assert run.returncode == 1, run.stderr
    assert f"looked for {empty}/testcases" in run.stderr
    assert "POLYCONTRACT_PACT_SPEC" in run.stderr
    assert not venv.exists()


@pytest.mark.parametrize("absent", PARTS)
def test_the_spec_check_names_each_missing_part(tmp_path: Path, absent: str) -> None:
    spec = _spec(tmp_path / "spec", tuple(p for p in PARTS if p != absent))
    env = {**os.environ, "POLYCONTRACT_PACT_SPEC": str(spec)}

    run = subprocess.run([_bash(), str(CHECK)], env=env, capture_output=True, text=True, timeout=60)

    assert run.returncode == 1
    assert f"looked for {spec / absent}." in run.stderr


def test_the_spec_check_prints_the_folder_when_the_data_is_there(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "spec")
    env = {**os.environ, "POLYCONTRACT_PACT_SPEC": str(spec)}

    run = subprocess.run([_bash(), str(CHECK)], env=env, capture_output=True, text=True, timeout=60)

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(spec)


def test_ci_installs_a_pinned_pact_cli_version() -> None:
    script = RUN.read_text()
    pinned = re.search(r"^PACT_CLI_VERSION=(\S+)$", script, re.MULTILINE)

    assert pinned is not None and re.fullmatch(r"\d+\.\d+\.\d+", pinned.group(1)), "pin an exact version"
    installs = re.findall(r"@pact-foundation/pact-cli(\S*)", script)
    assert installs, "the Pact CLI is installed"
    assert all(tail.startswith("@$PACT_CLI_VERSION") for tail in installs), installs

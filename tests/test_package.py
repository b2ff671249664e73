"""The package imports light and reports its version."""

from __future__ import annotations

import subprocess
import sys

import polycontract


def test_version_is_a_string() -> None:
    assert polycontract.__version__.count(".") == 2


def test_cli_prints_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "polycontract.cli", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"polycontract {polycontract.__version__}"

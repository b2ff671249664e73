"""The examples in examples/ run and say what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_check_a_response_example_reports_the_bad_response_precisely() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "check_a_response.py")], capture_output=True, text=True, check=True
    ).stdout
    assert "good response: satisfies the contract" in out
    assert "bad response: 4 mismatch(es)" in out
    for path in ("$.body.id", "$.body.status", "$.body.placedAt", "$.body.lines"):
        assert f"  {path}: " in out

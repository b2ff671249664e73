"""examples/verify_a_provider.py (the README's provider example) runs and passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "verify_a_provider.py"


def test_the_provider_example_verifies_every_interaction() -> None:
    run = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=False)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "web -> users: get an existing user ... ok" in run.stdout
    assert "2 interactions, 2 passed, 0 failed" in run.stdout

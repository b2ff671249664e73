"""The plain compat checks never import hypothesis; only a counterexample search does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PLAIN_CHECKS = """
import sys
from polycontract.compat import avro, jsonschema
from polycontract.compat import counterexamples
enum = {"type": "enum", "name": "E", "symbols": ["A"]}
avro.check_level(enum, [{**enum, "symbols": ["A", "B"]}])
jsonschema.compare({"type": "number"}, {"type": "integer"})
print("hypothesis" in sys.modules)
"""

PLAIN_CLI = """
import sys
from click.testing import CliRunner
from polycontract.cli._compat import compat
result = CliRunner().invoke(compat, ["jsonschema", sys.argv[1], sys.argv[2]])
assert result.exit_code == 1, result.output
print("hypothesis" in sys.modules)
"""


def run(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_plain_checks_do_not_import_hypothesis() -> None:
    assert run(PLAIN_CHECKS) == "False"


def test_compat_command_without_examples_does_not_import_hypothesis(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"type": "number"}))
    new.write_text(json.dumps({"type": "integer"}))
    assert run(PLAIN_CLI, str(old), str(new)) == "False"


def test_a_search_imports_hypothesis() -> None:
    code = PLAIN_CHECKS.replace("print(", "counterexamples.jsonschema_search({}, False, budget=1)\nprint(")
    assert run(code) == "True"

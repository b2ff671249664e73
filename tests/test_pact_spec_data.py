"""Without the Pact specification data, the tests that need it fail and say how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: One module per way the data is read: parametrised over its files, a scenario suite, single fixtures.
MODULES = [
    "tests/matching/test_conformance.py",
    "tests/matching/test_quick.py",
    "tests/matching/test_compatibility_suite.py",
    "tests/codec/test_codec.py",
]


def _pytest(spec: Path, *, allow_missing: bool, modules: list[str] = MODULES) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYCONTRACT_")}
    env["POLYCONTRACT_PACT_SPEC"] = str(spec)
    if allow_missing:
        env["POLYCONTRACT_ALLOW_MISSING_SPEC"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", *modules]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def empty_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-pact-spec")


def test_the_specification_tests_fail_with_how_to_get_the_data_when_it_is_missing(empty_spec: Path) -> None:
    run = _pytest(empty_spec, allow_missing=False)

    assert run.returncode == 1, run.stdout + run.stderr
    for module in MODULES:
        assert f"FAILED {module}::" in run.stdout, f"{module} did not fail:\n{run.stdout}"
    assert f"Pact specification data not found: {empty_spec / 'testcases'} is missing or empty" in run.stdout
    assert "pact-foundation/pact-specification" in run.stdout
    assert "pact-foundation/pact-compatibility-suite" in run.stdout
    assert "POLYCONTRACT_ALLOW_MISSING_SPEC=1" in run.stdout


def test_the_specification_tests_skip_with_the_reason_when_missing_data_is_allowed(empty_spec: Path) -> None:
    run = _pytest(empty_spec, allow_missing=True)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "failed" not in run.stdout.splitlines()[-1]
    assert "skipped" in run.stdout.splitlines()[-1]
    assert "SKIPPED" in run.stdout and "Pact specification data not found" in run.stdout


def test_a_data_folder_without_the_compatibility_suite_fails_the_suite_tests(tmp_path: Path) -> None:
    (tmp_path / "testcases" / "v1").mkdir(parents=True)
    (tmp_path / "testcases" / "v1" / "case.json").write_text("{}")

    run = _pytest(tmp_path, allow_missing=False, modules=["tests/matching/test_compatibility_suite.py"])

    assert run.returncode == 1
    assert "FAILED tests/matching/test_compatibility_suite.py::test_scenario[pact-spec-missing]" in run.stdout
    assert f"{tmp_path / 'compatibility-suite' / 'features'} is missing or empty" in run.stdout

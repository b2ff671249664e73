"""Every case of the Pact specification's test cases (V1 to V4) gives the verdict it states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pact_spec import params, require

from polycontract.matching import compare_message, compare_request, compare_response

SPECS = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}

#: Cases whose upstream verdict we do not follow, with the reason. Keep this list empty unless a
#: case is shown to contradict the specification text.
DISPUTED: dict[str, str] = {}


def _cases(testcases: Path) -> list[Any]:
    names = sorted(str(p.relative_to(testcases)) for p in testcases.rglob("*.json"))
    return [pytest.param(name, testcases / name, id=name) for name in names]


CASES = params("testcases", _cases, width=2)


def test_conformance_data_is_present() -> None:
    testcases = require("testcases")
    assert len(list(testcases.rglob("*.json"))) == 803


@pytest.mark.parametrize(("name", "path"), CASES)
def test_case_verdict_matches_specification(name: str, path: Path) -> None:
    testcases = require("testcases")
    if name in DISPUTED:
        pytest.skip(DISPUTED[name])
    case = json.loads(path.read_text(encoding="utf-8-sig"))
    version, kind = path.relative_to(testcases).parts[:2]
    spec = SPECS[version]
    compare = {"request": compare_request, "response": compare_response, "message": compare_message}[kind]
    mismatches = compare(case["expected"], case["actual"], spec=spec)
    assert (not mismatches) == case["match"], (
        f"{case.get('comment')}: expected match={case['match']}, got mismatches:\n"
        + "\n".join(str(m) for m in mismatches)
    )

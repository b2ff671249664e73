"""Every case of the Pact specification's test cases (V1 to V4) gives the verdict it states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polycontract.matching import compare_message, compare_request, compare_response

PACT_SPEC = Path(__file__).resolve().parents[3] / "shared" / "pact-spec" / "testcases"
SPECS = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}

#: Cases whose upstream verdict we do not follow, with the reason. Keep this list empty unless a
#: case is shown to contradict the specification text.
DISPUTED: dict[str, str] = {}


def _cases() -> list[tuple[str, Path]]:
    if not PACT_SPEC.is_dir():
        return []
    return sorted((f"{p.relative_to(PACT_SPEC)}", p) for p in PACT_SPEC.rglob("*.json"))


CASES = _cases()


def test_conformance_data_is_present_or_skipped_with_reason() -> None:
    if not CASES:
        pytest.skip(f"Pact specification test cases not found at {PACT_SPEC}")
    assert len(CASES) == 803


@pytest.mark.parametrize(("name", "path"), CASES, ids=[c[0] for c in CASES])
def test_case_verdict_matches_specification(name: str, path: Path) -> None:
    if name in DISPUTED:
        pytest.skip(DISPUTED[name])
    case = json.loads(path.read_text(encoding="utf-8-sig"))
    version, kind = path.relative_to(PACT_SPEC).parts[:2]
    spec = SPECS[version]
    compare = {"request": compare_request, "response": compare_response, "message": compare_message}[kind]
    mismatches = compare(case["expected"], case["actual"], spec=spec)
    assert (not mismatches) == case["match"], (
        f"{case.get('comment')}: expected match={case['match']}, got mismatches:\n"
        + "\n".join(str(m) for m in mismatches)
    )

"""``polycontract.compat`` exposes its checkers lazily: importing it loads no schema library."""

from __future__ import annotations

import subprocess
import sys

import pytest

import polycontract.compat


def test_importing_compat_loads_no_schema_library() -> None:
    code = (
        "import sys, polycontract.compat\n"
        "heavy = ('fastavro', 'jsonschema', 'openapi_spec_validator', 'referencing', 'yaml')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_submodules_load_on_attribute_access() -> None:
    assert polycontract.compat.avro.__name__ == "polycontract.compat.avro"
    assert polycontract.compat.jsonschema.__name__ == "polycontract.compat.jsonschema"
    assert polycontract.compat.openapi.__name__ == "polycontract.compat.openapi"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="protobuf"):
        _ = polycontract.compat.protobuf  # type: ignore[attr-defined]


def test_public_names_are_pinned() -> None:
    assert polycontract.compat.__all__ == ["avro", "bidirectional", "jsonschema", "openapi"]
    assert sorted(polycontract.compat.bidirectional.__all__) == ["Finding", "Report", "check"]
    assert sorted(polycontract.compat.avro.__all__) == sorted(
        [
            "Finding",
            "Level",
            "LevelReport",
            "PairResult",
            "ParsedSchema",
            "Report",
            "can_read",
            "check",
            "check_level",
            "parse",
        ]
    )
    assert sorted(polycontract.compat.jsonschema.__all__) == [
        "COMPATIBLE_CHANGES",
        "Finding",
        "Report",
        "compare",
        "diff",
    ]
    assert sorted(polycontract.compat.openapi.__all__) == ["Change", "Report", "diff", "load"]

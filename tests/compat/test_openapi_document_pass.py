"""The document pass of OpenAPI validation: openapi-spec-validator's own schema, read without importing
it, and a memo of valid sub-documents that carries from one document to the next without hiding errors."""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys
from typing import Any

import pytest
from compat.test_openapi_validation import MUTATIONS, VALID, document, item

from polycontract.compat import _openapi_document, _openapi_load, _openapi_validate, openapi
from polycontract.errors import SchemaError


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_the_document_schema_is_openapi_spec_validators_own(version: str) -> None:
    from openapi_spec_validator.schemas import schema_v30, schema_v31

    expected = dict(schema_v31 if version == "3.1" else schema_v30)
    assert dict(_openapi_document.document_schema(version)) == expected


def test_diffing_two_valid_documents_does_not_import_openapi_spec_validator() -> None:
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from compat.test_openapi_validation import document\n"
        "from polycontract.compat import openapi\n"
        "assert not openapi.diff(document('3.0.3'), document('3.1.0')).breaking\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openapi_spec_validator'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_broken_copy_in_a_second_document_is_found_after_the_first_was_validated(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_openapi_load, "_VALIDATED", {})
    first = document(version)
    openapi.load(first, name="v1.yaml")
    second = copy.deepcopy(first)
    item(second)["properties"]["count"]["minimum"] = "zero"
    with pytest.raises(SchemaError) as info:
        openapi.load(second, name="v2.yaml")
    assert info.value.source == "v2.yaml"
    assert info.value.path.startswith("/components/schemas/Item")


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_warm_memo_gives_the_answer_of_openapi_spec_validator(case: str, version: str) -> None:
    """Every other mutation validated first (the memo full of their valid parts), then this one."""
    for other in sorted(MUTATIONS):
        spec = document(version)
        MUTATIONS[other](spec)
        with contextlib.suppress(_openapi_validate.OpenAPIInvalid, _openapi_validate.UnresolvableRef):
            _openapi_validate.validate(spec)
    spec = document(version)
    MUTATIONS[case](spec)
    assert _outcome(_openapi_validate.validate, spec) == _outcome(
        _openapi_load._validate_with_openapi_spec_validator, spec
    )
    assert (_outcome(_openapi_validate.validate, spec)[0] == "valid") == (case in VALID)


def test_the_memo_starts_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    memo = _openapi_document._Memo()
    monkeypatch.setattr(_openapi_document, "MEMO_LIMIT", 10)
    site_a, site_b = {"$ref": "#/a"}, {"$ref": "#/b"}
    memo.add(site_a, "12345678")
    memo.add(site_b, "abcdefgh")
    assert (id(site_b), "abcdefgh") in memo
    assert (id(site_a), "12345678") not in memo
    assert memo.size == 8


def _outcome(validate: Any, spec: dict[str, Any]) -> tuple[str, str]:
    try:
        validate(spec)
    except _openapi_validate.OpenAPIInvalid as exc:
        return "invalid", exc.message
    except _openapi_validate.UnresolvableRef:
        return "unresolvable", ""
    return "valid", ""

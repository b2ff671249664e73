"""Shared fixtures: where the Pact specification's conformance data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# openapi-spec-validator picks jsonschema-rs when it is installed (schemathesis, a dev dependency,
# brings it), and its messages differ; the OpenAPI tests compare polycontract's validator with the
# reference jsonschema backend, so pin that one.
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")

#: The specification data sits in ``../shared/pact-spec`` beside a development checkout.
PACT_SPEC = Path(__file__).resolve().parents[2] / "shared" / "pact-spec"


@pytest.fixture(scope="session")
def pact_spec_dir() -> Path:
    """The Pact specification data folder; skips when it is not beside the checkout."""
    if not PACT_SPEC.is_dir():
        pytest.skip(f"Pact specification data not found at {PACT_SPEC} (it lives beside the project checkout)")
    return PACT_SPEC


def _hypothesis_profiles() -> None:
    import os

    from hypothesis import settings

    # CI explores a fixed sequence of examples so that a run is reproducible; locally examples vary.
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()

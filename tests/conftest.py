"""Shared fixtures: where the Pact specification's conformance data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

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

"""Shared test settings. The Pact specification data the conformance tests read is found by ``pact_spec.py``."""

from __future__ import annotations

import os

# openapi-spec-validator picks jsonschema-rs when it is installed (schemathesis, a dev dependency,
# brings it), and its messages differ; the OpenAPI tests compare polycontract's validator with the
# reference jsonschema backend, so pin that one.
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")


def _hypothesis_profiles() -> None:
    import os

    from hypothesis import settings

    # CI explores a fixed sequence of examples so that a run is reproducible; locally examples vary.
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()

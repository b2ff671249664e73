"""Provider verification: web-ui's pact (HTTP and the order-placed event) against orders-svc, in-process.

The pact comes from ``$PACT_DIR`` (default: ``../web-ui/pacts``, where web-ui's tests write it when
both repositories are checked out side by side). In CI, ``verify_pacts.py`` takes the pacts from
the broker and publishes the results (see ``.github/workflows/ci.yml``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from verify_pacts import make_verifier

from polycontract.pytest_plugin import PactInteraction

PACT = Path(os.environ.get("PACT_DIR", Path(__file__).parents[2] / "web-ui" / "pacts")) / "web-ui-orders-svc.json"
if not PACT.is_file():
    pytest.skip(f"no pact at {PACT}: run web-ui's tests first, or set PACT_DIR", allow_module_level=True)


@pytest.mark.pact_verification(make_verifier(), PACT)
def test_web_ui_pact(pact_interaction: PactInteraction) -> None:
    pact_interaction.verify()

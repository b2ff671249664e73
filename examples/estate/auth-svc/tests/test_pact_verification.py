"""Provider verification: replay web-ui's pact against auth-svc, in-process, one test per interaction.

The pact comes from ``$PACT_DIR`` (default: ``../web-ui/pacts``, where web-ui's tests write it when
both repositories are checked out side by side). In CI, ``polycontract verify`` takes the pacts
from the broker instead (see ``.github/workflows/ci.yml``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import auth_svc
import pytest

from polycontract.pytest_plugin import PactInteraction
from polycontract.verifier import Verifier

PACT = Path(os.environ.get("PACT_DIR", Path(__file__).parents[2] / "web-ui" / "pacts")) / "web-ui-auth-svc.json"
if not PACT.is_file():
    pytest.skip(f"no pact at {PACT}: run web-ui's tests first, or set PACT_DIR", allow_module_level=True)

verifier = Verifier(provider="auth-svc", app=auth_svc.app)


@verifier.state("user 7 exists")
def user_exists(params: dict[str, Any]) -> Iterator[None]:
    auth_svc.set_up_state("user 7 exists", params)
    yield
    auth_svc.USERS.clear()


@pytest.mark.pact_verification(verifier, PACT)
def test_web_ui_pact(pact_interaction: PactInteraction) -> None:
    pact_interaction.verify()

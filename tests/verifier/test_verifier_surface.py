"""The public surface of polycontract.verifier is pinned; the package imports no edge but its own."""

from __future__ import annotations

import subprocess
import sys

import polycontract.verifier


def test_the_public_names_are_pinned() -> None:
    assert sorted(polycontract.verifier.__all__) == [
        "InteractionResult",
        "MessageRegistry",
        "PactOutcome",
        "PactSource",
        "ProducedMessage",
        "SourceError",
        "SourcedPact",
        "SourcedPactLike",
        "VerificationResult",
        "VerificationSession",
        "Verifier",
    ]
    for name in polycontract.verifier.__all__:
        assert getattr(polycontract.verifier, name).__doc__


def test_importing_the_verifier_loads_neither_the_mock_server_nor_the_broker() -> None:
    code = "import sys, polycontract.verifier; print(sorted(m for m in sys.modules if m.startswith('polycontract.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert "polycontract.mock" not in out and "polycontract.broker" not in out and "'polycontract.pact'" not in out

"""Interop: the Pact CLI's verifier publishes its testResults; the server stores them and can-i-deploy names them.

Runs ``pact verifier --publish`` against ``polycontract broker serve``'s app (as ``test_http_pact_cli``
does) with a provider that answers 500, then reads the failure back through the Python broker, the
result's HTTP resource and the Pact CLI's own ``can-i-deploy``.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.broker.pact_cli import needs_pact_cli, pact

pytestmark = needs_pact_cli


def test_the_pact_verifiers_test_results_are_stored_and_name_the_failed_interaction(estate: Any) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    assert pact("broker", "record-deployment", "--pacticipant", "web", "--version", "1", "--environment", "prod",
                *url)[0] == 0  # fmt: skip
    provider.broken = True
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "2", "--provider-branch", "main")
    assert code != 0, out

    decision = broker.can_i_deploy("users", "2", to_environment="prod")
    [failed] = [r for r in decision.reasons if r.status == "failed"]
    assert failed.report is not None and failed.report.failures is not None, "the verifier's testResults were lost"
    # The server serves pacts without the Pact Broker's per-interaction "_id", so the Pact verifier sends
    # every mismatch of the run under one entry (named after one interaction): all are kept.
    mismatches = [m for f in failed.report.failures for m in f.mismatches]
    assert any(m.attribute == "status" and m.description == "expected 200 but was 500" for m in mismatches)

    matrix = httpx.get(f"{server.url}/matrix", params={"q[][pacticipant]": "users", "q[][version]": "2"}, timeout=10)
    [row] = matrix.json()["matrix"]
    assert row["verificationResult"]["testResults"], row

    code, out = pact("broker", "can-i-deploy", "--pacticipant", "users", "--version", "2", "--to-environment",
                     "prod", *url)  # fmt: skip
    assert code == 1 and "web 1 -> users 2" in out and "expected 200 but was 500" in out, out

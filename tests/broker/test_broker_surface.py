"""The broker's public names, and a can-i-deploy that loads only what it needs."""

from __future__ import annotations

import subprocess
import sys

import polycontract.broker
import polycontract.matrix


def test_broker_exports_are_pinned() -> None:
    assert sorted(polycontract.broker.__all__) == [
        "Broker",
        "BrokerAPI",
        "BrokerSource",
        "ConsumerVersionSelector",
        "DEFAULT_URL",
        "Decision",
        "Environment",
        "HttpBroker",
        "Ignore",
        "LiveVersion",
        "PactForVerification",
        "PruneReport",
        "PublishResult",
        "PublishedVerification",
        "Reason",
        "Row",
        "SchemaPublishResult",
        "connect",
    ]


def test_matrix_exports_are_pinned() -> None:
    assert sorted(polycontract.matrix.__all__) == [
        "Decision",
        "Estate",
        "FailureReport",
        "FuzzPolicy",
        "Ignore",
        "InteractionFailure",
        "LiveVersion",
        "MismatchDetail",
        "Publication",
        "Reason",
        "Row",
        "Status",
        "Verification",
        "VerificationKind",
        "decide",
        "rows",
    ]


def test_can_i_deploy_does_not_load_pact_parsing_http_or_migrations() -> None:
    code = (
        "import sys\n"
        "from polycontract.cli import _can_i_deploy\n"
        "import polycontract.broker\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'alembic', 'starlette')"
        " or m.startswith('polycontract.codec')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

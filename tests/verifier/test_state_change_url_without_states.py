"""The state change URL gets an empty-state setup and teardown call for an interaction that names no state.

pact verifier does so: ``execute_provider_states`` calls the state change handler with
``ProviderState::default("")`` when ``interaction.provider_states()`` is empty
(pact-foundation/pact-reference ``rust/pact_verifier/src/lib.rs``); the compatibility suite checks it
(``features/V1/http_provider.feature``, "Verifying an interaction with no defined provider state").
Python state handlers are called only for the states an interaction names.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from compat_servers import StubProvider

from polycontract.cli import cli
from polycontract.model import Response

PACT = {
    "consumer": {"name": "web"},
    "provider": {"name": "users"},
    "interactions": [
        {"description": "a ping", "request": {"method": "GET", "path": "/ping"}, "response": {"status": 204}},
        {
            "description": "user 7",
            "providerStates": [{"name": "user 7 exists", "params": {"id": 7}}],
            "request": {"method": "GET", "path": "/users/7"},
            "response": {"status": 204},
        },
    ],
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
}


def test_verify_posts_an_empty_state_to_the_state_change_url_for_an_interaction_without_states(
    tmp_path: Path,
) -> None:
    path = tmp_path / "web-users.json"
    path.write_text(json.dumps(PACT))
    provider = StubProvider(
        responses={("GET", "/ping"): Response(status=204), ("GET", "/users/7"): Response(status=204)}
    )
    provider.start()
    try:
        args = ["verify", str(path), "--provider", "users", "--provider-url", provider.url]
        result = CliRunner().invoke(cli, [*args, "--state-change-url", provider.url + "/_pact/state"])
    finally:
        provider.stop()
    assert result.exit_code == 0, result.stdout
    assert [(c.action, c.state) for c in provider.calls] == [
        ("setup", ""),
        ("teardown", ""),
        ("setup", "user 7 exists"),
        ("teardown", "user 7 exists"),
    ]

"""Interop: the Pact CLI's ``can-i-deploy --latest [TAG] | --branch B | --main-branch`` against the server.

The CLI sends ``/matrix?q[][pacticipant]=P&q[][latest]=true`` (``q[][branch]=B``, ``q[][mainBranch]=true``,
``q[][tag]=T``) instead of a version. The Pact Broker resolves such a selector to versions as
pact_broker ``lib/pact_broker/matrix/parse_query.rb`` (``parse_selector``: ``latest``, ``branch``, ``tag``,
``mainBranch``) and ``lib/pact_broker/matrix/selector_resolver.rb`` (``find_versions_for_selector``:
``latest`` keeps ``versions.first``, otherwise every matching version is checked) describe.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.broker.pact_cli import needs_pact_cli, pact, users_pact

pytestmark = needs_pact_cli


#: The selector options must follow ``--pacticipant`` (the CLI attaches them to the pacticipant before them).
ASK = ("broker", "can-i-deploy", "--pacticipant", "web")


def _changed_pact() -> Any:
    """web's pact for users with one interaction fewer: content users 1 never verified."""
    pact_ = users_pact()
    return replace(pact_, interactions=pact_.interactions[:1])


def _verify(server: Any, provider: Any, version: str) -> None:
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", version, "--provider-branch", "main")
    assert code == 0, out


def test_can_i_deploy_checks_the_latest_the_latest_tagged_and_the_branch_versions(estate: Any) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    _verify(server, provider, "1")
    assert pact("broker", "record-deployment", "--pacticipant", "users", "--version", "1", "--environment", "prod",
                *url)[0] == 0  # fmt: skip
    # web 2 on feat, tagged dev, whose pact users 1 never verified (different content)
    broker.publish_pact(_changed_pact(), consumer_version="2", branch="feat", tags=["dev"])
    target = ["--to-environment", "prod", *url]

    code, out = pact(*ASK, "--branch", "main", *target)
    assert code == 0 and "Computer says yes" in out, out
    code, out = pact(*ASK, "--main-branch", *target)
    assert code == 0 and "Computer says yes" in out, out
    code, out = pact(*ASK, "--latest", *target)
    assert code == 1 and "Computer says no" in out and "web 2" in out, out
    code, out = pact(*ASK, "--latest", "dev", *target)
    assert code == 1 and "Computer says no" in out and "web 2" in out, out
    code, out = pact(*ASK, "--branch", "feat", "--latest", *target)
    assert code == 1 and "Computer says no" in out, out
    code, out = pact(*ASK, "--branch", "gone", *target)
    assert code == 1 and "no version of web on branch gone is known" in out, out
    code, out = pact(*ASK, "--latest", "qa", *target)
    assert code == 1 and "no latest version of web with tag qa is known" in out, out


def test_can_i_deploy_with_a_branch_checks_every_version_on_it(estate: Any) -> None:
    broker, server, provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "prod", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "main", *url)[0] == 0
    _verify(server, provider, "1")
    assert pact("broker", "record-deployment", "--pacticipant", "users", "--version", "1", "--environment", "prod",
                *url)[0] == 0  # fmt: skip
    broker.publish_pact(_changed_pact(), consumer_version="2", branch="main")
    broker.create_version("web", "3", branch="main")  # no pacts: deployable on its own
    target = ["--to-environment", "prod", *url]
    code, out = pact(*ASK, "--branch", "main", "--latest", *target)
    assert code == 0 and "Computer says yes" in out, out
    code, out = pact(*ASK, "--branch", "main", *target)
    assert code == 1 and "Computer says no" in out and "web 2" in out, out

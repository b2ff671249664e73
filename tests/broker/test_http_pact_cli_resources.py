"""Interop: the Pact CLI's resource commands (pacticipants, versions, tags, branches, environments, latest pacts).

Each command follows an index relation of the Pact Broker (pact_broker ``lib/pact_broker/api/resources/index.rb``:
``pb:latest-pact-versions``, ``pb:latest-tagged-version``, ``pb:pacticipant-branch``) or a collection it
reads (pact-foundation/pact-broker-cli ``src/cli/pact_broker/main/pacts/list_latest_pact_versions.rs``
reads ``pacts[]._embedded.consumer._embedded.version.number``; ``branches/delete_branch.rs`` DELETEs
``pb:pacticipant-branch`` and expects 204; ``pacticipants/list.rs`` reads the top-level ``pacticipants``
array that pact_broker's ``DeprecatedPacticipantCollectionDecorator`` still merges in).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.broker.pact_cli import needs_pact_cli, pact

pytestmark = needs_pact_cli


def test_list_latest_pact_versions_shows_each_integrations_newest_consumer_version(estate: Any) -> None:
    _broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1.0.0", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1.1.0", *url)[0] == 0
    code, out = pact("broker", "list-latest-pact-versions", *url)
    assert code == 0, out
    assert "web" in out and "users" in out and "1.1.0" in out and "1.0.0" not in out, out


def test_list_pacticipants_and_create_or_update_pacticipant(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    code, out = pact("broker", "create-or-update-pacticipant", "--name", "billing", "--main-branch", "main", *url)
    assert code == 0 and "created" in out, out
    code, out = pact("broker", "create-or-update-pacticipant", "--name", "billing", "--main-branch", "trunk", *url)
    assert code == 0 and "updated" in out, out
    code, out = pact("broker", "list-pacticipants", *url)
    assert code == 0 and all(name in out for name in ("web", "users", "billing")), out
    assert broker.pacticipants() == ("billing", "users", "web")


def test_describe_version_latest_tag_and_delete_version_tag(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--tag", "dev", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "2", *url)[0] == 0
    code, out = pact("broker", "describe-version", "--pacticipant", "web", "--latest", "dev", *url)
    assert code == 0 and "│ 1 " in out and "dev" in out, out
    code, out = pact("broker", "delete-version-tag", "--pacticipant", "web", "--version", "1", "--tag", "dev", *url)
    assert code == 0, out
    code, out = pact("broker", "describe-version", "--pacticipant", "web", "--latest", "dev", *url)
    assert code != 0 and "not found" in out, out
    assert broker.pacts_for_verification("users", selectors=[{"tag": "dev", "latest": True}]) == ()


def test_delete_branch_removes_it_and_branch_selectors_stop_seeing_its_pacts(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", "--branch", "feat-x", *url)[0] == 0
    assert len(broker.pacts_for_verification("users", selectors=[{"branch": "feat-x"}])) == 1
    assert httpx.get(f"{server.url}/pacticipants/web/branches/feat-x").status_code == 200
    assert httpx.get(f"{server.url}/pacticipants/web/branches/feat-x/versions/1").status_code == 200

    code, out = pact("broker", "delete-branch", "--pacticipant", "web", "--branch", "feat-x", *url)
    assert code == 0 and "Successfully deleted branch" in out, out
    assert broker.pacts_for_verification("users", selectors=[{"branch": "feat-x"}]) == ()
    assert httpx.get(f"{server.url}/pacticipants/web/branches/feat-x").status_code == 404
    assert httpx.get(f"{server.url}/pacticipants/web/branches").json()["_embedded"]["branches"] == []
    assert broker.pact("web", "1", "users").consumer == "web"  # the version and its pact stay
    code, out = pact("broker", "delete-branch", "--pacticipant", "web", "--branch", "feat-x", *url)
    assert "not found" in out, out


def test_delete_environment_removes_it(estate: Any) -> None:
    broker, server, _provider, _pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "create-environment", "--name", "qa", *url)[0] == 0
    uid = httpx.get(f"{server.url}/environments").json()["_embedded"]["environments"][0]["uuid"]
    code, out = pact("broker", "delete-environment", "--uuid", uid, *url)
    assert code == 0 and "deleted" in out, out
    assert broker.environments() == ()


def test_versions_link_lists_versions_and_versions_and_pacticipants_can_be_deleted(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    url = ["--broker-base-url", server.url]
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "1", *url)[0] == 0
    assert pact("broker", "publish", str(pacts), "--consumer-app-version", "2", *url)[0] == 0
    versions_url = httpx.get(f"{server.url}/pacticipants/web").json()["_links"]["pb:versions"]["href"]
    listed = httpx.get(versions_url).json()["_embedded"]["versions"]
    assert [v["number"] for v in listed] == ["2", "1"]

    assert httpx.delete(f"{server.url}/pacticipants/web/versions/2").status_code == 204
    assert httpx.get(f"{server.url}/pacticipants/web/versions/2").status_code == 404
    assert broker.latest_version("web") == "1"
    assert httpx.delete(f"{server.url}/pacticipants/web/versions/2").status_code == 404

    assert httpx.delete(f"{server.url}/pacticipants/users").status_code == 204
    assert broker.pacticipants() == ("web",)
    assert broker.matrix("web", version="1") == ()

"""Every ``pact broker`` subcommand the Pact Broker supports, run once against a real ``polycontract broker serve``.

The subcommands are read from ``pact broker --help``; each one is either exercised by a test below (listed in
``COVERED``) or named in ``NOT_BROKER_COMMANDS`` with the reason, and
`test_every_subcommand_of_the_installed_pact_cli_is_covered_or_excused` fails when the installed CLI grows a
subcommand that is neither. The server is the app of `polycontract.broker._api.app` served by uvicorn over
SQLite (and PostgreSQL when ``POLYCONTRACT_TEST_POSTGRES_URL`` is set), as in ``test_http_pact_cli.py``.

Routes the CLI builds (pact-foundation/pact-broker-cli):
- ``get-pacts`` (``src/cli/pact_broker/main/pacts/get_pacts.rs``, ``build_pacts_path``) GETs
  ``/pacts/provider/{p}/branch[/{b}][/latest]`` and ``/pacts/provider/{p}/consumer/{c}/branch[/{b}][/latest]``;
  the Pact Broker serves them with ``ProviderPactsForConsumerBranch``, ``LatestProviderPactsForBranch``,
  ``PactVersionsForBranch`` and ``LatestPact`` (pact_broker ``lib/pact_broker/api/resources/*.rb``,
  ``lib/pact_broker/doc/views/index/{provider-pacts-with-branch,latest-provider-pacts-with-main-branch,
  branch-pact-versions,latest-main-branch-pact-versions}.markdown``): ``_links.pb:pacts[] {href, title, name}``
  without a consumer, ``_embedded.pacts[]`` with one.
- ``provider-states list`` (``src/cli/pact_broker/main/provider_states/list.rs``) GETs
  ``/pacts/provider/{p}/provider-states[/branch/{b} | /environment/{name}]`` and reads
  ``providerStates[] {name, params, consumers}``; pact_broker ``lib/pact_broker/pacts/provider_state_service.rb``
  takes each consumer's latest main-branch (or branch) pact, or the pacts deployed or released to the
  environment, and ``provider_states_decorator.rb`` merges equal states and lists their consumers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.broker.pact_cli import needs_pact_cli, pact

pytestmark = needs_pact_cli

#: Subcommands that do not talk to a Pact Broker, or talk to PactFlow only, with the reason.
NOT_BROKER_COMMANDS: dict[str, str] = {
    "generate-uuid": "prints a UUID locally; no broker request",
    "ruby": "installs and runs the Pact Broker itself with a local Ruby",
    "docker": "runs the Pact Broker itself as a Docker container",
    "help": "prints the CLI's help",
}

#: Subcommand -> the test of this module (or of a sibling module) that runs it against the server.
COVERED: dict[str, str] = {
    "publish": "test_publish_and_the_pact_reads",
    "list-latest-pact-versions": "test_publish_and_the_pact_reads",
    "get-pacts": "test_get_pacts_by_provider_consumer_branch_and_latest",
    "create-environment": "test_environment_commands",
    "update-environment": "test_environment_commands",
    "delete-environment": "test_environment_commands",
    "describe-environment": "test_environment_commands",
    "list-environments": "test_environment_commands",
    "record-deployment": "test_deployment_and_release_commands",
    "record-undeployment": "test_deployment_and_release_commands",
    "record-release": "test_deployment_and_release_commands",
    "record-support-ended": "test_deployment_and_release_commands",
    "can-i-deploy": "test_deployment_and_release_commands",
    "can-i-merge": "test_can_i_merge_asks_about_the_main_branches",
    "create-or-update-pacticipant": "test_pacticipant_commands",
    "describe-pacticipant": "test_pacticipant_commands",
    "list-pacticipants": "test_pacticipant_commands",
    "create-webhook": "test_webhook_commands",
    "create-or-update-webhook": "test_webhook_commands",
    "delete-webhook": "test_webhook_commands",
    "test-webhook": "test_webhook_commands",
    "delete-branch": "test_version_tag_and_branch_commands",
    "create-version-tag": "test_version_tag_and_branch_commands",
    "delete-version-tag": "test_version_tag_and_branch_commands",
    "describe-version": "test_version_tag_and_branch_commands",
    "create-or-update-version": "test_version_tag_and_branch_commands",
    "provider-states": "test_provider_states_list_by_main_branch_branch_and_environment",
}


def _subcommands() -> list[str]:
    code, out = pact("broker", "--help")
    assert code == 0, out
    listing = out.split("Commands:", 1)[1].split("Options:", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]+)\s", listing, re.MULTILINE)]


def test_every_subcommand_of_the_installed_pact_cli_is_covered_or_excused() -> None:
    listed = _subcommands()
    assert "publish" in listed and "can-i-deploy" in listed, listed
    assert sorted(set(listed) - set(COVERED) - set(NOT_BROKER_COMMANDS)) == []
    assert not set(COVERED) & set(NOT_BROKER_COMMANDS)
    tests = {name for name in globals() if name.startswith("test_")}
    assert set(COVERED.values()) <= tests


def _url(server: Any) -> list[str]:
    return ["--broker-base-url", server.url]


def _publish(server: Any, pacts: Path, version: str, *extra: str) -> None:
    code, out = pact("broker", "publish", str(pacts), "--consumer-app-version", version, *extra, *_url(server))
    assert code == 0, out


def test_publish_and_the_pact_reads(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    _publish(server, pacts, "1.0.0", "--branch", "main")
    assert broker.pact("web", "1.0.0", "users").consumer == "web"
    code, out = pact("broker", "list-latest-pact-versions", *_url(server))
    assert code == 0 and "1.0.0" in out, out


def _stateful_pacts(pacts: Path, states: list[dict[str, Any]], consumer: str = "web") -> None:
    document = {
        "consumer": {"name": consumer},
        "provider": {"name": "users"},
        "interactions": [
            {
                "description": f"request {i}",
                "providerStates": [state],
                "request": {"method": "GET", "path": f"/users/{i}"},
                "response": {"status": 200},
            }
            for i, state in enumerate(states)
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    (pacts / f"{consumer}-users.json").write_text(json.dumps(document))


def test_get_pacts_by_provider_consumer_branch_and_latest(estate: Any, tmp_path: Path) -> None:
    _broker, server, _provider, pacts = estate
    _publish(server, pacts, "1", "--branch", "main")
    _stateful_pacts(pacts, [{"name": "two"}])
    _publish(server, pacts, "2", "--branch", "main")
    _stateful_pacts(pacts, [{"name": "three"}])
    _publish(server, pacts, "3", "--branch", "feat-x")
    assert httpx.get(f"{server.url}/pacticipants/web").json()["mainBranch"] == "main"
    get = ["broker", "get-pacts", "--provider", "users", "--output", "json", *_url(server)]

    code, out = pact(*get)  # every pact of web's main branch
    assert code == 0, out
    assert [p["title"] for p in json.loads(out)["pacts"]] == [
        "Pact between web (1) and users",
        "Pact between web (2) and users",
    ]
    code, out = pact(*get, "--latest")
    assert code == 0 and [p["title"] for p in json.loads(out)["pacts"]] == ["Pact between web (2) and users"], out
    code, out = pact(*get, "--branch", "feat-x", "--latest")
    assert code == 0 and [p["name"] for p in json.loads(out)["pacts"]] == ["web"], out
    assert json.loads(out)["pacts"][0]["href"].endswith("/pacts/provider/users/consumer/web/version/3")
    code, out = pact(*get, "--branch", "nowhere")
    assert code == 0 and json.loads(out)["pacts"] == [], out

    code, out = pact(*get, "--consumer", "web")  # the pact's versions on web's main branch, newest first
    assert code == 0, out
    assert [p["_embedded"]["consumerVersion"]["number"] for p in json.loads(out)["_embedded"]["pacts"]] == ["2", "1"]
    code, out = pact(*get, "--consumer", "web", "--branch", "feat-x")
    assert code == 0 and [
        p["_embedded"]["consumerVersion"]["number"] for p in json.loads(out)["_embedded"]["pacts"]
    ] == ["3"], out
    code, out = pact(*get, "--consumer", "web", "--latest")
    assert code == 0 and len(json.loads(out)["_embedded"]["pacts"]) == 1, out
    code, out = pact(*get, "--consumer", "web", "--branch", "feat-x", "--latest")
    assert code == 0 and [i["description"] for i in json.loads(out)["interactions"]] == ["request 0"], out
    latest = httpx.get(f"{server.url}/pacts/provider/users/consumer/web/branch/feat-x/latest")
    assert latest.headers["X-Pact-Consumer-Version"] == "3"

    code, out = pact(*get, "--latest", "--download", "--download-dir", str(tmp_path / "got"))
    assert code == 0, out
    downloaded = {f.name: json.loads(f.read_text()) for f in (tmp_path / "got").iterdir()}
    assert {name: d["interactions"][0]["description"] for name, d in downloaded.items()} == {
        "web-users-2.json": "request 0"  # named after pb:consumer-version, as the Pact Broker's pact links it
    }
    code, out = pact("broker", "get-pacts", "--provider", "nobody", *_url(server))
    assert code != 0, out  # the Pact Broker answers 404 for an unknown provider


def test_provider_states_list_by_main_branch_branch_and_environment(estate: Any) -> None:
    _broker, server, _provider, pacts = estate
    _stateful_pacts(pacts, [{"name": "a user exists", "params": {"id": 7}}, {"name": "no users"}])
    _publish(server, pacts, "1", "--branch", "main")
    (pacts / "web-users.json").unlink()
    _stateful_pacts(pacts, [{"name": "no users"}], consumer="admin")
    _publish(server, pacts, "1", "--branch", "main")
    _stateful_pacts(pacts, [{"name": "an admin exists"}], consumer="admin")
    _publish(server, pacts, "2", "--branch", "feat-y")
    assert pact("broker", "create-environment", "--name", "prod", *_url(server))[0] == 0
    code, out = pact("broker", "record-deployment", "--pacticipant", "admin", "--version", "2",
                     "--environment", "prod", *_url(server))  # fmt: skip
    assert code == 0, out
    states = ["broker", "provider-states", "list", "--provider", "users", "--json", *_url(server)]

    code, out = pact(*states)
    assert code == 0, out
    assert json.loads(out)["providerStates"] == [
        {"consumers": ["web"], "name": "a user exists", "params": {"id": 7}},
        {"consumers": ["admin", "web"], "name": "no users"},
    ]
    code, out = pact(*states, "--branch", "feat-y")
    assert code == 0 and json.loads(out)["providerStates"] == [{"consumers": ["admin"], "name": "an admin exists"}]
    code, out = pact(*states, "--environment", "prod")
    assert code == 0 and json.loads(out)["providerStates"] == [{"consumers": ["admin"], "name": "an admin exists"}]
    code, out = pact(*states[:-3], *_url(server))  # the table
    assert code == 0 and "a user exists" in out and "Scope: Main branch" in out, out
    code, out = pact(*states[:-4], "nobody", *_url(server))
    assert code != 0, out


def test_environment_commands(estate: Any) -> None:
    broker, server, _provider, _pacts = estate
    code, out = pact("broker", "create-environment", "--name", "qa", "--display-name", "QA", *_url(server))
    assert code == 0, out
    code, out = pact("broker", "list-environments", *_url(server))
    assert code == 0 and "qa" in out and "QA" in out, out
    uid = httpx.get(f"{server.url}/environments").json()["_embedded"]["environments"][0]["uuid"]
    code, out = pact("broker", "update-environment", "--uuid", uid, "--name", "qa", "--display-name", "Quality",
                     "--production", *_url(server))  # fmt: skip
    assert code == 0, out
    assert [(e.name, e.display_name, e.production) for e in broker.environments()] == [("qa", "Quality", True)]
    code, out = pact("broker", "describe-environment", "--uuid", uid, *_url(server))
    assert code == 0 and "Quality" in out, out
    code, out = pact("broker", "delete-environment", "--uuid", uid, *_url(server))
    assert code == 0 and broker.environments() == (), out


def test_deployment_and_release_commands(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    assert pact("broker", "create-environment", "--name", "prod", "--production", *_url(server))[0] == 0
    _publish(server, pacts, "1", "--branch", "main")
    who = ["--pacticipant", "web", "--environment", "prod", *_url(server)]
    code, out = pact("broker", "record-deployment", "--version", "1", *who)
    assert code == 0, out
    code, out = pact("broker", "record-release", "--version", "1", *who)
    assert code == 0, out
    assert sorted(lv.kind for lv in broker.live("prod")) == ["deployed", "released"]
    code, out = pact("broker", "record-undeployment", *who)
    assert code == 0, out
    code, out = pact("broker", "record-support-ended", "--version", "1", *who)
    assert code == 0 and broker.live("prod") == (), out
    code, out = pact("broker", "can-i-deploy", "--pacticipant", "web", "--version", "1", "--to-environment", "prod",
                     *_url(server))  # fmt: skip
    assert code == 1 and "none is currently deployed or released" in out, out  # users is not in prod


def test_can_i_merge_asks_about_the_main_branches(estate: Any) -> None:
    broker, server, provider, pacts = estate
    _publish(server, pacts, "1", "--branch", "feat-x")
    code, out = pact("broker", "can-i-merge", "--pacticipant", "web", "--version", "1", *_url(server))
    assert code == 1, out  # users' main branch has not verified the pact
    verifier = ["verifier", "--broker-url", server.url, "-n", "users", "-h", "127.0.0.1", "-p", str(provider.port)]
    code, out = pact(*verifier, "--publish", "--provider-version", "9", "--provider-branch", "main")
    assert code == 0, out
    broker.create_version("users", "9", branch="main")
    code, out = pact("broker", "can-i-merge", "--pacticipant", "web", "--version", "1", *_url(server))
    assert code == 0 and "Computer says yes" in out, out


def test_pacticipant_commands(estate: Any) -> None:
    _broker, server, _provider, _pacts = estate
    code, out = pact("broker", "create-or-update-pacticipant", "--name", "billing", "--main-branch", "main",
                     "--repository-url", "https://git.example/billing", *_url(server))  # fmt: skip
    assert code == 0, out
    code, out = pact("broker", "describe-pacticipant", "--name", "billing", *_url(server))
    assert code == 0 and "billing" in out and "https://git.example/billing" in out, out
    code, out = pact("broker", "list-pacticipants", *_url(server))
    assert code == 0 and "billing" in out, out
    assert httpx.get(f"{server.url}/pacticipants/billing").json()["mainBranch"] == "main"


def test_webhook_commands(estate: Any) -> None:
    _broker, server, _provider, _pacts = estate
    hook = ["-X", "POST", "--description", "ci", "--contract-content-changed", *_url(server)]
    code, out = pact("broker", "create-webhook", "http://127.0.0.1:9/hook", *hook)
    assert code == 0, out
    listed = httpx.get(f"{server.url}/webhooks").json()["_links"]["pb:webhooks"]
    assert len(listed) == 1
    uid = "0d9ff8a5-0a45-4e1f-9e2b-5a8d3f3c1b2a"
    code, out = pact("broker", "create-or-update-webhook", "http://127.0.0.1:9/other", "--uuid", uid, *hook)
    assert code == 0, out
    assert httpx.get(f"{server.url}/webhooks/{uid}").json()["request"]["url"] == "http://127.0.0.1:9/other"
    code, out = pact("broker", "test-webhook", "--uuid", uid, *_url(server))
    assert code == 0 and "/execute" in out and "Connection refused" in out, out  # nothing listens on port 9
    code, out = pact("broker", "delete-webhook", "--uuid", uid, *_url(server))
    assert code == 0, out
    assert httpx.get(f"{server.url}/webhooks/{uid}").status_code == 404


def test_version_tag_and_branch_commands(estate: Any) -> None:
    broker, server, _provider, pacts = estate
    _publish(server, pacts, "1")
    code, out = pact("broker", "create-or-update-version", "--pacticipant", "web", "--version", "1",
                     "--branch", "feat-x", *_url(server))  # fmt: skip
    assert code == 0, out
    code, out = pact("broker", "create-version-tag", "--pacticipant", "web", "--version", "1", "--tag", "qa",
                     *_url(server))  # fmt: skip
    assert code == 0, out
    code, out = pact("broker", "describe-version", "--pacticipant", "web", "--version", "1", *_url(server))
    assert code == 0 and "qa" in out, out
    assert broker.pacts_for_verification("users", selectors=[{"branch": "feat-x"}])
    code, out = pact("broker", "delete-version-tag", "--pacticipant", "web", "--version", "1", "--tag", "qa",
                     *_url(server))  # fmt: skip
    assert code == 0, out
    code, out = pact("broker", "delete-branch", "--pacticipant", "web", "--branch", "feat-x", *_url(server))
    assert code == 0, out
    assert broker.pacts_for_verification("users", selectors=[{"branch": "feat-x"}]) == ()

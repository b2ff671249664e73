"""The Pact Broker's own client pacts pass against polycontract's broker server.

pact_broker-client (the Pact Broker's Ruby client) keeps consumer pacts against the Pact Broker
(github.com/pact-foundation/pact_broker-client ``spec/pacts/``); the Pact Broker verifies them in its CI
(pact-foundation/pact_broker ``spec/service_consumers/pact_helper.rb``). Here polycontract's verifier
replays each interaction (one test each) and the official ``pact verifier`` replays each file, against
``create_app`` served by uvicorn over a fresh SQLite file per provider state (`broker_client_pacts`).
The PactFlow pact files test PactFlow-only features (provider contracts, teams) and are not run.

Interactions polycontract's server does not satisfy yet are listed in `NOT_YET` with the reason; each is
a strict xfail, so one that starts passing must leave the list.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from broker_client_pacts import (
    FILES,
    StatefulBroker,
    folder,
    interaction_key,
    missing,
    raw_interactions,
    require,
)

from polycontract.codec import load_pact
from polycontract.verifier import Verifier
from tests.broker.http_twin import Served
from tests.broker.pact_cli import PACT_BIN, needs_pact_cli

STATE_PATH = "/_pact/state"
_SHORT = {FILES[0]: "ruby", FILES[1]: "v2"}

#: ``file | description | provider state`` -> why polycontract's server does not answer as the pact expects yet.
NOT_YET: dict[str, str] = {}


def _cases() -> list[Any]:
    if missing() is not None:
        return [pytest.param(None, 0, id="broker-client-pacts-missing")]
    cases = []
    for name in FILES:
        for index, interaction in enumerate(raw_interactions(name)):
            key = f"{_SHORT[name]} | {interaction_key(interaction)}"
            marks = [pytest.mark.xfail(reason=NOT_YET[key], strict=True)] if key in NOT_YET else []
            cases.append(pytest.param(name, index, id=key, marks=marks))
    return cases


@pytest.fixture(scope="module")
def broker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StatefulBroker, Served]]:
    """The stateful broker app, served on 127.0.0.1 port 0."""
    if missing() is not None:
        require()
    stateful = StatefulBroker(tmp_path_factory.mktemp("broker-client-pacts"))
    served = Served(stateful, name="broker-client-pacts")
    try:
        yield stateful, served
    finally:
        served.stop()
        stateful.close()


@pytest.mark.parametrize(("name", "index"), _cases())
def test_polycontract_verifier_finds_the_broker_honours_the_client_interaction(
    broker_server: tuple[StatefulBroker, Served], name: str | None, index: int
) -> None:
    require()
    assert name is not None
    stateful, served = broker_server
    pact = load_pact(folder() / name)
    one = replace(pact, interactions=(pact.interactions[index],))
    stateful.reset()
    verifier = Verifier(provider="Pact Broker", base_url=served.url, state_change_url=STATE_PATH)
    result = verifier.verify(one)
    assert not stateful.errors, stateful.errors
    assert result.ok, result.report()


def _pact_verifier_failures(served: Served, pact_file: Path, report: Path) -> dict[str, str]:
    """Run ``pact verifier`` on ``pact_file``: failing interaction key -> what it said."""
    command = [
        PACT_BIN, "verifier", "--file", str(pact_file), "--hostname", "127.0.0.1", "--port", str(served.port),
        "--state-change-url", served.url + STATE_PATH, "--state-change-teardown", "--json", str(report),
        "--no-colour",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if not report.exists():
        pytest.fail(f"pact verifier wrote no report (exit {run.returncode}): {run.stderr[-2000:]}")
    document = json.loads(report.read_text(encoding="utf-8"))
    return {_reported_key(failure["interaction"]): json.dumps(failure)[:600] for failure in document["errors"]}


def _reported_key(reported: str) -> str:
    """``Verifying a pact between C and P Given S - D`` (how ``pact verifier`` names one) as ``D | S``."""
    rest = reported.split(" and Pact Broker", 1)[1]
    given, description = rest.split(" - ", 1)
    state = given.removeprefix(" Given ").strip() or "no state"
    return f"{description} | {state}"


@needs_pact_cli
@pytest.mark.parametrize("name", FILES, ids=[_SHORT[n] for n in FILES])
def test_pact_verifier_finds_the_broker_honours_the_client_pacts_but_the_listed_interactions(
    broker_server: tuple[StatefulBroker, Served], name: str, tmp_path: Path
) -> None:
    require()
    stateful, served = broker_server
    stateful.reset()
    failing = _pact_verifier_failures(served, folder() / name, tmp_path / "report.json")
    assert not stateful.errors, stateful.errors
    listed = {key.split(" | ", 1)[1] for key in NOT_YET if key.startswith(_SHORT[name] + " | ")}
    assert set(failing) == listed, {k: failing.get(k, "passes") for k in set(failing) ^ listed}

"""The Pact compatibility suite's HTTP provider features, run through the verifier.

Each scenario starts a stub provider (a real HTTP server on 127.0.0.1:0, `compat_servers.StubProvider`)
answering with the responses of the table's interactions, writes the pact files to verify (or puts them in
a stub Pact Broker, `compat_servers.StubBroker`), and runs `polycontract.verifier.Verifier` against it:
with a provider-state callback (``state_change_url``), a request filter (``request_hook``) and result
publishing (`Broker.publish_verification_results` over ``connect(url)``) as each scenario describes.

Step meanings follow pact-python's step definitions for the same suite
(pact-foundation/pact-python ``tests/compatibility_suite/util/provider.py``). The reference's error
categories map to the kinds of polycontract's mismatches: "Response status did not match" -> status,
"Headers had differences" -> header, "Body had differences" -> body, "State change request failed" -> a
state error.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from compat_http import (
    add_verifier_steps,
    check_inventory,
    interaction_of,
    response_of,
    run_scenario,
    scenario_params,
    scenarios,
    state_calls,
)
from compat_servers import StubBroker, StubProvider
from compat_suite import Step, StepRegistry, changed, headers_cell, interaction_rows, table_records

from polycontract.broker import BrokerSource, connect
from polycontract.codec import dump_pact
from polycontract.model import Body, PactDocument, ProviderState
from polycontract.verifier import VerificationResult, Verifier

FEATURES = {
    "V1/http_provider": 26,
    "V2/http_provider": 4,
    "V3/http_provider": 2,
    "V4/http_provider": 2,
}

#: Scenarios that still differ from the Pact tools, by id, with the reason (reviewed; strict xfails).
KNOWN_FAILURES: dict[str, str] = {
    "V1/http_provider: Verifying an interaction where a provider state callback is not configured": (
        "the Pact verifier warns about a state with no callback and verifies anyway; polycontract fails closed: "
        "the interaction is could-not-verify (exit 2) naming the missing handler, a deliberate choice"
    ),
}

steps = StepRegistry()


@dataclasses.dataclass
class World:
    """What one scenario builds up."""

    spec: str
    directory: Path
    rows: dict[int, dict[str, str]] = dataclasses.field(default_factory=dict)
    provider: StubProvider | None = None
    broker: StubBroker | None = None
    files: list[Path] = dataclasses.field(default_factory=list)
    callback: bool = False
    filter_headers: dict[str, str] = dataclasses.field(default_factory=dict)
    publish: bool = False
    result: VerificationResult | None = None
    report: str = ""

    def stop(self) -> None:
        for server in (self.provider, self.broker):
            if server is not None:
                server.stop()


@steps.given(r"the following HTTP interactions have been defined:")
def _interactions(world: World, step: Step) -> None:
    world.rows = interaction_rows(step.table)


def _start(world: World, numbers: list[int], changes: dict[str, str] | None = None) -> None:
    responses = {}
    for number in numbers:
        record = world.rows[number]
        cell = (changes or {}).get("response body", "")
        if cell and not cell.startswith(("file:", "JSON:", "XML:")) and record.get("response body"):
            original = response_of(record).body
            if isinstance(original, Body) and original.content_type:
                changes = {**(changes or {}), "response content": original.content_type}
        responses[(record["method"].upper(), record["path"])] = response_of(changed(record, changes or {}))
    world.provider = StubProvider(responses).start()


@steps.given(r"a provider is started that returns the response from interaction (\d+)")
def _provider(world: World, step: Step, number: str) -> None:
    _start(world, [int(number)])


@steps.given(r'a provider is started that returns the responses from interactions "([^"]*)"')
def _provider_many(world: World, step: Step, numbers: str) -> None:
    _start(world, [int(n) for n in numbers.split(",")])


@steps.given(r"a provider is started that returns the response from interaction (\d+), with the following changes:")
def _provider_changed(world: World, step: Step, number: str) -> None:
    [changes] = table_records(step.table)
    _start(world, [int(number)], changes)


def _pact(world: World, number: int, **extra: Any) -> dict[str, Any]:
    interaction = interaction_of(number, world.rows[number], **extra)
    binary = any(isinstance(b, Body) and isinstance(b.content, bytes) for b in (interaction.response.body,))
    # V1 and V2 cannot hold a binary body (the multipart and image rows): those pacts are written as V4.
    spec = "V4" if extra.get("pending") or extra.get("comments") or binary else world.spec
    written = "V2" if spec == "V1" else spec  # a V1 pact is a V2 pact without rules, labelled 1.0.0
    model = PactDocument(consumer=f"c_{number}", provider="p", interactions=(interaction,), spec=written)  # type: ignore[arg-type]
    document = dump_pact(model, spec=written)
    if spec == "V1":
        document["metadata"]["pactSpecification"] = {"version": "1.0.0"}
    return document


def _file(world: World, number: int, **extra: Any) -> None:
    path = world.directory / f"c_{number}-p-{len(world.files)}.json"
    path.write_text(json.dumps(_pact(world, number, **extra)))
    world.files.append(path)


@steps.given(r"a Pact file for interaction (\d+) is to be verified")
def _to_verify(world: World, step: Step, number: str) -> None:
    _file(world, int(number))


@steps.given(r'a Pact file for interaction (\d+) is to be verified with a provider state "([^"]*)" defined')
def _to_verify_state(world: World, step: Step, number: str, state: str) -> None:
    _file(world, int(number), provider_states=(ProviderState(name=state),))


@steps.given(r"a Pact file for interaction (\d+) is to be verified with the following provider states defined:")
def _to_verify_states(world: World, step: Step, number: str) -> None:
    states = tuple(
        ProviderState(name=r["State Name"], params=json.loads(r.get("Parameters") or "{}"))
        for r in table_records(step.table)
    )
    _file(world, int(number), provider_states=states)


@steps.given(r"a Pact file for interaction (\d+) is to be verified, but is marked pending")
def _to_verify_pending(world: World, step: Step, number: str) -> None:
    _file(world, int(number), pending=True)


@steps.given(r"a Pact file for interaction (\d+) is to be verified with the following comments:")
def _to_verify_comments(world: World, step: Step, number: str) -> None:
    comments: dict[str, Any] = {}
    for record in table_records(step.table):
        if record["type"] == "text":
            comments.setdefault("text", []).append(record["comment"])
        else:
            comments[record["type"]] = record["comment"]
    _file(world, int(number), comments=comments)


@steps.given(r"a Pact file for interaction (\d+) is to be verified from a Pact broker")
def _from_broker(world: World, step: Step, number: str) -> None:
    if world.broker is None:
        world.broker = StubBroker(provider="p").start()
    world.broker.add(f"c_{number}", _pact(world, int(number)))


@steps.given(r"publishing of verification results is enabled")
def _publish(world: World, step: Step) -> None:
    world.publish = True


@steps.given(r"a provider state callback is configured")
def _callback(world: World, step: Step) -> None:
    world.callback = True


@steps.given(r"a provider state callback is configured, but will return a failure")
def _failing_callback(world: World, step: Step) -> None:
    assert world.provider is not None
    world.callback = True
    world.provider.state_failure = True


@steps.given(r"a request filter is configured to make the following changes:")
def _filter(world: World, step: Step) -> None:
    [record] = table_records(step.table)
    world.filter_headers = {k: v[0] for k, v in headers_cell(record["headers"]).items()}


@steps.when(r"the verification is run")
def _verify(world: World, step: Step) -> None:
    assert world.provider is not None, "no provider was started"

    def hook(request: httpx.Request) -> None:
        for name, value in world.filter_headers.items():
            request.headers[name] = value

    verifier = Verifier(
        provider="p",
        base_url=world.provider.url,
        provider_version="1.0.0",
        state_change_url=world.provider.url + "/_pact/state" if world.callback else None,
        request_hook=hook if world.filter_headers else None,
    )
    if world.broker is not None:
        broker = connect(world.broker.url)
        world.result = verifier.verify(BrokerSource(broker, "p"))
        if world.publish and world.result.measured_pacts:
            broker.publish_verification_results(
                provider="p", provider_version="1.0.0", branch=None, results=world.result.verifications()
            )
    else:
        world.result = verifier.verify(*world.files)
    world.report = world.result.report()


def _result(world: World) -> VerificationResult:
    assert world.result is not None, "the verification was not run"
    return world.result


@steps.then(r"the verification will be successful")
def _successful(world: World, step: Step) -> None:
    assert _result(world).exit_code == 0, world.report


@steps.then(r"the verification will NOT be successful")
def _not_successful(world: World, step: Step) -> None:
    assert _result(world).exit_code != 0, world.report


#: The reference's error categories and the mismatch kinds polycontract reports for them.
ERRORS = {
    "Response status did not match": ("status",),
    "Headers had differences": ("header",),
    "Body had differences": ("body", "content-type"),
    "Metadata had differences": ("metadata",),
}


def _has_error(world: World, error: str, *, pending: bool | None = None) -> None:
    found = [i for i in _result(world).interactions if pending is None or i.pending == pending]
    if error == "State change request failed":
        assert any(i.error_kind == "state" or (i.error and "state" in i.error.lower()) for i in found), world.report
        return
    kinds = ERRORS[error]
    assert any(m.kind in kinds for i in found for m in i.mismatches), world.report


@steps.then(r'the verification results will contain a "([^"]*)" error')
def _error(world: World, step: Step, error: str) -> None:
    _has_error(world, error)


@steps.then(r'there will be a pending "([^"]*)" error')
def _pending_error(world: World, step: Step, error: str) -> None:
    _has_error(world, error, pending=True)


@steps.then(r"a verification result will NOT be published back")
def _not_published(world: World, step: Step) -> None:
    assert world.broker is not None and world.broker.results == []


@steps.then(r"a (successful|failed) verification result will be published back for (?:the )?interaction \{(\d+)\}")
def _published(world: World, step: Step, outcome: str, number: str) -> None:
    assert world.broker is not None
    found = [doc for consumer, doc in world.broker.results if consumer == f"c_{number}"]
    assert found, f"nothing published for c_{number}: {world.broker.results}"
    assert found[-1]["success"] is (outcome == "successful"), found[-1]


@steps.then(
    r"the provider state callback will receive a (setup|teardown) call (?:with )?"
    r'"([^"]*)" and the following parameters:'
)
def _call_with_params(world: World, step: Step, action: str, state: str) -> None:
    [record] = table_records(step.table)
    params = {k: json.loads(v) for k, v in record.items()}
    assert (state, params) in [(c.state, c.params) for c in state_calls(world, action)], state_calls(world, action)


@steps.then(r"the provider state callback will NOT receive a teardown call")
def _no_teardown(world: World, step: Step) -> None:
    assert state_calls(world, "teardown") == []


@steps.then(
    r'a warning will be displayed that there was no provider state callback configured for provider state "([^"]*)"'
)
def _warning(world: World, step: Step, state: str) -> None:
    assert state in world.report and "warn" in world.report.lower(), world.report


@steps.then(r'the request to the provider will contain the header "([^"]*)"')
def _filtered(world: World, step: Step, header: str) -> None:
    assert world.provider is not None
    name, _, value = header.partition(":")
    assert any(r.headers.get(name.strip()) == value.strip() for r in world.provider.received), world.provider.received


add_verifier_steps(steps)
SCENARIOS = scenarios(FEATURES)


def test_inventory_of_the_http_provider_features() -> None:
    check_inventory(SCENARIOS, FEATURES, steps, KNOWN_FAILURES)


@pytest.mark.parametrize("scenario", scenario_params(SCENARIOS, KNOWN_FAILURES))
def test_scenario(scenario: Any, tmp_path: Path) -> None:
    world = World(spec=scenario.feature.split("/")[0], directory=tmp_path)
    run_scenario(scenario, steps, world, world.stop)

"""The Pact compatibility suite's HTTP consumer features, run through the DSL and the mock server.

``V1/http_consumer`` declares the table's interactions with `polycontract.Pact` and starts its mock server
(``Pact.serve``, a real socket on 127.0.0.1:0); ``V2/http_consumer`` rows carry V2 matching rules as a pact
file holds them (examples that need not satisfy their rules, which the DSL refuses), so they are served as
a model pact by `polycontract.mock.MockServer`. Requests are sent with httpx; the steps check the answers,
the problems the mock server reports when the test ends, and the pact file written. ``V3`` and ``V4``
HTTP consumer features declare interactions with `polycontract.Pact` and read the pact file written.

Step meanings follow pact-python's step definitions for the same suite
(pact-foundation/pact-python ``tests/compatibility_suite/test_v1_consumer.py``,
``util/consumer.py``): a mismatched request is answered 500, the pact file is written only when the
mock server saw every interaction and nothing unexpected. Mismatch texts are checked by kind and by
the values the reference message quotes, not by the reference's exact wording.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from compat_http import (
    FIXTURES,
    add_interaction_steps,
    check_inventory,
    interaction_of,
    names_quoted_values,
    ordinal,
    render,
    request_of,
    run_scenario,
    scenario_params,
    scenarios,
)
from compat_suite import Scenario, Step, StepRegistry, changed, interaction_rows, table_records

from polycontract import Pact
from polycontract.errors import ContractViolation
from polycontract.files import write_pact
from polycontract.mock import MockServer, Problem
from polycontract.model import Body, Mismatch
from polycontract.model import PactDocument as PactModel

FEATURES = {
    "V1/http_consumer": 24,
    "V2/http_consumer": 14,
    "V3/http_consumer": 2,
    "V4/http_consumer": 4,
    "V4/v4": 1,
}

#: Scenarios that still differ from the Pact tools, by id, with the reason (reviewed; strict xfails).
KNOWN_FAILURES: dict[str, str] = {}

steps = StepRegistry()


@dataclasses.dataclass
class World:
    """What one scenario builds up."""

    spec: str
    directory: Path
    rows: dict[int, dict[str, str]] = dataclasses.field(default_factory=dict)
    server: MockServer | None = None
    model: PactModel | None = None
    response: httpx.Response | None = None
    violation: BaseException | None = None
    problems: list[Problem] = dataclasses.field(default_factory=list)
    pact_file: dict[str, Any] | None = None
    # the DSL scenarios
    pact: Pact | None = None
    states: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    v4_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    kinds: list[str] = dataclasses.field(default_factory=list)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


# ------------------------------------------------------------------------------------ mock server


@steps.given(r"the following HTTP interactions have been defined:")
def _interactions(world: World, step: Step) -> None:
    world.rows = interaction_rows(step.table)


def _declared(world: World, numbers: list[int]) -> Pact:
    """The interactions of ``numbers`` declared with the DSL, as a consumer test would."""
    pact = Pact(consumer="consumer", provider="p", spec="V2" if world.spec == "V1" else world.spec)
    for number in numbers:
        record = world.rows[number]
        interaction = interaction_of(number, record)
        request, response = interaction.request, interaction.response
        pact.upon_receiving(interaction.description).with_request(
            request.method,
            request.path,
            query=record.get("query") or None,
            headers={name: list(values) for name, values in request.headers.items()} or None,
            body=request.body.content if isinstance(request.body, Body) else None,
        ).will_respond_with(
            response.status,
            headers={name: list(values) for name, values in response.headers.items()} or None,
            body=response.body.content if isinstance(response.body, Body) else None,
        )
    return pact


def _start(world: World, numbers: list[int], changes: dict[str, str] | None = None) -> None:
    if not changes and not any(world.rows[n].get("matching rules") for n in numbers):
        world.pact = _declared(world, numbers)
        world.model = world.pact.to_model()
        world.server = world.pact.serve().start()
        return
    # Rows with matching rules as a pact file holds them (V2 flat rules whose examples need not match,
    # as the reference allows): the DSL checks examples against their rules, so these go in as a model.
    interactions = tuple(interaction_of(n, changed(world.rows[n], changes or {})) for n in numbers)
    world.model = PactModel(
        consumer="consumer",
        provider="p",
        interactions=interactions,
        spec="V2" if world.spec == "V1" else world.spec,  # type: ignore[arg-type]
    )
    world.server = MockServer(world.model).start()


@steps.when(r"the mock server is started with interaction (\d+)")
def _start_one(world: World, step: Step, number: str) -> None:
    _start(world, [int(number)])


@steps.when(r'the mock server is started with interactions "([^"]*)"')
def _start_many(world: World, step: Step, numbers: str) -> None:
    _start(world, [int(n) for n in numbers.split(",")])


@steps.when(r"the mock server is started with interaction (\d+) but with the following changes:")
def _start_changed(world: World, step: Step, number: str) -> None:
    [changes] = table_records(step.table)
    _start(world, [int(number)], changes)


def _send(world: World, number: int, changes: dict[str, str]) -> None:
    assert world.server is not None, "the mock server was not started"
    original = request_of(world.rows[number])
    cell = changes.get("body", "")
    if cell and not cell.startswith(("file:", "JSON:", "XML:")) and isinstance(original.body, Body):
        changes = {**changes, "content type": original.body.content_type or ""}  # plain text keeps its type
    request = request_of(changed(world.rows[number], changes))
    body = request.body
    content = b""
    if isinstance(body, Body):
        raw = body.content
        content = raw if isinstance(raw, bytes) else raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
    headers = [(name, value) for name, values in request.headers.items() for value in values]
    url = world.server.url + request.path
    query: list[tuple[str, str | int | float | bool | None]] = [
        (name, value) for name, values in request.query.items() for value in values
    ]
    world.response = httpx.request(request.method, url, params=query, headers=headers, content=content)


@steps.when(r"request (\d+) is made to the mock server")
def _request(world: World, step: Step, number: str) -> None:
    _send(world, int(number), {})


@steps.when(r"request (\d+) is made to the mock server with the following changes:")
def _request_changed(world: World, step: Step, number: str) -> None:
    [changes] = table_records(step.table)
    _send(world, int(number), changes)


@steps.then(r"a (\d+) (?:success|error) response is returned")
def _status(world: World, step: Step, status: str) -> None:
    assert world.response is not None, "no request was made"
    assert world.response.status_code == int(status), f"got {world.response.status_code}: {world.response.text}"


@steps.then(r'the payload will contain the "([^"]*)" JSON document')
def _payload(world: World, step: Step, name: str) -> None:
    assert world.response is not None
    assert world.response.json() == json.loads((FIXTURES / f"{name}.json").read_text())


@steps.then(r'the content type will be set as "([^"]*)"')
def _content_type(world: World, step: Step, media: str) -> None:
    assert world.response is not None
    assert world.response.headers["content-type"].split(";")[0] == media


@steps.when(r"the pact test is done")
def _done(world: World, step: Step) -> None:
    server, model = world.server, world.model
    assert server is not None and model is not None
    server.stop()
    world.problems = server.provider.problems()
    try:
        server.provider.end(None, ())
    except ContractViolation as exc:
        world.violation = exc
        return
    if world.pact is not None:
        world.pact.verify()
        exercised: tuple[Any, ...] = world.pact.to_model(only_exercised=True).interactions
    else:
        exercised = server.provider.exercised()
    written = write_pact(dataclasses.replace(model, interactions=tuple(exercised)), world.directory)
    world.pact_file = json.loads(written.path.read_text())


@steps.then(r"the mock server status will be OK")
def _ok(world: World, step: Step) -> None:
    assert world.violation is None, str(world.violation)


@steps.then(r"the mock server status will NOT be OK")
def _not_ok(world: World, step: Step) -> None:
    assert world.violation is not None, "the mock server reported no problem"


@steps.then(r"the mock server will write out a Pact file for the interactions? when done")
def _written(world: World, step: Step) -> None:
    assert world.pact_file is not None, "no pact file was written"


@steps.then(r"the mock server will NOT write out a Pact file for the interactions? when done")
def _not_written(world: World, step: Step) -> None:
    assert world.pact_file is None and not list(world.directory.iterdir()), "a pact file was written"


@steps.then(r"the mock server status will be mismatches")
def _mismatches(world: World, step: Step) -> None:
    assert any(p.kind == "mismatch" for p in world.problems), [str(p) for p in world.problems]


@steps.then(r"the mock server status will be an expected but not received error for interaction \{(\d+)\}")
def _unused(world: World, step: Step, number: str) -> None:
    assert any(p.kind == "unused" and f"Interaction {number}" in p.interaction for p in world.problems), [
        str(p) for p in world.problems
    ]


@steps.then(r'the mock server status will be an unexpected "([^"]*)" request received error for interaction \{(\d+)\}')
def _unexpected_interaction(world: World, step: Step, method: str, number: str) -> None:
    path = world.rows[int(number)]["path"]
    _unexpected(world, step, method, path)


@steps.then(r'the mock server status will be an unexpected "([^"]*)" request received error for path "([^"]*)"')
def _unexpected(world: World, step: Step, method: str, path: str) -> None:
    found = [
        p for p in world.problems if p.kind in ("unexpected", "mismatch") and method in p.request and path in p.request
    ]
    assert found, [str(p) for p in world.problems]


#: Reference mismatch kinds and the kinds polycontract gives the same difference.
_KINDS = {"body-content-type": ("body", "content-type", "header"), "header": ("header",), "query": ("query",)}


def _all_mismatches(world: World) -> list[Mismatch]:
    found = [m for p in world.problems for m in p.mismatches]
    if not found and world.response is not None and world.response.status_code == 500:
        found = [Mismatch(**m) for m in world.response.json().get("mismatches", [])]
    return found


@steps.then(r'the mismatches will contain a "([^"]*)" mismatch with error "(.*)"')
def _mismatch(world: World, step: Step, kind: str, message: str) -> None:
    _mismatch_at(world, step, kind, "", message)


@steps.then(r'the mismatches will contain a "([^"]*)" mismatch with path "([^"]*)" with error "(.*)"')
def _mismatch_at(world: World, step: Step, kind: str, path: str, message: str) -> None:
    message = message.replace('\\"', '"')
    found = [m for m in _all_mismatches(world) if m.kind in _KINDS.get(kind, (kind,))]
    if path:
        found = [
            m for m in found if m.path.replace("body", "$", 1).replace("$.$", "$") == path or m.path.endswith(path[1:])
        ]
    assert found, f"no {kind} mismatch; got:\n{render(_all_mismatches(world))}"
    assert any(names_quoted_values(m.message, message) for m in found), (
        f"no {kind} mismatch names the values quoted in {message!r}:\n{render(found)}"
    )


def _interaction(world: World, which: str) -> dict[str, Any]:
    assert world.pact_file is not None, "no pact file was written"
    return dict(world.pact_file["interactions"][ordinal(which) - 1])


@steps.then(r"the pact file will contain \{(\d+)\} interactions?")
def _count(world: World, step: Step, count: str) -> None:
    assert world.pact_file is not None
    assert len(world.pact_file["interactions"]) == int(count)


@steps.then(r'the (\{\w+\}) interaction request will be for a "([^"]*)"')
def _method(world: World, step: Step, which: str, method: str) -> None:
    assert _interaction(world, which)["request"]["method"].upper() == method


def _json_body(body: Any) -> Any:
    content = body["content"] if isinstance(body, dict) and "content" in body else body
    return json.loads(content) if isinstance(content, str) else content


@steps.then(r'the (\{\w+\}) interaction (request|response) will contain the "([^"]*)" document')
def _document(world: World, step: Step, which: str, part: str, name: str) -> None:
    assert _json_body(_interaction(world, which)[part]["body"]) == json.loads((FIXTURES / name).read_text())


@steps.then(r'the (\{\w+\}) interaction request query parameters will be "([^"]*)"')
def _query(world: World, step: Step, which: str, query: str) -> None:
    written = _interaction(world, which)["request"]["query"]
    if isinstance(written, str):
        assert written == query
    else:
        assert "&".join(f"{k}={v}" for k, values in written.items() for v in values) == query


@steps.then(r'the (\{\w+\}) interaction request will contain the header "([^"]*)" with value "([^"]*)"')
def _header(world: World, step: Step, which: str, name: str, value: str) -> None:
    headers = _interaction(world, which)["request"]["headers"]
    values = headers[name]
    assert (values if isinstance(values, list) else [values]) == [value]


@steps.then(r'the (\{\w+\}) interaction request content type will be "([^"]*)"')
def _request_content_type(world: World, step: Step, which: str, media: str) -> None:
    request = _interaction(world, which)["request"]
    headers = {k.lower(): v for k, v in request.get("headers", {}).items()}
    written = request["body"].get("contentType") if isinstance(request.get("body"), dict) else None
    value = headers.get("content-type") or written
    assert (value[0] if isinstance(value, list) else value) == media


# ------------------------------------------------------------------------------------------ DSL


@steps.given(r"an integration is being defined for a consumer test")
@steps.given(r"an HTTP interaction is being defined for a consumer test")
def _http_interaction(world: World, step: Step) -> None:
    world.kinds.append("http")


@steps.given(r"a message interaction is being defined for a consumer test")
def _message_interaction(world: World, step: Step) -> None:
    world.kinds.append("message")


add_interaction_steps(steps, interaction="HTTP interaction")


@steps.when(r"the Pact file for the test is generated")
def _generate(world: World, step: Step) -> None:
    pact = Pact(consumer="consumer", provider="provider", spec=world.spec)
    for kind in world.kinds:
        for name, data in world.states:
            pact.given(name, data)
        if kind == "http":
            pact.upon_receiving("an HTTP interaction")
            for attribute, value in world.v4_attributes.items():
                setter = getattr(pact, f"with_{attribute}", None)
                assert setter is not None, f"the DSL has no way to set an interaction's {attribute}"
                setter(value)
            pact.with_request("GET", "/").will_respond_with(200)
        else:
            pact.expects_to_receive("a message").with_content({"a": 1})
    written = write_pact(pact.to_model(), world.directory)
    world.pact_file = json.loads(written.path.read_text())


@steps.then(r"the interaction in the Pact file will contain (\d+) provider states?")
def _state_count(world: World, step: Step, count: str) -> None:
    assert len(_interaction(world, "1")["providerStates"]) == int(count)


@steps.then(r'the interaction in the Pact file will contain provider state "([^"]*)"')
def _has_state(world: World, step: Step, name: str) -> None:
    assert name in [s["name"] for s in _interaction(world, "1")["providerStates"]]


@steps.then(r'the provider state "([^"]*)" in the Pact file will contain the following parameters:')
def _state_params(world: World, step: Step, name: str) -> None:
    [record] = table_records(step.table)
    [state] = [s for s in _interaction(world, "1")["providerStates"] if s["name"] == name]
    assert state["params"] == json.loads(record["parameters"])


@steps.then(r'the first interaction in the Pact file will have a type of "([^"]*)"')
def _type(world: World, step: Step, kind: str) -> None:
    assert _interaction(world, "1")["type"] == kind


@steps.then(r"""the first interaction in the Pact file will have "([^"]*)" = '(.*)'""")
def _attribute(world: World, step: Step, name: str, value: str) -> None:
    assert _interaction(world, "1").get(name) == json.loads(value)


@steps.then(r'there will be an interaction in the Pact file with a type of "([^"]*)"')
def _some_type(world: World, step: Step, kind: str) -> None:
    assert world.pact_file is not None
    assert kind in [i["type"] for i in world.pact_file["interactions"]]


# ------------------------------------------------------------------------------------------ tests

SCENARIOS = scenarios(FEATURES)


def test_inventory_of_the_http_consumer_features() -> None:
    check_inventory(SCENARIOS, FEATURES, steps, KNOWN_FAILURES)


@pytest.mark.parametrize("scenario", scenario_params(SCENARIOS, KNOWN_FAILURES))
def test_scenario(scenario: Scenario, tmp_path: Path) -> None:
    world = World(spec=scenario.feature.split("/")[0], directory=tmp_path)
    run_scenario(scenario, steps, world, world.stop)

"""The Pact compatibility suite's message consumer features, run through the DSL.

Each scenario declares one message with `polycontract.Pact` (``expects_to_receive(...).with_content(...)``
for asynchronous messages, ``upon_receiving(...).with_request_message(...).will_respond_with_message(...)``
for V4 synchronous ones), hands it to a consumer handler with ``Pact.verify_message`` and, when the handler
succeeded, writes the pact file the steps read. Generators of the tables (``RandomInt``) are declared as
the DSL declares them, ``match.integer(generate_min=..., generate_max=...)``.

Step meanings follow pact-python's step definitions for the same suite
(pact-foundation/pact-python ``tests/compatibility_suite/test_v3_message_consumer.py`` and
``test_v4_synchronous_message_consumer.py``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from compat_http import FIXTURES, add_interaction_steps, check_inventory, run_scenario, scenario_params, scenarios
from compat_suite import Scenario, Step, StepRegistry, load_fixture_body, load_json_cell, table_records

from polycontract import Pact, match
from polycontract.errors import ContractViolation
from polycontract.files import write_pact

FEATURES = {
    "V3/message_consumer": 7,
    "V4/message_consumer": 4,
    "V4/synchronous_message_consumer": 11,
}

_REPLIER = (
    "in Pact a synchronous-message consumer sends the request and receives the response message(s), "
    "generators applied; polycontract's `verify_message` hands "
    "the consumer the request and checks the reply it returns, so the consumer never receives a response message"
)
#: Scenarios that still differ from the Pact tools, by id, with the reason (reviewed; strict xfails).
KNOWN_FAILURES: dict[str, str] = {
    "V4/synchronous_message_consumer: Supports multiple responses to a request message": (
        "a V4 synchronous message holds a list of response messages (its `response` array); "
        "`will_respond_with_message` declares one and completes the interaction"
    ),
    "V4/synchronous_message_consumer: When all messages are successfully processed": _REPLIER,
    "V4/synchronous_message_consumer: Supports the use of generators with message metadata": _REPLIER,
    "V4/synchronous_message_consumer: Supports the use of generators with the message bodies": _REPLIER,
}

steps = StepRegistry()


@dataclasses.dataclass
class Part:
    """The contents and metadata of one message (or of a synchronous request or response)."""

    body: Any = None
    content_type: str | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    generators: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class World:
    """What one scenario builds up."""

    spec: str
    directory: Path
    kind: str = "async"
    states: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    message: Part = dataclasses.field(default_factory=Part)
    responses: list[Part] = dataclasses.field(default_factory=list)
    v4_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    received: list[tuple[Any, dict[str, Any]]] = dataclasses.field(default_factory=list)
    received_response: tuple[Any, dict[str, Any]] | None = None
    error: BaseException | None = None
    pact_file: dict[str, Any] | None = None

    def stop(self) -> None:
        pass


# ----------------------------------------------------------------------------------------- declaring


@steps.given(r"a message integration is being defined for a consumer test")
@steps.given(r"a message interaction is being defined for a consumer test")
def _async(world: World, step: Step) -> None:
    world.kind = "async"


@steps.given(r"a synchronous message interaction is being defined for a consumer test")
def _sync(world: World, step: Step) -> None:
    world.kind = "sync"


def _document(cell: str) -> tuple[Any, str | None]:
    """``basic`` (a JSON fixture) or ``file: x`` as contents and content type."""
    cell = cell if cell.startswith("file:") else f"file: {cell}.json"
    body = load_fixture_body(FIXTURES, cell)
    content = body.content
    return (content.decode("utf-8") if isinstance(content, bytes) else content), body.content_type


@steps.given(r'the message payload contains the "([^"]*)" JSON document')
@steps.given(r'the message request payload contains the "([^"]*)" JSON document')
def _payload(world: World, step: Step, name: str) -> None:
    world.message.body, world.message.content_type = _document(name)


@steps.given(r'the message response payload contains the "([^"]*)" document')
def _response_payload(world: World, step: Step, name: str) -> None:
    body, media = _document(name)
    world.responses.append(Part(body=body, content_type=media))


def _metadata(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for record in table_records(step.table):
        value = record["value"]
        out[record["key"]] = json.loads(value[5:]) if value.startswith("JSON:") else value
    return out


@steps.given(r"the message contains the following metadata:")
@steps.given(r"the message request contains the following metadata:")
def _with_metadata(world: World, step: Step) -> None:
    world.message.metadata.update(_metadata(step))


def _configured(step: Step) -> Part:
    [record] = table_records(step.table)
    part = Part()
    if record.get("body"):
        part.body, part.content_type = _document(record["body"])
    if record.get("metadata"):
        part.metadata = json.loads(record["metadata"])
    if record.get("generators"):
        part.generators = load_json_cell(FIXTURES, record["generators"])
    return part


@steps.given(r"the message is configured with the following:")
@steps.given(r"the message request is configured with the following:")
def _message_configured(world: World, step: Step) -> None:
    world.message = _configured(step)


@steps.given(r"the message response is configured with the following:")
def _response_configured(world: World, step: Step) -> None:
    world.responses.append(_configured(step))


@steps.given(r"a message is defined")
def _defined(world: World, step: Step) -> None:
    world.message.body = {"a": 1}


add_interaction_steps(
    steps, interaction="(?:synchronous )?message interaction", state_of=" for the (?:synchronous )?message"
)


def _with_generators(part: Part) -> tuple[Any, dict[str, Any]]:
    """The body and metadata of ``part``, with each ``RandomInt`` generator declared as the DSL does."""
    body, metadata = part.body, dict(part.metadata)
    for category, entries in part.generators.items():
        for path, generator in entries.items():
            assert generator["type"] == "RandomInt", f"no DSL translation for generator {generator}"
            value = match.integer(generate_min=generator.get("min"), generate_max=generator.get("max"))
            if category == "metadata":
                metadata[path] = value
            else:
                assert isinstance(body, dict) and re.fullmatch(r"\$\.\w+", path), path
                body = {**body, path[2:]: value}
    if part.content_type and not isinstance(body, (dict, list)):
        metadata.setdefault("contentType", part.content_type)
    return body, metadata


def _declare(world: World) -> Pact:
    pact = Pact(consumer="consumer", provider="provider", spec=world.spec)
    for name, data in world.states:
        pact.given(name, data)
    if world.kind == "async":
        pact.expects_to_receive("a message")
    else:
        pact.upon_receiving("a synchronous message")
    for attribute, value in world.v4_attributes.items():
        setter = getattr(pact, f"with_{attribute}", None)
        assert setter is not None, f"the DSL has no way to set an interaction's {attribute}"
        setter(value)
    body, metadata = _with_generators(world.message)
    if body is None:
        body = {"a": 1}
    if world.kind == "async":
        pact.with_content(body, metadata=metadata or None)
    else:
        pact.with_request_message(body, metadata=metadata or None)
        responses = world.responses or [Part(body={"b": 2})]
        assert len(responses) == 1, "the DSL declares one response message per synchronous message"
        reply, reply_metadata = _with_generators(responses[0])
        pact.will_respond_with_message(reply, metadata=reply_metadata or None)
    return pact


# ------------------------------------------------------------------------------------------- running


def _write(world: World, pact: Pact) -> None:
    written = write_pact(pact.to_model(), world.directory)
    world.pact_file = json.loads(written.path.read_text())


@steps.when(r"the message is successfully processed")
def _processed(world: World, step: Step) -> None:
    pact = _declare(world)
    reply = world.responses[0] if world.responses else Part(body={"b": 2})

    def handler(contents: Any, metadata: dict[str, Any]) -> Any:
        world.received.append((contents, metadata))
        return (reply.body, reply.metadata) if world.kind == "sync" else None

    pact.verify_message(handler)
    _write(world, pact)


@steps.when(r'the message is NOT successfully processed with a "([^"]*)" exception')
def _failed(world: World, step: Step, text: str) -> None:
    pact = _declare(world)

    def handler(contents: Any, metadata: dict[str, Any]) -> None:
        raise RuntimeError(text)

    try:
        pact.verify_message(handler)
    except ContractViolation as exc:
        world.error = exc
        return
    _write(world, pact)


@steps.when(r"the Pact file for the test is generated")
def _generated(world: World, step: Step) -> None:
    _write(world, _declare(world))


@steps.then(r"the consumer test will have passed")
def _passed(world: World, step: Step) -> None:
    assert world.error is None, str(world.error)


@steps.then(r"the consumer test will have failed")
def _test_failed(world: World, step: Step) -> None:
    assert world.error is not None, "the consumer test passed"


@steps.then(r'the consumer test error will be "([^"]*)"')
def _error_text(world: World, step: Step, text: str) -> None:
    assert text in str(world.error), str(world.error)


@steps.then(r"a Pact file for the message interaction will have been written")
def _written(world: World, step: Step) -> None:
    assert world.pact_file is not None


@steps.then(r"a Pact file for the message interaction will NOT have been written")
def _not_written(world: World, step: Step) -> None:
    assert world.pact_file is None and not list(world.directory.iterdir())


def _received(world: World) -> tuple[Any, dict[str, Any]]:
    assert world.received, "the consumer received no message"
    return world.received[0]


def _response(world: World) -> tuple[Any, dict[str, Any]]:
    assert world.received_response is not None, "the consumer received no response message"
    return world.received_response


@steps.then(r'the received message payload will contain the "([^"]*)" (?:JSON )?document')
def _received_payload(world: World, step: Step, name: str) -> None:
    contents = _response(world)[0] if world.kind == "sync" else _received(world)[0]
    assert contents == _document(name)[0]


@steps.then(r'the received message content type will be "([^"]*)"')
def _received_type(world: World, step: Step, media: str) -> None:
    contents, metadata = _response(world) if world.kind == "sync" else _received(world)
    found = next((v for k, v in metadata.items() if k.lower() in ("contenttype", "content-type")), None)
    if found is None and isinstance(contents, (dict, list)):
        found = "application/json"
    assert found == media, (contents, metadata)


def _expected_value(text: str) -> Any:
    text = text.replace('\\"', '"')
    return json.loads(text[5:]) if text.startswith("JSON:") else text


@steps.then(r'the received message (?:request )?metadata will contain "([^"]*)" == "(.*)"')
def _received_metadata(world: World, step: Step, key: str, value: str) -> None:
    assert _received(world)[1].get(key) == _expected_value(value), _received(world)[1]


@steps.then(r'the received message response metadata will contain "([^"]*)" == "(.*)"')
def _response_metadata(world: World, step: Step, key: str, value: str) -> None:
    assert _response(world)[1].get(key) == _expected_value(value)


@steps.then(r'the received message (request |response )?metadata will contain "([^"]*)" replaced with an? "integer"')
def _metadata_generated(world: World, step: Step, which: str | None, key: str) -> None:
    metadata = _response(world)[1] if which == "response " else _received(world)[1]
    assert isinstance(metadata.get(key), int) and not isinstance(metadata.get(key), bool), metadata


@steps.then(r'the message (request |response )?contents for "([^"]*)" will have been replaced with an? "integer"')
def _contents_generated(world: World, step: Step, which: str | None, path: str) -> None:
    contents = _response(world)[0] if which == "response " else _received(world)[0]
    value = contents[path[2:]]
    assert isinstance(value, int) and not isinstance(value, bool), contents


def _interaction(world: World) -> dict[str, Any]:
    assert world.pact_file is not None, "no pact file was written"
    key = "messages" if "messages" in world.pact_file else "interactions"
    return dict(world.pact_file[key][0])


def _contents_of(message: dict[str, Any]) -> Any:
    contents = message.get("contents")
    if isinstance(contents, dict) and "content" in contents:
        contents = contents["content"]
    return contents


@steps.then(r"the pact file will contain (\d+) (?:message )?interactions?")
def _count(world: World, step: Step, count: str) -> None:
    assert world.pact_file is not None
    key = "messages" if "messages" in world.pact_file else "interactions"
    assert len(world.pact_file[key]) == int(count)


@steps.then(r'the first message in the pact file will contain the "([^"]*)" document')
def _message_document(world: World, step: Step, name: str) -> None:
    assert _contents_of(_interaction(world)) == _document(name.removesuffix(".json"))[0]


def _media_of(message: dict[str, Any]) -> Any:
    contents = message.get("contents")
    if isinstance(contents, dict) and "contentType" in contents:
        return contents["contentType"]
    metadata = message.get("metadata") or message.get("metaData") or {}
    found = next((v for k, v in metadata.items() if k.lower() in ("contenttype", "content-type")), None)
    return found or ("application/json" if isinstance(contents, (dict, list)) else None)


@steps.then(r'the first message in the pact file content type will be "([^"]*)"')
def _message_type(world: World, step: Step, media: str) -> None:
    assert _media_of(_interaction(world)) == media


@steps.then(r'the first message in the pact file will contain the (?:request )?message metadata "([^"]*)" == "(.*)"')
def _message_metadata(world: World, step: Step, key: str, value: str) -> None:
    message = _interaction(world)
    part = message.get("request") or message
    metadata = part.get("metadata") or part.get("metaData") or {}  # V3 message pacts say metaData
    assert metadata.get(key) == _expected_value(value), metadata


@steps.then(r"the first message in the pact file will contain (\d+) provider states?")
def _state_count(world: World, step: Step, count: str) -> None:
    assert len(_interaction(world)["providerStates"]) == int(count)


@steps.then(r'the first message in the Pact file will contain provider state "([^"]*)"')
def _has_state(world: World, step: Step, name: str) -> None:
    assert name in [s["name"] for s in _interaction(world)["providerStates"]]


@steps.then(r'the provider state "([^"]*)" for the message will contain the following parameters:')
def _state_params(world: World, step: Step, name: str) -> None:
    [record] = table_records(step.table)
    [state] = [s for s in _interaction(world)["providerStates"] if s["name"] == name]
    assert state["params"] == json.loads(record["parameters"])


@steps.then(r'the first interaction in the Pact file will have a type of "([^"]*)"')
def _type(world: World, step: Step, kind: str) -> None:
    assert _interaction(world)["type"] == kind


@steps.then(r"""the first interaction in the Pact file will have "([^"]*)" = '(.*)'""")
def _attribute(world: World, step: Step, name: str, value: str) -> None:
    assert _interaction(world).get(name) == json.loads(value)


@steps.then(r"the first interaction in the pact file will contain (\d+) response messages")
def _responses(world: World, step: Step, count: str) -> None:
    assert len(_interaction(world)["response"]) == int(count)


@steps.then(r'the first interaction in the pact file will contain the "([^"]*)" document as the request')
def _request_document(world: World, step: Step, name: str) -> None:
    assert _contents_of(_interaction(world)["request"]) == _document(name)[0]


@steps.then(
    r'the first interaction in the pact file will contain the "([^"]*)" document as (a|the first|the second) response'
    r"(?: message)?"
)
def _response_document(world: World, step: Step, name: str, which: str) -> None:
    index = 1 if which == "the second" else 0
    assert _contents_of(_interaction(world)["response"][index]) == _document(name)[0]


@steps.then(r'the first interaction in the pact file (request|response) content type will be "([^"]*)"')
def _part_type(world: World, step: Step, which: str, media: str) -> None:
    part = _interaction(world)[which]
    assert _media_of(part[0] if isinstance(part, list) else part) == media


# ------------------------------------------------------------------------------------------- tests

SCENARIOS = scenarios(FEATURES)


def test_inventory_of_the_message_consumer_features() -> None:
    check_inventory(SCENARIOS, FEATURES, steps, KNOWN_FAILURES)


@pytest.mark.parametrize("scenario", scenario_params(SCENARIOS, KNOWN_FAILURES))
def test_scenario(scenario: Scenario, tmp_path: Path) -> None:
    world = World(spec=scenario.feature.split("/")[0], directory=tmp_path)
    run_scenario(scenario, steps, world, world.stop)

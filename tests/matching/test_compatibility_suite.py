"""The Pact compatibility suite's core features, run against the matching engine and the generators.

Scenarios come from the Gherkin files in the shared pact-spec checkout (never copied here) and are
executed by the small runner in ``tests/compat_suite.py``: each step phrasing maps to one function
below. This module runs the features that need no mock server, verifier or broker; the others (HTTP and
message consumers and providers) run in ``tests/compatibility/``:

* ``V3/http_matching``, ``V3/matching_rules``, ``V4/matching_rules``: expected vs actual comparisons.
* ``V3/generators``, ``V4/generators``, ``V3/http_generators``: values produced by generators.

Mismatch assertions check the kind and the path of a mismatch, and that our message names the
values the reference message quotes; the reference implementation's exact wording is not copied.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

import pytest
from compat_suite import (
    Scenario,
    Step,
    StepRegistry,
    load_fixture_body,
    load_json_cell,
    parse_feature,
    read_scenarios,
    table_records,
)
from pact_spec import missing, params, require, root

from polycontract._paths import STAR, parse_path
from polycontract.codec import parse_request
from polycontract.generate import GeneratorContext, generate_request, generate_response
from polycontract.matching import compare_request, compare_response
from polycontract.model import Body, Generator, Mismatch, Request, Response

Mode = Literal["consumer", "provider"]
SUITE = root() / "compatibility-suite"
FIXTURES = SUITE / "fixtures"

#: Feature -> number of scenarios it holds (a change upstream should be noticed, not absorbed).
FEATURES = {
    "V3/http_matching": 7,
    "V3/matching_rules": 24,
    "V4/matching_rules": 15,
    "V3/generators": 10,
    "V4/generators": 6,
    "V3/http_generators": 7,
}

#: Scenarios expected to fail, by id, with the reason. Reviewed: each entry must name why the
#: engine is right to differ (or what is missing). ``strict=True`` flags an entry that starts passing.
KNOWN_FAILURES: dict[str, str] = {}

#: How many generator runs (seeds 0..N-1) each "prepared for use" step makes; checks apply to all.
GENERATOR_RUNS = 20
NOW = datetime.datetime(2024, 2, 29, 13, 45, 30, tzinfo=datetime.UTC)

steps = StepRegistry()


@dataclasses.dataclass
class World:
    """The state one scenario builds up, step by step."""

    spec: str
    expected_request: Request = dataclasses.field(default_factory=Request)
    expected_response: Response = dataclasses.field(default_factory=Response)
    received_requests: list[Request] = dataclasses.field(default_factory=list)
    received_responses: list[Response] = dataclasses.field(default_factory=list)
    results: list[list[Mismatch]] = dataclasses.field(default_factory=list)
    # generators
    request: Request | None = None
    response: Response | None = None
    mode: Mode | None = None
    provider_state: dict[str, Any] = dataclasses.field(default_factory=dict)
    mock_server_url: str | None = None
    generated_requests: list[Request] = dataclasses.field(default_factory=list)
    generated_responses: list[Response] = dataclasses.field(default_factory=list)


def _arg(text: str) -> str:
    """A quoted step argument with Gherkin's ``\\"`` escapes undone."""
    return text.replace('\\"', '"')


# ------------------------------------------------------------------------------ building requests


def _headers(cell: str) -> dict[str, tuple[str, ...]]:
    """``'X-A: 1234', 'X-B: 5'`` -> headers."""
    out: dict[str, tuple[str, ...]] = {}
    for item in cell.split(","):
        name, _, value = item.strip().strip("'").partition(":")
        out.setdefault(name.strip(), ())
        out[name.strip()] += (value.strip(),)
    return out


def _query(cell: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, value in parse_qsl(cell, keep_blank_values=True):
        out[name] = (*out.get(name, ()), value)
    return out


def _rules_and_generators(record: dict[str, str]) -> dict[str, Any]:
    """Matching rules and generators of a table row, read by the codec (which upgrades V2 rules)."""
    data: dict[str, Any] = {}
    if record.get("matching rules"):
        data["matchingRules"] = load_json_cell(FIXTURES, record["matching rules"])
    if record.get("generators"):
        data["generators"] = load_json_cell(FIXTURES, record["generators"])
    parsed = parse_request(data, spec="V4", name=str(record))
    return {"matching_rules": parsed.matching_rules, "generators": parsed.generators}


def _parts(record: dict[str, str]) -> dict[str, Any]:
    """Fields of a request or response from a table row (body, content type, query, headers, rules)."""
    fields: dict[str, Any] = {}
    headers: dict[str, tuple[str, ...]] = {}
    if record.get("headers"):
        headers.update(_headers(record["headers"]))
    if record.get("body"):
        body = load_fixture_body(FIXTURES, record["body"], record.get("content type") or None)
        fields["body"] = Body(content=body.content, content_type=body.content_type)
        if body.content_type:
            headers["Content-Type"] = (body.content_type,)
    if headers:
        fields["headers"] = headers
    if record.get("query"):
        fields["query"] = _query(record["query"])
    fields.update(_rules_and_generators(record))
    return fields


def _request(record: dict[str, str]) -> Request:
    return Request(**_parts(record))


def _response(record: dict[str, str]) -> Response:
    fields = _parts({k: v for k, v in record.items() if k not in ("query", "status")})
    if record.get("status"):
        fields["status"] = int(record["status"])
    return Response(**fields)


def _single_row(step: Step) -> dict[str, str]:
    records = table_records(step.table)
    assert len(records) == 1, f"{step}: expected one data row"
    return records[0]


# -------------------------------------------------------------------------------- matching steps


@steps.given(r'an expected request with an? "([^"]*)" header of "([^"]*)"')
def _expected_header(world: World, step: Step, name: str, value: str) -> None:
    headers = {**world.expected_request.headers, name: (value,)}
    world.expected_request = dataclasses.replace(world.expected_request, headers=headers)


@steps.given(r'a request is received with an? "([^"]*)" header of "([^"]*)"')
def _received_header(world: World, step: Step, name: str, value: str) -> None:
    world.received_requests.append(Request(headers={name: (value,)}))


@steps.given(r"an expected request configured with the following:")
def _expected_request(world: World, step: Step) -> None:
    world.expected_request = _request(_single_row(step))


@steps.given(r"a request is received with the following:")
def _received_request(world: World, step: Step) -> None:
    world.received_requests.append(_request(_single_row(step)))


@steps.given(r"the following requests are received:")
def _received_requests(world: World, step: Step) -> None:
    for record in table_records(step.table):
        world.received_requests.append(_request({k: v for k, v in record.items() if k != "desc"}))


@steps.given(r"an expected response configured with the following:")
def _expected_response(world: World, step: Step) -> None:
    world.expected_response = _response(_single_row(step))


@steps.given(r"a status (\d+) response is received")
def _received_status(world: World, step: Step, status: str) -> None:
    world.received_responses.append(Response(status=int(status)))


@steps.when(r"the requests? (?:is|are) compared to the expected one")
def _compare_requests(world: World, step: Step) -> None:
    assert world.received_requests, f"{step}: no request was received"
    world.results = [compare_request(world.expected_request, r, spec=world.spec) for r in world.received_requests]


@steps.when(r"the response is compared to the expected one")
def _compare_responses(world: World, step: Step) -> None:
    assert world.received_responses, f"{step}: no response was received"
    world.results = [compare_response(world.expected_response, r, spec=world.spec) for r in world.received_responses]


def _render(results: list[list[Mismatch]]) -> str:
    return "\n".join(f"  #{i}: {m.kind} {m}" for i, found in enumerate(results) for m in found) or "  (none)"


@steps.then(r"the (?:response )?comparison should be OK")
def _all_match(world: World, step: Step) -> None:
    mismatches = _render(world.results)
    assert all(not found for found in world.results), "expected every comparison to match; mismatches:\n" + mismatches


@steps.then(r"the (?:response )?comparison should NOT be OK")
def _none_match(world: World, step: Step) -> None:
    # Every received request of a scenario is a negative example, so each must fail on its own.
    passing = [i for i, found in enumerate(world.results) if not found]
    assert not passing, f"comparison(s) {passing} matched but should not; mismatches:\n" + _render(world.results)


def _tokens(path: str) -> tuple[str, ...]:
    return tuple("*" if t is STAR else str(t) for t in parse_path(path))


def _at(mismatch: Mismatch, reference_path: str) -> bool:
    """Whether our mismatch is at the reference implementation's path (``$.a`` in the body, or a name)."""
    ours = _tokens(mismatch.path)
    if reference_path.startswith("$"):
        return mismatch.kind == "body" and ours == ("body", *_tokens(reference_path))
    if mismatch.kind == "header":
        return len(ours) == 2 and ours[1].lower() == reference_path.lower()
    return mismatch.kind == "query" and ours == ("query", reference_path)


def _names_quoted_values(mismatch: Mismatch, reference_message: str) -> bool:
    """Our message mentions every value the reference message quotes (``'dog'``), spacing aside."""
    ours = re.sub(r"\s+", "", mismatch.message)
    quoted = re.findall(r"'([^']*)'", reference_message)
    return all(re.sub(r"\\s\*|\s+", "", value) in ours for value in quoted)


def _assert_mismatch(world: World, matches: Callable[[Mismatch], bool], reference_message: str) -> None:
    candidates = [m for found in world.results for m in found if matches(m)]
    assert candidates, f"no mismatch at that place (reference: {reference_message!r}); got:\n" + _render(world.results)
    assert any(_names_quoted_values(m, reference_message) for m in candidates), (
        f"mismatch found, but no message names the values quoted in {reference_message!r}:\n"
        + "\n".join(f"  {m}" for m in candidates)
    )


@steps.then(r'the mismatches will contain a mismatch with error "(.*)" -> "(.*)"')
def _mismatch_with_error(world: World, step: Step, path: str, message: str) -> None:
    _assert_mismatch(world, lambda m: _at(m, _arg(path)), _arg(message))


@steps.then(r'the response mismatches will contain a "([^"]*)" mismatch with error "(.*)"')
def _response_mismatch(world: World, step: Step, kind: str, message: str) -> None:
    _assert_mismatch(world, lambda m: m.kind == kind, _arg(message))


# ------------------------------------------------------------------------------ generator steps


@steps.given(r"a request configured with the following generators:")
def _request_with_generators(world: World, step: Step) -> None:
    world.request = _request(_single_row(step))


@steps.given(r"a response configured with the following generators:")
def _response_with_generators(world: World, step: Step) -> None:
    world.response = _response(_single_row(step))


@steps.given(r'the generator test mode is set as "(Provider|Consumer)"')
def _generator_mode(world: World, step: Step, mode: str) -> None:
    world.mode = "provider" if mode == "Provider" else "consumer"


def _context(world: World, seed: int, default_mode: Mode) -> GeneratorContext:
    return GeneratorContext(
        now=NOW,
        rng=random.Random(seed),
        mode=world.mode or default_mode,
        provider_state=world.provider_state,
        mock_server_url=world.mock_server_url,
    )


def _set_context(world: World, step: Step, name: str) -> None:
    assert step.table and len(step.table) == 1 and len(step.table[0]) == 1, f"{step}: expected one JSON cell"
    value = json.loads(step.table[0][0])
    if name == "providerState":
        world.provider_state = value
    elif name == "mockServer":
        world.mock_server_url = value["href"]
    else:
        raise AssertionError(f"{step}: unknown context {name!r}")


# Request generators run where requests are replayed (the verifier, provider mode), response
# generators where responses are served (the mock server, consumer mode); a step may override.
@steps.when(r'the request is prepared for use(?: with a "([^"]*)" context:)?')
def _prepare_request(world: World, step: Step, context: str | None) -> None:
    assert world.request is not None, f"{step}: no request configured"
    if context:
        _set_context(world, step, context)
    request = world.request
    world.generated_requests = [
        generate_request(request, _context(world, seed, "provider")) for seed in range(GENERATOR_RUNS)
    ]


@steps.when(r'the response is prepared for use(?: with a "([^"]*)" context:)?')
def _prepare_response(world: World, step: Step, context: str | None) -> None:
    assert world.response is not None, f"{step}: no response configured"
    if context:
        _set_context(world, step, context)
    response = world.response
    world.generated_responses = [
        generate_response(response, _context(world, seed, "consumer")) for seed in range(GENERATOR_RUNS)
    ]


def _generated_bodies(world: World) -> list[tuple[Any, Any, Request | Response]]:
    """(example body, generated body, the configured part) for every run of the prepared part."""
    part: Request | Response | None
    if world.generated_requests:
        part, generated = world.request, [r.body for r in world.generated_requests]
    else:
        part, generated = world.response, [r.body for r in world.generated_responses]
    assert part is not None and generated, "nothing was prepared for use"
    assert isinstance(part.body, Body), "the prepared part has no body"
    return [(part.body.content, g.content if isinstance(g, Body) else g, part) for g in generated]


def _value_at(document: Any, path: str) -> Any:
    node = document
    for token in parse_path(path):
        assert token is not STAR, f"{path}: wildcards are not supported here"
        node = node[token]
    return node


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


_HYPHENATED = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: The value shapes the generator scenarios name, as full-match regexes over the value's text.
VALUE_SHAPES: dict[str, str] = {
    "integer": r"-?\d+",
    "decimal number": r"-?\d+\.\d+",
    "hexadecimal number": r"[0-9a-fA-F]+",
    "date": r"\d{4}-\d{2}-\d{2}",
    "time": r"\d{2}:\d{2}:\d{2}",
    "date-time": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
    "UUID": _HYPHENATED,
    "simple UUID": r"[0-9a-f]{32}",
    "lower-case-hyphenated UUID": _HYPHENATED,
    "upper-case-hyphenated UUID": _HYPHENATED.replace("a-f", "A-F"),
    "URN UUID": "urn:uuid:" + _HYPHENATED,
    "boolean": r"true|false",
}


def _check_shape(shape: str, value: Any, generator: Generator | None) -> None:
    text = _text(value)
    if shape in ("random string", "string from the regex"):
        assert isinstance(value, str), f"expected a string, got {value!r}"
        if shape == "string from the regex":
            assert generator is not None and generator.type == "Regex", "no Regex generator at that path"
            pattern = generator.params["regex"]
            assert re.fullmatch(pattern, value), f"{value!r} does not match {pattern!r}"
        return
    assert shape in VALUE_SHAPES, f"unknown value shape {shape!r}"
    assert re.fullmatch(VALUE_SHAPES[shape], text), f"{value!r} is not a {shape}"
    if shape == "date":
        datetime.date.fromisoformat(text)
    elif shape == "time":
        datetime.time.fromisoformat(text)
    elif shape == "date-time":
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    elif shape.endswith("UUID"):
        uuid.UUID(text)


@steps.then(r'the body value for "([^"]*)" will have been replaced with an? "([^"]*)"')
def _body_value_shape(world: World, step: Step, path: str, shape: str) -> None:
    for original, generated, part in _generated_bodies(world):
        before, after = _value_at(original, path), _value_at(generated, path)
        assert after != before, f"{path} still has its example value {before!r}"
        generator = (part.generators.get("body") or {}).get(path)
        _check_shape(shape, after, generator)


@steps.then(r'the body value for "([^"]*)" will have been replaced with "([^"]*)"')
def _body_value(world: World, step: Step, path: str, expected: str) -> None:
    for _, generated, _ in _generated_bodies(world):
        assert _text(_value_at(generated, path)) == expected


def _part_value(part: Request | Response, name: str) -> str:
    """``path``, ``status``, ``header[X-TEST]`` or ``queryParameter[v1]`` of a request or response, as text."""
    item = re.fullmatch(r"(header|queryParameter)\[(.*)\]", name)
    if item is None:
        assert name in ("path", "status"), f"unknown part {name!r}"
        return str(getattr(part, name))
    kind, key = item.groups()
    if kind == "header":
        values = next((v for k, v in part.headers.items() if k.lower() == key.lower()), None)
    else:
        assert isinstance(part, Request), "responses have no query parameters"
        values = part.query.get(key)
    assert values is not None, f"{name} is missing after generation"
    return ", ".join(values)


def _prepared(world: World, which: str) -> list[Request] | list[Response]:
    found = world.generated_requests if which == "request" else world.generated_responses
    assert found, f"no {which} was prepared for use"
    return found


@steps.then(r'the (request|response) "([^"]*)" will be set as "([^"]*)"')
def _part_is(world: World, step: Step, which: str, name: str, expected: str) -> None:
    for part in _prepared(world, which):
        assert _part_value(part, name) == expected


@steps.then(r'the (request|response) "([^"]*)" will not be "([^"]*)"')
def _part_is_not(world: World, step: Step, which: str, name: str, unexpected: str) -> None:
    for part in _prepared(world, which):
        assert _part_value(part, name) != unexpected


@steps.then(r'the (request|response) "([^"]*)" will match "([^"]*)"')
def _part_matches(world: World, step: Step, which: str, name: str, pattern: str) -> None:
    for part in _prepared(world, which):
        value = _part_value(part, name)
        assert re.fullmatch(pattern, value), f"{name}={value!r} does not match {pattern!r}"


# ------------------------------------------------------------------------------------------ tests

SCENARIOS = read_scenarios(SUITE, list(FEATURES)) if missing("compatibility-suite/features") is None else []


def _params(suite: Path) -> list[Any]:
    out = []
    for scenario in SCENARIOS:
        marks = []
        if scenario.id in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[scenario.id]))
        out.append(pytest.param(scenario, id=scenario.id, marks=marks))
    return out


def test_suite_is_present_with_the_expected_scenarios() -> None:
    require("compatibility-suite/features")
    require("compatibility-suite/fixtures")
    counts = {feature: sum(s.feature == feature for s in SCENARIOS) for feature in FEATURES}
    assert counts == FEATURES
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS), "scenario ids must be unique"


def test_every_step_has_a_definition() -> None:
    require("compatibility-suite/features")
    assert [str(s) for s in steps.undefined(SCENARIOS)] == []


def test_known_failures_name_real_scenarios() -> None:
    require("compatibility-suite/features")
    assert set(KNOWN_FAILURES) <= {s.id for s in SCENARIOS}


@pytest.mark.parametrize("scenario", params("compatibility-suite/features", _params))
def test_scenario(scenario: Scenario) -> None:
    require("compatibility-suite/features")
    world = World(spec=scenario.feature.split("/")[0])
    for step in scenario.steps:
        try:
            steps.run(world, step)
        except AssertionError as exc:
            raise AssertionError(f"{scenario.id}\n  step failed: {step}\n{exc}") from None


# ------------------------------------------------------------------------- the reader by itself


def test_reader_resolves_and_keeps_tables_doc_strings_and_background() -> None:
    feature = '''
@tag
Feature: Example
  Free text.

  Background:
    Given a base

  # a comment
  @slow
  Scenario: One
    Given a table:
      | a | b \\| c |
      | 1 | 2     |
    And a doc string:
      """
      {"x": 1}
      """
    When it runs
    But nothing breaks
    Then it is fine
'''
    [scenario] = parse_feature(feature, "demo")
    assert scenario.id == "demo: One"
    assert scenario.tags == ("@slow",)
    assert [(s.keyword, s.text) for s in scenario.steps] == [
        ("Given", "a base"),
        ("Given", "a table:"),
        ("Given", "a doc string:"),
        ("When", "it runs"),
        ("When", "nothing breaks"),
        ("Then", "it is fine"),
    ]
    assert scenario.steps[1].table == (("a", "b | c"), ("1", "2"))
    assert scenario.steps[2].doc_string == '{"x": 1}'


def test_reader_rejects_scenario_outlines() -> None:
    with pytest.raises(ValueError, match="Scenario Outline"):
        parse_feature("Feature: x\n  Scenario Outline: y\n    Given z\n", "demo")

"""Shared pieces of the compatibility suite's step definitions: table rows as model objects, and the runner.

A row of an interaction table (``method``, ``path``, ``query``, ``headers``, ``body``, ``matching rules``,
``response``, ``response headers``, ``response content``, ``response body``, ``response matching rules``)
becomes a `polycontract.model.HttpInteraction`; rules and generators are read by the codec, which
upgrades the V2 fragments some features use. The ``add_*_steps`` functions register the steps the HTTP and
message features phrase alike on a module's `StepRegistry`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from compat_suite import (
    Scenario,
    Step,
    StepRegistry,
    headers_cell,
    load_fixture_body,
    load_json_cell,
    query_cell,
    read_scenarios,
    table_records,
)
from pact_spec import missing, params, require, root

from polycontract.codec import parse_request
from polycontract.model import Body, HttpInteraction, Mismatch, Request, Response

SUITE = root() / "compatibility-suite"
FIXTURES = SUITE / "fixtures"


def rules_of(record: dict[str, str], column: str = "matching rules") -> dict[str, Any]:
    """Matching rules and generators of a row's column(s), read by the codec."""
    data: dict[str, Any] = {}
    if record.get(column):
        data["matchingRules"] = load_json_cell(FIXTURES, record[column])
    if record.get("generators"):
        data["generators"] = load_json_cell(FIXTURES, record["generators"])
    parsed = parse_request(data, spec="V4", name=str(record))
    return {"matching_rules": parsed.matching_rules, "generators": parsed.generators}


def body_of(cell: str, content_type: str | None) -> tuple[Body, str | None]:
    """A body cell (``file: x``, ``JSON: {}``, text) as a `Body` and its content type."""
    body = load_fixture_body(FIXTURES, cell, content_type or None)
    content = body.content
    if isinstance(content, bytes) and _textual(body.content_type):
        content = content.decode("utf-8")
    return Body(content=content, content_type=body.content_type), body.content_type


def _textual(media: str | None) -> bool:
    kind = (media or "").split(";")[0].strip().lower()
    return kind.startswith("text/") or kind.endswith(("/xml", "+xml", "/x-www-form-urlencoded")) or kind == ""


def request_of(record: dict[str, str]) -> Request:
    """The request of an interaction row."""
    fields: dict[str, Any] = {"method": record.get("method") or "GET", "path": record.get("path") or "/"}
    headers = headers_cell(record["headers"]) if record.get("headers") else {}
    if record.get("body"):
        fields["body"], media = body_of(record["body"], record.get("content type"))
        if media and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = (media,)
    fields["headers"] = headers
    if record.get("query"):
        fields["query"] = query_cell(record["query"])
    fields.update(rules_of(record))
    return Request(**fields)


def response_of(record: dict[str, str]) -> Response:
    """The response of an interaction row."""
    fields: dict[str, Any] = {"status": int(record.get("response") or 200)}
    headers = headers_cell(record["response headers"]) if record.get("response headers") else {}
    if record.get("response body"):
        fields["body"], media = body_of(record["response body"], record.get("response content"))
        if media and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = (media,)
    fields["headers"] = headers
    if record.get("response matching rules"):
        fields.update(rules_of(record, "response matching rules"))
    return Response(**fields)


def interaction_of(number: int, record: dict[str, str], **extra: Any) -> HttpInteraction:
    """The interaction of row ``number``, described as ``Interaction N``."""
    return HttpInteraction(
        description=f"Interaction {number}", request=request_of(record), response=response_of(record), **extra
    )


def names_quoted_values(message: str, reference_message: str) -> bool:
    """Our message mentions every value the reference message quotes (``'dog'``), spacing aside."""
    ours = re.sub(r"\s+", "", message).replace("\\\\", "\\")
    quoted = re.findall(r"'([^']*)'", reference_message)
    return all(re.sub(r"\\s\*|\s+", "", value) in ours for value in quoted)


def render(mismatches: list[Mismatch]) -> str:
    """Mismatches one a line, for failure messages."""
    return "\n".join(f"  {m.kind} {m.path}: {m.message}" for m in mismatches) or "  (none)"


def ordinal(text: str) -> int:
    """``{1}`` or ``{first}`` as a 1-based number."""
    word = text.strip("{}")
    names = {"first": 1, "second": 2, "third": 3}
    return names[word] if word in names else int(word)


def scenarios(features: dict[str, int]) -> list[Scenario]:
    """The scenarios of ``features`` (empty without the suite data)."""
    return read_scenarios(SUITE, list(features)) if missing("compatibility-suite/features") is None else []


def scenario_params(found: list[Scenario], known: dict[str, str]) -> list[Any]:
    """One pytest case per scenario (id = feature + name); the reviewed differences are strict xfails."""

    def build(_: Path) -> list[Any]:
        out = []
        for scenario in found:
            marks = [pytest.mark.xfail(strict=True, reason=known[scenario.id])] if scenario.id in known else []
            out.append(pytest.param(scenario, id=scenario.id, marks=marks))
        return out

    return params("compatibility-suite/features", build)


def check_inventory(
    found: list[Scenario], features: dict[str, int], steps: StepRegistry, known: dict[str, str]
) -> None:
    """Every feature has the scenarios we expect, every step a definition, every listed id a scenario."""
    require("compatibility-suite/features")
    counts = {feature: sum(s.feature == feature for s in found) for feature in features}
    assert counts == features
    assert len({s.id for s in found}) == len(found), "scenario ids must be unique"
    assert [str(s) for s in steps.undefined(found)] == []
    assert set(known) <= {s.id for s in found}


def run_scenario(scenario: Scenario, steps: StepRegistry, world: Any, cleanup: Callable[[], None]) -> None:
    """Run every step of ``scenario`` against ``world``; ``cleanup`` runs whatever happens."""
    require("compatibility-suite/features")
    try:
        for step in scenario.steps:
            try:
                steps.run(world, step)
            except AssertionError as exc:
                raise AssertionError(f"{scenario.id}\n  step failed: {step}\n{exc}") from None
    finally:
        cleanup()


def add_interaction_steps(steps: StepRegistry, *, interaction: str, state_of: str = "") -> None:
    """The consumer steps giving the interaction being defined a provider state (with data), a key, pending or a
    comment, kept in ``world.states`` and ``world.v4_attributes``. ``interaction`` names it as the feature does
    (``HTTP interaction``); ``state_of`` follows ``a provider state "X"`` (`` for the message``)."""

    @steps.given(rf'a provider state "([^"]*)"{state_of} is specified')
    def _state(world: Any, step: Step, name: str) -> None:
        world.states.append((name, {}))

    @steps.given(rf'a provider state "([^"]*)"{state_of} is specified with the following data:')
    def _state_data(world: Any, step: Step, name: str) -> None:
        [record] = table_records(step.table)
        world.states.append((name, {k: json.loads(v) for k, v in record.items()}))

    @steps.given(rf'a key of "([^"]*)" is specified for the {interaction}')
    def _key(world: Any, step: Step, key: str) -> None:
        world.v4_attributes["key"] = key

    @steps.given(rf"the {interaction} is marked as pending")
    def _pending(world: Any, step: Step) -> None:
        world.v4_attributes["pending"] = True

    @steps.given(rf'a comment "([^"]*)" is added to the {interaction}')
    def _comment(world: Any, step: Step, text: str) -> None:
        world.v4_attributes["comment"] = text


def state_calls(world: Any, action: str) -> list[Any]:
    """The provider-state callback calls the stub provider of ``world`` saw for ``action`` (setup, teardown)."""
    assert world.provider is not None
    return [c for c in world.provider.calls if c.action == action]


def add_verifier_steps(steps: StepRegistry) -> None:
    """The provider steps on the state callback's calls and on what the verifier printed (``world.report``)."""

    @steps.then(r"the provider state callback will be called (before|after) the verification is run")
    def _called(world: Any, step: Step, when: str) -> None:
        assert state_calls(world, "setup" if when == "before" else "teardown"), world.report

    @steps.then(
        r"the provider state callback will receive a (setup|teardown) call (?:with )?"
        r'"([^"]*)" as the provider state parameter'
    )
    def _call_with(world: Any, step: Step, action: str, state: str) -> None:
        assert state in [c.state for c in state_calls(world, action)], state_calls(world, action)

    @steps.then(r'the comment "([^"]*)" will have been printed to the console')
    def _comment(world: Any, step: Step, comment: str) -> None:
        assert comment in world.report, world.report

    @steps.then(r'the "([^"]*)" will displayed as the original test name')
    def _test_name(world: Any, step: Step, name: str) -> None:
        assert name in world.report, world.report

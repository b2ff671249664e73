"""The mock provider's quick request test says "matches" only where `compare_request` finds nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pact_spec import params, require

from polycontract.codec import parse_request
from polycontract.matching import compare_request
from polycontract.matching._quick import request_matches
from polycontract.model import Body, Matcher, Request, RuleSet

SPECS = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}


def _request_cases(testcases: Path) -> list[Any]:
    names = sorted(
        str(p.relative_to(testcases))
        for p in testcases.rglob("*.json")
        if p.relative_to(testcases).parts[1] == "request"
    )
    return [pytest.param(name, testcases / name, id=name) for name in names]


CASES = params("testcases", _request_cases, width=2)


@pytest.mark.parametrize(("name", "path"), CASES)
def test_quick_acceptance_never_contradicts_compare_request(name: str, path: Path) -> None:
    testcases = require("testcases")
    case = json.loads(path.read_text(encoding="utf-8-sig"))
    spec = SPECS[path.relative_to(testcases).parts[0]]
    expected = parse_request(case["expected"], spec=spec)
    actual = parse_request(case["actual"], spec=spec)
    if request_matches(expected, actual, spec=spec):
        assert compare_request(expected, actual, spec=spec) == []


def _regex(pattern: str) -> RuleSet:
    return RuleSet(matchers=(Matcher(match="regex", params={"regex": pattern}),))


EXPECTED = Request(
    method="POST",
    path="/users",
    query={"limit": ("10",), "customer": ("7",)},
    headers={"Authorization": ("Bearer abc",), "Accept": ("application/json",)},
    body=Body(content={"name": "Ann"}, content_type="application/json"),
    matching_rules={"query": {"limit": _regex(r"\d+")}, "header": {"authorization": _regex(r"Bearer \w+")}},
)
SENT = {
    "method": "post",
    "path": "/users",
    "query": {"limit": ("25",), "customer": ("7",)},
    "headers": {
        "authorization": ("Bearer xyz",),
        "accept": ("application/json",),
        "Content-Type": ("application/json",),
    },
    "body": Body(content=b'{"name": "Ann"}', content_type="application/json"),
}


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, True),
        ({"method": "PUT"}, False),
        ({"path": "/users/"}, False),
        ({"query": {"limit": ("x",), "customer": ("7",)}}, False),
        # A regex rule judges each repeated value (compatibility suite, V2/http_consumer).
        ({"query": {"limit": ("1", "2"), "customer": ("7",)}}, True),
        ({"query": {"limit": ("1", "x"), "customer": ("7",)}}, False),
        ({"query": {"limit": ("1",), "customer": ("7",), "extra": ("1",)}}, False),
        ({"query": {"limit": ("1",)}}, False),
        ({"headers": {"Accept": ("application/json",)}}, False),
        ({"headers": {"Authorization": ("Basic x",), "Accept": ("application/json",)}}, False),
        ({"headers": {"Authorization": ("Bearer a, Bearer b",), "Accept": ("application/json",)}}, False),
        ({"body": Body(content=b'{"name": "Bob"}', content_type="application/json")}, False),
        ({"body": Body(content=b'{"name": "Ann", "x": 1}', content_type="application/json")}, False),
    ],
)
def test_quick_acceptance_agrees_on_usual_requests(change: dict[str, object], accepted: bool) -> None:
    actual = Request(**{**SENT, **change})  # type: ignore[arg-type]
    assert request_matches(EXPECTED, actual, spec="V4") is accepted
    assert (compare_request(EXPECTED, actual, spec="V4") == []) is accepted


def test_v1_and_path_rules_are_left_to_compare_request() -> None:
    actual = Request(**SENT)  # type: ignore[arg-type]
    assert request_matches(EXPECTED, actual, spec="V4")
    assert not request_matches(EXPECTED, actual, spec="V1")
    with_path_rule = Request(path="/a/1", matching_rules={"path": {"": _regex(r"/a/\d+")}})
    assert not request_matches(with_path_rule, Request(path="/a/1"), spec="V4")

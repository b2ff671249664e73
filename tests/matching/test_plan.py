"""Compiled JSON plans give exactly the reference walker's mismatches, and cached plans never mix up objects.

The differential property draws an expected JSON value, rules on paths of it (exact, wildcard and
past-the-end indices; type/min/max, regex, integer, decimal, number, equality, include, null,
boolean, date, semver, notEmpty and the container matchers the plan hands to the walker, combined
with AND or OR) and an actual value derived from the expected one, then compares the plan with
`compare_json` for requests (strict) and responses (lenient): same paths, messages and order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pact_spec import require

from polycontract._paths import STAR, Token, render_path
from polycontract.codec import parse_message, parse_request, parse_response
from polycontract.matching import _body, compare_message, compare_request, compare_response
from polycontract.matching._cache import IdentityCache
from polycontract.matching._json import compare_json
from polycontract.matching._plan import compile_plan
from polycontract.matching._select import compile_rules
from polycontract.model import Body, Matcher, Mismatch, Request, Response, RuleSet

SPECS = {"v1": "V1", "v1.1": "V1.1", "v2": "V2", "v3": "V3", "v4": "V4"}
KEYS = st.sampled_from(["a", "b", "id", "x y", "n2"])
TEXTS = ["", "a", "abc", "A1", "42", "2020-02-29", "2021-02-29", "2024-11-31", "2024-11-30T10:00:00", "1.2.3", "x.y"]
SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.5, -1.5, 2.0, 1e3]) | st.sampled_from(TEXTS)
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=10
)
MATCHERS = [
    Matcher(match="type"),
    Matcher(match="type", params={"min": 1}),
    Matcher(match="type", params={"max": 1}),
    Matcher(match="min", params={"min": 2}),
    Matcher(match="max", params={"max": 2}),
    Matcher(match="regex", params={"regex": "a.*"}),
    Matcher(match="regex", params={"regex": r"\d+"}),
    Matcher(match="integer"),
    Matcher(match="decimal"),
    Matcher(match="number"),
    Matcher(match="equality"),
    Matcher(match="include", params={"value": "a"}),
    Matcher(match="null"),
    Matcher(match="boolean"),
    Matcher(match="date", params={"format": "yyyy-MM-dd"}),
    Matcher(match="datetime", params={"format": "yyyy-MM-dd'T'HH:mm:ss"}),
    Matcher(match="date"),
    Matcher(match="date", params={"format": "yyyy-{MM"}),  # a bad format: `check` reports it
    Matcher(match="time", params={"format": "HH:mm[:ss]"}),
    Matcher(match="semver"),
    Matcher(match="notEmpty"),
    Matcher(match="values"),
    Matcher(match="eachKey", params={"rules": [{"match": "regex", "regex": "[a-z]+"}]}),
    Matcher(match="eachValue", params={"rules": [{"match": "type"}]}),
    Matcher(
        match="arrayContains", params={"variants": [{"index": 0, "rules": {"$": {"matchers": [{"match": "type"}]}}}]}
    ),
]
RULE_SETS = st.builds(
    lambda matchers, combine: RuleSet(matchers=tuple(matchers), combine=combine),
    st.lists(st.sampled_from(MATCHERS), min_size=1, max_size=2),
    st.sampled_from(["AND", "OR"]),
)


def places(value: Any, at: tuple[Token, ...] = ()) -> list[tuple[Token, ...]]:
    """The token path of every node of ``value``, and of one index past the end of each list."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += places(item, (*at, i))
        found.append((*at, len(value) + 1))
    return found


@st.composite
def rules_for(draw: st.DrawFn, value: Any) -> dict[str, RuleSet]:
    rules: dict[str, RuleSet] = {}
    for tokens in draw(st.lists(st.sampled_from(places(value)), max_size=4)):
        starred = tuple(STAR if draw(st.integers(0, 3)) == 0 else token for token in tokens)
        rules[render_path(starred)] = draw(RULE_SETS)
    return rules


@st.composite
def variant_of(draw: st.DrawFn, value: Any) -> Any:
    """A value close to ``value``: some leaves changed, keys dropped or added, lists grown or cut."""
    if draw(st.integers(0, 7)) == 0:
        return draw(VALUES)
    if isinstance(value, dict):
        fields = {k: draw(variant_of(v)) for k, v in value.items() if draw(st.integers(0, 7))}
        if draw(st.integers(0, 5)) == 0:
            fields[draw(KEYS)] = draw(SCALARS)
        return fields
    if isinstance(value, list):
        items, grow = [draw(variant_of(v)) for v in value], draw(st.booleans())
        if value and grow:
            items += [draw(variant_of(value[0])) for _ in range(draw(st.integers(1, 4)))]
        elif items and draw(st.integers(0, 3)) == 0:
            items.pop()
        return items
    return value if draw(st.booleans()) else draw(SCALARS)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), lenient=st.booleans())
def test_plan_gives_the_walkers_mismatches(data: st.DataObject, lenient: bool) -> None:
    expected = data.draw(VALUES, label="expected")
    rules = data.draw(rules_for(expected), label="rules")
    plan = compile_plan(expected, compile_rules(rules), lenient=lenient)
    for n in range(2):  # the same plan serves several actual values (and compiles extra items lazily)
        actual = data.draw(variant_of(expected), label=f"actual {n}")
        reference = compare_json(expected, actual, compile_rules(rules), path="$.body", allow_extra_keys=lenient)
        assert plan.compare(actual, path="$.body") == reference


def test_plan_compiles_items_past_the_expected_ones_per_named_index() -> None:
    rules = {
        "$.items": RuleSet(matchers=(Matcher(match="type"),)),
        "$.items[3]": RuleSet(matchers=(Matcher(match="integer"),)),
    }
    expected, actual = {"items": [1.5]}, {"items": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]}
    plan = compile_plan(expected, compile_rules(rules), lenient=False)
    found = plan.compare(actual, path="$.body")
    assert [m.path for m in found] == ["$.body.items[3]"]
    assert found == compare_json(expected, actual, compile_rules(rules), path="$.body", allow_extra_keys=False)


def test_plan_renders_paths_of_unusual_keys_like_the_walker() -> None:
    expected = {"a b": {"c.d": [1, {"é": 2}]}}
    actual = {"a b": {"c.d": [1, {"é": 3}]}}
    found = compile_plan(expected, compile_rules(None), lenient=False).compare(actual, path="$.body")
    assert [m.path for m in found] == ["$.body['a b']['c.d'][1]['é']"]


def test_every_conformance_case_gets_the_same_mismatches_from_walker_and_plan() -> None:
    testcases = require("testcases")
    parse: dict[str, Callable[..., Any]] = {
        "request": parse_request,
        "response": parse_response,
        "message": parse_message,
    }
    compare: dict[str, Callable[..., list[Mismatch]]] = {
        "request": compare_request,
        "response": compare_response,
        "message": compare_message,
    }
    cases = sorted(testcases.rglob("*.json"))
    assert len(cases) == 803
    for path in cases:
        version, kind = path.relative_to(testcases).parts[:2]
        case, spec = json.loads(path.read_text(encoding="utf-8-sig")), SPECS[version]
        expected, actual = parse[kind](case["expected"], spec=spec), parse[kind](case["actual"], spec=spec)
        first = compare[kind](expected, actual, spec=spec)  # the walker
        assert compare[kind](expected, actual, spec=spec) == first, path  # a compiled plan
        assert compare[kind](expected, actual, spec=spec) == first, path  # the same plan, from the cache
        assert (not first) == case["match"], path


# -- the cache of prepared expected bodies --------------------------------------------------------
def _request(body: Any, rules: dict[str, Any] | None = None) -> Request:
    raw: dict[str, Any] = {"method": "POST", "path": "/", "headers": {"Content-Type": "application/json"}, "body": body}
    if rules:
        raw["matchingRules"] = {"body": rules}
    return parse_request(raw, spec="V3")


def _actual(body: Any) -> Request:
    content = Body(content=json.dumps(body).encode(), content_type="application/json")
    return Request(method="POST", path="/", headers={"Content-Type": ("application/json",)}, body=content)


def test_equal_expected_bodies_with_different_rules_each_get_their_own_answer() -> None:
    strict = _request({"id": 1})
    typed = _request({"id": 1}, {"$.id": {"matchers": [{"match": "integer"}]}})
    assert strict.body == typed.body and strict.body is not typed.body
    actual = _actual({"id": 2})
    for _ in range(2):
        assert [m.path for m in compare_request(strict, actual)] == ["$.body.id"]
        assert compare_request(typed, actual) == []


def test_one_body_object_shared_by_two_requests_follows_each_requests_rules() -> None:
    strict = _request({"id": 1})
    typed = Request(
        method="POST",
        path="/",
        headers=strict.headers,
        body=strict.body,
        matching_rules={"body": {"$.id": RuleSet(matchers=(Matcher(match="integer"),))}},
    )
    actual = _actual({"id": 2})
    for _ in range(2):
        assert compare_request(typed, actual) == []
        assert [m.path for m in compare_request(strict, actual)] == ["$.body.id"]


def test_the_same_expected_object_twice_compiles_once_and_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[object] = []
    original = compile_plan

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_body, "compile_plan", counting)
    expected = _request({"id": 1, "tags": ["a"]}, {"$.tags": {"matchers": [{"match": "type", "min": 1}]}})
    good, bad = _actual({"id": 1, "tags": ["b", "c"]}), _actual({"id": 2, "tags": []})
    first = (compare_request(expected, good), compare_request(expected, bad))
    second = (compare_request(expected, good), compare_request(expected, bad))
    assert first == second
    assert first[0] == [] and [m.path for m in first[1]] == ["$.body.id", "$.body.tags"]
    assert len(compiled) == 1


def test_a_request_given_as_a_dict_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_body, "_PREPARED", IdentityCache(size=4))
    raw = {"method": "GET", "path": "/", "body": {"id": 1}}
    assert compare_request(raw, raw, spec="V3") == []
    assert len(_body._PREPARED) == 0


def test_short_lived_expected_objects_never_get_a_stale_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_body, "_PREPARED", IdentityCache(size=3))  # evictions, and ids reused after them
    for n in range(200):
        expected = parse_response({"status": 200, "body": {"n": n}}, spec="V3")
        assert compare_response(expected, Response(status=200, body=Body(content={"n": n}))) == []
        assert len(compare_response(expected, Response(status=200, body=Body(content={"n": n + 1})))) == 1
        del expected


def test_identity_cache_tells_equal_objects_apart_and_stays_bounded() -> None:
    cache: IdentityCache[str] = IdentityCache(size=2)
    a, b = ["x"], ["x"]
    assert cache.get((a,), "tag", lambda: "a") == "a"
    assert cache.get((b,), "tag", lambda: "b") == "b"
    assert cache.get((a,), "tag", lambda: "rebuilt") == "a"
    assert cache.get((a,), "other tag", lambda: "a, other tag") == "a, other tag"
    assert len(cache) == 2

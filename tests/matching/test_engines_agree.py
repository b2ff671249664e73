"""The three JSON matching engines agree on bodies declared with `polycontract.match`, without external data.

The reference is the walker (`compare_json`). A compiled plan (`compile_plan`) must give exactly its
mismatches: same paths, messages and order, strict and lenient. The quick request test
(`request_matches`) must say "matches" exactly when the walker finds nothing, for the usual JSON
request; and the quick tests of single matchers (`accept_for`) may only accept what `check` accepts.

Bodies are trees of matchers drawn from the consumer DSL; actual values are drawn either from the
rules (each node knows a strategy of values it accepts) or perturbed from such a value (a type
changed, keys dropped or added, arrays grown or cut, strings that break a regex).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeAlias

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract import match
from polycontract.matching import compare_request, compare_response
from polycontract.matching._fast import accept_for
from polycontract.matching._json import compare_json
from polycontract.matching._matchers import check
from polycontract.matching._plan import compile_plan
from polycontract.matching._quick import request_matches
from polycontract.matching._select import compile_rules
from polycontract.model import Body, Mismatch, Request, Response, RuleSet

#: A declared body part and a strategy of actual values its rules accept.
Node: TypeAlias = tuple[Any, st.SearchStrategy[Any]]

KEYS = st.sampled_from(["id", "name", "a b", "x.y", "é", "n2"])
#: Strings that break the patterns and formats below, and other scalars of every JSON type.
ODD_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.5, -1.5, 2.0])
    | st.sampled_from(["", "A", "ab!", "42x", "2024-13-01", "25:61", "not a uuid", "1.2", "ZZ"])
)
ODD_VALUES = st.recursive(
    ODD_SCALARS, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(KEYS, inner, max_size=2), max_leaves=4
)
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=4)
MOMENTS = st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
REGEXES = [("[a-z]{1,4}", "ab"), ("[0-9]{2,3}", "42"), ("(red|green)-[0-9]", "red-1")]


def _strftime(fmt: str) -> Callable[[dt.datetime], str]:
    return lambda d: d.strftime(fmt)


def _leaf(kind: str, draw: st.DrawFn) -> Node:
    """One scalar matcher (or plain value) and the values it accepts."""
    if kind == "plain":
        plain: Any = draw(st.sampled_from(["Ann", 7, 2.5, True, None]))
        return plain, st.just(plain)
    if kind == "like":
        liked: Any = draw(st.sampled_from(["Ann", 7, True]))
        same = {str: TEXT, int: st.integers(), bool: st.booleans()}[type(liked)]
        return match.like(liked), same
    if kind == "integer":
        return match.integer(draw(st.integers(-5, 5))), st.integers(-(10**6), 10**6)
    if kind == "decimal":
        return match.decimal(1.5), st.integers(-100, 100).map(lambda i: i + 0.25)
    if kind == "number":
        return match.number(draw(st.sampled_from([3, 2.5]))), st.integers(-99, 99) | st.floats(-1e6, 1e6)
    if kind == "boolean":
        return match.boolean(draw(st.booleans())), st.booleans()
    if kind == "string":
        return match.string("text"), TEXT
    if kind == "regex":
        pattern, example = draw(st.sampled_from(REGEXES))
        return match.regex(pattern, example), st.from_regex(pattern, fullmatch=True)
    if kind == "temporal":
        return draw(st.sampled_from(_TEMPORALS))()
    if kind == "uuid":
        return match.uuid(), st.uuids().map(str)
    if kind == "includes":
        return match.includes("ab"), st.tuples(TEXT, TEXT).map(lambda t: t[0] + "ab" + t[1])
    if kind == "null":
        return match.null(), st.none()
    if kind == "any_of":
        return match.any_of(match.null(), match.integer(1)), st.none() | st.integers()
    if kind == "all_of":
        return match.all_of(match.like("ab"), match.regex("[a-z]+", "ab")), st.from_regex("[a-z]+", fullmatch=True)
    if kind == "not_empty":
        return match.not_empty("x"), TEXT.filter(bool)
    if kind == "semver":
        return match.semver("1.2.3"), st.tuples(*[st.integers(0, 20)] * 3).map(lambda t: "{}.{}.{}".format(*t))
    exact: Any = draw(st.sampled_from([{"a": 1}, [1, "x"], "exact"]))  # equals
    return match.equals(exact), st.just(exact)


_TEMPORALS: list[Callable[[], Node]] = [
    lambda: (match.date("2024-02-29"), MOMENTS.map(_strftime("%Y-%m-%d"))),
    lambda: (match.date("29/02/24", format="%d/%m/%y"), MOMENTS.map(_strftime("%d/%m/%y"))),
    lambda: (match.datetime("2024-05-01T10:00:00+00:00"), MOMENTS.map(_strftime("%Y-%m-%dT%H:%M:%S+00:00"))),
    lambda: (match.datetime("2024-05-01 10:00", format="%Y-%m-%d %H:%M"), MOMENTS.map(_strftime("%Y-%m-%d %H:%M"))),
    lambda: (match.time("10:00:00"), MOMENTS.map(_strftime("%H:%M:%S"))),
    lambda: (match.time("10:00 AM", format="%I:%M %p"), MOMENTS.map(_strftime("%I:%M %p"))),
]
LEAVES = [
    "plain", "like", "integer", "decimal", "number", "boolean", "string", "regex", "temporal", "uuid",
    "includes", "null", "semver", "equals", "any_of", "all_of", "not_empty",
]  # fmt: skip
CONTAINERS = ["object", "array", "like_object", "each_like", "each_key", "each_value", "values", "array_containing"]


@st.composite
def nodes(draw: st.DrawFn, depth: int = 2) -> Node:
    """A body part declared with the DSL, and a strategy of actual values its rules accept."""
    kind = draw(st.sampled_from(LEAVES + (CONTAINERS if depth else [])))
    if kind in LEAVES:
        return _leaf(kind, draw)
    if kind == "object" or kind == "like_object":
        fields = draw(st.dictionaries(KEYS, nodes(depth - 1), min_size=1, max_size=3))
        declared = {k: d for k, (d, _) in fields.items()}
        accepted = st.fixed_dictionaries({k: s for k, (_, s) in fields.items()})
        if kind == "object":
            return declared, accepted
        bounds = draw(st.sampled_from([{}, {"min": 1}, {"max": 3}]))
        return match.like(declared, **bounds), accepted
    if kind == "array":
        items = draw(st.lists(nodes(depth - 1), min_size=1, max_size=3))
        return [d for d, _ in items], st.tuples(*[s for _, s in items]).map(list)
    if kind == "each_like":
        item, accepted = draw(nodes(depth - 1))
        low = draw(st.integers(0, 2))
        high = draw(st.none() | st.integers(max(low, 1), 3))
        return match.each_like(item, min=low, max=high), st.lists(
            accepted, min_size=low, max_size=3 if high is None else high
        )
    if kind == "each_key":
        key = draw(KEYS.filter(str.isalpha).filter(str.isascii))
        value, accepted = draw(nodes(depth - 1))
        keys = st.from_regex("[a-z]{1,3}", fullmatch=True)
        return match.each_key({key: value}, match.regex("[a-z]+", key)), st.dictionaries(
            keys, accepted, max_size=3
        ).map(lambda d: {key: match.example_of(value), **d})
    if kind == "each_value":
        pattern, example = draw(st.sampled_from(REGEXES))
        rule = match.regex(pattern, example)
        values = st.from_regex(pattern, fullmatch=True)
        if draw(st.booleans()):
            return match.each_value([example], rule), st.lists(values, max_size=3)
        return match.each_value({"k": example}, rule), st.dictionaries(KEYS, values, max_size=3)
    if kind == "values":
        value, accepted = draw(nodes(depth - 1))
        return match.values({"k": value}), st.dictionaries(KEYS, accepted, max_size=3)
    variants = draw(st.lists(nodes(depth - 1), min_size=1, max_size=2))  # array_containing
    others = st.lists(ODD_VALUES, max_size=2)
    found = st.tuples(*[s for _, s in variants]).map(list)
    return match.array_containing([d for d, _ in variants]), st.tuples(found, others).flatmap(
        lambda t: st.permutations(t[0] + t[1])
    )


@st.composite
def perturbed(draw: st.DrawFn, value: Any) -> Any:
    """A value near ``value``: a type changed, keys dropped or added, arrays grown or cut, odd strings."""
    if draw(st.integers(0, 6)) == 0:
        return draw(ODD_VALUES)
    if isinstance(value, dict):
        fields = {k: draw(perturbed(v)) for k, v in value.items() if draw(st.integers(0, 5))}
        if draw(st.integers(0, 4)) == 0:
            fields[draw(KEYS)] = draw(ODD_SCALARS)
        return fields
    if isinstance(value, list):
        items = [draw(perturbed(v)) for v in value]
        change = draw(st.integers(0, 3))
        if change == 0 and value:
            items += [draw(perturbed(value[0])) for _ in range(draw(st.integers(1, 3)))]
        elif change == 1 and items:
            items.pop()
        return items
    return value if draw(st.booleans()) else draw(ODD_SCALARS)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[Any, dict[str, RuleSet], Any, bool]:
    """(expected example, rules by path, actual value, whether it was drawn from the rules)."""
    fields = draw(st.dictionaries(KEYS, nodes(), min_size=1, max_size=3), label="declared")
    compiled = match.compile({k: d for k, (d, _) in fields.items()})
    accepted = draw(st.fixed_dictionaries({k: s for k, (_, s) in fields.items()}), label="accepted")
    conforming = draw(st.booleans())
    actual = accepted if conforming else draw(perturbed(accepted), label="perturbed")
    return compiled.example, compiled.rules, actual, conforming


def walker(expected: Any, rules: dict[str, RuleSet], actual: Any, *, lenient: bool) -> list[Mismatch]:
    return compare_json(expected, actual, compile_rules(rules), path="$.body", allow_extra_keys=lenient)


def plan(expected: Any, rules: dict[str, RuleSet], actual: Any, *, lenient: bool) -> list[Mismatch]:
    return compile_plan(expected, compile_rules(rules), lenient=lenient).compare(actual, path="$.body")


def _request(body: Any, rules: dict[str, RuleSet] | None = None) -> Request:
    headers = {"Content-Type": ("application/json",)}
    content = body if rules is not None else json.dumps(body).encode()
    return Request(
        method="POST",
        path="/orders",
        headers=headers,
        body=Body(content=content, content_type="application/json"),
        matching_rules={"body": rules} if rules else {},
    )


@settings(max_examples=250, deadline=None)
@given(body=bodies(), lenient=st.booleans())
def test_walker_and_plan_give_the_same_mismatches(
    body: tuple[Any, dict[str, RuleSet], Any, bool], lenient: bool
) -> None:
    expected, rules, actual, conforming = body
    reference = walker(expected, rules, actual, lenient=lenient)
    if conforming:
        assert reference == []
    assert plan(expected, rules, actual, lenient=lenient) == reference


@settings(max_examples=150, deadline=None)
@given(body=bodies())
def test_quick_request_test_says_matches_exactly_when_the_walker_finds_nothing(
    body: tuple[Any, dict[str, RuleSet], Any, bool],
) -> None:
    expected, rules, actual, _ = body
    if not isinstance(actual, (dict, list)):
        actual = {"value": actual}  # a JSON string body may hold JSON text, which `compare_body` decodes again
    reference = walker(expected, rules, actual, lenient=False)
    exp_request, act_request = _request(expected, rules), _request(actual)
    assert compare_request(exp_request, act_request) == reference  # by the walker: the first comparison
    assert compare_request(exp_request, act_request) == reference  # by the compiled plan, from the cache
    assert request_matches(exp_request, act_request, spec="V4") is (reference == [])
    lenient = walker(expected, rules, actual, lenient=True)
    exp_response = Response(
        status=200, headers=exp_request.headers, body=exp_request.body, matching_rules={"body": rules}
    )
    act_response = Response(status=200, headers=act_request.headers, body=act_request.body)
    assert compare_response(exp_response, act_response) == lenient
    assert compare_response(exp_response, act_response) == lenient
    plain = _request(expected, {})  # no rules: the quick JSON test decides alone
    assert request_matches(plain, act_request, spec="V4") is (walker(expected, {}, actual, lenient=False) == [])


@st.composite
def leaf_cases(draw: st.DrawFn) -> tuple[Any, Any]:
    declared, accepted = _leaf(draw(st.sampled_from(LEAVES)), draw)
    actual = draw(accepted | ODD_SCALARS | TEXT)
    return declared, actual


@settings(max_examples=300, deadline=None)
@given(case=leaf_cases())
def test_quick_matcher_tests_accept_only_what_check_accepts(case: tuple[Any, Any]) -> None:
    declared, actual = case
    compiled = match.compile(declared)
    rule_set = compiled.rules.get("$")
    for matcher in rule_set.matchers if rule_set else ():
        accept = accept_for(matcher, compiled.example)
        if accept is not None and accept(actual):
            assert check(matcher, compiled.example, actual) is None, (matcher, actual)

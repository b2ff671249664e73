"""The cold path (an expected body compared once) gives exactly the reference walker's answer.

`json_accepts` says "no mismatch" exactly when `compare_json` finds none (container matchers aside,
where it defers to the walker), whatever the rules, their order, wildcards and past-the-end
indices; rule selection shared between rule sets at the same paths never carries one rule set's
matchers into another; the quick header and query tests say "matches" only when the full
comparison finds nothing; and fresh expected objects read from the same pact text get the answers
one reused object gets.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract._paths import STAR, Token, render_path
from polycontract.codec import parse_request, parse_response
from polycontract.matching import compare_request, compare_response
from polycontract.matching._accept import json_accepts
from polycontract.matching._http import compare_headers, compare_query
from polycontract.matching._json import compare_json
from polycontract.matching._quick import headers_match, query_matches
from polycontract.matching._select import compile_rules
from polycontract.matching._shape import shape_of
from polycontract.model import Matcher, RuleSet

KEYS = st.sampled_from(["a", "b", "id", "x y", "2"])
TEXTS = ["", "a", "abc", "A1", "42", "2020-02-29", "2021-02-29", "2024-11-30T10:00:00", "10:30", "1.2.3", "x.y"]
SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.5, -1.5, 2.0, 1e3]) | st.sampled_from(TEXTS)
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=10
)
VALUE_MATCHERS = [
    Matcher(match="type"),
    Matcher(match="type", params={"min": 1}),
    Matcher(match="type", params={"max": 1}),
    Matcher(match="type", params={"min": 1.0}),
    Matcher(match="min", params={"min": 2}),
    Matcher(match="max", params={"max": 2}),
    Matcher(match="regex", params={"regex": "a.*"}),
    Matcher(match="regex", params={"regex": r"\d+"}),
    Matcher(match="regex", params={"regex": "(unclosed"}),
    Matcher(match="integer"),
    Matcher(match="decimal"),
    Matcher(match="real"),
    Matcher(match="number"),
    Matcher(match="equality"),
    Matcher(match="include", params={"value": "a"}),
    Matcher(match="include", params={"value": 4}),
    Matcher(match="null"),
    Matcher(match="boolean"),
    Matcher(match="date", params={"format": "yyyy-MM-dd"}),
    Matcher(match="datetime", params={"format": "yyyy-MM-dd'T'HH:mm:ss"}),
    Matcher(match="date"),
    Matcher(match="date", params={"format": "yyyy-{MM"}),  # a bad format: `check` reports it
    Matcher(match="time", params={"format": "HH:mm"}),
    Matcher(match="semver"),
    Matcher(match="notEmpty"),
]
CONTAINER_MATCHERS = [
    Matcher(match="values"),
    Matcher(match="eachKey", params={"rules": [{"match": "regex", "regex": "[a-z]+"}]}),
    Matcher(match="eachValue", params={"rules": [{"match": "type"}]}),
    Matcher(match="arrayContains", params={"variants": [{"index": 0, "rules": {}}]}),
]


def rule_sets(matchers: list[Matcher]) -> st.SearchStrategy[RuleSet]:
    return st.builds(
        lambda chosen, combine: RuleSet(matchers=tuple(chosen), combine=combine),
        st.lists(st.sampled_from(matchers), min_size=1, max_size=2),
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
def rule_paths(draw: st.DrawFn, value: Any) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(places(value)), max_size=5))
    return list(
        dict.fromkeys(render_path(tuple(STAR if draw(st.integers(0, 3)) == 0 else t for t in p)) for p in chosen)
    )


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
        items: list[Any] = [draw(variant_of(v)) for v in value]
        grow: bool = draw(st.booleans())
        if value and grow:
            items += [draw(variant_of(value[0])) for _ in range(draw(st.integers(1, 4)))]
        elif items and draw(st.integers(0, 3)) == 0:
            items.pop()
        return items
    return value if draw(st.booleans()) else draw(SCALARS)


def walker_finds_nothing(expected: Any, actual: Any, rules: dict[str, RuleSet], lenient: bool) -> bool:
    return compare_json(expected, actual, compile_rules(rules), path="$.body", allow_extra_keys=lenient) == []


@settings(max_examples=600, deadline=None)
@given(data=st.data(), lenient=st.booleans())
def test_quick_walk_says_no_mismatch_exactly_when_the_walker_finds_none(data: st.DataObject, lenient: bool) -> None:
    expected = data.draw(VALUES, label="expected")
    paths = data.draw(rule_paths(expected), label="paths")
    # The same paths with two sets of matchers: the compiled selection is shared, the matchers are not.
    for n in range(2):
        rules = {p: data.draw(rule_sets(VALUE_MATCHERS), label=f"rules {n}") for p in paths}
        for m in range(2):
            actual = data.draw(variant_of(expected), label=f"actual {n}.{m}")
            assert json_accepts(expected, actual, rules, lenient=lenient) is walker_finds_nothing(
                expected, actual, rules, lenient
            )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), lenient=st.booleans())
def test_quick_walk_defers_to_the_walker_under_container_matchers(data: st.DataObject, lenient: bool) -> None:
    expected = data.draw(VALUES, label="expected")
    paths = data.draw(rule_paths(expected), label="paths")
    rules = {p: data.draw(rule_sets(VALUE_MATCHERS + CONTAINER_MATCHERS)) for p in paths}
    actual = data.draw(variant_of(expected), label="actual")
    if json_accepts(expected, actual, rules, lenient=lenient):
        assert walker_finds_nothing(expected, actual, rules, lenient)


def test_rule_selection_memo_stays_bounded_by_the_keys_rules_name() -> None:
    root = shape_of(("$.items[*].id", "$.named"))
    for i in range(5_000):
        root.descend(f"field{i}")
    assert len(root.memo) <= 513
    assert root.descend("named").best == (1, 8, False)
    assert root.descend("field9999").best is None
    items = root.descend("items")
    assert items.descend(4321).descend("id").best == (0, 32, False)


HEADER_VALUES = st.sampled_from(["a", "A", "a, b", "a,b", "42", "text/plain", "text/plain; charset=UTF-8", ""])
HEADER_RULES = [
    Matcher(match="regex", params={"regex": "[a-z, ]+"}),
    Matcher(match="integer"),
    Matcher(match="type", params={"min": 2}),
    Matcher(match="equality"),
    Matcher(match="include", params={"value": "a"}),
]
NAMES = st.sampled_from(["Accept", "X-Id", "x-id", "Content-Type", "q"])
MULTIMAPS = st.dictionaries(NAMES, st.lists(HEADER_VALUES, min_size=1, max_size=2).map(tuple), max_size=3)


@settings(max_examples=400, deadline=None)
@given(
    expected=MULTIMAPS,
    actual=MULTIMAPS,
    rules=st.dictionaries(NAMES, rule_sets(HEADER_RULES), max_size=2),
    same=st.booleans(),
)
def test_quick_header_and_query_tests_match_only_what_the_full_comparison_accepts(
    expected: dict[str, tuple[str, ...]], actual: dict[str, tuple[str, ...]], rules: dict[str, RuleSet], same: bool
) -> None:
    if same:
        actual = dict(expected)
    if headers_match(expected, actual, rules):
        for media_types in (True, False):
            assert list(compare_headers(expected, actual, rules, media_types=media_types)) == []
    if query_matches(expected, actual, rules):
        assert list(compare_query(expected, actual, rules)) == []


ORDER_TEXT = json.dumps(
    {
        "method": "POST",
        "path": "/orders",
        "query": {"page": ["2"]},
        "headers": {"Content-Type": "application/json", "X-Id": "abc-1"},
        "body": {"id": 1, "at": "2024-01-31", "lines": [{"sku": "A-1", "qty": 1}], "note": None},
        "matchingRules": {
            "body": {
                "$.id": {"matchers": [{"match": "integer"}]},
                "$.at": {"matchers": [{"match": "date", "format": "yyyy-MM-dd"}]},
                "$.lines": {"matchers": [{"match": "type", "min": 1}]},
                "$.lines[*].sku": {"matchers": [{"match": "regex", "regex": "[A-Z]-\\d+"}]},
            },
            "header": {"X-Id": {"matchers": [{"match": "regex", "regex": "[a-z]+-\\d+"}]}},
            "query": {"page": {"matchers": [{"match": "integer"}]}},
        },
    }
)


@settings(max_examples=100, deadline=None)
@given(body=st.fixed_dictionaries({"id": SCALARS, "at": SCALARS, "lines": VALUES, "note": SCALARS}), page=SCALARS)
def test_fresh_expected_objects_get_the_answers_of_a_reused_one(body: dict[str, Any], page: Any) -> None:
    request = json.loads(ORDER_TEXT)
    actual = parse_request({**request, "body": body, "query": {"page": [str(page)]}, "matchingRules": {}}, spec="V3")
    reused = parse_request(json.loads(ORDER_TEXT), spec="V3")
    first = compare_request(reused, actual)  # walked
    assert compare_request(reused, actual) == first  # compiled plan
    for _ in range(2):
        assert compare_request(parse_request(json.loads(ORDER_TEXT), spec="V3"), actual) == first
    response_text = {"status": 200, "headers": request["headers"], "body": request["body"]}
    response_text["matchingRules"] = {"body": request["matchingRules"]["body"]}
    produced = parse_response({"status": 200, "headers": request["headers"], "body": body}, spec="V3")
    fresh = [compare_response(parse_response(response_text, spec="V3"), produced) for _ in range(2)]
    kept = parse_response(response_text, spec="V3")
    assert fresh[0] == fresh[1] == compare_response(kept, produced) == compare_response(kept, produced)

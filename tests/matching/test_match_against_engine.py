"""Property: every example a matcher accepts at declaration satisfies its own rules in the engine,
and values drawn from a matcher's own domain satisfy them too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract import match
from polycontract.matching import compare_request, compare_response
from polycontract.model import Body, Request, Response

PATTERNS = [r"\d+", r"[a-z]{2,5}", r"(GET|POST)", r"v\d+\.\d+\.\d+", r"[A-Z][a-z]*-\d{1,3}"]
FORMATS = ["%Y-%m-%d", "%H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%d/%m/%Y %H:%M"]
MOMENTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC))


@st.composite
def leaf_matchers(draw: st.DrawFn) -> match.MatchingValue:
    kind = draw(
        st.sampled_from(
            [
                "like",
                "regex",
                "integer",
                "decimal",
                "number",
                "boolean",
                "string",
                "datetime",
                "uuid",
                "includes",
                "null",
                "equals",
                "semver",
                "not_empty",
            ]
        )
    )
    if kind == "like":
        return match.like(draw(st.integers() | st.text(max_size=5) | st.booleans()))
    if kind == "regex":
        pattern = draw(st.sampled_from(PATTERNS))
        return match.regex(pattern, draw(st.from_regex(pattern, fullmatch=True)))
    if kind == "integer":
        return match.integer(draw(st.none() | st.integers(-(10**9), 10**9)))
    if kind == "decimal":
        return match.decimal(draw(st.none() | st.floats(-1e6, 1e6, allow_nan=False).filter(lambda f: f != int(f))))
    if kind == "number":
        return match.number(draw(st.none() | st.integers(-1000, 1000) | st.floats(-1e3, 1e3, allow_nan=False)))
    if kind == "boolean":
        return match.boolean(draw(st.none() | st.booleans()))
    if kind == "string":
        return match.string(draw(st.none() | st.text(max_size=8)))
    if kind == "datetime":
        fmt = draw(st.sampled_from(FORMATS))
        return match.datetime(draw(MOMENTS).strftime(fmt), format=fmt)
    if kind == "uuid":
        return match.uuid(draw(st.none() | st.uuids().map(str)))
    if kind == "includes":
        needle = draw(st.text("abc", min_size=1, max_size=3))
        return match.includes(needle, draw(st.text("xyz", max_size=3)) + needle)
    if kind == "null":
        return match.null()
    if kind == "equals":
        return match.equals(draw(st.integers() | st.text(max_size=4)))
    if kind == "semver":
        return match.semver(draw(st.none() | st.from_regex(r"[1-9][0-9]?\.[0-9]\.[0-9]", fullmatch=True)))
    return match.not_empty(draw(st.text(min_size=1, max_size=4) | st.integers(1, 9)))


keys = st.from_regex(r"[a-z][a-zA-Z0-9 ]{0,6}", fullmatch=True)
bodies = st.recursive(
    leaf_matchers() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.dictionaries(keys, inner, min_size=1, max_size=4)
        | st.builds(lambda e, n: match.each_like(e, min=n), inner, st.integers(1, 3))
        | st.builds(match.like, st.dictionaries(keys, inner, min_size=1, max_size=3))
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, bodies, min_size=1, max_size=5))
def test_compiled_example_matches_its_own_rules_in_a_response(body: dict[str, Any]) -> None:
    compiled = match.compile(body)
    expected = Response(
        status=200,
        body=Body(content=compiled.example, content_type="application/json"),
        matching_rules={"body": compiled.rules} if compiled.rules else {},
    )
    actual = Response(status=200, body=Body(content=compiled.example, content_type="application/json"))
    assert compare_response(expected, actual) == []


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, bodies, min_size=1, max_size=5))
def test_compiled_example_matches_its_own_rules_in_a_strict_request(body: dict[str, Any]) -> None:
    compiled = match.compile(body)
    expected = Request(
        method="POST",
        path="/",
        body=Body(content=compiled.example, content_type="application/json"),
        matching_rules={"body": compiled.rules} if compiled.rules else {},
    )
    actual = Request(method="POST", path="/", body=Body(content=compiled.example, content_type="application/json"))
    assert compare_request(expected, actual) == []


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(PATTERNS).flatmap(
        lambda p: st.tuples(st.just(p), st.from_regex(p, fullmatch=True), st.from_regex(p, fullmatch=True))
    )
)
def test_any_value_in_a_regex_domain_matches_the_rule(case: tuple[str, str, str]) -> None:
    pattern, example, other = case
    compiled = match.compile({"v": match.regex(pattern, example)})
    expected = Response(body=Body(content=compiled.example), matching_rules={"body": compiled.rules})
    assert compare_response(expected, Response(body=Body(content={"v": other}))) == []


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(FORMATS), MOMENTS, MOMENTS)
def test_any_moment_in_a_date_format_matches_the_rule(fmt: str, first: dt.datetime, second: dt.datetime) -> None:
    compiled = match.compile({"at": match.datetime(first.strftime(fmt), format=fmt)})
    expected = Response(body=Body(content=compiled.example), matching_rules={"body": compiled.rules})
    assert compare_response(expected, Response(body=Body(content={"at": second.strftime(fmt)}))) == []


def test_each_like_rejects_an_empty_array_in_the_engine() -> None:
    compiled = match.compile({"items": match.each_like({"id": match.integer(1)}, min=1)})
    expected = Response(body=Body(content=compiled.example), matching_rules={"body": compiled.rules})
    mismatches = compare_response(expected, Response(body=Body(content={"items": []})))
    assert [m.path for m in mismatches] == ["$.body.items"]
    assert "minimum size of 1" in mismatches[0].message


def test_each_like_checks_every_element_against_the_example() -> None:
    compiled = match.compile({"items": match.each_like({"id": match.integer(1)})})
    expected = Response(body=Body(content=compiled.example), matching_rules={"body": compiled.rules})
    actual = Response(body=Body(content={"items": [{"id": 1}, {"id": 2}, {"id": "3"}]}))
    assert [m.path for m in compare_response(expected, actual)] == ["$.body.items[2].id"]

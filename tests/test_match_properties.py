"""Properties of the consumer DSL: valid arguments never raise, and every example satisfies its own rules.

The examples are checked against the rule JSON directly (regex full match, Java date patterns,
numeric types, array bounds), without the matching engine.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from polycontract import match
from polycontract._javatime import format_java, matches_java_pattern, strftime_to_java

PATTERNS = [
    r"\d+",
    r"[a-z]{2,5}",
    r"[A-Z][a-z]*-\d{1,3}",
    r"(GET|POST|DELETE)",
    r"\w+@\w+\.com",
    r"[0-9a-f]{8}",
    r"v\d+\.\d+\.\d+(-rc\d)?",
    r"a|b|c",
    r"\s*x\s*",
    r"[^/]+/[^/]+",
]
# Locale-independent in the C locale that tests run with; %Y needs years >= 1000 to print four digits.
FORMATS = [
    "%Y-%m-%d",
    "%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%d/%m/%Y %H:%M",
    "%j %Y",
    "%Y%m%d%H%M%S",
    "%a, %d %b %Y %I:%M:%S %p",
    "%A %d %B %y",
]
OFFSETS = st.integers(min_value=-18 * 60 + 1, max_value=18 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
MOMENTS = st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=OFFSETS)

_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\.\*|\[\*\]|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")


def nodes_at(value: Any, path: str) -> list[Any]:
    """Every node of ``value`` that the rule path (``$.a[*]['b c']``) selects."""
    assert path.startswith("$")
    nodes, pos = [value], 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        assert m is not None, f"cannot parse {path!r} at {pos}"
        name, index, quoted = m.groups()
        if quoted is not None:
            name = re.sub(r"\\(.)", r"\1", quoted)
        if name is not None:
            nodes = [n[name] for n in nodes]
        elif index is not None:
            nodes = [n[int(index)] for n in nodes]
        else:
            nodes = [child for n in nodes for child in (n.values() if isinstance(n, dict) else n)]
        pos = m.end()
    return nodes


def satisfies(rule: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` passes one rule, as far as a check without the matching engine goes."""
    kind = rule["match"]
    if kind == "type":
        size_ok = not isinstance(value, (list, dict)) or (
            len(value) >= rule.get("min", 0) and len(value) <= rule.get("max", len(value))
        )
        return size_ok
    if kind == "regex":
        return isinstance(value, str) and re.fullmatch(rule["regex"], value) is not None
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, float)
    if kind in ("date", "time", "datetime"):
        return isinstance(value, str) and matches_java_pattern(value, rule["format"])
    raise AssertionError(f"no check for {rule}")


def assert_example_satisfies_its_rules(value: Any) -> None:
    compiled = match.compile(value)
    for path, rule_set in compiled.rules_json().items():
        nodes = nodes_at(compiled.example, path)
        assert nodes, f"no example node at {path}"
        for node in nodes:
            for rule in rule_set["matchers"]:
                assert satisfies(rule, node), (path, rule, node)


regex_cases = st.sampled_from(PATTERNS).flatmap(lambda p: st.tuples(st.just(p), st.from_regex(p, fullmatch=True)))


@settings(deadline=None)
@given(regex_cases)
def test_regex_with_an_example_drawn_from_its_pattern_is_accepted(case: tuple[str, str]) -> None:
    pattern, example = case
    matcher = match.regex(pattern, example)
    assert matcher.example == example
    assert_example_satisfies_its_rules(matcher)


@given(st.integers(), st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_integer_examples_within_bounds_are_accepted(example: int, below: int, above: int) -> None:
    plain = match.integer(example)
    bounded = match.integer(example, generate_min=example - below, generate_max=example + above)
    generated = match.integer(generate_min=example - below, generate_max=example + above)
    for matcher in (plain, bounded, generated):
        assert_example_satisfies_its_rules(matcher)
    assert example - below <= generated.example <= example + above


@settings(deadline=None)
@given(MOMENTS, st.sampled_from(FORMATS))
def test_datetimes_formatted_with_the_format_satisfy_the_java_pattern(moment: dt.datetime, fmt: str) -> None:
    assume("%y" not in fmt or 2000 <= moment.year <= 2099)  # Java reads two-digit years as 20yy
    text = moment.strftime(fmt)
    for build in (match.datetime, match.date, match.time):
        from_text = build(text, fmt)
        assert from_text.example == text
        assert_example_satisfies_its_rules(from_text)
    # The locale-free renderer agrees with strftime, so examples built from objects match as well.
    assert format_java(moment, strftime_to_java(fmt)) == text
    assert match.datetime(moment, fmt).example == text


@settings(deadline=None)
@given(st.sampled_from(FORMATS))
def test_temporal_matchers_without_example_render_one_that_matches(fmt: str) -> None:
    for build in (match.datetime, match.date, match.time):
        assert_example_satisfies_its_rules(build(None, fmt))


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | st.integers() | finite_floats | st.text(max_size=4)
leaf_matchers = st.one_of(
    st.integers().map(match.integer),
    finite_floats.map(match.decimal),
    regex_cases.map(lambda case: match.regex(*case)),
    MOMENTS.map(lambda moment: match.datetime(moment)),
    st.just(match.integer()),
)


@st.composite
def each_likes(draw: st.DrawFn, children: st.SearchStrategy[Any]) -> match.MatchingValue:
    low = draw(st.integers(min_value=0, max_value=3))
    extra = draw(st.none() | st.integers(min_value=0, max_value=3))
    high = None if extra is None else max(low, 1) + extra
    return match.each_like(draw(children), min=low, max=high)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        children.map(match.like),
        each_likes(children),
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
    )


bodies = st.recursive(scalars | leaf_matchers, containers, max_leaves=12)


@settings(deadline=None)
@given(bodies)
def test_nested_likes_and_each_likes_compile_to_examples_that_satisfy_their_rules(body: Any) -> None:
    assert_example_satisfies_its_rules(body)
    assert match.compile(body).example == match.example_of(body)


WHOLE_MINUTE_OFFSETS = st.integers(min_value=-18 * 60 + 1, max_value=18 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
AWARE = st.datetimes(
    min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=WHOLE_MINUTE_OFFSETS
)


@settings(deadline=None)
@given(AWARE, AWARE, st.sampled_from(["seconds", "milliseconds", "microseconds"]), st.booleans())
def test_datetime_of_an_iso_example_accepts_every_timestamp_written_in_the_same_shape(
    example: dt.datetime, other: dt.datetime, timespec: str, utc_as_z: bool
) -> None:
    """What ``isoformat(timespec=…)`` writes, with UTC as ``+00:00`` or ``Z``, fits the pattern of any such example."""

    def written(moment: dt.datetime) -> str:
        text = moment.isoformat(timespec=timespec)
        return text.replace("+00:00", "Z") if utc_as_z else text

    matcher = match.datetime(example.isoformat(timespec=timespec))
    pattern = matcher.rule_set.matchers[0].params["format"]
    assert matches_java_pattern(written(other), pattern), (written(other), pattern)
    assert matches_java_pattern(written(other.astimezone(dt.UTC)), pattern)

"""The caches of the cold matching path give the answers of a fresh computation.

Compiled rule categories are found again only for the very rule set objects they were
built from, so two categories at the same paths with different matchers are never mixed up, and the
tables stay bounded however many categories pass through.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract._javatime import matches_java_pattern, quick_java_test
from polycontract.matching import _accept
from polycontract.matching._accept import json_accepts
from polycontract.model import Matcher, RuleSet


def _category(paths: list[str], matchers: list[Matcher]) -> dict[str, RuleSet]:
    return {path: RuleSet(matchers=(matcher,)) for path, matcher in zip(paths, matchers)}


_MATCHERS = st.sampled_from(
    [
        Matcher(match="integer"),
        Matcher(match="type"),
        Matcher(match="decimal"),
        Matcher(match="regex", params={"regex": "[a-z]+"}),
        Matcher(match="regex", params={"regex": "[0-9]+"}),
        Matcher(match="include", params={"value": "x"}),
        Matcher(match="equality"),
    ]
)
_VALUES = st.one_of(st.integers(-3, 3), st.floats(-2, 2, allow_nan=False), st.sampled_from(["ab", "12", "x", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_MATCHERS, min_size=2, max_size=2), st.lists(_MATCHERS, min_size=2, max_size=2), _VALUES, _VALUES)
def test_categories_at_the_same_paths_with_other_matchers_are_never_mixed_up(
    first: list[Matcher], second: list[Matcher], a: Any, b: Any
) -> None:
    paths = ["$.a", "$.b"]
    expected, actual = {"a": a, "b": b}, {"a": b, "b": a}
    one, two = _category(paths, first), _category(paths, second)
    answers = [json_accepts(expected, actual, rules, lenient=False) for rules in (one, two)]
    _accept._COMPILED.clear()
    fresh = [json_accepts(expected, actual, rules, lenient=False) for rules in (two, one)][::-1]
    assert answers == fresh


def test_compiled_categories_stay_bounded() -> None:
    rule_set = RuleSet(matchers=(Matcher(match="integer"),))
    for i in range(_accept._KEPT + 50):
        assert json_accepts({f"f{i}": 1}, {f"f{i}": 2}, {f"$.f{i}": rule_set}, lenient=False)
    assert len(_accept._COMPILED) <= _accept._KEPT


_OFFSET_PATTERNS = ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd'T'HH:mm:ssxx", "HH:mmZ"]


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(_OFFSET_PATTERNS),
    st.sampled_from(["2024-02-29T10:30:00", "2023-02-29T10:30:00", "2024-04-31T23:59:59", "10:30"]),
    st.sampled_from(["", ".123", ".12"]),
    st.from_regex(r"Z|[+-][0-9]{1,2}:?[0-9]{0,2}", fullmatch=True),
)
def test_quick_date_tests_with_a_zone_offset_accept_only_valid_values(
    pattern: str, stamp: str, fraction: str, offset: str
) -> None:
    test = quick_java_test(pattern)
    assert test is not None
    value = stamp + fraction + offset
    if test(value):
        assert matches_java_pattern(value, pattern)

"""What the cold path keeps between comparisons gives the answers of a fresh computation.

A path set is split into first steps and rests at once, and its one-shot subtrees are found again by
its template (the rests, and which paths share a first name): a set met again under other names
selects as its own kept `Shape` would, and a bad path is still refused with the parser's message
however often its template was met. What a one-shot node's memo answers for any key is what `descend`
finds. Quick tests of rule sets are kept by the rule sets' identity and answer the second time as the
first; a header or query value under an ``OR`` with a size rule is left to the full comparison.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract._paths import STAR, PathSyntaxError, Token, parse_path, render_path
from polycontract.matching import _accept, _shape
from polycontract.matching._accept import json_accepts
from polycontract.matching._fast import text_passes
from polycontract.matching._http import compare_headers, compare_query
from polycontract.matching._one_shot import fresh_shape
from polycontract.matching._quick import headers_match, query_matches
from polycontract.matching._shape import shape_of
from polycontract.model import Matcher, RuleSet

TOKENS: st.SearchStrategy[Token] = st.sampled_from(["a", "b", "2", "x y", "n\nl", 0, 2, STAR])
RESTS = st.lists(st.lists(TOKENS, max_size=3), min_size=1, max_size=5)
FIRSTS = st.lists(st.sampled_from(["p", "q", "r", "3", "*"]), min_size=5, max_size=5)
KEYS = st.lists(st.sampled_from(["p", "q", "r", "s", "3", "a", "b", "2", "x y", 0, 1, 2]), max_size=5)


def _paths(firsts: list[str], rests: list[list[Token]], suffix: str) -> tuple[str, ...]:
    out = []
    for first, rest in zip(firsts, rests):
        name = first if first == "*" else first + suffix
        out.append("$." + name + render_path(tuple(rest), root=""))
    return tuple(dict.fromkeys(out))


def _renamed(keys: list[str | int], suffix: str) -> list[str | int]:
    return [key + suffix if type(key) is str and key in ("p", "q", "r", "3") else key for key in keys]


@settings(max_examples=300, deadline=None)
@given(firsts=FIRSTS, rests=RESTS, walks=st.lists(KEYS, min_size=1, max_size=3))
def test_a_path_set_met_again_under_other_names_selects_as_its_own_shape(
    firsts: list[str], rests: list[list[Token]], walks: list[list[str | int]]
) -> None:
    for suffix in ("_1", "_2", "_3"):  # the first sighting builds the template, the others find it
        paths = _paths(firsts, rests, suffix)
        for keys in walks:
            _shape._SHAPES.clear()
            fresh, kept = fresh_shape(paths), shape_of(paths)
            _shape._SHAPES.clear()
            for key in _renamed(keys, suffix):
                fresh, kept = fresh.descend(key), kept.descend(key)
                assert (fresh.best, fresh.position, fresh.ends) == (kept.best, kept.position, kept.ends)


@settings(max_examples=300, deadline=None)
@given(firsts=FIRSTS, rests=RESTS, keys=KEYS, other=st.sampled_from(["s", "zz", 1, 7]))
def test_what_the_memo_of_a_one_shot_node_answers_is_what_descend_finds(
    firsts: list[str], rests: list[list[Token]], keys: list[str | int], other: str | int
) -> None:
    for suffix in ("_m", "_n"):  # a template met for the first time, then found again
        _shape._SHAPES.clear()
        node: Any = fresh_shape(_paths(firsts, rests, suffix))
        for key in [*_renamed(keys, suffix), other]:
            try:
                found = node.memo[key]
            except KeyError:
                found = None
            below = node.descend(key)
            if found is not None:
                assert (found.best, found.position, found.ends) == (below.best, below.position, below.ends)
            node = below


@pytest.mark.parametrize("bad", ["..id", "].id", "[x].id", "[*]x", ".id]"])
def test_a_bad_path_is_refused_with_the_parsers_message_whatever_templates_were_met(bad: str) -> None:
    with pytest.raises(PathSyntaxError) as expected:
        parse_path.__wrapped__("$.second" + bad)
    fresh_shape(("$.good_1", "$.good_1.id"))  # a template with a good rest at that position
    fresh_shape(("$.good_2", "$.good_2.id"))
    for _ in range(2):
        _shape._SHAPES.clear()
        with pytest.raises(PathSyntaxError) as raised:
            fresh_shape(("$.first", "$.second" + bad))
        assert str(raised.value) == str(expected.value)


def test_a_name_with_a_line_break_is_read_path_by_path() -> None:
    paths = ("$['a\nb'].id", "$.c.id")
    fresh = fresh_shape(paths)
    assert fresh.descend("a\nb").descend("id").best == shape_of(paths).descend("a\nb").descend("id").best
    assert fresh.descend("c").descend("id").position == 1


def test_rule_sets_met_at_new_paths_keep_their_own_matchers() -> None:
    integer, text = RuleSet(matchers=(Matcher(match="integer"),)), RuleSet(matchers=(Matcher(match="type"),))
    _accept._LEAVES.clear()
    for i in range(3):
        rules = {f"$.n_{i}": integer, f"$.s_{i}": text}
        assert json_accepts({f"n_{i}": 1, f"s_{i}": "a"}, {f"n_{i}": 5, f"s_{i}": "b"}, rules, lenient=False)
        assert not json_accepts({f"n_{i}": 1, f"s_{i}": "a"}, {f"n_{i}": "5", f"s_{i}": "b"}, rules, lenient=False)
        assert not json_accepts({f"n_{i}": 1, f"s_{i}": "a"}, {f"n_{i}": 5, f"s_{i}": 2}, rules, lenient=False)
    assert len(_accept._LEAVES) == 1


@pytest.mark.parametrize(
    ("rule_set", "value", "passes"),
    [
        (RuleSet(matchers=(Matcher(match="regex", params={"regex": "[a-z]+"}),)), "abc", True),
        (RuleSet(matchers=(Matcher(match="regex", params={"regex": "[a-z]+"}),)), "ABC", False),
        (
            RuleSet(
                matchers=(
                    Matcher(match="regex", params={"regex": "x"}),
                    Matcher(match="include", params={"value": "b"}),
                ),
                combine="OR",
            ),
            "abc",
            True,
        ),
        (
            RuleSet(
                matchers=(Matcher(match="regex", params={"regex": "[a-z]+"}), Matcher(match="type", params={"min": 2})),
                combine="OR",
            ),
            "a",
            False,
        ),
        (RuleSet(matchers=()), "a", False),
    ],
)
def test_text_tests_answer_the_second_time_as_the_first(rule_set: RuleSet, value: str, passes: bool) -> None:
    assert [text_passes(rule_set, value) for _ in range(2)] == [passes, passes]


def test_a_value_under_an_or_with_a_size_rule_is_left_to_the_full_comparison() -> None:
    rules = {
        "Accept": RuleSet(
            matchers=(Matcher(match="regex", params={"regex": "[a-z, ]+"}), Matcher(match="type", params={"min": 2})),
            combine="OR",
        )
    }
    values = {"Accept": ("a",)}
    full = list(compare_query(values, dict(values), rules))
    assert [m.message for m in full] == ['Expected ["a"] (size 1) to have minimum size of 2']
    assert not query_matches(values, dict(values), rules)
    if headers_match(values, dict(values), rules):
        assert list(compare_headers(values, dict(values), rules, media_types=True)) == []


def test_header_names_and_rule_names_ignore_case_and_the_first_spelling_wins() -> None:
    rules = {"x-id": RuleSet(matchers=(Matcher(match="regex", params={"regex": "[0-9]+"}),))}
    expected = {"X-Id": ("1",)}
    assert list(compare_headers(expected, {"X-ID": ("42",), "x-id": ("nope",)}, rules, media_types=True)) == []
    found = list(compare_headers(expected, {"x-id": ("nope",), "X-ID": ("42",)}, rules, media_types=True))
    assert [(m.path, m.actual) for m in found] == [("$.headers.X-Id", "nope")]

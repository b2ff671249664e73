"""A path set met once is walked on its own trie, and selects exactly what the kept `Shape` selects.

Whatever the paths (names, indices, decimal names, wildcards, equal paths written two ways, a header-style name)
and whatever keys a walk follows, the one-shot selection and the kept one name the same rule with
the same score and cascading, and agree on where no rule lies below; the reference `Cursor` names
the same rule. A path set met once is not kept; met again, it is. Path expressions read back the
tokens they were written from, and those out of the usual form are refused as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycontract._paths import STAR, PathSyntaxError, Token, parse_path, render_path
from polycontract.matching import _accept, _shape
from polycontract.matching._accept import json_accepts
from polycontract.matching._one_shot import fresh_shape
from polycontract.matching._select import compile_rules
from polycontract.matching._shape import shape_of
from polycontract.model import Matcher, RuleSet

TOKENS: st.SearchStrategy[Token] = st.sampled_from(["a", "b", "2", "x y", 0, 2, STAR])
PATHS = st.lists(
    st.lists(TOKENS, max_size=4).map(lambda tokens: render_path(tuple(tokens))), min_size=1, max_size=6, unique=True
)
KEYS = st.lists(st.sampled_from(["a", "b", "2", "x y", "c", 0, 1, 2]), max_size=6)


def _cursor_rule(cursor: Any, rules: dict[str, RuleSet]) -> Any:
    if cursor.best is None:
        return None
    position = next(i for i, rule_set in enumerate(rules.values()) if rule_set is cursor.best.rule_set)
    return position, cursor.best.score, cursor.best.cascaded


@settings(max_examples=400, deadline=None)
@given(paths=PATHS, walks=st.lists(KEYS, min_size=1, max_size=4), header=st.booleans())
def test_a_path_set_met_once_selects_what_the_kept_shape_selects(
    paths: list[str], walks: list[list[str | int]], header: bool
) -> None:
    if header:
        paths = [*paths, "X-Name"]
    if "$.a" in paths:
        paths.append("$['a']")  # the same place written another way: the later rule wins a tie
    kept = shape_of(tuple(paths))
    rules = {path: RuleSet(matchers=(Matcher(match="type", params={"n": i}),)) for i, path in enumerate(paths)}
    for keys in walks:
        _shape._SHAPES.clear()
        fresh, shape, cursor = fresh_shape(tuple(paths)), kept, compile_rules(rules)
        for key in keys:
            fresh, shape, cursor = fresh.descend(key), shape.descend(key), cursor.descend(key)
            assert (fresh.best, fresh.position, fresh.ends) == (shape.best, shape.position, shape.ends)
            assert fresh.memo.get(key, fresh) is not None
            assert shape.best == _cursor_rule(cursor, rules)


@settings(max_examples=200, deadline=None)
@given(paths=PATHS, keys=KEYS, other=st.sampled_from(["a", "c", 1, 2]))
def test_the_memo_of_a_one_shot_node_holds_only_what_descend_finds(
    paths: list[str], keys: list[str | int], other: str | int
) -> None:
    _shape._SHAPES.clear()
    node = fresh_shape(tuple(paths))
    for key in [*keys, other]:
        if key in node.memo:
            assert node.memo[key] is node.descend(key)
        node = node.descend(key)


def test_a_path_set_is_kept_from_its_second_sighting() -> None:
    rule_set = RuleSet(matchers=(Matcher(match="integer"),))
    rules = {"$.first_sighting_only": rule_set, "$.items[*].id": rule_set}
    _accept._COMPILED.clear()
    _accept._SEEN.clear()
    assert json_accepts({"first_sighting_only": 1}, {"first_sighting_only": 2}, rules, lenient=False)
    assert not _accept._COMPILED
    assert json_accepts({"first_sighting_only": 1}, {"first_sighting_only": 2}, rules, lenient=False)
    assert len(_accept._COMPILED) == 1
    assert not json_accepts({"first_sighting_only": 1}, {"first_sighting_only": "2"}, rules, lenient=False)


@given(st.lists(st.sampled_from(["a", "b_1", "x y", "*", "2", "a'b", 0, 2, STAR]), max_size=5))
def test_rule_paths_read_back_the_tokens_they_were_written_from(tokens: list[Token]) -> None:
    assert parse_path.__wrapped__(render_path(tuple(tokens))) == tuple(tokens)


@pytest.mark.parametrize("expression", ["$.a[*]b", "$[*]'", "$.a..b", "$.a.", "$.a]", "$a", "$.a[*]]", "$['a[*]b'"])
def test_rule_paths_out_of_the_usual_form_are_refused_or_scanned(expression: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path.__wrapped__(expression)


@pytest.mark.parametrize(
    "paths",
    [
        ("$.a_1.id", "$.a_1", "$.a_1.items[*].id"),
        ("$.b_2.id", "$.b_2", "$.b_2.items[*].id"),  # other names, the same subtree
        ("$.b_2", "$.b_2.id", "$.b_2.items[*].id"),  # the same rest at other positions
        ("$", "$.b_2.id", "$.b_2.items[*].id"),  # a rule at the root: inherited below
        ("$.*.id", "$.b_2.id", "$[*].items[*].id"),  # a wildcard first step beside a name
    ],
)
def test_one_shot_tries_sharing_subtrees_select_as_their_own_shape(paths: tuple[str, ...]) -> None:
    first = paths[1].split(".")[1] if paths[0] == "$" else paths[0].split(".")[1]
    walks: list[list[str | int]] = [
        [first],
        [first, "id"],
        [first, "items", 3, "id"],
        ["other", "id"],
        [first, "items", "x"],
    ]
    for keys in walks:
        _shape._SHAPES.clear()
        fresh, kept = fresh_shape(paths), shape_of(paths)
        for key in keys:
            fresh, kept = fresh.descend(key), kept.descend(key)
            assert (fresh.best, fresh.position, fresh.ends) == (kept.best, kept.position, kept.ends)


@pytest.mark.parametrize("expression", ["$.a..id", "$.a].id", "$.a.id]", "$.[*].id", "$.a[*]x", "$.a[x].id"])
def test_a_bad_path_in_a_one_shot_set_is_refused_as_the_parser_refuses_it(expression: str) -> None:
    fresh_shape(("$.ok.id", "$.ok[*].id"))  # subtrees for the same rests, kept
    with pytest.raises(PathSyntaxError) as expected:
        parse_path.__wrapped__(expression)
    _shape._SHAPES.clear()
    with pytest.raises(PathSyntaxError) as raised:
        fresh_shape(("$.first", expression))
    assert str(raised.value) == str(expected.value)

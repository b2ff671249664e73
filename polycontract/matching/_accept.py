"""A quick pass/fail walk of a JSON value, for an expected body compared once (the cold path).

A verifier compares each expected body of a freshly read pact once, so nothing compiled for it
is used again. `json_accepts` walks the expected and actual values together, exactly as the
reference walker `compare_json` does, but only asks whether every check passes: it stops at the
first failure and builds no path strings and no `Mismatch` values. It says True only when
`compare_json` finds no mismatch; on False the caller runs `compare_json`, which then words every
mismatch, so the answer and its messages are always the walker's own. Subtrees under the container
matchers (``values``, ``eachKey``, ``eachValue``, ``arrayContains``) say False, so the walker
decides them. Rules are selected by position through a `Shape` shared by every rule set at the
same paths, and matchers are tested by `passes`, which keeps compiled regexes and date tests by
their pattern text.

>>> from polycontract.model import Matcher, RuleSet
>>> rules = {"$.id": RuleSet(matchers=(Matcher(match="integer"),))}
>>> json_accepts({"id": 1, "name": "a"}, {"id": 7, "name": "a"}, rules, lenient=False)
True
>>> json_accepts({"id": 1, "name": "a"}, {"id": "7", "name": "a"}, rules, lenient=False)
False
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polycontract.matching._matchers import TYPE_LIKE, _json_equal, check, check_size
from polycontract.matching._one_shot import fresh_shape
from polycontract.matching._passes import _EQUAL, _SAME_TYPE, _TEXT, _TYPES, Leaf, leaf_of, passes
from polycontract.matching._shape import Selection, shape_of
from polycontract.model import RuleSet

__all__ = ["json_accepts"]

_MISSING: Any = object()
#: Container matchers whose subtrees the walker decides; inherited, they do not judge scalars.
_WALKER_ONLY = frozenset({"values", "eachKey", "eachValue", "arrayContains"})
#: Exact types of JSON scalars (a value of one of these is never walked into).
_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list})


def json_accepts(expected: Any, actual: Any, rules: Mapping[str, RuleSet] | None, *, lenient: bool) -> bool:
    """True only when ``compare_json(expected, actual, compile_rules(rules), allow_extra_keys=lenient)``
    is empty. False means "a mismatch, or not sure": ask `compare_json`.
    """
    if not rules:
        return _plain_equal(expected, actual, lenient)
    rule_sets = tuple(rules.values())
    key = (tuple(rules), tuple(map(id, rule_sets)))
    found = _COMPILED.get(key)
    if found is None:
        paths = key[0]
        leaves = _leaves_of(rule_sets, key[1])
        if _first_sight(paths):  # a path set met once is walked with a selection that is not kept
            found = _Compiled(rule_sets, leaves, fresh_shape(paths))
        else:
            found = _Compiled(rule_sets, leaves, shape_of(paths))
            _keep(key, found)
    return _Accept(found.leaves, found.rule_sets, lenient).value(expected, actual, found.shape)


class _Compiled:
    """A rule category ready for the walk: its rule sets (kept, so their ids stay theirs), one quick
    test per rule set, and the shared rule selection for its paths."""

    __slots__ = ("leaves", "rule_sets", "shape")

    def __init__(self, rule_sets: tuple[RuleSet, ...], leaves: list[Leaf], shape: Selection) -> None:
        self.rule_sets = rule_sets
        self.leaves = leaves
        self.shape = shape


#: The quick tests of rule sets by the ids of those rule sets (each entry holds its rule sets alive, so an id is
#: never another object's). Interactions with rules at other paths share these: the codec hands out one
#: `RuleSet` object for equal rule sets. At most `_KEPT`; all are dropped when it is reached.
_LEAVES: dict[tuple[int, ...], tuple[tuple[RuleSet, ...], list[Leaf]]] = {}


#: The leaf after the rule sets' own: a place where no rule is selected (its position is -1).
_NO_RULE = -1
_NO_RULE_LEAF: Leaf = (_NO_RULE, None)


def _leaves_of(rule_sets: tuple[RuleSet, ...], ids: tuple[int, ...]) -> list[Leaf]:
    """One quick test per rule set (`leaf_of`), kept by the rule sets' identity, then `_NO_RULE_LEAF`."""
    found = _LEAVES.get(ids)
    if found is not None:
        return found[1]
    leaves = [leaf_of(rule_set) for rule_set in rule_sets]
    leaves.append(_NO_RULE_LEAF)  # last, so position -1 (no rule selected) finds it
    if len(_LEAVES) >= _KEPT:
        _LEAVES.clear()
    _LEAVES[ids] = (rule_sets, leaves)
    return leaves


#: Compiled categories by (paths, ids of their rule sets). The codec hands out one `RuleSet` object for
#: equal rule sets, so a pact read again finds its rules here; each entry holds its rule sets alive, so
#: an id in a key is never another object's. At most `_KEPT`; all are dropped when it is reached.
_COMPILED: dict[tuple[tuple[str, ...], tuple[int, ...]], _Compiled] = {}
_KEPT = 1024


#: Hashes of the path sets met so far (ints, which the garbage collector does not track); a hash shared by
#: two path sets only means a selection is kept one sighting early.
_SEEN: set[int] = set()


def _first_sight(paths: tuple[str, ...]) -> bool:
    mark = hash(paths)
    if mark in _SEEN:
        return False
    if len(_SEEN) >= 4 * _KEPT:
        _SEEN.clear()
    _SEEN.add(mark)
    return True


def _keep(key: tuple[tuple[str, ...], tuple[int, ...]], compiled: _Compiled) -> None:
    if len(_COMPILED) >= _KEPT:
        _COMPILED.clear()  # popping the oldest one by one costs a scan over the deleted slots each time
    _COMPILED[key] = compiled


def _plain_equal(exp: Any, act: Any, lenient: bool) -> bool:
    """The walker's verdict without rules anywhere below: JSON equality (extra keys when ``lenient``)."""
    kind = type(exp)
    if kind is str:
        return type(act) is str and exp == act
    if kind is dict:
        if type(act) is not dict or (len(act) != len(exp) and not lenient):
            return False
        get = act.get
        for key, e in exp.items():
            a = get(key, _MISSING)
            if type(e) is str:  # the usual leaf, without a call
                if type(a) is not str or e != a:
                    return False
            elif a is _MISSING or not _plain_equal(e, a, lenient):
                return False
        return True
    if kind is list:
        if type(act) is not list or len(act) != len(exp):
            return False
        return all(_plain_equal(e, a, lenient) for e, a in zip(exp, act))
    if (kind is int or kind is float) and (type(act) is int or type(act) is float):
        return bool(exp == act)
    if exp is None or kind is bool:
        return act is exp
    if isinstance(exp, (dict, list)):
        return False  # subclasses: the walker decides
    return _json_equal(exp, act)


class _Accept:
    __slots__ = ("leaves", "lenient", "rule_sets")

    def __init__(self, leaves: list[Leaf], rule_sets: tuple[RuleSet, ...], lenient: bool) -> None:
        self.rule_sets = rule_sets
        self.lenient = lenient
        self.leaves = leaves

    def value(self, exp: Any, act: Any, shape: Selection) -> bool:
        best = shape.best
        if best is not None:
            position = best[0]
            code = self.leaves[position][0]
            if code != _EQUAL:  # not only equality
                kind = type(exp)
                if kind in _CONTAINERS and type(act) in _CONTAINERS:
                    if code == _SAME_TYPE and best[2]:  # an inherited type rule: the same kind, then its structure
                        return kind is type(act) and self.structure(exp, act, shape)
                    return self.container(exp, act, shape, self.rule_sets[position], best[2])
                return self.with_rules(exp, act, shape, self.rule_sets[position], best[2])
        if shape.ends:
            return _plain_equal(exp, act, self.lenient)
        return self.plain(exp, act, shape)

    def plain(self, exp: Any, act: Any, shape: Selection) -> bool:
        if isinstance(exp, dict):
            return isinstance(act, dict) and self.fields(exp, act, shape, allow_extra=self.lenient)
        if isinstance(exp, list):
            if not isinstance(act, list) or len(exp) != len(act):
                return False
            value, descend = self.value, shape.descend
            return all(value(e, a, descend(i)) for i, (e, a) in enumerate(zip(exp, act)))
        return _plain_equal(exp, act, self.lenient)

    def fields(self, exp: dict[str, Any], act: dict[str, Any], shape: Selection, *, allow_extra: bool) -> bool:
        """Every expected key present and accepted (and no other key unless ``allow_extra``)."""
        if not allow_extra and len(act) != len(exp):
            return False  # a key missing or one unexpected: every expected key must be there
        leaves, memo, descend = self.leaves, shape.memo, shape.descend
        text, no_rule, same_type, types, equal = _TEXT, _NO_RULE, _SAME_TYPE, _TYPES, _EQUAL
        scalars, containers = _SCALARS, _CONTAINERS
        for key, e in exp.items():
            try:
                a = act[key]
            except KeyError:
                return False
            try:
                child = memo[key]  # a one-shot node's memo answers for keys outside it, without a KeyError
            except KeyError:
                child = descend(key)
            code, arg = leaves[child.position]  # `_NO_RULE_LEAF` for position -1
            if code == text:
                if type(a) is str and arg(a):
                    continue
            elif code == no_rule:
                kind = type(e)
                if child.ends:
                    if kind is type(a) and kind in scalars:  # the usual plain leaf, without a call
                        if e != a:  # JSON equality, for two scalars of one exact type
                            return False
                    elif not _plain_equal(e, a, self.lenient):
                        return False
                    continue
                if kind is dict and type(a) is dict:  # no rule here, some below: its fields, as `plain` walks them
                    if not self.fields(e, a, child, allow_extra=self.lenient):
                        return False
                    continue
            elif code == same_type:
                kind = type(e)
                if kind is type(a):
                    if kind in scalars:
                        continue  # one exact scalar type: the same JSON type
                    best = child.best
                    if best is not None and kind in containers:  # as `value` and `container` walk them
                        if not best[2]:  # declared here: its size too
                            params = self.rule_sets[child.position].matchers[0].params
                            if params and check_size(params, a) is not None:
                                return False
                        if not (
                            self.fields(e, a, child, allow_extra=True) if kind is dict else self.items(e, a, child)
                        ):
                            return False
                        continue
            elif code == types:
                if type(a) in arg:
                    continue
            elif code == equal and type(e) is type(a) and type(a) in scalars:
                if e == a:  # JSON equality, for two scalars of one exact type
                    continue
                return False
            if not self.value(e, a, child):
                return False
        return True

    def with_rules(self, exp: Any, act: Any, shape: Selection, rules: RuleSet, cascaded: bool) -> bool:
        if isinstance(act, (dict, list)) and isinstance(exp, (dict, list)):
            return self.container(exp, act, shape, rules, cascaded)
        if rules.combine == "OR":
            skipped = True
            for matcher in rules.matchers:
                if cascaded and matcher.match in _WALKER_ONLY:
                    continue
                if passes(matcher, exp, act):
                    return True
                skipped = False
            return skipped  # every matcher skipped: nothing failed
        for matcher in rules.matchers:
            if cascaded and matcher.match in _WALKER_ONLY:
                continue
            if not passes(matcher, exp, act):
                return False
        return True

    def container(self, exp: Any, act: Any, shape: Selection, rules: RuleSet, cascaded: bool) -> bool:
        """The rule's own matchers on a container (AND, as the walker applies them), then its structure."""
        for matcher in rules.matchers:
            kind = matcher.match
            if kind in TYPE_LIKE:
                if isinstance(exp, dict) is not isinstance(act, dict):
                    return False
                if not cascaded and matcher.params and check_size(matcher.params, act) is not None:
                    return False
            elif kind == "equality":
                return self.plain(exp, act, shape)
            elif cascaded:
                continue  # an inherited value rule does not judge a container
            elif kind in _WALKER_ONLY or check(matcher, exp, act) is not None:
                return False  # the walker decides container matchers
        if isinstance(exp, dict):
            return isinstance(act, dict) and self.fields(exp, act, shape, allow_extra=True)
        return isinstance(act, list) and self.items(exp, act, shape)

    def structure(self, exp: Any, act: Any, shape: Selection) -> bool:
        """The fields (extra keys allowed) or items of two containers of one exact type, under a type rule."""
        if type(exp) is dict:
            return self.fields(exp, act, shape, allow_extra=True)
        return self.items(exp, act, shape)

    def items(self, exp: list[Any], act: list[Any], shape: Selection) -> bool:
        """Every actual item against the expected one at its index, or the first one beyond the end."""
        if not exp:
            return True
        value, descend, size, first, leaves = self.value, shape.descend, len(exp), exp[0], self.leaves
        memo = shape.memo
        for i, a in enumerate(act):
            e = exp[i] if i < size else first
            try:
                child = memo[i]
            except KeyError:
                child = descend(i)
            position = child.position
            if position >= 0:
                kind = type(a)
                if kind in _SCALARS:
                    code, arg = leaves[position]
                    if code == _SAME_TYPE and type(e) is kind:
                        continue  # one exact scalar type: the same JSON type
                    if code == _TEXT and kind is str and arg(a):
                        continue
                elif kind is dict and type(e) is dict and leaves[position][0] == _SAME_TYPE:
                    best = child.best
                    if best is not None and best[2]:  # an inherited type rule: the fields, as `value` walks them
                        if not self.fields(e, a, child, allow_extra=True):
                            return False
                        continue
            if not value(e, a, child):
                return False
        return True

"""Whether one matcher accepts a value, as `check` decides it, with the usual matchers tested inline.

`passes(matcher, expected, actual)` is ``check(matcher, expected, actual) is None``: each quick test
below can only say "passes", and anything it does not settle goes to `check`. Compiled regexes and
date/time tests are kept by their pattern text (a pact read again brings new matcher objects with
the same patterns), in bounded tables.

>>> from polycontract.model import Matcher, RuleSet
>>> passes(Matcher(match="regex", params={"regex": "[0-9]+"}), "1", "42"), passes(Matcher(match="integer"), 1, "4")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeAlias

from polycontract.matching._fast import date_test
from polycontract.matching._matchers import _DEFAULT_FORMATS, _SEMVER, TYPE_LIKE, _regex, check
from polycontract.model import Matcher, RuleSet

__all__ = ["Leaf", "leaf_of", "passes"]

#: How many patterns each table keeps; all are dropped when it is reached.
_KEPT = 2048
_REGEXES: dict[str, re.Pattern[str]] = {}
_REGEX_LEAVES: dict[str, Leaf] = {}
#: (kind, pattern text) -> a test for strings, truthy only for values the date matcher accepts.
_DATE_TESTS: dict[tuple[str, str], Callable[[str], object] | None] = {}
_DATES = frozenset(_DEFAULT_FORMATS)
_NUMBERS = frozenset({int, float})

#: A quick acceptance test for scalars under one rule set: (code, argument). Each says only "passes".
Leaf: TypeAlias = tuple[int, Any]
_GENERAL = 0  # no quick test: the walk decides
_TEXT = 1  # a string for which the argument (a test) is truthy passes
_TYPES = 2  # a value whose exact type is in the argument (a set) passes
_SAME_TYPE = 3  # a scalar of the expected value's exact type passes
_EQUAL = 4  # only equality: a scalar of the expected value's exact type passes when equal to it
_BY_TYPE: dict[str, Leaf] = {
    "integer": (_TYPES, frozenset({int})),
    "number": (_TYPES, _NUMBERS),
    "decimal": (_TYPES, frozenset({float})),
    "boolean": (_TYPES, frozenset({bool})),
    "null": (_TYPES, frozenset({type(None)})),
}


def _keep(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _KEPT:
        table.clear()  # popping the oldest one by one costs a scan over the deleted slots each time
    table[key] = value


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _REGEXES.get(pattern)
    if found is None:
        found = _regex(pattern)  # what `check` uses: a pattern no dialect compiles never matches
        _keep(_REGEXES, pattern, found)
    return found


def _date_test(kind: str, params: Any) -> Callable[[str], object] | None:
    """The test `text_test_for` gives a date/time matcher, kept by its pattern; None for a bad pattern."""
    pattern = params.get("format") or params.get(kind) or params.get("timestamp") or _DEFAULT_FORMATS[kind]
    key = (kind, pattern if type(pattern) is str else str(pattern))
    try:
        return _DATE_TESTS[key]
    except KeyError:
        pass
    test = date_test(kind, params)
    _keep(_DATE_TESTS, key, test)
    return test


def passes(matcher: Matcher, expected: Any, actual: Any) -> bool:
    """``check(matcher, expected, actual) is None``, quicker for the usual matchers and values."""
    kind = matcher.match
    act_type = type(actual)
    if act_type is str:
        if kind == "regex":
            pattern = matcher.params.get("regex", "")
            if type(pattern) is str and _compiled(pattern).fullmatch(actual):
                return True
        elif kind in _DATES:
            test = _date_test(kind, matcher.params)
            if test is not None and test(actual):
                return True
        elif kind in TYPE_LIKE:
            if type(expected) is str:
                return True
        elif kind == "include":
            needle = matcher.params.get("value", "")
            if type(needle) is str and needle in actual:
                return True
        elif kind == "semver":
            return _SEMVER.fullmatch(actual) is not None
    elif kind in TYPE_LIKE:
        if act_type is type(expected) and (act_type is bool or act_type in _NUMBERS or actual is None):
            return True
    elif kind == "integer":
        if act_type is int:
            return True
    elif kind == "number":
        if act_type in _NUMBERS:
            return True
    elif kind == "decimal":
        if act_type is float:
            return True
    elif kind == "boolean":
        if act_type is bool:
            return True
    elif kind == "null":
        return actual is None
    return check(matcher, expected, actual) is None


def leaf_of(rule_set: RuleSet) -> Leaf:
    """The quick test for scalar values under ``rule_set``, as `passes` tests its single matcher.

    >>> leaf_of(RuleSet(matchers=(Matcher(match="integer"),)))[1] == frozenset({int})
    True
    """
    matchers = rule_set.matchers
    if len(matchers) == 1:
        matcher = matchers[0]
        kind = matcher.match
        found = _CONSTANT.get(kind)
        if found is not None:
            return found
        build = _BUILD.get(kind)
        return _NO_TEST if build is None else build(kind, matcher.params)
    return _ONLY_EQUAL if all(m.match == "equality" for m in matchers) else _NO_TEST


def _regex_leaf(kind: str, params: Any) -> Leaf:
    pattern = params.get("regex", "")
    if type(pattern) is not str:
        return _NO_TEST
    found = _REGEX_LEAVES.get(pattern)
    if found is None:
        found = (_TEXT, _compiled(pattern).fullmatch)
        _keep(_REGEX_LEAVES, pattern, found)
    return found


def _date_leaf(kind: str, params: Any) -> Leaf:
    test = _date_test(kind, params)
    return _NO_TEST if test is None else (_TEXT, test)


def _include_leaf(kind: str, params: Any) -> Leaf:
    needle = params.get("value", "")
    return (_TEXT, lambda act: needle in act) if type(needle) is str else _NO_TEST


_NO_TEST: Leaf = (_GENERAL, None)
_ONLY_EQUAL: Leaf = (_EQUAL, None)
_CONSTANT: dict[str, Leaf] = {
    **_BY_TYPE,
    **dict.fromkeys(TYPE_LIKE, (_SAME_TYPE, None)),
    "equality": _ONLY_EQUAL,
    "semver": (_TEXT, _SEMVER.fullmatch),
}
_BUILD: dict[str, Callable[[str, Any], Leaf]] = {
    "regex": _regex_leaf,
    "include": _include_leaf,
    **dict.fromkeys(_DATES, _date_leaf),
}

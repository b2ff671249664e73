"""Quick acceptance tests for single matchers, for compiled plans.

Each test says "passes" only for actual values the matcher certainly accepts, and may say "ask
`check`" for values that do pass; `check` then decides and words any failure, so a quick test can
only make a comparison faster, never different. `types_for` gives exact types (an ``int`` for
``integer``), `text_test_for` a test for strings (a regex ``fullmatch``, a Java date pattern) and
`accept_for` a predicate for any value.

>>> from polycontract.model import Matcher, RuleSet
>>> accept = accept_for(Matcher(match="regex", params={"regex": "[0-9]+"}), "1")
>>> accept is not None and accept("42"), accept is not None and accept(42)
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from polycontract._javatime import matches_java_pattern, quick_java_test
from polycontract.matching._matchers import _DEFAULT_FORMATS, _SEMVER, TYPE_LIKE, _regex, json_type
from polycontract.model import Matcher, RuleSet

__all__ = ["Accept", "TextTest", "accept_for", "date_test", "equal_for", "text_passes", "text_test_for", "types_for"]

#: True when the actual value certainly satisfies the matcher; False means "ask `check`".
Accept = Callable[[Any], bool]
#: The same for a value known to be a ``str``; any truthy result (a regex match) means "passes".
TextTest = Callable[[str], object]


_SAME_TYPE: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}
_BY_KIND: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "decimal": (float,),
    "real": (float,),
    "number": (int, float),
    "null": (type(None),),
    "boolean": (bool,),
}


def types_for(matcher: Matcher, expected: Any) -> tuple[type, ...] | None:
    """Exact types (``type(value) in types``) that certainly pass ``matcher``, for matchers about types."""
    kind = matcher.match
    if kind in TYPE_LIKE:
        return _SAME_TYPE.get(json_type(expected))
    return _BY_KIND.get(kind)


def text_test_for(matcher: Matcher) -> TextTest | None:
    """A test for string values that is truthy only when ``matcher`` certainly accepts the string."""
    kind, params = matcher.match, matcher.params
    if kind == "regex":
        pattern = params.get("regex", "")
        return _regex(pattern).fullmatch if isinstance(pattern, str) else None
    if kind == "include":
        needle = str(params.get("value", ""))
        return lambda act: needle in act
    if kind == "semver":
        return _SEMVER.fullmatch
    if kind in _DEFAULT_FORMATS:
        return date_test(kind, params)
    return None


def date_test(kind: str, params: Mapping[str, Any]) -> TextTest | None:
    """The test of a ``date``, ``time`` or ``datetime`` matcher (``kind``) with ``params``: truthy only for the
    strings its Java pattern accepts; None for a bad pattern (`check` words the failure)."""
    pattern = params.get("format") or params.get(kind) or params.get("timestamp") or _DEFAULT_FORMATS[kind]
    text = str(pattern)
    try:
        quick = quick_java_test(text)
    except ValueError:
        return None
    return quick or (lambda act: matches_java_pattern(act, text))


def accept_for(matcher: Matcher, expected: Any) -> Accept | None:
    """A sufficient test for ``matcher`` against ``expected``, or None when there is no quick one."""
    types = types_for(matcher, expected)
    if types is not None:
        return lambda act: type(act) in types
    if matcher.match == "equality":
        return equal_for(expected)
    test = text_test_for(matcher)
    if test is not None:
        return lambda act: type(act) is str and bool(test(act))
    return None


def equal_for(expected: Any) -> Accept | None:
    """A test for values equal to a scalar ``expected`` (JSON equality: ``1 == 1.0``, ``True != 1``)."""
    kind = type(expected)
    if kind is str:
        return lambda act: type(act) is str and act == expected
    if kind is int or kind is float:
        return lambda act: (type(act) is int or type(act) is float) and act == expected
    if expected is None or kind is bool:
        return lambda act: act is expected
    return None


def text_passes(rule_set: RuleSet, value: str) -> bool:
    """True when every matcher has a text test and ``value`` certainly passes each (any one, for ``OR``).

    A matcher without a text test (``type`` with a size, say) makes the answer False even under ``OR``: the
    header and query comparisons check sizes whatever the combination. The tests of a rule set are kept by
    its identity (the codec hands out one `RuleSet` object for equal rule sets).
    """
    entry = _TEXT_TESTS.get(id(rule_set))
    if entry is None:
        entry = _keep_tests(rule_set)
    single = entry[3]
    if single is not None:
        return bool(single(value))
    tests = entry[1]
    if tests is None:
        return False
    if entry[2]:
        return any(test(value) for test in tests)
    return all(test(value) for test in tests)


#: The text tests of rule sets by their ids: (the rule set, kept so its id is never another object's, its tests
#: or None when some matcher has none, ``OR``, the test of a rule set of one matcher that has one). At most
#: `_KEPT_TESTS`; all are dropped when it is reached.
_TEXT_TESTS: dict[int, tuple[RuleSet, tuple[TextTest, ...] | None, bool, TextTest | None]] = {}
_KEPT_TESTS = 2048


def _keep_tests(rule_set: RuleSet) -> tuple[RuleSet, tuple[TextTest, ...] | None, bool, TextTest | None]:
    found = [text_test_for(matcher) for matcher in rule_set.matchers]
    tests = tuple(test for test in found if test is not None)
    every = tests if found and len(tests) == len(found) else None
    entry = (rule_set, every, rule_set.combine == "OR", every[0] if every and len(every) == 1 else None)
    if len(_TEXT_TESTS) >= _KEPT_TESTS:
        _TEXT_TESTS.clear()
    _TEXT_TESTS[id(rule_set)] = entry
    return entry

"""The consumer DSL: matchers that carry an example plus the Pact matching rules and generators for it.

Write what you expect with plain values and put matchers anywhere inside; `compile` turns the
structure into the example to send, the rules by path and the generators by path (V3/V4 format).

>>> from polycontract import match
>>> body = {"id": match.integer(7), "tags": match.each_like("red", min=2)}
>>> compiled = match.compile(body)
>>> compiled.example
{'id': 7, 'tags': ['red', 'red']}
>>> compiled.rules_json()["$.tags"]
{'combine': 'AND', 'matchers': [{'match': 'type', 'min': 2}]}

Arguments are checked when a matcher is built; a wrong one raises `UsageError` quoting ``name=value``.
The date and time matchers live in `polycontract._match_time`, the format matchers (``uuid``,
``includes``, ``semver``, ``status_code``, ``content_type``) in `polycontract._match_formats`; this
module is where users import every matcher from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from polycontract._match_args import (
    Rules,
    bounds,
    check_number,
    check_rules,
    combine,
    compile_regex,
    int_arg,
    rule_list,
    type_params,
)
from polycontract._match_core import Compiled, MatchingValue, compile, example_of, matching_value, node, snapshot
from polycontract._match_formats import STATUS_CLASSES, content_type, includes, semver, status_code, uuid
from polycontract._match_time import SHARED_SIZE as _SHARED_SIZE
from polycontract._match_time import date, datetime, time
from polycontract.errors import UsageError
from polycontract.model import Generator, Matcher, RuleSet

__all__ = [
    "STATUS_CLASSES",
    "Compiled",
    "MatchingValue",
    "all_of",
    "any_of",
    "array_containing",
    "boolean",
    "compile",
    "content_type",
    "date",
    "datetime",
    "decimal",
    "each_key",
    "each_like",
    "each_value",
    "equals",
    "example_of",
    "includes",
    "integer",
    "like",
    "not_empty",
    "null",
    "number",
    "provider_state",
    "regex",
    "semver",
    "status_code",
    "string",
    "time",
    "uuid",
    "values",
]

# The usual matchers (a plain example, no bounds, no generator) are built here in one step, with the
# shared matcher and rule set `node` gives them: what `node` builds, without its calls. A matcher is a
# `MatchingValue` built by `matching_value` with its `rule_set` cache filled.
_SCALARS = frozenset({str, int, bool, type(None)})
_INTEGER = node("integer", 0)
_DECIMAL = node("decimal", 0.5)
_TYPE = node("type", "")
_INTEGER_RULES, _INTEGER_SET = _INTEGER.matchers, _INTEGER.rule_set
_DECIMAL_RULES, _DECIMAL_SET = _DECIMAL.matchers, _DECIMAL.rule_set
_TYPE_RULES, _TYPE_SET = _TYPE.matchers, _TYPE.rule_set
#: Shared matchers of `regex` by pattern: the compiled pattern, the matchers and the rule set `node` gave.
_REGEX_RULES: dict[str, tuple[re.Pattern[str], tuple[Matcher, ...], RuleSet]] = {}


def like(example: Any, *, min: int | None = None, max: int | None = None) -> MatchingValue:
    """Match by type (``{"match": "type"}``): any value of the example's JSON type; ``min``/``max`` bound lengths.

    >>> like({"name": "Ann"}).example
    {'name': 'Ann'}
    """
    if min is None and max is None:  # the usual case: no bounds
        value = example if type(example) in _SCALARS else snapshot(example, "like: example")
        if isinstance(value, MatchingValue):
            return node("type", value)  # both rules apply
        return matching_value(_TYPE_RULES, value, None, "node", 1, _TYPE_SET)
    bounds("like", min, max)
    value = snapshot(example, "like: example")
    if min is not None or max is not None:
        plain = example_of(value)
        if not isinstance(plain, (list, dict)):
            raise UsageError(f"like: min/max bound the length of an array or object, not example={plain!r}")
        if (min is not None and len(plain) < min) or (max is not None and len(plain) > max):
            raise UsageError(f"like: example={plain!r} has length {len(plain)}, outside min={min!r}, max={max!r}")
    return node("type", value, type_params(min, max))


def each_like(example: Any, *, min: int = 1, max: int | None = None) -> MatchingValue:
    """An array whose every element is like ``example``, with at least ``min`` (and at most ``max``) items.

    The example array holds ``min`` copies (at least one), so it satisfies its own rule.

    >>> each_like({"id": 1}, min=2).example
    [{'id': 1}, {'id': 1}]
    """
    if max is not None or type(min) is not int or min < 0:  # the usual bounds (no max) need no check
        bounds("each_like", min, max, max_at_least=1)
    value = example if type(example) in _SCALARS else snapshot(example, "each_like: example")
    shared = _EACH_RULES.get((min, max))
    if shared is None:
        matchers = (Matcher(match="type", params=type_params(min, max)),)
        shared = (matchers, RuleSet(matchers=matchers))
        if len(_EACH_RULES) < 256:
            _EACH_RULES[(min, max)] = shared
    return matching_value(shared[0], value, None, "each", 1 if min < 1 else min, shared[1])


#: The type rule (and its rule set) of `each_like` by bounds: frozen model objects, shared by every use.
_EACH_RULES: dict[tuple[int, int | None], tuple[tuple[Matcher], RuleSet]] = {}


def regex(pattern: str, example: str) -> MatchingValue:
    """A string that fully matches ``pattern`` (``{"match": "regex", "regex": pattern}``).

    >>> regex(r"\\d+", "42").example
    '42'
    """
    known = _REGEX_RULES.get(pattern) if type(pattern) is str else None
    if known is not None and type(example) is str and known[0].fullmatch(example) is not None:
        # a pattern seen before, an example that matches it
        return matching_value(known[1], example, None, "node", 1, known[2])
    if not isinstance(pattern, str):
        raise UsageError(f"regex: pattern={pattern!r} must be a str")
    compiled = compile_regex("regex", pattern)
    if not isinstance(example, str):
        raise UsageError(f"regex: example={example!r} must be a str")
    if compiled.fullmatch(example) is None:
        raise UsageError(f"regex: example={example!r} does not match pattern={pattern!r} (the whole string must)")
    result = node("regex", example, {"regex": pattern})
    if type(pattern) is str and result._rule_set is not None and len(_REGEX_RULES) < _SHARED_SIZE:
        _REGEX_RULES[pattern] = (compiled, result.matchers, result._rule_set)
    return result


def integer(
    example: int | None = None,
    *,
    generate_min: int | None = None,
    generate_max: int | None = None,
    min: None = None,
    max: None = None,
) -> MatchingValue:
    """An integer (``{"match": "integer"}``): the provider's value is checked to be an integer, nothing more.

    Without an example, or with ``generate_min``/``generate_max``, a ``RandomInt`` generator (bounds inclusive)
    makes the values the mock answers; the stand-in example is 1, moved into the bounds. The bounds shape
    generated values only: Pact has no range matcher, so no Pact tool checks them against the provider.
    ``min=``/``max=`` are refused for that reason (pact-python 4's ``match.int(min=, max=)`` takes them and
    only uses them for the generator, silently dropping them when a value is given).

    >>> integer(generate_min=5).example
    5
    """
    if type(example) is int and generate_min is None and generate_max is None and min is None and max is None:
        return matching_value(_INTEGER_RULES, example, None, "node", 1, _INTEGER_SET)  # the usual case
    _refuse_bounds("integer", min, max)
    example, gen = _random_int("integer", example, generate_min, generate_max, (int,), "an int (not bool)")
    return node("integer", example, generator=gen)


def _random_int(
    func: str, example: Any, low: int | None, high: int | None, types: tuple[type, ...], expected: str
) -> tuple[Any, Generator | None]:
    """The checked example of `integer` or `number` and its ``RandomInt`` generator for ``generate_min/max``.

    No example: a generator, and an example within the bounds (1 if they allow it).
    """
    int_arg(func, "generate_min", low)
    int_arg(func, "generate_max", high)
    if low is not None and high is not None and low > high:
        raise UsageError(f"{func}: generate_min={low!r} is greater than generate_max={high!r}")
    params = type_params(low, high)
    gen = Generator(type="RandomInt", params=params) if params or example is None else None
    if example is None:
        example = 1 if low is None or low <= 1 else low
        example = example if high is None or example <= high else high
    check_number(func, example, types, expected)
    if (low is not None and example < low) or (high is not None and example > high):
        raise UsageError(f"{func}: example={example!r} is outside generate_min={low!r}, generate_max={high!r}")
    return example, gen


def _refuse_bounds(func: str, min: object, max: object, *, instead: str = "") -> None:
    """``min=``/``max=`` on a number matcher read like a range check that no Pact tool would make: refuse them."""
    if min is None and max is None:
        return
    named = [(name, value) for name, value in (("min", min), ("max", max)) if value is not None]
    given = ", ".join(f"{name}={value!r}" for name, value in named)
    instead = instead or ", ".join(f"generate_{name}={value!r}" for name, value in named)
    raise UsageError(
        f"{func}: {given} would never be checked against the provider (Pact has no range matcher); "
        f"to shape only the values the mock generates write {instead}; to require a range, "
        "use match.regex or a provider-side test"
    )


def decimal(
    example: float | Decimal | None = None, *, digits: int | None = None, min: None = None, max: None = None
) -> MatchingValue:
    """A number with a fractional part (``{"match": "decimal"}``); no example or ``digits`` adds ``RandomDecimal``.

    ``digits`` shapes generated values only; ``min=``/``max=`` are refused (no Pact tool checks a range).

    >>> decimal(9.99).example
    9.99
    """
    if type(example) is float and digits is None and min is None and max is None and math.isfinite(example):
        return matching_value(_DECIMAL_RULES, example, None, "node", 1, _DECIMAL_SET)  # the usual case: no generator
    _refuse_bounds("decimal", min, max, instead="digits=N")
    int_arg("decimal", "digits", digits, at_least=1)
    gen = None
    if example is None or digits is not None:
        gen = Generator(type="RandomDecimal", params={} if digits is None else {"digits": digits})
    if example is None:
        example = 1.5
    check_number("decimal", example, (float, Decimal), "a float or Decimal (not int)")
    return node("decimal", float(example), generator=gen)


def number(
    example: float | Decimal | None = None,
    *,
    generate_min: int | None = None,
    generate_max: int | None = None,
    min: None = None,
    max: None = None,
) -> MatchingValue:
    """Any number, integer or not (``{"match": "number"}``).

    No example, or ``generate_min``/``generate_max``, adds a ``RandomInt`` generator with those bounds; they
    shape generated values only, and ``min=``/``max=`` are refused (no Pact tool checks a range).

    >>> number(2.5).example, number(generate_min=3).example
    (2.5, 3)
    """
    _refuse_bounds("number", min, max)
    types = (int, float, Decimal)
    example, gen = _random_int("number", example, generate_min, generate_max, types, "an int, float or Decimal")
    return node("number", float(example) if isinstance(example, Decimal) else example, generator=gen)


def boolean(example: bool | None = None) -> MatchingValue:
    """``true`` or ``false`` (``{"match": "boolean"}``); no example adds a ``RandomBoolean`` generator."""
    if example is not None and not isinstance(example, bool):
        raise UsageError(f"boolean: example={example!r} must be a bool")
    gen = Generator(type="RandomBoolean") if example is None else None
    return node("boolean", True if example is None else example, generator=gen)


def string(example: str | None = None, *, size: int | None = None) -> MatchingValue:
    """Any string (a type rule); no example or ``size`` adds a ``RandomString`` generator of that size."""
    if type(example) is str and size is None:  # the usual case: an example, no generator
        return matching_value(_TYPE_RULES, example, None, "node", 1, _TYPE_SET)
    int_arg("string", "size", size, at_least=1)
    if example is not None and not isinstance(example, str):
        raise UsageError(f"string: example={example!r} must be a str")
    gen = None
    if example is None or size is not None:
        gen = Generator(type="RandomString", params={} if size is None else {"size": size})
    if example is None:
        example = "string" if size is None else "a" * size
    return node("type", example, generator=gen)


def null() -> MatchingValue:
    """JSON ``null`` only (``{"match": "null"}``)."""
    return node("null", None)


def equals(example: Any) -> MatchingValue:
    """Exactly this value (``{"match": "equality"}``); stops rules of enclosing matchers from cascading."""
    return node("equality", snapshot(example, "equals: example"))


def values(example: Mapping[str, Any]) -> MatchingValue:
    """A map whose values are like the example's, whatever the keys (``{"match": "values"}``; entries at ``.*``)."""
    if not isinstance(example, Mapping) or not example:
        raise UsageError(f"values: example={example!r} must be a non-empty dict")
    return node("values", snapshot(example, "values: example"), shape="wildcard")


def not_empty(example: Any) -> MatchingValue:
    """A value of the example's type that is not null, ``""``, ``[]`` or ``{}`` (``{"match": "notEmpty"}``)."""
    value = snapshot(example, "not_empty: example")
    if example_of(value) in (None, "", [], {}):
        raise UsageError(f"not_empty: example={example!r} is empty; give a non-empty example")
    return node("notEmpty", value)


def provider_state(expression: str, example: Any) -> MatchingValue:
    """A value the verifier takes from provider-state data (``ProviderState`` generator, e.g. ``"${id}"``).

    The example is used on the consumer side; a type rule keeps the provider's value honest.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise UsageError(f"provider_state: expression={expression!r} must be a non-empty str such as '${{id}}'")
    gen = Generator(type="ProviderState", params={"expression": expression})
    return node("type", snapshot(example, "provider_state: example"), generator=gen)


def array_containing(variants: Sequence[Any]) -> MatchingValue:
    """An array that holds, in any order, an element matching each variant (``{"match": "arrayContains"}``).

    >>> array_containing([{"op": regex("add|remove", "add")}]).rule_set.matchers[0].to_json()["variants"][0]["rules"]
    {'$.op': {'combine': 'AND', 'matchers': [{'match': 'regex', 'regex': 'add|remove'}]}}
    """
    if isinstance(variants, (str, bytes, Mapping)) or not isinstance(variants, Sequence) or not variants:
        raise UsageError(f"array_containing: variants={variants!r} must be a non-empty list")
    value = snapshot(variants, "array_containing: variants")
    parts = [compile(v) for v in value]
    written = [{"index": i, "rules": c.rules_json(), "generators": c.generators_json()} for i, c in enumerate(parts)]
    return node("arrayContains", value, {"variants": written}, shape="leaf")


def each_key(example: Mapping[str, Any], rules: Rules) -> MatchingValue:
    """A map whose every key satisfies ``rules`` (``{"match": "eachKey", "rules": [...], "value": example}``).

    >>> each_key({"a": 1}, regex("[a-z]+", "a")).rule_set.matchers[0].to_json()
    {'match': 'eachKey', 'rules': [{'match': 'regex', 'regex': '[a-z]+'}], 'value': {'a': 1}}
    """
    if not isinstance(example, Mapping) or not example:
        raise UsageError(f"each_key: example={example!r} must be a non-empty dict")
    matchers = rule_list("each_key", rules)
    value = snapshot(example, "each_key: example")
    check_rules("each_key", "key", list(value), matchers)
    params = {"rules": [m.to_json() for m in matchers], "value": example_of(value)}
    return node("eachKey", value, params, shape="wildcard")


def each_value(example: Mapping[str, Any] | Sequence[Any], rules: Rules) -> MatchingValue:
    """A map or list whose every value satisfies ``rules`` (``{"match": "eachValue", "rules": [...], "value": ex}``)."""
    if isinstance(example, (str, bytes)) or not isinstance(example, (Mapping, Sequence)) or not example:
        raise UsageError(f"each_value: example={example!r} must be a non-empty dict or list")
    matchers = rule_list("each_value", rules)
    value = snapshot(example, "each_value: example")
    plain = example_of(value)
    check_rules("each_value", "value", list(plain.values()) if isinstance(plain, dict) else plain, matchers)
    params = {"rules": [m.to_json() for m in matchers], "value": plain}
    return node("eachValue", value, params, shape="wildcard")


def all_of(*matchers: MatchingValue) -> MatchingValue:
    """All the matchers must pass (``combine: AND``); they must share one example.

    >>> all_of(like("ab"), regex("[a-z]+", "ab")).rule_set.combine
    'AND'
    """
    return combine("all_of", matchers, "AND")


def any_of(*matchers: MatchingValue) -> MatchingValue:
    """At least one of the matchers must pass (``combine: OR``); the example and generator are the first one's.

    >>> any_of(null(), integer(1)).example is None
    True
    """
    return combine("any_of", matchers, "OR")

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
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import uuid as _uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from polycontract._isotime import Kind, format_hints, iso_pattern
from polycontract._javatime import format_java, matches_java_pattern, strftime_to_java
from polycontract._match_core import (
    Compiled,
    MatchingValue,
    Rules,
    bounds,
    check_number,
    check_rules,
    combine,
    compile,
    compile_regex,
    example_of,
    int_arg,
    matching_value,
    node,
    rule_list,
    snapshot,
    type_params,
)
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

#: Status classes of the V4 ``statusCode`` matcher and the codes each one allows.
STATUS_CLASSES: Mapping[str, range] = {
    "info": range(100, 200), "success": range(200, 300), "redirect": range(300, 400),
    "clientError": range(400, 500), "serverError": range(500, 600), "nonError": range(100, 400),
    "error": range(400, 600),
}  # fmt: skip
_STATUS_EXAMPLES = {"info": 100, "success": 200, "redirect": 301, "clientError": 400, "serverError": 500,
                    "nonError": 200, "error": 400}  # fmt: skip
_HEX = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID_FORMATS = {"simple": "[0-9a-f]{32}", "lower-case-hyphenated": _HEX,
                 "upper-case-hyphenated": _HEX.replace("a-f", "A-F"), "URN": "urn:uuid:" + _HEX}  # fmt: skip
_UUID_EXAMPLE = _uuid.UUID("e2490de5-5bd3-43d5-b7c4-526e33f71304")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_MIME = re.compile(r"[\w.+-]+/[\w.+-]+(?:\s*;.*)?")
#: The instant examples are rendered from when a date/time matcher has none; no clock is read.
_FIXED_INSTANT = _dt.datetime(2000, 2, 1, 12, 30, tzinfo=_dt.UTC)

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
#: Shared matchers of `datetime`, `date` and `time` by function and format: the Java pattern, matchers, rule set.
_TEMPORAL_RULES: dict[str, dict[str, tuple[str, tuple[Matcher, ...], RuleSet]]] = {
    "datetime": {},
    "date": {},
    "time": {},
}
_DATETIME_RULES = _TEMPORAL_RULES["datetime"]
_SHARED_SIZE = 1024


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
    int_arg("integer", "generate_min", generate_min)
    int_arg("integer", "generate_max", generate_max)
    low, high = generate_min, generate_max
    if low is not None and high is not None and low > high:
        raise UsageError(f"integer: generate_min={low!r} is greater than generate_max={high!r}")
    params = type_params(low, high)
    gen = Generator(type="RandomInt", params=params) if params or example is None else None
    if example is None:
        example = 1 if low is None or low <= 1 else low
        example = example if high is None or example <= high else high
    check_number("integer", example, (int,), "an int (not bool)")
    if (low is not None and example < low) or (high is not None and example > high):
        raise UsageError(f"integer: example={example!r} is outside generate_min={low!r}, generate_max={high!r}")
    return node("integer", example, generator=gen)


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
    int_arg("number", "generate_min", generate_min)
    int_arg("number", "generate_max", generate_max)
    low, high = generate_min, generate_max
    if low is not None and high is not None and low > high:
        raise UsageError(f"number: generate_min={low!r} is greater than generate_max={high!r}")
    params = type_params(low, high)
    gen = Generator(type="RandomInt", params=params) if example is None or params else None
    if example is None:
        example = 1 if low is None or low <= 1 else low
        example = example if high is None or example <= high else high
    check_number("number", example, (int, float, Decimal), "an int, float or Decimal")
    if (low is not None and example < low) or (high is not None and example > high):
        raise UsageError(f"number: example={example!r} is outside generate_min={low!r}, generate_max={high!r}")
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


@functools.lru_cache(maxsize=256)
def _java_pattern(fmt: str) -> str:
    """`strftime_to_java`, remembered: tests declare the same few formats thousands of times."""
    return strftime_to_java(fmt)


@functools.lru_cache(maxsize=1024)
def _valid_example(example: str, java: str) -> bool:
    """`matches_java_pattern`, remembered for the same reason."""
    return matches_java_pattern(example, java)


#: The Java pattern of each function when neither a format nor an example gives one.
_DEFAULT_PATTERNS = {"datetime": "yyyy-MM-dd'T'HH:mm:ssXXX", "date": "yyyy-MM-dd", "time": "HH:mm:ss"}
#: Examples of each shape, for an error about an example that is not ISO 8601.
_ISO_EXAMPLES = {"datetime": "2024-05-01T10:00:00+00:00", "date": "2024-05-01", "time": "10:00:00"}
_FORMAT_EXAMPLES = {"datetime": "%d/%m/%Y %H:%M", "date": "%d/%m/%y", "time": "%I:%M %p"}
#: Java patterns of the strftime formats seen, for the quick path of `datetime`.
_KNOWN_FORMATS: dict[str, str] = {}


def _java_of(func: Kind, example: Any, fmt: str | None) -> tuple[Any, str]:
    """The example (a str, or None) and the Java pattern: from ``fmt``, else from the example's ISO 8601 shape."""
    if fmt is not None:
        if not isinstance(fmt, str):
            raise UsageError(f"{func}: format={fmt!r} must be a strftime format str")
        try:
            java = _java_pattern(fmt)
        except UsageError as err:
            raise UsageError(f"{func}: {err}") from None
        return example, java
    if isinstance(example, (_dt.date, _dt.time)) and not (func == "datetime" and type(example) is _dt.date):
        if func == "date":
            return example, _DEFAULT_PATTERNS["date"]
        example = example.isoformat()  # a datetime or time in Python's own ISO 8601 form
    if example is None:
        return None, _DEFAULT_PATTERNS[func]
    if not isinstance(example, str):
        return example, _DEFAULT_PATTERNS[func]  # a wrong type: said below
    inferred = iso_pattern(example, func)
    if inferred is None:
        raise UsageError(f"{func}: example={example!r} is not an ISO 8601 {func} (like {_ISO_EXAMPLES[func]!r}); "
                         f"give its format in strftime directives, e.g. format={_FORMAT_EXAMPLES[func]!r}")  # fmt: skip
    return example, inferred


def _temporal(func: Kind, generator: str, example: Any, fmt: str | None) -> MatchingValue:
    example, java = _java_of(func, example, fmt)
    try:
        gen = None
        if example is None:
            gen = Generator(type=generator, params={"format": java})
            example = format_java(_FIXED_INSTANT, java)
        elif isinstance(example, _dt.datetime):
            example = format_java(example, java)
        elif isinstance(example, _dt.date):
            example = format_java(_dt.datetime.combine(example, _dt.time()), java)
        elif isinstance(example, _dt.time):
            example = format_java(_dt.datetime.combine(_FIXED_INSTANT.date(), example), java)
    except UsageError as err:
        raise UsageError(f"{func}: {err}") from None
    if not isinstance(example, str):
        raise UsageError(f"{func}: example={example!r} must be a str or a datetime/date/time")
    if not _valid_example(example, java):
        raise UsageError(_bad_example(func, example, fmt, java))
    result = node(func, example, {"format": java}, generator=gen)
    shared = _TEMPORAL_RULES[func]
    if gen is None and result._rule_set is not None and len(shared) < _SHARED_SIZE:
        shared[java] = (java, result.matchers, result._rule_set)
        if fmt is not None and len(_KNOWN_FORMATS) < _SHARED_SIZE:
            _KNOWN_FORMATS[fmt] = java
    return result


def _bad_example(func: Kind, example: str, fmt: str | None, java: str) -> str:
    """The error for an example its format rejects, with the directives that would fit it."""
    if fmt is None:
        return f"{func}: example={example!r} is not a valid {func} (a field is out of range for {java!r})"
    hints = format_hints(example, java, strftime=True)
    fix = "; ".join(hints) if hints else "write the format the provider uses"
    leave = "; or leave format out to accept the example's ISO 8601 shape" if iso_pattern(example, func) else ""
    return f"{func}: example={example!r} does not match format={fmt!r} (Java pattern {java!r}): {fix}{leave}"


def datetime(example: str | _dt.datetime | None = None, format: str | None = None) -> MatchingValue:
    """A timestamp (``{"match": "datetime", "format": javaPattern}``).

    Without ``format`` the example's ISO 8601 shape gives the pattern: ``2024-05-01T10:00:00+00:00`` (what
    ``datetime.isoformat()`` and FastAPI write) gets ``yyyy-MM-dd'T'HH:mm:ssXXX``, which accepts any date and
    time in that shape with the offset as ``+02:00`` or ``Z``; a fraction of a second (``.123456``) is part
    of the shape. A `datetime.datetime` example is taken in its ``isoformat()``. With ``format`` (Python
    strftime, written as a Java pattern) the example must match it. Without an example a ``DateTime``
    generator is added and the example is 2000-02-01T12:30:00Z rendered. pact-python 4's
    ``match.datetime`` defaults to ``%Y-%m-%dT%H:%M:%S%z`` (Java ``Z``), which rejects ``+00:00``.

    >>> datetime("2024-05-01T10:00:00+00:00").rule_set.matchers[0].params["format"]
    "yyyy-MM-dd'T'HH:mm:ssXXX"
    >>> datetime().example
    '2000-02-01T12:30:00Z'
    """
    if type(example) is str:
        java = iso_pattern(example, "datetime") if format is None else _KNOWN_FORMATS.get(format)
        known = None if java is None else _DATETIME_RULES.get(java)
        if known is not None and _valid_example(example, known[0]):  # a pattern seen before, a valid example
            return matching_value(known[1], example, None, "node", 1, known[2])
    return _temporal("datetime", "DateTime", example, format)


def date(example: str | _dt.date | None = None, format: str | None = None) -> MatchingValue:
    """A date (``{"match": "date", "format": javaPattern}``): ``yyyy-MM-dd`` unless ``format`` (strftime) says
    otherwise; no example adds a ``Date`` generator.

    >>> date("2024-02-29").example
    '2024-02-29'
    """
    return _temporal("date", "Date", example, format)


def time(example: str | _dt.time | None = None, format: str | None = None) -> MatchingValue:
    """A time of day (``{"match": "time", "format": javaPattern}``); no example adds a ``Time`` generator.

    Without ``format`` the example's ISO 8601 shape gives the pattern (``10:00``, ``10:00:00.123``,
    ``10:00:00+02:00``…), as for `datetime`; the default is ``HH:mm:ss``.
    """
    return _temporal("time", "Time", example, format)


def uuid(example: str | _uuid.UUID | None = None, *, format: str = "lower-case-hyphenated") -> MatchingValue:
    """A UUID, as a regex rule (``format``: simple, lower-case-hyphenated, upper-case-hyphenated or URN).

    >>> uuid(format="URN").example
    'urn:uuid:e2490de5-5bd3-43d5-b7c4-526e33f71304'
    """
    if format not in _UUID_FORMATS:
        raise UsageError(f"uuid: format={format!r} is not one of {sorted(_UUID_FORMATS)}")
    gen = Generator(type="Uuid", params={"format": format}) if example is None else None
    value = _UUID_EXAMPLE if example is None else example
    if isinstance(value, _uuid.UUID):
        text = {"simple": value.hex, "URN": value.urn, "upper-case-hyphenated": str(value).upper()}
        value = text.get(format, str(value))
    pattern = _UUID_FORMATS[format]
    if not isinstance(value, str) or compile_regex("uuid", pattern).fullmatch(value) is None:
        raise UsageError(f"uuid: example={value!r} is not a UUID in the {format} format")
    return node("regex", value, {"regex": pattern}, generator=gen)


def includes(value: str, example: str | None = None) -> MatchingValue:
    """A string that contains ``value`` (``{"match": "include", "value": value}``); the example defaults to it."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"includes: value={value!r} must be a non-empty str")
    example = value if example is None else example
    if not isinstance(example, str) or value not in example:
        raise UsageError(f"includes: example={example!r} must be a str containing value={value!r}")
    return node("include", example, {"value": value})


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


def semver(example: str | None = None) -> MatchingValue:
    """A semantic version such as ``1.2.3`` (``{"match": "semver"}``); the example defaults to ``1.0.0``."""
    example = "1.0.0" if example is None else example
    if not isinstance(example, str) or _SEMVER.fullmatch(example) is None:
        raise UsageError(f"semver: example={example!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return node("semver", example)


def status_code(status: str | Sequence[int], example: int | None = None) -> MatchingValue:
    """An HTTP status in a class (``info``, ``success``, ``redirect``, ``clientError``, ``serverError``,
    ``nonError``, ``error``) or a list of codes (``{"match": "statusCode", "status": ...}``).

    >>> status_code("success").example, status_code([201, 202]).example
    (200, 201)
    """
    if isinstance(status, str):
        if status not in STATUS_CLASSES:
            raise UsageError(f"status_code: status={status!r} is not one of {list(STATUS_CLASSES)}")
        allowed: Sequence[int] = STATUS_CLASSES[status]
        default = _STATUS_EXAMPLES[status]
        allowed_text: str | list[int] = status
    else:
        codes: list[Any] = list(status) if isinstance(status, Sequence) else []
        if not codes or any(isinstance(c, bool) or not isinstance(c, int) or not 100 <= c <= 599 for c in codes):
            raise UsageError(f"status_code: status={status!r} must be a status class or a non-empty list of codes")
        allowed, default, allowed_text = codes, codes[0], codes
    example = default if example is None else example
    if isinstance(example, bool) or not isinstance(example, int) or example not in allowed:
        raise UsageError(f"status_code: example={example!r} is not a status allowed by status={status!r}")
    return node("statusCode", example, {"status": allowed_text})


def content_type(mime: str, example: str | bytes) -> MatchingValue:
    """Binary or text whose detected media type is ``mime`` (``{"match": "contentType", "value": mime}``).

    Meant as a whole body: ``.will_respond_with(200, body=match.content_type("image/png", png_bytes))``
    records the example as a binary body of that type, and any body detected as ``mime`` (by its magic
    numbers) satisfies it. The example must itself be detected as ``mime``.
    """
    if not isinstance(mime, str) or _MIME.fullmatch(mime) is None:
        raise UsageError(f"content_type: mime={mime!r} must be a media type such as 'image/png'")
    if not isinstance(example, (str, bytes)) or not example:
        raise UsageError(f"content_type: example={example!r} must be non-empty str or bytes")
    from polycontract.matching._content import sniff_media_type  # puremagic loads only when used

    data = example if isinstance(example, bytes) else example.encode("utf-8")
    found = sniff_media_type(data)
    if found is None or found.split(";")[0].strip().lower() != mime.split(";")[0].strip().lower():
        detected = f"is detected as {found!r}" if found else "has no media type its first bytes reveal"
        raise UsageError(
            f"content_type: the example ({len(data)} bytes starting {data[:8]!r}) {detected}, not mime={mime!r};"
            " give an example of that type, or the verifier would refuse the example itself"
        )
    return node("contentType", example, {"value": mime}, shape="leaf")


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

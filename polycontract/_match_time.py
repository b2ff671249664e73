"""The date and time matchers of `polycontract.match`: `datetime`, `date` and `time`.

Each takes an example and a strftime ``format`` (written to the pact as a Java pattern); without a
format the example's ISO 8601 shape gives the pattern, and without an example a generator is added
and the example is rendered from a fixed instant (no clock is read). Users import these from
`polycontract.match`.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from polycontract._isotime import Kind, format_hints, iso_pattern
from polycontract._javatime import format_java, matches_java_pattern, strftime_to_java
from polycontract._match_core import MatchingValue, matching_value, node
from polycontract.errors import UsageError
from polycontract.model import Generator, Matcher, RuleSet

__all__ = ["SHARED_SIZE", "date", "datetime", "time"]

#: How many shared matchers a cache of the usual matchers keeps (here and for `match.regex`).
SHARED_SIZE = 1024

#: The instant examples are rendered from when a date/time matcher has none; no clock is read.
_FIXED_INSTANT = _dt.datetime(2000, 2, 1, 12, 30, tzinfo=_dt.UTC)

#: Shared matchers of `datetime` by Java pattern: the pattern, matchers, rule set (its quick path reads them).
_DATETIME_RULES: dict[str, tuple[str, tuple[Matcher, ...], RuleSet]] = {}


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
    if func == "datetime" and gen is None and result._rule_set is not None and len(_DATETIME_RULES) < SHARED_SIZE:
        _DATETIME_RULES[java] = (java, result.matchers, result._rule_set)
        if fmt is not None and len(_KNOWN_FORMATS) < SHARED_SIZE:
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

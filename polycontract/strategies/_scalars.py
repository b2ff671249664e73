"""Strategies for one matcher over one scalar value: a JSON value in a body, or text in a header or query.

`for_matcher` gives the values a single matcher accepts, shaped like the example (an int example stays an
int under ``type``); ``text=True`` gives the string forms headers, query parameters and paths carry,
which the engine reads with coercion (``"12"`` is an integer there). A matcher that cannot be generated
for raises `UsageError` naming the path and the rule.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from polycontract._javatime import format_java, matches_java_pattern
from polycontract._regex import compile_pact_regex
from polycontract.errors import UsageError
from polycontract.model import Matcher
from polycontract.strategies._plain_regex import plain_regex

__all__ = ["TYPE_LIKE", "for_matcher", "unsupported"]

Strategy = st.SearchStrategy[Any]

#: Matchers that only constrain a value's type (and, where declared, a collection's size).
TYPE_LIKE = frozenset({"type", "min", "max", "minType", "maxType"})
_DEFAULT_FORMATS = {
    "date": "yyyy-MM-dd",
    "time": "HH:mm:ss",
    "datetime": "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]",
    "timestamp": "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]",
}
_LETTERS = string.ascii_letters + "-"
_ALNUM = _LETTERS + string.digits
_STATUS = {"info": (100, 199), "success": (200, 299), "redirect": (300, 399), "clientError": (400, 499),
           "serverError": (500, 599), "nonError": (100, 399), "error": (400, 599)}  # fmt: skip
#: Integers stay within what every JSON reader keeps exactly (IEEE doubles: 2**53).
_INT_SPAN = 2**53
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_OFFSETS: list[dt.tzinfo] = [dt.UTC, *(dt.timezone(dt.timedelta(minutes=m)) for m in (60, -300, 330, 840, -720, 345))]
_MOMENTS_FROM, _MOMENTS_TO = dt.datetime(1900, 1, 1), dt.datetime(2199, 12, 31, 23, 59, 59)


def unsupported(path: str, matcher: Matcher, why: str) -> UsageError:
    """The error for a rule no strategy can honour: it names the path and the rule."""
    return UsageError(f"strategies: cannot generate a value at path={path!r} for rule {matcher.to_json()}: {why}")


def for_matcher(
    matcher: Matcher, example: Any, path: str, *, text: bool = False, alphabet: str | None = None
) -> Strategy:
    """Values the single ``matcher`` accepts at ``path``, of the example's JSON type where the rule allows.

    ``text``: strings only (headers, query, path), drawn from ``alphabet`` when given.
    """
    kind = matcher.match
    params = matcher.params
    if kind == "equality":
        return st.just(example)
    if kind in TYPE_LIKE or kind == "values":
        return _text(alphabet) if text else _same_type(example)
    if kind == "regex":
        return _regex(matcher, str(params.get("regex", "")), example, path, text=text, alphabet=alphabet)
    if kind == "include":
        needle = str(params.get("value", ""))
        if text or isinstance(example, str):
            return st.tuples(_text(alphabet), _text(alphabet)).map(lambda ab: ab[0] + needle + ab[1])
        return _exact(matcher, example, path, "an include rule on a non-string example keeps the example")
    if kind == "integer":
        ints = _ints(example)
        return ints.map(str) if text else ints
    if kind in ("decimal", "real"):
        return _decimal_text() if text else _FLOATS.filter(lambda f: not f.is_integer())
    if kind == "number":
        if text:
            return st.one_of(_ints(example).map(str), _decimal_text())
        return st.one_of(_ints(example), _FLOATS) if not isinstance(example, float) else st.one_of(_FLOATS, _ints(0))
    if kind in ("date", "time", "datetime", "timestamp"):
        pattern = params.get("format") or params.get(kind) or params.get("timestamp") or _DEFAULT_FORMATS[kind]
        return _moments(matcher, str(pattern), path)
    if kind == "null":
        if text:
            raise unsupported(path, matcher, "a header, query or path value is text and can never be null")
        return st.none()
    if kind == "boolean":
        return st.sampled_from(["true", "false"]) if text else st.booleans()
    if kind == "semver":
        return _semver()
    if kind == "notEmpty":
        if text or isinstance(example, str):
            return _text(alphabet, min_size=1)
        return _same_type(example)
    if kind == "statusCode":
        return _status(matcher, params.get("status"), path)
    if kind in ("contentType", "content-type"):
        return _exact(matcher, example, path, "content types are detected from bytes; only the example is used")
    if kind in ("eachKey", "eachValue", "arrayContains"):
        raise unsupported(path, matcher, "this rule needs an object or array, and the example is a scalar")
    raise unsupported(path, matcher, f"unknown matcher {kind!r}")


def _semver() -> Strategy:
    """Semantic versions (``1.2.3-rc.1+build.5``), built from parts: a regex this size is slow to draw from."""
    number = st.integers(min_value=0, max_value=999).map(str)
    word = st.tuples(st.text(_ALNUM, max_size=3), st.sampled_from(_LETTERS), st.text(_ALNUM, max_size=3))
    label = st.one_of(number, word.map("".join))
    pre = st.lists(label, min_size=1, max_size=3).map(lambda parts: "-" + ".".join(parts))
    build = st.lists(st.text(_ALNUM, min_size=1, max_size=4), min_size=1, max_size=2).map(lambda p: "+" + ".".join(p))
    core = st.tuples(number, number, number).map(".".join)
    return st.tuples(core, st.one_of(st.just(""), pre), st.one_of(st.just(""), build)).map("".join)


def _exact(matcher: Matcher, example: Any, path: str, why: str) -> Strategy:
    del matcher, path, why  # the example is the only value generated for these rules
    return st.just(example)


def _text(alphabet: str | None, *, min_size: int = 0) -> Strategy:
    if alphabet is None:
        return st.text(min_size=min_size)
    return st.text(alphabet=alphabet, min_size=min_size)


def _same_type(example: Any) -> Strategy:
    """Any value of the example's JSON type (the ``type`` matcher on a scalar)."""
    if example is None:
        return st.none()
    if isinstance(example, bool):
        return st.booleans()
    if isinstance(example, int):
        return _ints(example)
    if isinstance(example, float):
        return _FLOATS
    if isinstance(example, str):
        return st.text()
    return st.just(example)


def _ints(example: Any) -> Strategy:
    """Integers shrinking toward the example (when it is one), within what JSON readers keep exactly."""
    centre = example if isinstance(example, int) and not isinstance(example, bool) else 0
    centre = max(-_INT_SPAN, min(_INT_SPAN, centre))
    return st.integers(min_value=-_INT_SPAN - centre, max_value=_INT_SPAN - centre).map(lambda d: centre + d)


def _decimal_text() -> Strategy:
    """Decimal numbers as text with a fractional part (``-12.05``), as the engine reads them in text."""
    return st.builds(
        lambda whole, frac, digits: f"{whole}.{frac:0{digits}d}",
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=1, max_value=9999),
        st.just(4),
    )


def _regex(matcher: Matcher, pattern: str, example: Any, path: str, *, text: bool, alphabet: str | None) -> Strategy:
    try:
        compiled = compile_pact_regex(pattern)
    except re.error as exc:
        raise unsupported(path, matcher, f"the pattern does not compile ({exc})") from None
    if alphabet is None and not text and not isinstance(example, str) and example is not None:
        alphabet = string.printable  # a number's or boolean's JSON text is ASCII
    try:
        plain = plain_regex(compiled, alphabet)
        if plain is not None:
            strings: Strategy = plain
        elif alphabet is None:
            strings = st.from_regex(compiled, fullmatch=True)
        else:
            strings = st.from_regex(compiled, fullmatch=True, alphabet=alphabet)
        strings.validate()
    except (InvalidArgument, re.error, NotImplementedError) as exc:
        raise unsupported(path, matcher, f"hypothesis cannot generate strings for this pattern ({exc})") from None
    strings = strings.filter(lambda s: compiled.fullmatch(s) is not None)
    if text or isinstance(example, str) or example is None:
        return strings
    # A regex on a number or boolean judges its JSON text: keep the example's type, parse matching text.
    wanted = type(example)
    return strings.map(lambda s: _parsed(s, wanted)).filter(lambda v: v is not None and _json_text_matches(v, compiled))


def _parsed(text: str, wanted: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if type(value) is wanted else None


def _json_text_matches(value: Any, compiled: re.Pattern[str]) -> bool:
    return compiled.fullmatch(json.dumps(value)) is not None


def _moments(matcher: Matcher, pattern: str, path: str) -> Strategy:
    """Date/time text in a Java pattern: instants rendered by the project's renderer, checked by its parser."""
    sample = dt.datetime(2000, 2, 1, 12, 30, tzinfo=dt.UTC)
    try:
        rendered = format_java(sample, pattern)
    except UsageError as exc:
        raise unsupported(path, matcher, f"the format cannot be rendered ({exc})") from None
    if not matches_java_pattern(rendered, pattern):
        raise unsupported(path, matcher, f"a value rendered in the format, {rendered!r}, does not parse back")
    zones = st.sampled_from(_usable_offsets(pattern))
    moments = st.datetimes(min_value=_MOMENTS_FROM, max_value=_MOMENTS_TO, timezones=zones)
    render: Callable[[dt.datetime], str] = lambda moment: format_java(moment, pattern)  # noqa: E731
    return moments.map(render).filter(lambda s: matches_java_pattern(s, pattern))


def _usable_offsets(pattern: str) -> list[dt.tzinfo]:
    """The offsets the pattern renders: all of them when it can show any offset, else UTC only."""
    sample = dt.datetime(2000, 2, 1, 12, 30, tzinfo=_OFFSETS[1])
    try:
        return _OFFSETS if matches_java_pattern(format_java(sample, pattern), pattern) else [dt.UTC]
    except UsageError:
        return [dt.UTC]


def _status(matcher: Matcher, status: Any, path: str) -> Strategy:
    if isinstance(status, list) and status and all(isinstance(s, int) for s in status):
        return st.sampled_from(status)
    bounds = _STATUS.get(str(status))
    if bounds is None:
        raise unsupported(path, matcher, f"status={status!r} is neither a status class nor a list of codes")
    return st.integers(min_value=bounds[0], max_value=bounds[1])

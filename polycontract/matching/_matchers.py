"""Single-value matchers: each takes a matcher, the expected and the actual value and returns a
failure message, or None when the value satisfies the matcher."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from polycontract._regex import compile_pact_regex
from polycontract.model import Matcher

__all__ = ["TYPE_LIKE", "check", "describe", "json_type", "to_text"]

#: Matchers that only constrain the type (and size) of a value and so cascade into containers.
TYPE_LIKE = frozenset({"type", "min", "max", "minType", "maxType"})

# ASCII digits only ([0-9], not \d, which also accepts other scripts' digits).
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_NEVER = re.compile(r"(?!)")
_INT_TEXT = re.compile(r"[-+]?\d+")
_DECIMAL_TEXT = re.compile(r"[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?")
_NUMBER_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_DEFAULT_FORMATS = {
    "date": "yyyy-MM-dd",
    "time": "HH:mm:ss",
    "datetime": "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]",
    "timestamp": "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]",
}
STATUS_CLASSES: dict[str, Callable[[int], bool]] = {
    "info": lambda s: 100 <= s <= 199,
    "success": lambda s: 200 <= s <= 299,
    "redirect": lambda s: 300 <= s <= 399,
    "clientError": lambda s: 400 <= s <= 499,
    "serverError": lambda s: 500 <= s <= 599,
    "nonError": lambda s: s < 400,
    "error": lambda s: s >= 400,
}


def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return compile_pact_regex(pattern)
    except re.error:
        return _NEVER


def json_type(value: Any) -> str:
    """The JSON type name of a value (``number`` for int and float alike)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, bytes):
        return "bytes"
    return type(value).__name__


def to_text(value: Any) -> str | None:
    """The string form a regex or include matcher sees: strings as is, scalars as JSON prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


def describe(value: Any) -> str:
    """A short rendering of a value for messages."""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_int(value: Any, coerce: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return coerce and isinstance(value, str) and bool(_INT_TEXT.fullmatch(value))


def check(matcher: Matcher, expected: Any, actual: Any, *, coerce: bool = False) -> str | None:
    """Apply one matcher to a value; ``coerce`` allows numbers written as strings (query and headers)."""
    kind = matcher.match
    params = matcher.params
    if kind in TYPE_LIKE:
        return _check_type(expected, actual, params)
    if kind == "equality":
        return (
            None
            if _json_equal(expected, actual)
            else f"Expected {describe(actual)} to be equal to {describe(expected)}"
        )
    if kind == "regex":
        text = to_text(actual)
        pattern = params.get("regex", "")
        if text is None or not _regex(pattern).fullmatch(text):
            return f"Expected {describe(actual)} to match the regular expression {pattern!r}"
        return None
    if kind == "include":
        text = to_text(actual)
        needle = str(params.get("value", ""))
        return None if text is not None and needle in text else f"Expected {describe(actual)} to include {needle!r}"
    if kind == "integer":
        return None if _is_int(actual, coerce) else f"Expected {describe(actual)} to be an integer"
    if kind in ("decimal", "real"):
        ok = isinstance(actual, (float, Decimal)) or (
            coerce and isinstance(actual, str) and bool(_DECIMAL_TEXT.fullmatch(actual))
        )
        return None if ok else f"Expected {describe(actual)} to be a decimal number"
    if kind == "number":
        ok = (isinstance(actual, (int, float, Decimal)) and not isinstance(actual, bool)) or (
            coerce and isinstance(actual, str) and bool(_NUMBER_TEXT.fullmatch(actual))
        )
        return None if ok else f"Expected {describe(actual)} to be a number"
    if kind in ("date", "time", "datetime", "timestamp"):
        return _check_date(kind, actual, params)
    if kind == "null":
        return None if actual is None else f"Expected {describe(actual)} to be null"
    if kind == "boolean":
        ok = isinstance(actual, bool) or (isinstance(actual, str) and actual in ("true", "false"))
        return None if ok else f"Expected {describe(actual)} to be a boolean"
    if kind in ("contentType", "content-type"):
        return _check_content_type(actual, str(params.get("value", "")))
    if kind == "semver":
        ok = isinstance(actual, str) and bool(_SEMVER.fullmatch(actual))
        return None if ok else f"Expected {describe(actual)} to be a semantic version (like 1.2.3)"
    if kind == "notEmpty":
        if actual is None or actual in ("", b"") or (isinstance(actual, (list, dict)) and not actual):
            return f"Expected {describe(actual)} to not be empty"
        if expected is not None and json_type(expected) != json_type(actual):
            return f"Expected {describe(actual)} to be a non-empty {json_type(expected)}"
        return None
    if kind == "statusCode":
        return check_status(params.get("status"), actual)
    if kind == "values":
        return None if json_type(expected) == json_type(actual) else _type_message(expected, actual)
    if kind in ("eachKey", "eachValue", "arrayContains"):
        if not isinstance(actual, (list, dict)):
            return f"Expected {describe(actual)} to be a list or an object for the {kind} matcher"
        return None
    return f"unknown matcher {kind!r}"


def check_status(status: Any, actual: Any) -> str | None:
    """The ``statusCode`` matcher: a class name such as ``success`` or a list of codes."""
    if not isinstance(actual, int):
        return f"Expected status code {describe(actual)} to be an integer"
    if isinstance(status, list):
        return None if actual in status else f"Expected status code {actual} to be one of {status}"
    test = STATUS_CLASSES.get(str(status))
    if test is None:
        return f"unknown status class {status!r}"
    return None if test(actual) else f"Expected status code {actual} to be in the status class {status!r}"


def _type_message(expected: Any, actual: Any) -> str:
    return (
        f"Expected {describe(actual)} ({json_type(actual)}) "
        f"to be the same type as {describe(expected)} ({json_type(expected)})"
    )


def _check_type(expected: Any, actual: Any, params: Mapping[str, Any]) -> str | None:
    if json_type(expected) != json_type(actual):
        return _type_message(expected, actual)
    return None


def check_size(params: Mapping[str, Any], actual: Any) -> str | None:
    """min/max of a type matcher, applied to lists (and objects) where the rule is declared."""
    if not isinstance(actual, (list, dict)):
        return None
    size = len(actual)
    low, high = params.get("min"), params.get("max")
    if isinstance(low, int) and size < low:
        return f"Expected {describe(actual)} (size {size}) to have minimum size of {low}"
    if isinstance(high, int) and size > high:
        return f"Expected {describe(actual)} (size {size}) to have maximum size of {high}"
    return None


def _json_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if json_type(expected) != json_type(actual):
        return False
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(_json_equal(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(_json_equal(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def _check_date(kind: str, actual: Any, params: Mapping[str, Any]) -> str | None:
    from polycontract._javatime import matches_java_pattern

    pattern = params.get("format") or params.get(kind) or params.get("timestamp") or _DEFAULT_FORMATS[kind]
    if not isinstance(actual, str):
        return f"Expected {describe(actual)} to be a {kind} string in the format {pattern!r}"
    try:
        ok = matches_java_pattern(actual, str(pattern))
    except ValueError as exc:
        return f"Bad {kind} format {pattern!r}: {exc}"
    if ok:
        return None
    from polycontract._isotime import format_hints

    hints = format_hints(actual, str(pattern))
    return f"Expected {describe(actual)} to match the {kind} format {pattern!r}" + "".join(f"; {h}" for h in hints)


def _check_content_type(actual: Any, expected_type: str) -> str | None:
    from polycontract.matching._content import sniff_media_type

    data = actual if isinstance(actual, bytes) else (to_text(actual) or "").encode()
    found = sniff_media_type(data)
    if found is not None and found.split(";")[0].strip().lower() == expected_type.split(";")[0].strip().lower():
        return None
    return f"Expected binary contents to have content type '{expected_type}' but detected '{found or 'unknown'}'"


def parse_decimal(text: str) -> Decimal | None:
    """A decimal from text, or None."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None

"""ISO 8601 examples as Java patterns, and hints naming the directive a rejected value needs.

Internal interface of the core: matching and the time matchers share it; not part of the public API.

`iso_pattern` reads the shape of an ISO 8601 example (``2024-05-01T10:00:00.123+02:00``) and gives the
Java ``DateTimeFormatter`` pattern for that shape. The pattern accepts the example and what a provider
writes in the same shape: any date and time, and the offset as ``Z`` or ``+02:00`` alike (``XXX``).
It uses no optional sections (``[.SSS]``), which the Pact reference matcher cannot read.

`format_hints` explains why a value does not fit a pattern, as far as the value's own ISO 8601 shape
tells: the offset, the fraction of a second and the seconds each name the directive that would fit.

>>> iso_pattern("2024-05-01T10:00:00+00:00", "datetime")
"yyyy-MM-dd'T'HH:mm:ssXXX"
>>> format_hints("2024-05-01T10:00:00+00:00", "yyyy-MM-dd'T'HH:mm:ssZ")
["the offset '+00:00' needs XXX (an offset like +02:00 or Z) instead of Z (an offset like +0200)"]
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from polycontract._javapattern import Section, parse_pattern
from polycontract._javatime import java_to_regex
from polycontract.errors import UsageError

__all__ = ["Kind", "format_hints", "iso_pattern"]

Kind = Literal["datetime", "date", "time"]

_OFFSET = r"(?P<offset>Z|[+-]\d{2}(?::\d{2}|\d{2})?)?"
_TIME = r"(?P<time>\d{2}:\d{2})(?:(?P<sec>:\d{2})(?:\.(?P<frac>\d{1,9}))?)?" + _OFFSET
_SHAPES: dict[str, re.Pattern[str]] = {
    "datetime": re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?P<sep>[T ])" + _TIME),
    "time": re.compile(_TIME),
    "date": re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})"),
}

#: What an offset directive accepts.
_OFFSETS: dict[str, str] = {
    "XXX": "an offset like +02:00 or Z", "XX": "an offset like +0200 or Z", "X": "an offset like +02 or Z",
    "xxx": "an offset like +02:00, not Z", "xx": "an offset like +0200, not Z", "x": "an offset like +02, not Z",
    "Z": "an offset like +0200", "ZZ": "an offset like +0200", "ZZZ": "an offset like +0200",
    "ZZZZZ": "an offset like +02:00 or Z", "'Z'": "a literal Z only",
}  # fmt: skip
#: The strftime directive that writes a Java directive, for hints about a ``format=`` written in strftime.
_STRFTIME = {"XXX": "%:z", "Z": "%z", ".SSSSSS": ".%f", ":ss": ":%S"}
_DIGITS = "123456789"


def _offset_directive(text: str) -> str:
    """The offset directive for the offset text of an example: the one that also accepts ``Z``."""
    if text == "Z" or ":" in text:
        return "XXX"
    return "XX" if len(text) == 5 else "X"


@functools.lru_cache(maxsize=1024)
def iso_pattern(value: str, kind: Kind) -> str | None:
    """The Java pattern of the ISO 8601 shape of ``value`` (a ``datetime``, ``date`` or ``time``), or None.

    Ranges are not checked here (``2024-13-01`` has a shape); `matches_java_pattern` checks them.

    >>> iso_pattern("10:00:00.123456", "time"), iso_pattern("01/05/2024", "date")
    ('HH:mm:ss.SSSSSS', None)
    """
    m = _SHAPES[kind].fullmatch(value) if isinstance(value, str) else None
    if m is None:
        return None
    parts = m.groupdict()
    out = []
    if parts.get("date"):
        out.append("yyyy-MM-dd")
    if parts.get("sep"):
        out.append("'T'" if parts["sep"] == "T" else " ")
    if parts.get("time"):
        out.append("HH:mm")
    if parts.get("sec"):
        out.append(":ss")
    if parts.get("frac"):
        out.append("." + "S" * len(parts["frac"]))
    if parts.get("offset"):
        out.append(_offset_directive(parts["offset"]))
    return "".join(out)


def _aspects(pattern: str) -> dict[str, str]:
    """The offset, fraction and seconds directives of a Java pattern (outside optional sections)."""
    found: dict[str, str] = {}
    items = parse_pattern(pattern)
    for i, item in enumerate(items):
        if isinstance(item, Section):
            continue
        if isinstance(item, str):
            if item == "Z" and i == len(items) - 1:
                found["offset"] = "'Z'"
            continue
        token = item.letter * item.count
        if item.letter in "XxZO":
            found["offset"] = token
        elif item.letter in "Sn":
            found["fraction"] = token
        elif item.letter == "s":
            found["seconds"] = token
    return found


def _say(token: str, strftime: bool) -> str:
    """A directive and what it accepts: ``XXX (an offset like …)``, or ``%:z (Java XXX: …)`` for strftime users."""
    directive = _STRFTIME.get(token) if strftime else None
    if token in _OFFSETS:
        what = _OFFSETS[token]
    elif token.startswith("."):
        n = len(token) - 1
        what = f"{n} digit{'s' if n > 1 else ''} of a second, like .{_DIGITS[:n]}"
    else:
        what = "seconds, like :05"
    return f"{directive} (Java {token}: {what})" if directive else f"{token} ({what})"


def format_hints(value: str, pattern: str, *, strftime: bool = False) -> list[str]:
    """What ``value`` needs that ``pattern`` lacks, one hint per directive, or [] when its shape says nothing.

    ``strftime`` names the strftime directive too (for a ``format=`` the user wrote in Python terms).
    A malformed pattern gives [] (its own error says what is wrong).

    >>> format_hints("2024-05-01T10:00:00.123456Z", "yyyy-MM-dd'T'HH:mm:ssXXX")
    ["the fraction '.123456' needs .SSSSSS (6 digits of a second, like .123456); the format has none"]
    """
    for kind in _KINDS:
        found = _SHAPES[kind].fullmatch(value) if isinstance(value, str) else None
        if found is not None:
            break
    else:
        return []
    try:
        given = _aspects(pattern)
    except UsageError:
        return []
    wanted = _aspects(iso_pattern(value, kind) or "")
    texts = found.groupdict()
    hints = []
    for aspect, lead, group in (("seconds", ":", "sec"), ("fraction", ".", "frac"), ("offset", "", "offset")):
        need, have, text = wanted.get(aspect), given.get(aspect), texts.get(group)
        if need == have or (need and have and _accepts(lead + have, lead + (text or "").lstrip(":"))):
            continue
        shown = repr(lead + text.lstrip(":")) if text else ""
        if need and have:
            hints.append(f"the {aspect} {shown} needs {_say(lead + need, strftime)} "
                         f"instead of {_say(lead + have, strftime)}")  # fmt: skip
        elif need:
            hints.append(f"the {aspect} {shown} needs {_say(lead + need, strftime)}; the format has none")
        elif have:
            named = _say(lead + have, strftime).split(" (")[0]
            hints.append(f"the value has no {aspect}; remove {named} from the format")
    return hints


_KINDS: tuple[Kind, ...] = ("datetime", "time", "date")


def _accepts(directive: str, text: str) -> bool:
    """Whether a directive (with its lead, ``.SSS``) accepts the text (``XXX`` takes ``Z`` and ``+02:00``)."""
    try:
        return java_to_regex(directive).fullmatch(text) is not None
    except UsageError:
        return False

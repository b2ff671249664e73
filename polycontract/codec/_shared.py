"""Parts of a pact that repeat from interaction to interaction, read once per distinct value.

A pact written by a consumer's test suite says the same matching rules, generators and headers in
interaction after interaction. Each distinct value is read once: it is named by its `marshal` bytes, and a
later equal value gets the model value read the first time, shared as a read-only mapping (`ReadOnlyDict`,
as the consumer DSL shares the mappings it builds).

`marshal` writes exact builtin types only and writes each type differently, so ``1``, ``True`` and ``1.0``
get different names, and two values with the same name read the same (``marshal.loads`` gives the value
back, types and all). A value holding anything else (a subclass, a custom mapping, too deep a nesting) has
no name and is read every time, as is a value too large to be worth keeping. Only values read without an
error are kept, so a bad value fails at its own place every time.

>>> from polycontract.codec._where import Where
>>> first = matching_rules({"body": {"$.id": {"matchers": [{"match": "integer"}]}}}, Where())
>>> first is matching_rules({"body": {"$.id": {"matchers": [{"match": "integer"}]}}}, Where())
True
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from polycontract.codec._rules import parse_generators, parse_matching_rules
from polycontract.codec._where import Where
from polycontract.model import NO_ENTRIES, Generators, MatchingRules, ReadOnlyDict

__all__ = ["generators", "headers", "matching_rules"]

_T = TypeVar("_T")

#: Values kept per kind; a kind that reaches it starts again empty (a pact rarely has this many distinct ones).
_LIMIT = 4096
#: Values whose name is longer are read every time rather than kept.
_LONGEST = 1 << 14

_RULES: dict[bytes, MatchingRules] = {}
_MESSAGE_RULES: dict[bytes, MatchingRules] = {}
_GENERATORS: dict[bytes, Generators] = {}
_MESSAGE_GENERATORS: dict[bytes, Generators] = {}
_HEADERS: dict[bytes, Mapping[str, tuple[str, ...]]] = {}


def _name(value: Any) -> bytes | None:
    """The `marshal` bytes of ``value``: equal bytes, equal value of the same types; None when it has none."""
    try:
        name = marshal.dumps(value)
    except ValueError:  # a type marshal does not write (subclasses included), or nested too deep
        return None
    return name if len(name) <= _LONGEST else None


def _kept(kept: dict[bytes, _T], value: Any, read: Callable[[], _T]) -> _T:
    """``read()`` for ``value``, once per distinct value."""
    name = _name(value)
    if name is None:
        return read()
    found = kept.get(name)
    if found is None:
        found = read()  # raises for a bad value, which is then never kept
        if len(kept) >= _LIMIT:
            kept.clear()
        kept[name] = found
    return found


def _read_only(nested: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    if not nested:
        return NO_ENTRIES
    return ReadOnlyDict({category: ReadOnlyDict(entries) for category, entries in nested.items()})


def matching_rules(data: Any, part: Where, *, message: bool = False) -> MatchingRules:
    """``matchingRules`` of a part (``part`` is the part's location), as `parse_matching_rules` reads it."""
    if data is None:
        return NO_ENTRIES
    kept = _MESSAGE_RULES if message else _RULES
    return _kept(kept, data, lambda: _read_only(parse_matching_rules(data, part.at("matchingRules"), message=message)))


def generators(data: Any, part: Where, *, message: bool = False) -> Generators:
    """``generators`` of a part (``part`` is the part's location), as `parse_generators` reads them."""
    if data is None:
        return NO_ENTRIES
    kept = _MESSAGE_GENERATORS if message else _GENERATORS
    return _kept(kept, data, lambda: _read_only(parse_generators(data, part.at("generators"), message=message)))


def headers(data: Any, part: Where, key: str = "headers") -> Mapping[str, tuple[str, ...]]:
    """``part[key]``, the headers: name to the tuple of its values."""
    if data is None:
        return NO_ENTRIES
    return _kept(_HEADERS, data, lambda: _read_headers(data, part, key))


def _read_headers(data: Any, part: Where, key: str) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(data, Mapping):
        part.at(key).fail("headers must be an object", expected="an object of name to value(s)")
    out: dict[str, tuple[str, ...]] = {}
    for name, value in data.items():
        if isinstance(value, str):
            out[name] = (value,)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[name] = tuple(value)
        else:
            part.at(key).at(name).fail(f"header {name!r} has value {value!r}", expected="a string or a list of strings")
    return ReadOnlyDict(out) if out else NO_ENTRIES

"""A second index of the interactions that share a method and path: by the query values and JSON body
that must equal the request's exactly.

`MockProvider` asks it which of those interactions to compare first with an incoming request.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polycontract.matching.support import UNDECODED, loads_json
from polycontract.mock._wire_reply import is_json
from polycontract.model import Body, Request

__all__ = ["Discriminator", "frozen", "json_content"]

#: ``json.dumps`` with these options, without building an encoder per call.
_KEY_JSON = json.JSONEncoder(sort_keys=True, default=repr)


@dataclass(frozen=True)
class Discriminator:
    """A second index for interactions sharing a method and path: by the query values and JSON body
    that must equal the request's exactly (no matching rule applies to them in any of the interactions).

    Only an ordering hint: `MockProvider` still compares the request with each interaction it proposes
    and falls back to all the interactions of the path, so a key that misses costs time, never a verdict.
    """

    names: tuple[str, ...]
    body: bool
    buckets: Mapping[Hashable, tuple[int, ...]]

    @classmethod
    def of(cls, requests: Sequence[Request], indexes: Sequence[int]) -> Discriminator | None:
        names = set.intersection(
            *({n for n in r.query if n not in (r.matching_rules.get("query") or {})} for r in requests)
        )
        body = all(
            isinstance(r.body, Body) and is_json(r.body.content_type) and not r.matching_rules.get("body")
            for r in requests
        )
        if not names and not body:
            return None
        found = cls(tuple(sorted(names)), body, {})
        buckets: dict[Hashable, list[int]] = {}
        for request, index in zip(requests, indexes):
            key = found.key(request.query, request.body.content if isinstance(request.body, Body) else None)
            buckets.setdefault(key, []).append(index)
        return cls(found.names, body, {key: tuple(group) for key, group in buckets.items()})

    def key(self, query: Mapping[str, Sequence[str]], body: Any) -> Hashable:
        """The bucket of a request with this query and (decoded) body."""
        if not self.body:  # the query values alone: no need for JSON text
            return tuple([tuple(query.get(name, ())) for name in self.names])
        values = tuple([tuple(query.get(name, ())) for name in self.names])
        try:
            key = (values, frozen(body))
            hash(key)
        except TypeError:  # not a JSON value (mixed key types, something unhashable): its canonical text
            return _KEY_JSON.encode([values, body])
        return key

    def lookup(self, request: Request) -> tuple[tuple[int, ...], Any]:
        """The interactions whose exact parts equal the request's (none when none or undecodable), and the
        request's body bytes as ``json.loads`` gives them (`UNDECODED` when not decoded), for comparing.
        """
        if not self.body:  # the query values alone
            return self.buckets.get(self.key(request.query, None), ()), UNDECODED
        if not isinstance(request.body, Body) or not is_json(request.body.content_type):
            return (), UNDECODED
        content = request.body.content
        try:
            body = json_content(content)
        except ValueError:
            return (), UNDECODED
        decoded = body if type(content) is bytes else UNDECODED
        return self.buckets.get(self.key(request.query, body), ()), decoded


#: The JSON types `frozen` turns into tuples; other values stand for themselves.
_NESTED = (dict, list)


def frozen(value: Any) -> Hashable:
    """A hashable stand-in for a JSON value: equal values give equal stand-ins whatever their key order.

    Cheaper than canonical JSON text (``sort_keys``) for the small bodies requests carry. An object and an
    array of pairs may share a stand-in: a bucket key is only a hint, the comparison decides.

    >>> frozen({"b": [1, {"c": 2}], "a": None}) == frozen({"a": None, "b": [1, {"c": 2}]})
    True
    """
    kind = type(value)
    if kind is dict:  # scalars kept without a call
        return tuple(sorted([(key, frozen(item) if type(item) in _NESTED else item) for key, item in value.items()]))
    if kind is list:
        return tuple([frozen(item) if type(item) in _NESTED else item for item in value])
    return value  # type: ignore[no-any-return]


def json_content(content: Any) -> Any:
    """A JSON request body's content as data (bytes through the matching engine's decoder); ValueError if not JSON."""
    if type(content) is bytes:
        return loads_json(content)
    return json.loads(content) if isinstance(content, bytes | str) else content

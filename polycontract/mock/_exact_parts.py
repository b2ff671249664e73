"""Which interactions of a busy method and path a request can possibly match: an index by the request parts
that no matching rule governs.

`MockProvider` keeps one `ExactParts` for each method and path that several interactions share (a
GraphQL endpoint, a JSON-RPC one). Where every interaction of the path fixes a query parameter, a header,
or a top-level field of its JSON object body, to a literal value that no matching rule reaches, a request
whose value there differs cannot match that interaction: `compare_request` compares such a value by JSON
equality (query values as lists of text, header values item by item between commas), and equal values
give equal `frozen` stand-ins. So the
interactions of the request's bucket are the only ones of the path that can match it; the others are
left uncompared, and a request seen before is answered in the time one comparison takes, however many
interactions share its path.

>>> from polycontract.model import Body, Request
>>> def graphql(query: object) -> Request:
...     return Request(method="POST", path="/graphql", body=Body(content=query, content_type="application/json"))
>>> requests = [graphql({"query": q}) for q in ("{a}", "{b}")]
>>> parts = ExactParts.of(requests, (0, 1), spec="V4")
>>> parts.fields
('query',)
>>> parts.narrow(graphql(b'{"query": "{b}"}'))[0]
(1,)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polycontract._paths import PathSyntaxError, parse_path
from polycontract.matching.support import UNDECODED
from polycontract.mock._discriminator import frozen, json_content
from polycontract.mock._wire_reply import is_json
from polycontract.model import Body, Request, RuleSet

__all__ = ["ExactParts"]

#: Stands for a body field the request does not have (never equal to a value a pact declares).
_ABSENT_FIELD = ("polycontract: absent field",)

#: The specifications whose query comparison is by value: V1 compares the raw query strings.
_BY_VALUE = frozenset({"V2", "V3", "V4"})

#: Headers compared as media types (parameters, case): not indexed.
_MEDIA = frozenset({"content-type", "accept"})


@dataclass(frozen=True)
class ExactParts:
    """The interactions of one method and path, bucketed by their literal query values (``names``) and
    top-level JSON body fields (``fields``): those no matching rule of any of them governs.

    A request outside every bucket matches none of them; `MockProvider` then words the mismatch by
    comparing it with all of them, as before.
    """

    names: tuple[str, ...]
    fields: tuple[str, ...]
    #: Header names (lower case) every interaction sets to a literal value, media types aside.
    headers: tuple[str, ...]
    buckets: Mapping[Hashable, tuple[int, ...]]

    @classmethod
    def of(cls, requests: Sequence[Request], indexes: Sequence[int], *, spec: str) -> ExactParts | None:
        """The index of these requests (interaction ``indexes[i]`` declares ``requests[i]``); None when
        they have no literal part in common, or the specification compares queries as raw text.
        """
        if spec not in _BY_VALUE or not requests:
            return None
        names = set.intersection(*(_literal_names(r) for r in requests))
        fields = set.intersection(*(_literal_fields(r) for r in requests))
        headers = set.intersection(*(_literal_headers(r) for r in requests))
        if not names and not fields and not headers:
            return None
        found = cls(tuple(sorted(names)), tuple(sorted(fields)), tuple(sorted(headers)), {})
        buckets: dict[Hashable, list[int]] = {}
        for request, index in zip(requests, indexes):
            content = request.body.content if fields and isinstance(request.body, Body) else {}
            key = found._key(request.query, request.headers, content)
            try:
                hash(key)
            except TypeError:
                return None
            buckets.setdefault(key, []).append(index)
        return cls(found.names, found.fields, found.headers, {key: tuple(group) for key, group in buckets.items()})

    def _key(
        self, query: Mapping[str, Sequence[str]], headers: Mapping[str, Sequence[str]], content: Mapping[str, Any]
    ) -> Hashable:
        values: tuple[Any, ...] = tuple([tuple(query.get(name, ())) for name in self.names])
        if self.headers:
            values += tuple([_header_items(headers, name) for name in self.headers])
        if not self.fields:
            return values
        return (values, tuple([frozen(content.get(name, _ABSENT_FIELD)) for name in self.fields]))

    def narrow(self, request: Request, decoded: Any = UNDECODED) -> tuple[tuple[int, ...] | None, Any]:
        """The interactions ``request`` can match, in declaration order (None: this index cannot tell), and
        its body bytes as ``json.loads`` gives them (`UNDECODED` when not decoded), for comparing.

        ``decoded``: the body bytes decoded already, if they were.
        """
        if not self.fields:
            return self.buckets.get(self._key(request.query, request.headers, {}), ()), decoded
        body = request.body
        if not isinstance(body, Body) or not is_json(body.content_type):
            return None, decoded
        content = body.content
        value: Any = decoded
        if value is UNDECODED:
            try:
                value = json_content(content)
            except ValueError:
                return None, decoded
            if type(content) is bytes:
                decoded = value
        if type(value) is not dict:  # a JSON string may hold JSON text the comparison decodes again
            return None, decoded
        try:
            return self.buckets.get(self._key(request.query, request.headers, value), ()), decoded
        except TypeError:  # unhashable: not a JSON value
            return None, decoded


def _literal_names(request: Request) -> set[str]:
    rules = request.matching_rules.get("query") or {}
    return {name for name in request.query if name not in rules}


def _literal_fields(request: Request) -> set[str]:
    """The top-level fields of a JSON object body that no body rule reaches, with plain JSON values."""
    body = request.body
    if not isinstance(body, Body) or body.encoded or type(body.content) is not dict:
        return set()
    if not is_json(body.content_type or _header(request.headers, "content-type")):
        return set()
    fields = {name for name, value in body.content.items() if type(name) is str and _plain(value)}
    for path in _rule_paths(request.matching_rules.get("body")):
        try:
            tokens = parse_path(path)
        except PathSyntaxError:
            return set()
        if not tokens or type(tokens[0]) is not str:  # the root, a wildcard, an index: may reach any field
            return set()
        fields.discard(tokens[0])
    return fields


def _literal_headers(request: Request) -> set[str]:
    """Lower-case names of the headers no rule governs (media types aside: compared as media types)."""
    rules = request.matching_rules.get("header") or {}
    ruled = {name.lower() for name in rules}
    names = [name.lower() for name in request.headers]
    return {name for name in names if names.count(name) == 1 and name not in ruled and name not in _MEDIA}


def _header_items(headers: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...] | None:
    """The comma-separated items of the first header called ``name`` (any case), as compared; None if absent."""
    for key, values in headers.items():
        if key.lower() == name:
            return tuple([part.strip() for value in values for part in value.split(",")])
    return None


def _rule_paths(rules: Mapping[str, RuleSet] | None) -> list[str]:
    return list(rules or ())


def _header(headers: Mapping[str, Sequence[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            return values[0] if values else None
    return None


def _plain(value: Any) -> bool:
    """Whether ``value`` is made of JSON types only (what `frozen` stands in for faithfully)."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list:
        return all(_plain(item) for item in value)
    return kind in (str, int, float, bool) or value is None

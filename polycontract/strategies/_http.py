"""Whole requests, responses and message contents within an interaction's rules.

Each part is drawn under its own rule category: ``path``, ``query`` and ``header`` values as text (the
engine reads numbers and booleans there from text), ``status`` under ``statusCode``, a JSON body or
message contents under ``body`` (`from_rules`), message ``metadata`` by key. A part without rules keeps
its example. A non-JSON body (text, XML, binary) keeps its example. Generators declared in the pact
(``ProviderState``, ``RandomInt``, ...) are not applied: what they produce must match the rules too, and
these strategies already draw from everything the rules allow.

Each strategy is built once per interaction and is cheap to draw from; a drawn value is judged by the
matching engine (`polycontract.matching`) before it is given, so it always matches the interaction.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Mapping
from typing import Any, TypeVar

from hypothesis import strategies as st

from polycontract.errors import UsageError
from polycontract.matching import compare_message, compare_request, compare_response
from polycontract.model import (
    ABSENT,
    AsynchronousMessage,
    Body,
    HttpInteraction,
    MessageContents,
    Request,
    Response,
    RuleSet,
    SynchronousMessage,
)
from polycontract.strategies._json import build, fixed_dict
from polycontract.strategies._judge import TextJudge
from polycontract.strategies._scalars import TYPE_LIKE, for_matcher

__all__ = ["build_message", "build_request", "build_response", "messages_for", "requests_for", "responses_for"]

_T = TypeVar("_T")

Strategy = st.SearchStrategy[Any]

#: Characters drawn for header values: printable ASCII, no comma (the engine splits values at commas).
HEADER_ALPHABET = "".join(c for c in string.printable if c not in ",\t\n\r\x0b\x0c")
#: Characters drawn for paths: what a URL path carries unescaped, besides ``/``.
PATH_ALPHABET = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/"


def requests_for(interaction: HttpInteraction | Request, *, spec: str = "V4") -> st.SearchStrategy[Request]:
    """`polycontract.model.Request` values that match the interaction's request (path, query, headers, body).

    Build it once per interaction and draw as often as needed; with a fixed hypothesis seed the draws
    repeat. The example request is the simplest value.

    >>> from hypothesis import find
    >>> from polycontract.model import Request
    >>> find(requests_for(Request(method="GET", path="/users/1")), lambda r: True).path
    '/users/1'
    """
    request = _part(interaction, HttpInteraction, Request, "requests_for")
    return build_request(request).filter(lambda actual: not compare_request(request, actual, spec=spec))


def responses_for(interaction: HttpInteraction | Response, *, spec: str = "V4") -> st.SearchStrategy[Response]:
    """`polycontract.model.Response` values that match the interaction's response (status, headers, body).

    >>> from hypothesis import find
    >>> from polycontract.model import Response
    >>> find(responses_for(Response(status=201)), lambda r: True).status
    201
    """
    response = _part(interaction, HttpInteraction, Response, "responses_for")
    return build_response(response).filter(lambda actual: not compare_response(response, actual, spec=spec))


def messages_for(
    message: AsynchronousMessage | MessageContents | SynchronousMessage, *, spec: str = "V4"
) -> st.SearchStrategy[MessageContents]:
    """`polycontract.model.MessageContents` values (contents and metadata) that match a message's rules.

    Give an `AsynchronousMessage` or any `MessageContents` (a `SynchronousMessage`'s ``request`` or one
    of its ``response`` items); a `SynchronousMessage` itself is refused, since it holds several.

    >>> from hypothesis import find
    >>> from polycontract.model import MessageContents
    >>> find(messages_for(MessageContents(contents={"id": 1})), lambda m: True).contents
    {'id': 1}
    """
    if isinstance(message, SynchronousMessage):
        raise UsageError(
            "messages_for: a SynchronousMessage holds a request and responses; "
            "pass message.request or one of message.response"
        )
    contents = _part(message, AsynchronousMessage, MessageContents, "messages_for")
    return build_message(contents).filter(lambda actual: not compare_message(contents, actual, spec=spec))


def build_request(request: Request) -> st.SearchStrategy[Request]:
    """What `requests_for` draws from before the engine judges it (the proof tests draw from this directly)."""
    rules = request.matching_rules
    headers = _header_rules(rules.get("header"))
    parts = fixed_dict(
        {
            "path": _single(request.path, rules.get("path"), "$.path", PATH_ALPHABET).filter(
                lambda path: path == request.path or _rooted(path)
            ),
            "query": _multimap(request.query, rules.get("query"), "$.query", None),
            "headers": _multimap(request.headers, headers, "$.headers", HEADER_ALPHABET, fold_case=True),
            "body": _body(request.body, rules.get("body")),
        }
    )

    def made(p: dict[str, Any]) -> Request:
        raw_query = request.raw_query if p["query"] == request.query else None
        return dataclasses.replace(request, raw_query=raw_query, **p)

    return parts.map(made)


def build_response(response: Response) -> st.SearchStrategy[Response]:
    """What `responses_for` draws from before the engine judges it."""
    rules = response.matching_rules
    headers = _header_rules(rules.get("header"))
    parts = fixed_dict(
        {
            "status": _single(response.status, rules.get("status"), "$.status", None),
            "headers": _multimap(response.headers, headers, "$.headers", HEADER_ALPHABET, fold_case=True),
            "body": _body(response.body, rules.get("body")),
        }
    )
    return parts.map(lambda p: dataclasses.replace(response, **p))


def build_message(contents: MessageContents) -> st.SearchStrategy[MessageContents]:
    """What `messages_for` draws from before the engine judges it."""
    rules = contents.matching_rules
    parts = fixed_dict(
        {
            "contents": _body(contents.contents, rules.get("body") or rules.get("content")),
            "metadata": _metadata(contents.metadata, rules.get("metadata")),
        }
    )
    return parts.map(lambda p: dataclasses.replace(contents, **p))


def _part(given: Any, owner: type, part: type[_T], func: str) -> _T:
    """The request, response or message contents of an interaction, or the part itself when given."""
    found = given.message if owner is AsynchronousMessage and isinstance(given, owner) else given
    if owner is HttpInteraction and isinstance(given, HttpInteraction):
        found = given.request if part is Request else given.response
    if not isinstance(found, part):
        raise UsageError(f"{func}: {type(given).__name__} given; pass an {owner.__name__} or a {part.__name__}")
    return found


def _single(example: Any, rules: Mapping[str, RuleSet] | None, where: str, alphabet: str | None) -> Strategy:
    """The path or status: one value under the category's single rule set (keyed ``""``)."""
    rule_set = None if not rules else next(iter(rules.values()))
    if rule_set is None or (isinstance(example, int) and not any(m.match == "statusCode" for m in rule_set.matchers)):
        return st.just(example)  # a status under no statusCode rule keeps its example
    return _text_value(example, rule_set, where, alphabet)


def _rooted(path: str) -> bool:
    """A path a request can carry: it starts at the root."""
    return path.startswith("/")


def _text_value(example: Any, rule_set: RuleSet, where: str, alphabet: str | None) -> Strategy:
    """A value under one rule set, the example first: ``OR`` draws from any matcher, ``AND`` from the first,
    keeping what all of them accept."""
    text = isinstance(example, str)
    options = [for_matcher(m, example, where, text=text, alphabet=alphabet) for m in rule_set.matchers]
    judge = TextJudge(example, rule_set)
    drawn = st.one_of(options) if rule_set.combine == "OR" else options[0]
    if alphabet == PATH_ALPHABET and all(m.match in TYPE_LIKE for m in rule_set.matchers):
        drawn = drawn.map(lambda s: s if s.startswith("/") else "/" + s)  # any text will do: keep it a path
    if alphabet is not None and text:
        drawn = drawn.filter(lambda s: isinstance(s, str) and s == s.strip() and all(c in alphabet for c in s))
    if rule_set.combine == "AND" and len(options) > 1:
        drawn = drawn.filter(judge)
    return st.one_of(st.just(example), drawn) if judge(example) else drawn


def _multimap(
    example: Mapping[str, tuple[str, ...]],
    rules: Mapping[str, RuleSet] | None,
    where: str,
    alphabet: str | None,
    *,
    fold_case: bool = False,
) -> Strategy:
    """Query parameters or headers: each name keeps its values' count; values vary under the name's rules."""
    if not rules:
        return st.just(example)
    parts: dict[str, Strategy] = {}
    for name, values in example.items():
        rule_set = rules.get(name.lower() if fold_case else name)
        if rule_set is None:
            parts[name] = st.just(values)
            continue
        place = f"{where}.{name}"
        parts[name] = st.tuples(*[_text_value(v, rule_set, place, alphabet) for v in values])
    return fixed_dict(parts)


def _header_rules(rules: Mapping[str, RuleSet] | None) -> dict[str, RuleSet] | None:
    """Header rules by lower-case name (header names ignore case)."""
    return None if not rules else {name.lower(): rule_set for name, rule_set in rules.items()}


def _metadata(example: Mapping[str, Any], rules: Mapping[str, RuleSet] | None) -> Strategy:
    if not rules:
        return st.just(example)
    parts = {
        key: st.just(value) if key not in rules else _text_value(value, rules[key], f"$.metadata.{key}", None)
        for key, value in example.items()
    }
    return fixed_dict(parts)


def _body(body: Any, rules: Mapping[str, RuleSet] | None) -> Strategy:
    """A body under the body rules: a JSON body varies (`from_rules`), any other keeps its example."""
    if body is ABSENT or not rules:
        return st.just(body)
    if isinstance(body, Body):
        if not _is_json(body):
            return st.just(body)
        return build(body.content, rules).map(lambda content: dataclasses.replace(body, content=content))
    if isinstance(body, (dict, list)):
        return build(body, rules)
    return st.just(body)


def _is_json(body: Body) -> bool:
    """Whether a body holds a JSON value (by its media type, else by what it holds)."""
    if isinstance(body.content, bytes):
        return False
    if body.encoded == "json":
        return True
    media_type = (body.content_type or "").split(";")[0].strip().lower()
    if media_type:
        return media_type.endswith(("/json", "+json"))
    return not isinstance(body.content, str)

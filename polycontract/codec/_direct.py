"""V4 HTTP interactions written straight from the model to indented JSON text, as `dumps_indented` would.

Writing a pact spends most of its time on text that repeats: every interaction built with the same
matchers carries the same matching rules, and the DSL shares one `RuleSet` object per rule and
parameters. `DirectWriter` writes an interaction without building its dict, and each rule set, each
category of rules (same keys, same rule set objects) and each set of headers once per indentation,
reusing the text for every other interaction that holds the same objects (or equal headers). Other
interactions (messages, ``extra`` keys) are built as dicts, and a value the fast path cannot write sends
the whole document to `json.dumps` as `dumps_indented` does: the text is byte for byte what
``json.dumps(doc, indent=n, ensure_ascii=False)`` writes.

>>> from polycontract import model
>>> from polycontract.codec._json import dumps_indented, LazyList
>>> ping = model.HttpInteraction(description="ping", response=model.Response(status=204))
>>> print(dumps_indented({"interactions": LazyList([ping], dict, DirectWriter().write)}, 2))
{
  "interactions": [
    {
      "type": "Synchronous/HTTP",
      "description": "ping",
      "request": {
        "method": "GET",
        "path": "/"
      },
      "response": {
        "status": 204
      }
    }
  ]
}
"""

from __future__ import annotations

from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from polycontract.codec._json import Unsupported, encode_into, scalar_text
from polycontract.codec._rules import SINGLE, write_generators, write_rule_set
from polycontract.codec._write import guess_content_type, header_content_type, write_body
from polycontract.model import Body, HttpInteraction, Request, Response, RuleSet

__all__ = ["DirectWriter"]

_HTTP_TYPE = encode_basestring(HttpInteraction.type_name)


class DirectWriter:
    """Writes V4 HTTP interactions of one document, remembering the text of what repeats.

    One writer per document: it remembers rule sets by identity, and the model it writes keeps them
    alive for as long as the document is being written.
    """

    __slots__ = ("_categories", "_headers", "_rule_sets")

    def __init__(self) -> None:
        self._rule_sets: dict[tuple[int, str], tuple[RuleSet, str]] = {}
        self._categories: dict[tuple[str, tuple[str, ...], tuple[int, ...]], tuple[tuple[RuleSet, ...], str]] = {}
        self._headers: dict[tuple[Any, str], str] = {}

    def write(self, interaction: Any, newline: str, step: str, out: list[str]) -> bool:
        """Append ``interaction`` as the JSON object `_write._interaction` builds; False if it is not one to do here."""
        if type(interaction) is not HttpInteraction or interaction.extra:
            return False
        request, response = interaction.request, interaction.response
        if type(request) is not Request or type(response) is not Response or request.extra or response.extra:
            return False
        inner = newline + step
        sep = "," + inner
        description = interaction.description
        if type(description) is str:  # the usual case, in one piece
            out.append(f'{{{inner}"type": {_HTTP_TYPE}{sep}"description": {encode_basestring(description)}')
        else:
            out.append(f'{{{inner}"type": {_HTTP_TYPE}')
            _pair(sep, "description", description, inner, step, out)
        if interaction.key is not None:
            _pair(sep, "key", interaction.key, inner, step, out)
        if interaction.provider_states:
            _states(interaction.provider_states, sep, inner, step, out)
        if interaction.pending:
            out.append(f'{sep}"pending": true')
        for name, value in (
            ("comments", interaction.comments),
            ("pluginConfiguration", interaction.plugin_configuration),
            ("interactionMarkup", interaction.interaction_markup),
        ):
            if value:
                _pair(sep, name, dict(value), inner, step, out)
        inner2 = inner + step
        sep2 = "," + inner2
        method, path = request.method, request.path
        if type(method) is str and type(path) is str:  # the usual case, in one piece
            start = f'{sep}"request": {{{inner2}"method": {encode_basestring(method)}'
            out.append(f'{start}{sep2}"path": {encode_basestring(path)}')
        else:
            out.append(f'{sep}"request": ')
            _pair("{" + inner2, "method", method, inner2, step, out)
            _pair(sep2, "path", path, inner2, step, out)
        if request.query or request.raw_query is not None:
            _pair(sep2, "query", {k: list(v) for k, v in request.query.items()}, inner2, step, out)
        self._tail(request.headers, request.body, request.matching_rules, request.generators, inner2, step, out)
        out.append(f'{inner}}}{sep}"response": ')
        _pair("{" + inner2, "status", response.status, inner2, step, out)
        self._tail(response.headers, response.body, response.matching_rules, response.generators, inner2, step, out)
        out.append(f"{inner}}}{newline}}}")
        return True

    def _tail(
        self, headers: Any, body: Any, rules: Any, generators: Any, newline: str, step: str, out: list[str]
    ) -> None:
        # `_write._http_tail` for V4: headers, body, matching rules, generators.
        sep = "," + newline
        if headers:
            out.append(f'{sep}"headers": ')
            out.append(self._headers_text(headers, newline, step))
        if isinstance(body, Body):
            if body.encoded is False and type(body.content) is not bytes:
                _body(body, headers, sep, newline, step, out)
            else:
                _pair(sep, "body", write_body(body, "V4", headers), newline, step, out)
        if rules:
            out.append(f'{sep}"matchingRules": ')
            self._rules(rules, newline, step, out)
        if generators:
            _pair(sep, "generators", write_generators(generators), newline, step, out)

    def _headers_text(self, headers: Mapping[str, Any], newline: str, step: str) -> str:
        # Kept by value: equal headers (names and values all exact str, checked before keeping) give equal text.
        key = (tuple(headers.items()), newline)
        try:
            found = self._headers.get(key)
        except TypeError:  # a value that is not hashable (a list): written, not kept
            found = None
        if found is not None:
            return found
        parts: list[str] = []
        encode_into({k: list(v) for k, v in headers.items()}, newline, step, parts)
        found = "".join(parts)
        if all(type(k) is str and type(v) is tuple and all(type(x) is str for x in v) for k, v in headers.items()):
            self._headers[key] = found
        return found

    def _rules(self, rules: Mapping[str, Mapping[str, RuleSet]], newline: str, step: str, out: list[str]) -> None:
        # `write_matching_rules` (V3/V4 layout) as text.
        inner = newline + step
        sep = "{" + inner
        for category, entries in rules.items():
            if type(category) is not str:
                raise Unsupported  # as `dumps_indented` does for a key that is not a str
            if category in SINGLE and len(entries) == 1 and "" in entries:
                out.append(f"{sep}{encode_basestring(category)}: {self._rule_set(entries[''], inner, step)}")
            elif not entries:
                out.append(f"{sep}{encode_basestring(category)}: {{}}")
            else:
                out.append(f"{sep}{encode_basestring(category)}: {self._category(entries, inner, step)}")
            sep = "," + inner
        out.append(newline + "}")

    def _category(self, entries: Mapping[str, RuleSet], newline: str, step: str) -> str:
        # The rules of one category, kept by their keys and the identity of their rule sets: interactions
        # declared alike carry the same rule set objects under the same keys.
        values = tuple(entries.values())
        key = (newline, tuple(entries), tuple(map(id, values)))
        found = self._categories.get(key)
        if found is None:  # the entry keeps the rule sets alive: no other object can have their ids
            inner = newline + step
            parts: list[str] = []
            sep = "{" + inner
            for name, rule_set in entries.items():
                if type(name) is not str:
                    raise Unsupported
                parts.append(f"{sep}{encode_basestring(name)}: {self._rule_set(rule_set, inner, step)}")
                sep = "," + inner
            parts.append(newline + "}")
            found = self._categories[key] = (values, "".join(parts))
        return found[1]

    def _rule_set(self, rule_set: RuleSet, newline: str, step: str) -> str:
        key = (id(rule_set), newline)
        found = self._rule_sets.get(key)
        if found is None or found[0] is not rule_set:
            parts: list[str] = []
            encode_into(write_rule_set(rule_set), newline, step, parts)
            found = self._rule_sets[key] = (rule_set, "".join(parts))
        return found[1]


def _states(states: Any, sep: str, newline: str, step: str, out: list[str]) -> None:
    # ``"providerStates": [{"name": ..., "params": {...}}, ...]`` as `_write._common` builds it.
    inner = newline + step
    inner2 = inner + step
    item_sep = "["
    out.append(f'{sep}"providerStates": ')
    for state in states:
        out.append(item_sep + inner)
        _pair("{" + inner2, "name", state.name, inner2, step, out)
        params = state.params
        if params:
            _pair("," + inner2, "params", params if type(params) is dict else dict(params), inner2, step, out)
        out.append(inner + "}")
        item_sep = ","
    out.append(newline + "]")


def _body(body: Body, headers: Any, sep: str, newline: str, step: str, out: list[str]) -> None:
    # `write_body` for V4 text or JSON content that is not kept encoded: its object, written straight.
    inner = newline + step
    content_type = body.content_type or header_content_type(headers) or guess_content_type(body.content)
    out.append(f'{sep}"body": ')
    _pair("{" + inner, "contentType", content_type, inner, step, out)
    out.append(f',{inner}"encoded": false')
    _pair("," + inner, "content", body.content, inner, step, out)
    if body.content_type_hint:
        _pair("," + inner, "contentTypeHint", body.content_type_hint, inner, step, out)
    out.append(newline + "}")


def _pair(sep: str, key: str, value: Any, newline: str, step: str, out: list[str]) -> None:
    """One ``"key": value`` entry of an object whose entries sit at ``newline``, as `dumps_indented` writes it."""
    kind = type(value)
    if kind is str:
        out.append(f"{sep}{encode_basestring(key)}: {encode_basestring(value)}")
    elif kind is dict or kind is list:
        out.append(f"{sep}{encode_basestring(key)}: ")
        encode_into(value, newline, step, out)
    else:
        out.append(f"{sep}{encode_basestring(key)}: {scalar_text(value)}")

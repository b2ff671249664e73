"""V4 HTTP interactions written straight from the model to indented JSON text, as `dumps_indented` would.

Writing a pact spends most of its time on text that repeats: every interaction built with the same
matchers carries the same matching rules, and the DSL shares one `RuleSet` object per rule and
parameters. `DirectWriter` writes an interaction without building its dict, and each set of headers
once per indentation, reusing the text for every other interaction with equal headers; the matching
rules of a part are written and kept alike by `polycontract.codec._rule_text.RuleTexts`. The fixed text
of the layout (keys, indentation, the opening of a body of each content type, the name of each provider
state) is made once per document, so an interaction is written in a few pieces. Other interactions
(messages, ``extra`` keys) are built as dicts, and a value the fast path cannot write sends the whole
document to `json.dumps` as `dumps_indented` does: the text is byte for byte what
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

from polycontract.codec._bodies import header_content_type
from polycontract.codec._json import _encode, _scalar, encode_into, scalar_text
from polycontract.codec._rule_text import RuleTexts
from polycontract.codec._rules import write_generators
from polycontract.codec._write import guess_content_type, write_body
from polycontract.model import Body, HttpInteraction, Request, Response

__all__ = ["DirectWriter"]

_HTTP_TYPE = encode_basestring(HttpInteraction.type_name)


class DirectWriter:
    """Writes V4 HTTP interactions of one document, remembering the text of what repeats.

    One writer per document: it remembers rule sets by identity, and the model it writes keeps them
    alive for as long as the document is being written.
    """

    __slots__ = ("_headers", "_layout", "_rule_texts")

    def __init__(self) -> None:
        self._layout: _Layout | None = None
        self._rule_texts = RuleTexts()
        self._headers: dict[tuple[Any, ...], str] = {}

    def write(self, interaction: Any, newline: str, step: str, out: list[str]) -> bool:
        """Append ``interaction`` as the JSON object `_write._interaction` builds; False if it is not one to do here."""
        if type(interaction) is not HttpInteraction or interaction.extra:
            return False
        request, response = interaction.request, interaction.response
        if type(request) is not Request or type(response) is not Response or request.extra or response.extra:
            return False
        lay = self._layout
        if lay is None or lay.newline != newline or lay.step != step:
            lay = self._layout = _Layout(newline, step)
        append = out.append
        description = interaction.description
        if type(description) is str:  # the usual case, in one piece
            append(lay.head + encode_basestring(description))
        else:
            append(lay.open)
            _pair(lay.sep, "description", description, lay.inner, step, out)
        if interaction.key is not None:
            _pair(lay.sep, "key", interaction.key, lay.inner, step, out)
        states = interaction.provider_states
        if states:
            self._states(states, lay, out)
        if interaction.pending:
            append(lay.pending)
        if interaction.comments or interaction.plugin_configuration or interaction.interaction_markup:
            for name, value in (
                ("comments", interaction.comments),
                ("pluginConfiguration", interaction.plugin_configuration),
                ("interactionMarkup", interaction.interaction_markup),
            ):
                if value:
                    _pair(lay.sep, name, dict(value), lay.inner, step, out)
        method, path = request.method, request.path
        if type(method) is str and type(path) is str:  # the usual case, in one piece
            append(f"{lay.request}{encode_basestring(method)}{lay.path}{encode_basestring(path)}")
        else:
            append(f'{lay.sep}"request": ')
            _pair("{" + lay.inner2, "method", method, lay.inner2, step, out)
            _pair(lay.sep2, "path", path, lay.inner2, step, out)
        query = request.query
        if query or request.raw_query is not None:
            text = _string_lists(query, lay.inner2, step) if query else "{}"
            if text is not None:
                append(lay.query + text)
            else:
                _pair(lay.sep2, "query", {k: list(v) for k, v in query.items()}, lay.inner2, step, out)
        rest = self._part(request.headers, request.body, request.matching_rules, request.generators, lay, out)
        status = response.status
        if type(status) is int:
            append(f"{rest}{lay.response}{int.__repr__(status)}")
        else:
            append(f'{rest}{lay.inner}}}{lay.sep}"response": ')
            _pair("{" + lay.inner2, "status", status, lay.inner2, step, out)
        rest = self._part(response.headers, response.body, response.matching_rules, response.generators, lay, out)
        append(rest + lay.end)
        return True

    def _states(self, states: Any, lay: _Layout, out: list[str]) -> None:
        # ``"providerStates": [{"name": ..., "params": {...}}, ...]`` as `_write._common` builds it.
        names = lay.state_names
        item = lay.states
        for state in states:
            name = state.name
            params = state.params
            if type(name) is str:
                text = names.get(name)
                if text is None:
                    text = names[name] = f'{lay.inner2}{{{lay.inner3}"name": {encode_basestring(name)}'
            else:
                out.append(item + lay.inner2)
                _pair("{" + lay.inner3, "name", name, lay.inner3, lay.step, out)
                item = text = ""
            if params:
                flat = _flat(params, lay.inner3, lay.step) if type(params) is dict else None
                if flat is not None:
                    out.append(f"{item}{text}{lay.params}{flat}{lay.state_end}")
                else:
                    out.append(f"{item}{text}{lay.params}")
                    _encode(params if type(params) is dict else dict(params), lay.inner3, lay.step, out)
                    out.append(lay.state_end)
            else:
                out.append(f"{item}{text}{lay.state_end}")
            item = ","
        out.append(lay.states_end)

    def _part(self, headers: Any, body: Any, rules: Any, generators: Any, lay: _Layout, out: list[str]) -> str:
        # `_write._http_tail` for V4 (headers, body, matching rules, generators), entries at ``lay.inner2``.
        # Returns the end of its text for the caller to write with what follows (one piece fewer).
        newline, step = lay.inner2, lay.step
        rest = ""
        if headers:
            out.append(lay.headers + self._headers_text(headers, newline, step))
        if type(body) is Body and body.encoded is False and type(body.content) is not bytes:
            content_type = body.content_type or header_content_type(headers) or guess_content_type(body.content)
            if type(content_type) is str:
                opening = lay.bodies.get(content_type)
                if opening is None:
                    opening = lay.bodies[content_type] = (
                        f'{lay.sep2}"body": {{{lay.inner3}"contentType": {encode_basestring(content_type)},'
                        f'{lay.inner3}"encoded": false,{lay.inner3}"content": '
                    )
                content = body.content
                kind = type(content)
                if kind is dict or kind is list:
                    out.append(opening)
                    _encode(content, lay.inner3, step, out)
                else:
                    out.append(opening + _scalar(content))
                if body.content_type_hint:
                    _pair("," + lay.inner3, "contentTypeHint", body.content_type_hint, lay.inner3, step, out)
                rest = lay.body_end
            else:
                _body(body, headers, lay.sep2, newline, step, out)
        elif isinstance(body, Body):
            if body.encoded is False and type(body.content) is not bytes:
                _body(body, headers, lay.sep2, newline, step, out)
            else:
                _pair(lay.sep2, "body", write_body(body, "V4", headers), newline, step, out)
        if rules:  # its text apart: often long, and the same object for every part ruled alike
            out.append(rest + lay.rules)
            out.append(self._rule_texts.text(rules, newline, step))
            rest = ""
        if generators:
            if rest:
                out.append(rest)
                rest = ""
            _pair(lay.sep2, "generators", write_generators(generators), newline, step, out)
        return rest

    def _headers_text(self, headers: Mapping[str, Any], newline: str, step: str) -> str:
        # Kept by value: equal headers (names and values all exact str, checked before keeping) give equal text.
        key: tuple[Any, ...]
        if len(headers) == 1:  # the usual case, without a tuple of the items (a key of another length)
            [(name, values)] = headers.items()
            key = (newline, name, values)
        else:
            key = (tuple(headers.items()), newline)
        try:
            found = self._headers.get(key)
        except TypeError:  # a value that is not hashable (a list): written, not kept
            found = None
        if found is not None:
            return found
        found = _string_lists(headers, newline, step)
        if found is not None:  # names and values all exact str
            self._headers[key] = found
            return found
        parts: list[str] = []
        encode_into({k: list(v) for k, v in headers.items()}, newline, step, parts)
        return "".join(parts)


class _Layout:
    """The fixed text of an interaction whose entries sit at ``newline + step``, computed once per document."""

    __slots__ = (
        "bodies",
        "body_end",
        "end",
        "head",
        "headers",
        "inner",
        "inner2",
        "inner3",
        "newline",
        "open",
        "params",
        "path",
        "pending",
        "query",
        "request",
        "response",
        "rules",
        "sep",
        "sep2",
        "state_end",
        "state_names",
        "states",
        "states_end",
        "step",
    )

    def __init__(self, newline: str, step: str) -> None:
        self.newline, self.step = newline, step
        inner = self.inner = newline + step
        inner2 = self.inner2 = inner + step
        inner3 = self.inner3 = inner2 + step
        sep, sep2 = self.sep, self.sep2 = "," + inner, "," + inner2
        self.open = f'{{{inner}"type": {_HTTP_TYPE}'
        self.head = f'{self.open}{sep}"description": '
        self.pending = f'{sep}"pending": true'
        self.states = f'{sep}"providerStates": ['
        self.params = f',{inner3}"params": '
        self.state_end = inner2 + "}"
        self.states_end = inner + "]"
        self.request = f'{sep}"request": {{{inner2}"method": '
        self.path = f'{sep2}"path": '
        self.headers = f'{sep2}"headers": '
        self.query = f'{sep2}"query": '
        self.body_end = inner2 + "}"
        self.rules = f'{sep2}"matchingRules": '
        self.response = f'{inner}}}{sep}"response": {{{inner2}"status": '
        self.end = f"{inner}}}{newline}}}"
        #: ``{"name": ...`` of each provider state name, and the opening of a body up to its content by content type.
        self.state_names: dict[str, str] = {}
        self.bodies: dict[str, str] = {}


def _flat(value: dict[str, Any], newline: str, step: str) -> str | None:
    """The text of a non-empty dict of exact str keys and str or int values, e.g. state params; else None."""
    if len(value) == 1:  # the usual case, in one piece
        [(key, item)] = value.items()
        if type(key) is str:
            kind = type(item)
            if kind is str:
                return f"{{{newline}{step}{encode_basestring(key)}: {encode_basestring(item)}{newline}}}"
            if kind is int:
                return f"{{{newline}{step}{encode_basestring(key)}: {int.__repr__(item)}{newline}}}"
        return None
    parts = []
    for key, item in value.items():
        if type(key) is not str:
            return None
        kind = type(item)
        if kind is str:
            parts.append(f"{encode_basestring(key)}: {encode_basestring(item)}")
        elif kind is int:
            parts.append(f"{encode_basestring(key)}: {int.__repr__(item)}")
        else:
            return None
    inner = newline + step
    return f"{{{inner}{(',' + inner).join(parts)}{newline}}}"


def _string_lists(mapping: Mapping[str, Any], newline: str, step: str) -> str | None:
    """The text of ``{k: list(v) for k, v in mapping.items()}`` (non-empty), None unless all are exact str in tuples."""
    inner = newline + step
    inner2 = inner + step
    item_sep = "," + inner2
    parts = []
    for name, values in mapping.items():
        if type(name) is not str or type(values) is not tuple:
            return None
        for value in values:
            if type(value) is not str:
                return None
        if values:
            parts.append(f"{encode_basestring(name)}: [{inner2}{item_sep.join(map(encode_basestring, values))}{inner}]")
        else:
            parts.append(f"{encode_basestring(name)}: []")
    return f"{{{inner}{(',' + inner).join(parts)}{newline}}}"


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

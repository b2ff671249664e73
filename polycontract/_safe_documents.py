"""JSON and YAML text to plain JSON data, with limits a document from an untrusted client cannot get past.

Internal interface of the core: the compatibility checks (`polycontract.compat`) read schema text with
it, and the broker's HTTP server reads request bodies and pact content with it.

`loads_json` refuses what RFC 8259 does not allow but Python's `json` accepts (``NaN``, ``Infinity``,
``-Infinity``, and numbers too large for a float, such as ``1e400``) and documents nested deeper than
``max_depth`` arrays and objects. `loads_yaml` reads YAML as JSON data: timestamps stay text (unless
asked for as dates), tags without a JSON equivalent (``!!binary``, ``!!set``, Python tags) are refused, and
aliases may repeat a node only while the document they expand to stays under ``max_expanded``
(an alias bomb of a few hundred bytes is refused before anything is expanded), never round a cycle. It
reads through libyaml where PyYAML has it, giving the pure-Python loader's data, refusals and errors.
Both raise `DocumentRefused` naming the problem and, where known, the line and column.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

__all__ = ["MAX_EXPANDED", "DocumentRefused", "NotJson", "loads_json", "loads_yaml"]

#: Largest size, in characters of scalars plus one per node, a YAML document may expand to through aliases.
MAX_EXPANDED = 16 * 1024 * 1024
#: A JSON string once its escaped backslashes and quotes are gone (see `_depth`).
_PLAIN_STRING = re.compile(r'"[^"]*"')
#: A JSON string, or one bare word (number, literal) or bracket, in order: how a literal or depth is located.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|[^\s"\[\]{},:]+', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_NOT_A_NUMBER = "{} is not a JSON number (JSON has no NaN or infinity)"
_YAML = "tag:yaml.org,2002:"
#: Text the libyaml path leaves to the pure one, where the two parsers read it differently: a character the
#: pure reader refuses (not printable), a tab (libyaml reads it as a space where the pure scanner refuses it),
#: a byte order mark (libyaml drops one anywhere); and a comment right after a block scalar's indicators.
_PURE_ONLY = re.compile("[^\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_COMMENT_AFTER_INDICATOR = re.compile("[|>][-+0-9]*#")
_YAML_SCALARS = frozenset(_YAML + name for name in ("null", "bool", "int", "float", "str", "merge"))


class DocumentRefused(ValueError):
    """A document that is not plain JSON data within the limits: ``problem``, and ``line``/``column`` if known."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        super().__init__(f"{problem} (line {line} column {column})" if line is not None else problem)


class NotJson(DocumentRefused):
    """Text that is not JSON at all (a syntax error, or not UTF-8), as opposed to JSON beyond a limit."""


class _NonFinite(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _constant(literal: str) -> Any:
    raise _NonFinite(literal)


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NonFinite(literal)
    return value


def loads_json(source: str | bytes, *, max_depth: int) -> Any:
    """``source`` (UTF-8 bytes or text) parsed as strict JSON at most ``max_depth`` arrays/objects deep."""
    if isinstance(source, bytes | bytearray):
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotJson(f"not UTF-8 text: byte {exc.start} cannot be decoded") from None
    else:
        text = source
    try:
        document = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise NotJson(exc.msg, exc.lineno, exc.colno) from None
    except _NonFinite as exc:
        line, column = _where(text, _first_word(text, exc.literal))
        raise DocumentRefused(_NOT_A_NUMBER.format(exc.literal), line, column) from None
    except RecursionError:
        _refuse_depth(text, max_depth)
        raise DocumentRefused(f"nested too deeply: more than {max_depth} arrays or objects") from None
    except ValueError as exc:  # an integer of thousands of digits (Python's int conversion limit)
        raise DocumentRefused(str(exc)) from None
    if isinstance(document, dict | list) and _depth(text) > max_depth:
        _refuse_depth(text, max_depth)
    return document


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in valid JSON ``text`` (strings left out), at C speed."""
    unescaped = text.replace("\\\\", "").replace('\\"', "")  # in valid JSON a backslash starts an escape pair
    brackets = _NOT_BRACKET.sub("", _PLAIN_STRING.sub("", unescaped))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _tokens(text: str) -> Iterator[re.Match[str]]:
    return _TOKEN.finditer(text)


def _refuse_depth(text: str, max_depth: int) -> None:
    depth = 0
    for token in _tokens(text):
        depth += _STEP.get(token.group(), 0)
        if depth > max_depth:
            line, column = _where(text, token.start())
            raise DocumentRefused(f"nested too deeply: more than {max_depth} arrays or objects", line, column)


def _first_word(text: str, literal: str) -> int | None:
    return next((token.start() for token in _tokens(text) if token.group() == literal), None)


def _where(text: str, offset: int | None) -> tuple[int | None, int | None]:
    if offset is None:
        return None, None
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def loads_yaml(text: str, *, max_depth: int, max_expanded: int = MAX_EXPANDED, dates: bool = False) -> Any:
    """``text`` parsed as YAML into JSON data; aliases bounded by ``max_expanded``, nesting by ``max_depth``.

    With ``dates`` a timestamp becomes a `datetime.date`/`datetime.datetime` (as ``yaml.safe_load`` reads it),
    else it stays the text it was written as.

    Raises `DocumentRefused` for a limit or a value JSON cannot hold, and ``yaml.YAMLError`` for text
    that is not YAML.
    """
    document = _fast_load(text, max_depth, max_expanded, dates)
    if document is not _UNSURE:
        return document
    loader = _loader_class(dates)(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise DocumentRefused(f"nested too deeply: more than {max_depth} sequences or mappings") from None
        if node is None:
            return None
        _measure(node, max_depth, max_expanded, dates)
        try:
            return loader.construct_document(node)
        except ValueError as exc:  # an integer of thousands of digits (Python's int conversion limit)
            raise DocumentRefused(str(exc)) from None
    finally:
        loader.dispose()


@functools.cache
def _loader_class(dates: bool) -> Any:
    import yaml

    if dates:
        return yaml.SafeLoader
    timestamp = _YAML + "timestamp"

    class JsonYamlLoader(yaml.SafeLoader):
        """SafeLoader resolving what JSON can hold: a timestamp stays the text it was written as."""

    JsonYamlLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != timestamp]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return JsonYamlLoader


def _measure(root: Any, max_depth: int, max_expanded: int, dates: bool) -> None:
    """Refuse a node graph whose expansion is too large, too deep, cyclic or holds a non-JSON value.

    Each distinct node is visited once (memoised): a DAG of aliases is sized without being expanded.
    """
    import yaml

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(key)
            if isinstance(node, yaml.ScalarNode):
                size[key], depth[key] = 1 + len(node.value), 0
            else:
                size[key] = 1 + sum(size[id(child)] for child in children)
                depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            if size[key] > max_expanded:
                raise DocumentRefused(
                    f"the YAML expands to more than {max_expanded} characters (aliases repeat nodes)", *_mark(node)
                )
            if depth[key] > max_depth:
                raise DocumentRefused(f"nested too deeply: more than {max_depth} sequences or mappings", *_mark(node))
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise DocumentRefused("an alias refers to a node that contains it", *_mark(node))
        _check_tag(node, dates)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_tag(node: Any, dates: bool) -> None:
    import yaml

    tag = str(node.tag)
    if isinstance(node, yaml.ScalarNode):
        allowed = tag in _YAML_SCALARS or (dates and tag == _YAML + "timestamp")
        if tag == _YAML + "float" and node.value.lower().lstrip("+-") in (".nan", ".inf"):
            raise DocumentRefused(_NOT_A_NUMBER.format(node.value), *_mark(node))
    else:
        allowed = tag == _YAML + ("map" if isinstance(node, yaml.MappingNode) else "seq")
    if not allowed:
        raise DocumentRefused(f"the YAML tag {tag} has no JSON equivalent", *_mark(node))


def _mark(node: Any) -> tuple[int | None, int | None]:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


#: What `_fast_load` returns for a document it leaves to the pure-Python path (which reads it as ever).
_UNSURE: Any = object()


class _Unsure(Exception):
    """The libyaml path met something only the pure-Python path answers: a refusal, an error, a rare form."""


def _fast_load(text: str, max_depth: int, max_expanded: int, dates: bool) -> Any:
    """``text`` read by libyaml into the data `loads_yaml` returns, or `_UNSURE` for any other outcome.

    One pass over libyaml's events composes, measures and constructs (an alias reuses the object its
    anchor built, as `construct_document` does) with the pure path's resolver and scalar constructors.
    What the pure path refuses or raises for, and the forms it reads apart (merge keys, non-scalar keys,
    `_PURE_ONLY` text), give `_UNSURE`: refusals and errors keep their messages, lines and columns.
    """
    import yaml

    if not getattr(yaml, "__with_libyaml__", False) or not isinstance(text, str) or _PURE_ONLY.search(text):
        return _UNSURE
    if "#" in text and _COMMENT_AFTER_INDICATOR.search(text):
        return _UNSURE
    loader = _loader_class(dates)("")
    parser = yaml.CSafeLoader(text)
    try:
        resolvers = loader.yaml_implicit_resolvers
        if loader.yaml_path_resolvers or None in resolvers:
            return _UNSURE
        plain_first = frozenset(resolvers)  # the first characters of plain scalars that may not be strings
        return _compose(parser.get_event, _scalars(loader, dates, plain_first), plain_first, max_depth, max_expanded)
    except Exception:  # any surprise is the pure path's to report
        return _UNSURE
    finally:
        parser.dispose()
        loader.dispose()


def _scalars(loader: Any, dates: bool, plain_first: frozenset[str]) -> Any:
    """A function of a scalar event to its value, resolved and constructed as the pure loader does."""
    import yaml

    allowed = _YAML_SCALARS - {_YAML + "merge"} | ({_YAML + "timestamp"} if dates else set())
    string = _YAML + "str"
    resolved: dict[tuple[str, Any], str] = {}
    built: dict[tuple[str, str], Any] = {}

    def value_of(event: Any) -> Any:
        tag, value = event.tag, event.value
        if tag == "!":  # the two parsers flag an empty scalar so tagged differently
            raise _Unsure(tag)
        if tag is None:
            implicit = event.implicit
            if implicit[0] and value[:1] in plain_first:
                key = (value, implicit)
                tag = resolved.get(key)
                if tag is None:
                    tag = resolved[key] = loader.resolve(yaml.ScalarNode, value, implicit)
            else:
                tag = string
        if tag == string:
            return value
        if tag not in allowed:
            raise _Unsure(tag)
        key = (tag, value)
        if key not in built:
            data = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
            if isinstance(data, float) and not math.isfinite(data):
                raise _Unsure(value)
            built[key] = data
        return built[key]

    return value_of


def _compose(next_event: Any, scalar: Any, plain_first: frozenset[str], max_depth: int, max_expanded: int) -> Any:
    """The one document of an event stream as JSON data, measured as `_measure` does (`_Unsure` past a limit).

    Each finished node is a triple (data, expanded size, depth); a frame of the stack is
    ``[container, size, depth, anchor, key, flow]`` with ``key`` `_UNSURE` where a mapping waits for its next
    key and ``flow`` true inside a flow collection.
    """
    import yaml
    from yaml import AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent

    anchors: dict[str, tuple[Any, int, int] | None] = {}
    next_event()  # the stream's start
    if type(event := next_event()) is yaml.StreamEndEvent:
        return None  # a stream holding no document
    if type(event) is not yaml.DocumentStartEvent:
        raise _Unsure("document")
    stack: list[list[Any]] = []
    while True:
        event = next_event()
        kind = type(event)
        if kind is ScalarEvent:
            value, anchor = event.value, event.anchor
            if stack and stack[-1][5] and not event.style and ("?" in value or ":" in value):
                raise _Unsure("the pure scanner ends a plain scalar in a flow collection at ? or :")
            if anchor is not None and anchor in anchors:
                raise _Unsure("duplicate anchor")
            if event.tag is None and (value[:1] not in plain_first or not event.implicit[0]):
                item = (value, 1 + len(value), 0)  # a string (the common case, kept out of a call)
            else:
                item = (scalar(event), 1 + len(value), 0)
        elif kind is AliasEvent:
            anchor, found = None, anchors.get(event.anchor)
            if found is None:  # undefined, or a node that contains the alias (a cycle)
                raise _Unsure("alias")
            item = found
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            mapping, anchor = kind is MappingStartEvent, event.anchor
            if event.tag not in (None, "!", _YAML + ("map" if mapping else "seq")) or len(stack) >= max_depth:
                raise _Unsure("collection")
            if anchor is not None:
                if anchor in anchors:
                    raise _Unsure("duplicate anchor")
                anchors[anchor] = None  # open: an alias to it now would be a cycle
            flow = bool(event.flow_style) or bool(stack and stack[-1][5])
            stack.append([{} if mapping else [], 1, 0, anchor, _UNSURE, flow])
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            data, size, depth, anchor, _, _ = stack.pop()
            item = (data, size, depth + 1)
            if size > max_expanded:
                raise _Unsure("size")
        else:
            raise _Unsure("event")
        if anchor is not None:
            anchors[anchor] = item
        if not stack:
            break
        frame = stack[-1]
        frame[1] += item[1]
        if item[2] > frame[2]:
            frame[2] = item[2]
        container = frame[0]
        if type(container) is list:
            container.append(item[0])
        elif frame[4] is _UNSURE:
            if item[2]:  # a sequence or mapping as a key: the pure path raises for it
                raise _Unsure("key")
            frame[4] = item[0]
        else:
            container[frame[4]] = item[0]
            frame[4] = _UNSURE
    if item[1] > max_expanded or item[2] > max_depth:
        raise _Unsure("limit")
    if type(next_event()) is not yaml.DocumentEndEvent or type(next_event()) is not yaml.StreamEndEvent:
        raise _Unsure("more than one document")
    return item[0]

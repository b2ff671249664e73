"""Declared values to model parts: examples, rules and generators by category, checked as they are given.

Each function takes the name of the DSL call (for the error message) and fills ``rules`` and ``gens``
(category -> key -> rule set / generator) for the part being built.

>>> rules, gens = {}, {}
>>> multimap("with_request", "headers", {"X-Id": match.regex("[0-9]+", "7")}, rules, gens, "header")
{'X-Id': ('7',)}
>>> rules["header"]["X-Id"].matchers[0].match
'regex'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from polycontract import match
from polycontract._match_core import walk
from polycontract.errors import UsageError
from polycontract.model import (
    ABSENT,
    NO_ENTRIES,
    Body,
    Generator,
    MatchingRules,
    MessageContents,
    ReadOnlyDict,
    RuleSet,
    from_fields,
)

__all__ = [
    "canonical_json",
    "check_json",
    "multimap",
    "params_text",
    "scalar",
    "schema_comments",
    "shared_rules",
    "to_body",
    "to_message",
]


#: ``json.dumps(value, allow_nan=False, sort_keys=True)``, without building an encoder per call.
_CANONICAL = json.JSONEncoder(allow_nan=False, sort_keys=True)


#: ``value`` as canonical JSON text; raises ``TypeError`` or ``ValueError`` if it is not JSON.
canonical_json = _CANONICAL.encode


#: The JSON text of each plain parameter value, by exact type (what ``json.dumps`` writes for it).
_ATOMS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
}


def params_text(params: Mapping[Any, Any]) -> str | None:
    """`canonical_json` of provider-state parameters that are all str, int, bool or None under str keys, else None.

    The text ``json.dumps(params, sort_keys=True)`` gives, built without an encoder: provider states are
    declared once per interaction, and their parameters are nearly always such plain values.

    >>> params_text({"b": 1, "a": "x"}), params_text({"a": 1.5})
    ('{"a": "x", "b": 1}', None)
    """
    if len(params) == 1:  # the usual case: one parameter
        for key, value in params.items():
            atom = _ATOMS.get(type(value))
            if atom is None or type(key) is not str:
                return None
            return f"{{{encode_basestring_ascii(key)}: {atom(value)}}}"
    try:
        keys = sorted(params)
    except TypeError:
        return None
    parts = []
    for key in keys:
        value = params[key]
        atom = _ATOMS.get(type(value))
        if atom is None or type(key) is not str:
            return None
        parts.append(f"{encode_basestring_ascii(key)}: {atom(value)}")
    return "{" + ", ".join(parts) + "}"


def check_json(func: str, name: str, value: Any) -> str:
    """``value`` as canonical JSON text (keys sorted); a `UsageError` naming it if it is not JSON."""
    try:
        return _CANONICAL.encode(value)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{func}: {name}={value!r} is not JSON-serialisable ({exc})") from None


#: Examples `compile` returns as they are (exact types).
_PLAIN = frozenset({str, int, bool, type(None)})


def scalar(
    func: str,
    name: str,
    value: Any,
    rules: dict[str, dict[str, RuleSet]],
    gens: dict[str, dict[str, Generator]],
    category: str,
    key: str,
) -> Any:
    """The example of a single-valued part (path, status, one header or query name), recording its rule."""
    if type(value) is str or type(value) is int:
        return value  # the usual case: a plain example, nothing to compile
    if type(value) is match.MatchingValue and value.shape == "node" and type(value.value) in _PLAIN:
        # One matcher over a plain example, as `compile` would find it: its own rule set and generator at "$".
        rules.setdefault(category, {})[key] = value.rule_set
        if value.generator is not None:
            gens.setdefault(category, {})[key] = value.generator
        return value.value
    compiled = match.compile(value)
    nested = set(compiled.rules) - {"$"}
    if nested:
        raise UsageError(f"{func}: {name}={value!r} may be a matcher but may not contain matchers inside it")
    if "$" in compiled.rules:
        rules.setdefault(category, {})[key] = compiled.rules["$"]
    if "$" in compiled.generators:
        gens.setdefault(category, {})[key] = compiled.generators["$"]
    return compiled.example


def multimap(
    func: str,
    arg: str,
    values: Mapping[str, Any] | None,
    rules: dict[str, dict[str, RuleSet]],
    gens: dict[str, dict[str, Generator]],
    category: str,
) -> dict[str, tuple[str, ...]]:
    """Headers or query parameters: each value a string, a matcher, or a list of them (one rule per name)."""
    if values is None:
        return {}
    if type(values) is not dict and not isinstance(values, Mapping):
        raise UsageError(f"{func}: {arg}={values!r} must be a mapping of names to values")
    out: dict[str, tuple[str, ...]] = {}
    for name, value in values.items():
        if (type(name) is not str and not isinstance(name, str)) or not name:
            raise UsageError(f"{func}: {arg} name {name!r} must be a non-empty string")
        if type(value) is str:  # the usual case: one plain value
            out[name] = (value,)
            continue
        if type(value) is match.MatchingValue and value.shape == "node" and type(value.value) is str:
            # One matcher over a plain string, as `scalar` records it: its rule set and generator under the name.
            rule_set = value._rule_set
            rules.setdefault(category, {})[name] = value.rule_set if rule_set is None else rule_set
            if value.generator is not None:
                gens.setdefault(category, {})[name] = value.generator
            out[name] = (value.value,)
            continue
        label = f"{arg}[{name!r}]"
        if type(value) is match.MatchingValue:  # one matcher: its example and rule in one go
            example = scalar(func, label, value, rules, gens, category, name)
            if not isinstance(example, str):
                raise UsageError(f"{func}: {label}={example!r} must be a string (or a list of strings)")
            out[name] = (example,)
            continue
        items = list(value) if isinstance(value, list | tuple) else [value]
        matchers = [item for item in items if isinstance(item, match.MatchingValue)]
        if any((m.rule_set, m.generator) != (matchers[0].rule_set, matchers[0].generator) for m in matchers):
            raise UsageError(f"{func}: {label}={value!r} mixes different matchers; use one matcher per name")
        examples = [item if type(item) is str else scalar(func, label, item, {}, {}, category, name) for item in items]
        if matchers:
            scalar(func, label, matchers[0], rules, gens, category, name)
        for example in examples:
            if not isinstance(example, str):
                raise UsageError(f"{func}: {label}={example!r} must be a string (or a list of strings)")
        out[name] = tuple(examples)
    return out


def _content_type(headers: Mapping[str, tuple[str, ...]]) -> str | None:
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            return values[0]
    return None


def _is_json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.endswith(("/json", "+json"))


def to_body(
    func: str,
    body: Any,
    headers: Mapping[str, tuple[str, ...]],
    rules: dict[str, dict[str, RuleSet]],
    gens: dict[str, dict[str, Generator]],
    *,
    content_type: str | None = None,
    name: str = "body",
) -> Body | Any:
    """A `Body` from a declared value (``None``: no body), with body rules and generators recorded."""
    if body is None:
        return ABSENT
    if type(body) is not dict and isinstance(body, bytes | bytearray):
        return Body(
            content=bytes(body), content_type=content_type or _content_type(headers) or "application/octet-stream"
        )
    body_rules: dict[str, RuleSet] = {}
    body_gens: dict[str, Generator] = {}
    try:
        example = walk(body, "$", body_rules, body_gens)  # what ``match.compile(body)`` gives, without its object
    except UsageError as exc:
        raise UsageError(f"{func}: {name}: {exc}") from None
    declared = content_type or (_content_type(headers) if headers else None)
    whole = _whole_body_type(body_rules)
    if whole is not None:
        return _typed_body(func, name, example, whole, declared, body_rules, rules)
    if isinstance(example, str) and not (declared and _is_json_type(declared)):
        declared = declared or "text/plain"
    elif not declared:  # not a str: JSON, and no need to ask `_is_json_type` about the default JSON type
        declared = "application/json"
        if body_rules and _has_leaf_rules(body_rules):
            _check_json_body(func, name, example, body_rules)  # a contentType or arrayContains example may hold bytes
    else:
        if not _is_json_type(declared):
            raise UsageError(
                f"{func}: {name}={example!r} is of type {type(example).__name__} but the content type {declared!r} "
                "is not JSON; pass the body as str or bytes, or declare a JSON content type"
            )
        if isinstance(example, str):
            try:
                example = json.loads(example)
            except ValueError as exc:
                message = f"{func}: {name}={example!r} is declared as {declared!r} but is not JSON ({exc})"
                raise UsageError(message) from None
            check_json(func, name, example)  # json.loads accepts NaN and Infinity
        elif _has_leaf_rules(body_rules):
            _check_json_body(func, name, example, body_rules)  # a contentType or arrayContains example may hold bytes
        # otherwise `compile` has already checked every value is JSON
    if body_rules:
        rules["body"] = body_rules  # built for this body alone
    if body_gens:
        gens["body"] = body_gens
    fields = {"content": example, "content_type": declared, "encoded": False, "content_type_hint": None}
    return from_fields(Body, fields)  # ``Body(content=example, content_type=declared)``, built faster


_LEAF_RULES = frozenset({"contentType", "arrayContains"})


def _whole_body_type(body_rules: Mapping[str, RuleSet]) -> str | None:
    """The media type of a ``match.content_type`` given as the whole body, if it is one."""
    root = body_rules.get("$")
    for m in root.matchers if root is not None else ():
        if m.match in ("contentType", "content-type"):
            return str(m.params.get("value", ""))
    return None


def _typed_body(
    func: str,
    name: str,
    example: Any,
    mime: str,
    declared: str | None,
    body_rules: dict[str, RuleSet],
    rules: dict[str, dict[str, RuleSet]],
) -> Body:
    """A body declared as ``match.content_type(mime, example)``: the example with that media type.

    Its one rule (``$``: ``contentType``) is what the reference applies to a whole binary body
    (pact-reference rust/pact_matching/src/binary_utils.rs, ``match_octet_stream``).
    """
    media = mime.split(";", 1)[0].strip().lower()
    if declared is not None and declared.split(";", 1)[0].strip().lower() != media:
        raise UsageError(
            f"{func}: {name}=match.content_type({mime!r}, ...) but the Content-Type is {declared!r};"
            " declare the same media type in both, or drop the Content-Type header"
        )
    rules["body"] = body_rules
    return Body(content=example, content_type=declared or mime)


def _check_json_body(func: str, name: str, example: Any, body_rules: Mapping[str, RuleSet]) -> None:
    """`check_json`, naming a ``match.content_type`` placed inside a JSON body (it stands for a whole body)."""
    try:
        check_json(func, name, example)
    except UsageError:
        for path, rule_set in body_rules.items():
            if any(m.match in ("contentType", "content-type") for m in rule_set.matchers):
                raise UsageError(
                    f"{func}: {name}: match.content_type at {path!r} puts binary data inside a JSON body;"
                    " a binary body is the whole body: body=match.content_type(mime, example)"
                ) from None
        raise


#: Matching rules of declared requests and responses, by their keys and the identity of their rule sets
#: (the matchers of `polycontract.match` share rule sets): one read-only mapping for all declared alike.
_SHARED_RULES: dict[tuple[Any, ...], MatchingRules] = {}
_SHARED_RULES_SIZE = 4096


def shared_rules(rules: dict[str, dict[str, RuleSet]]) -> MatchingRules:
    """``rules`` as a read-only mapping, the same object for every request or response declared with the same
    rules: a suite declares many interactions alike, and each mapping it keeps is one more for the garbage
    collector to visit on every full pass.

    >>> from polycontract import match
    >>> def declared() -> dict[str, dict[str, RuleSet]]:
    ...     return {"body": {"$.id": match.integer(1).rule_set}}
    >>> shared_rules(declared()) is shared_rules(declared())
    True
    """
    if not rules:
        return NO_ENTRIES
    key = tuple([(category, tuple(entries), tuple(map(id, entries.values()))) for category, entries in rules.items()])
    found = _SHARED_RULES.get(key)
    if found is None:  # the mapping keeps its rule sets alive: no other object can take their ids
        found = ReadOnlyDict({category: ReadOnlyDict(entries) for category, entries in rules.items()})
        if len(_SHARED_RULES) < _SHARED_RULES_SIZE:
            _SHARED_RULES[key] = found
    return found


def _has_leaf_rules(rules: Mapping[str, RuleSet]) -> bool:
    for rule_set in rules.values():
        for m in rule_set.matchers:
            if m.match in _LEAF_RULES:
                return True
    return False


def to_message(func: str, body: Any, metadata: Mapping[str, Any] | None) -> MessageContents:
    """Message contents (any JSON value, text or bytes) with metadata values that may be matchers."""
    rules: dict[str, dict[str, RuleSet]] = {}
    gens: dict[str, dict[str, Generator]] = {}
    if metadata is not None and not isinstance(metadata, Mapping):
        raise UsageError(f"{func}: metadata={metadata!r} must be a mapping")
    meta: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        meta[key] = scalar(func, f"metadata[{key!r}]", value, rules, gens, "metadata", key)
    check_json(func, "metadata", meta)
    content_type = next((v for k, v in meta.items() if k.lower() in ("contenttype", "content-type")), None)
    if content_type is not None and not isinstance(content_type, str):
        raise UsageError(f"{func}: metadata contentType={content_type!r} must be a string")
    contents = to_body(func, body, {}, rules, gens, content_type=content_type, name="body")
    if contents is ABSENT:
        raise UsageError(f"{func}: body=None; a message needs contents")
    return MessageContents(contents=contents, metadata=meta, matching_rules=rules, generators=gens)


def schema_comments(func: str, spec: str, subject: str | None) -> dict[str, Any]:
    """The V4 interaction comments naming ``subject`` as the schema of a message's contents (none for None).

    The key is `polycontract.message_schemas.SCHEMA_SUBJECT`; comments are V4 only.
    """
    if subject is None:
        return {}
    if not isinstance(subject, str) or not subject.strip():
        raise UsageError(f"{func}: schema_subject={subject!r} must be a non-empty subject name")
    if spec != "V4":
        raise UsageError(f"{func}: schema_subject needs spec='V4' (it travels in the V4 interaction comments)")
    return {"comments": {"schemaSubject": subject}}

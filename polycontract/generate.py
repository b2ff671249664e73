"""Pact example generators (spec V3/V4): replace example values with generated ones.

A pact stores examples plus ``generators`` (category -> path or key -> `model.Generator`). Before an
example is used (sent by the verifier, returned by the mock server), each generator replaces the value
it points at. This module is pure: the current time, the random source and the provider-state values
come in a `GeneratorContext`, so the same context always gives the same values. One value from one
generator (`generate_value`) is made in `polycontract._generator_values`; this module applies generators
where a pact's paths and categories point.

>>> import datetime, random
>>> ctx = GeneratorContext(now=datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.timezone.utc),
...                        rng=random.Random(1))
>>> generate_value(model.Generator(type="Date", params={"expression": "+1 day"}), None, ctx)
'2024-03-01'
>>> apply_generators({"id": 0}, {"$.id": model.Generator(type="RandomInt", params={"min": 5, "max": 5})}, ctx)
{'id': 5}
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any

from polycontract import model
from polycontract._generator_values import GeneratorContext, generate_value, to_text
from polycontract._paths import STAR, PathSyntaxError, Token, parse_path
from polycontract.errors import UsageError

__all__ = [
    "GeneratorContext",
    "apply_generators",
    "generate_message",
    "generate_request",
    "generate_response",
    "generate_value",
]


# ---------------------------------------------------------------------------------------- JSON bodies


def apply_generators(value: Any, generators: Mapping[str, model.Generator], ctx: GeneratorContext) -> Any:
    """Apply body generators keyed by path (``$.items[*].id``, ``$['a b']``, ``$``) to a JSON value.

    Shallow paths run first, so a generator that replaces a whole object runs before those inside it.
    Paths that select nothing are ignored. The input is not modified; a new value is returned.

    >>> import datetime, random
    >>> ctx = GeneratorContext(now=datetime.datetime.now(datetime.timezone.utc), rng=random.Random(0))
    >>> seven = model.Generator(type="RandomInt", params={"min": 7, "max": 7})
    >>> apply_generators([{"id": 1}, {"id": 2}], {"$[*].id": seven}, ctx)
    [{'id': 7}, {'id': 7}]
    """
    parsed = sorted(((_body_path(path), gen) for path, gen in generators.items()), key=lambda item: len(item[0]))
    result = copy.deepcopy(value)
    for tokens, generator in parsed:
        result = _rewrite(result, tokens, functools.partial(_generate_at, generator, ctx))
    return result


def _generate_at(generator: model.Generator, ctx: GeneratorContext, current: Any) -> Any:
    return generate_value(generator, current, ctx)


def _body_path(path: str) -> tuple[Token, ...]:
    expression = path if path.startswith("$") else "$" + ("" if path.startswith(("[", ".")) or not path else ".") + path
    try:
        return parse_path(expression)
    except PathSyntaxError as exc:
        raise UsageError(f"generator path={path!r} is not a valid path: {exc}") from None


def _rewrite(node: Any, tokens: tuple[Token, ...], generate: Callable[[Any], Any]) -> Any:
    if not tokens:
        return generate(node)
    head, rest = tokens[0], tokens[1:]
    if isinstance(node, Mapping):
        keys: list[Any] = list(node) if head is STAR else [head] if isinstance(head, str) and head in node else []
        if not keys:
            return node
        mapping = dict(node)
        for key in keys:
            mapping[key] = _rewrite(node[key], rest, generate)
        return mapping
    if isinstance(node, list | tuple):
        indexes = range(len(node)) if head is STAR else [head] if isinstance(head, int) and head < len(node) else []
        items = list(node)
        for index in indexes:
            items[index] = _rewrite(node[index], rest, generate)
        return tuple(items) if isinstance(node, tuple) else items
    return node


def _is_json_body(body: model.Body) -> bool:
    if isinstance(body.content, bytes):
        return False
    if body.encoded == "json":
        return True
    media_type = (body.content_type or "").split(";")[0].strip().lower()
    if media_type:
        return media_type.endswith(("/json", "+json")) or "json" in media_type
    return not isinstance(body.content, str)


def _generate_body(body: Any, generators: Mapping[str, model.Generator], ctx: GeneratorContext) -> Any:
    if not generators:
        return body
    if isinstance(body, model.Body):
        if not _is_json_body(body):
            return body
        return dataclasses.replace(body, content=apply_generators(body.content, generators, ctx))
    if isinstance(body, dict | list):
        return apply_generators(body, generators, ctx)
    return body


# -------------------------------------------------------------------- requests, responses, messages


def _single(generators: model.Generators, category: str) -> model.Generator | None:
    entries = generators.get(category) or {}
    for key in ("", "$"):
        if key in entries:
            return entries[key]
    return next(iter(entries.values()), None)


def _generate_multimap(
    values: Mapping[str, tuple[str, ...]],
    generators: Mapping[str, model.Generator],
    ctx: GeneratorContext,
    *,
    ignore_case: bool,
) -> Mapping[str, tuple[str, ...]]:
    if not generators:
        return values
    fold: Callable[[str], str] = str.lower if ignore_case else str
    result = dict(values)
    for key, generator in generators.items():
        names = [name for name in result if fold(name) == fold(key)]
        for name in names:
            result[name] = tuple(to_text(generate_value(generator, v, ctx)) for v in result[name])
        if not names:  # as pact-reference does: a generator for an absent name adds it, if it can produce a value
            generated = generate_value(generator, None, ctx)
            if generated is not None:
                result[key] = (to_text(generated),)
    return result


def generate_request(request: model.Request, ctx: GeneratorContext) -> model.Request:
    """A copy of ``request`` with its ``path``, ``query``, ``header`` and ``body`` generators applied.

    Query names match exactly, header names ignoring case; every value of a matching name is replaced.
    A generator for a name the request lacks adds it with one generated value (unless the generator has
    nothing to give, like ``ProviderState`` without its state value).
    """
    gens = request.generators
    if not gens:
        return request
    path_gen = _single(gens, "path")
    return dataclasses.replace(
        request,
        path=to_text(generate_value(path_gen, request.path, ctx)) if path_gen else request.path,
        query=_generate_multimap(request.query, gens.get("query") or {}, ctx, ignore_case=False),
        headers=_generate_multimap(request.headers, gens.get("header") or {}, ctx, ignore_case=True),
        body=_generate_body(request.body, gens.get("body") or {}, ctx),
    )


def generate_response(response: model.Response, ctx: GeneratorContext) -> model.Response:
    """A copy of ``response`` with its ``status``, ``header`` and ``body`` generators applied."""
    gens = response.generators
    if not gens:
        return response
    status = response.status
    status_gen = _single(gens, "status")
    if status_gen is not None:
        generated = generate_value(status_gen, status, ctx)
        try:
            status = int(generated)
        except (TypeError, ValueError):
            raise UsageError(f"status generator produced status={generated!r}, which is not an integer") from None
    return dataclasses.replace(
        response,
        status=status,
        headers=_generate_multimap(response.headers, gens.get("header") or {}, ctx, ignore_case=True),
        body=_generate_body(response.body, gens.get("body") or {}, ctx),
    )


def generate_message(message: model.MessageContents, ctx: GeneratorContext) -> model.MessageContents:
    """A copy of ``message`` with its ``metadata`` and ``body``/``content`` generators applied.

    Metadata values keep the type the generator gives them (metadata may hold any JSON value).
    """
    gens = message.generators
    if not gens:
        return message
    metadata = dict(message.metadata)
    for key, generator in (gens.get("metadata") or {}).items():
        if key in metadata:
            metadata[key] = generate_value(generator, metadata[key], ctx)
    contents = message.contents
    for category in ("body", "content"):
        contents = _generate_body(contents, gens.get(category) or {}, ctx)
    return dataclasses.replace(message, metadata=metadata, contents=contents)

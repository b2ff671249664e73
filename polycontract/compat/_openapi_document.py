"""The first pass of OpenAPI validation: a document against the OpenAPI 3.0/3.1 JSON Schema.

The schema is the one openapi-spec-validator ships (``resources/schemas/v3.x/schema.json``), read
from the installed package without importing it: importing ``openapi_spec_validator`` loads
``jsonschema_path``, ``requests`` and ``pydantic-settings``, a fifth of a second that a fresh
``polycontract compat openapi`` process would otherwise pay before validating anything. The
package is imported only when its files cannot be found that way (a zipped install, say).

A ``jsonschema`` validator for that schema is compiled once per process. Its ``$ref`` keyword
remembers which ``(reference site, sub-document content)`` pairs were found valid, so identical
sub-structures are validated once, across every document the process validates (the two sides
of a diff share almost all their content). A draft-04/2020-12 ``$ref`` from a fixed site in a
fixed schema resolves to the same subschema whatever the instance, and whether an instance is
valid against a subschema depends only on the two, so a remembered answer is the answer.
"""

from __future__ import annotations

import contextvars
import functools
import importlib.util
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

__all__ = ["MEMO_LIMIT", "document_schema", "first_error", "is_plain"]

#: Characters of sub-document text the process-wide memo may hold before it starts over.
MEMO_LIMIT = 64 * 1024 * 1024

#: Fingerprints of the current document's containers, by ``id`` (the document outlives the pass).
_PRINTS: contextvars.ContextVar[dict[int, str | None] | None] = contextvars.ContextVar("_PRINTS", default=None)
#: Whether the current pass may use the memo (the document is plain JSON).
_MEMO_ON: contextvars.ContextVar[bool] = contextvars.ContextVar("_MEMO_ON", default=False)


class _Memo:
    """``(id of the $ref site, content fingerprint)`` pairs found valid, bounded by `MEMO_LIMIT` characters.

    The sites are kept alive with the pairs, so an ``id`` in the memo always names the same site.
    """

    def __init__(self) -> None:
        self.valid: set[tuple[int, str]] = set()
        self.sites: dict[int, Any] = {}
        self.size = 0
        self.lock = threading.Lock()

    def __contains__(self, key: tuple[int, str]) -> bool:
        return key in self.valid

    def add(self, site: Any, fingerprint: str) -> None:
        with self.lock:
            key = (id(site), fingerprint)
            if key in self.valid:
                return
            if self.size + len(fingerprint) > MEMO_LIMIT:
                self.valid.clear()
                self.sites.clear()
                self.size = 0
            self.sites[id(site)] = site
            self.valid.add(key)
            self.size += len(fingerprint)


_MEMO = _Memo()


def first_error(
    spec: Mapping[str, Any], version: str, *, plain: bool | None = None
) -> tuple[str, tuple[str | int, ...]] | None:
    """The first error of ``spec`` against the OpenAPI ``version`` (``"3.0"``/``"3.1"``) schema, or ``None``.

    The error is jsonschema's first, as openapi-spec-validator reports it: ``(message, path)``.
    ``plain`` is `is_plain` of ``spec`` when the caller knows it (only plain JSON uses the memo).
    """
    memo_token = _MEMO_ON.set(is_plain(spec) if plain is None else plain)
    prints_token = _PRINTS.set({})
    try:
        error = next(iter(_document_validator(version).iter_errors(spec)), None)
    finally:
        _MEMO_ON.reset(memo_token)
        _PRINTS.reset(prints_token)
    if error is None:
        return None
    return error.message, tuple(error.path)


def is_plain(node: Any) -> bool:
    """Whether ``node`` is plain JSON (string keys; no dates, tuples or NaN), so its JSON text identifies it."""
    if isinstance(node, dict):
        return all(isinstance(key, str) and is_plain(value) for key, value in node.items())
    if isinstance(node, list):
        return all(is_plain(value) for value in node)
    if isinstance(node, float):
        return node == node and node not in (float("inf"), float("-inf"))
    return node is None or isinstance(node, str | int)


def _fingerprint(node: Any) -> str | None:
    """Canonical JSON text of ``node`` (``None`` when it is not plain JSON), cached by ``id`` for the pass."""
    prints = _PRINTS.get()
    key = id(node)
    if prints is not None and key in prints:
        return prints[key]
    try:
        text: str | None = json.dumps(node, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        text = None
    if prints is not None:
        prints[key] = text
    return text


@functools.cache
def document_schema(version: str) -> Mapping[str, Any]:
    """openapi-spec-validator's JSON Schema for OpenAPI ``version`` (``"3.0"`` or ``"3.1"``), read once."""
    found = importlib.util.find_spec("openapi_spec_validator")
    for folder in (found.submodule_search_locations or []) if found is not None else []:
        path = Path(folder, "resources", "schemas", f"v{version}", "schema.json")
        if path.is_file():
            return cast(Mapping[str, Any], json.loads(path.read_text(encoding="utf-8")))
    from openapi_spec_validator.schemas import schema_v30, schema_v31

    return dict(cast(Mapping[str, Any], schema_v31 if version == "3.1" else schema_v30))


@functools.cache
def _document_validator(version: str) -> Any:
    """A validator for the OpenAPI ``version`` document schema, with a memoising ``$ref``; built once."""
    from jsonschema.validators import extend, validator_for

    schema = dict(document_schema(version))
    base = validator_for(schema)
    original: Callable[..., Iterator[Any]] = base.VALIDATORS["$ref"]

    def ref(validator: Any, reference: Any, instance: Any, site: Any) -> Iterator[Any]:
        if not _MEMO_ON.get() or not isinstance(instance, dict | list) or not instance:
            yield from original(validator, reference, instance, site)
            return
        fingerprint = _fingerprint(instance)
        if fingerprint is None:
            yield from original(validator, reference, instance, site)
            return
        key = (id(site), fingerprint)
        if key in _MEMO and _MEMO.sites.get(key[0]) is site:
            return
        errors = list(original(validator, reference, instance, site))
        if not errors:
            _MEMO.add(site, fingerprint)
        yield from errors

    return extend(base, validators={"$ref": ref})(schema)

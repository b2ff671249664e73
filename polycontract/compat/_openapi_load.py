"""Load and validate OpenAPI 3.x documents for the diff and the bi-directional check."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from polycontract.compat._load import load_document, pointer
from polycontract.errors import SchemaError

__all__ = ["load"]

_CACHE_SIZE = 64
#: Digests of documents already validated in this process (insertion-ordered, oldest dropped first).
_VALIDATED: dict[str, None] = {}


def load(document: Any, *, name: str = "<openapi>", validate: bool = True) -> dict[str, Any]:
    """Parse (dict, JSON or YAML text) and validate an OpenAPI 3.x document; raise `SchemaError` if invalid.

    Validation applies openapi-spec-validator's rules (see `_openapi_validate`; about 0.2 s for
    1,000 operations once warm). A document whose content was validated before in this process
    is not validated again; ``validate=False`` skips it for documents validated elsewhere (at
    publish time).
    """
    spec = load_document(document, name=name, kind="OpenAPI document")
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3."):
        found = spec.get("openapi", spec.get("swagger")) if isinstance(spec, dict) else type(spec).__name__
        raise SchemaError(
            f"not an OpenAPI 3.x document (found {found!r})",
            source=name,
            path="/openapi",
            expected="openapi: 3.0.x or 3.1.x",
        )
    external = next(_external_refs(spec, ""), None)
    if external is not None:
        where, ref = external
        raise SchemaError(
            f"external $ref {ref!r} is not supported (the core reads no files or URLs)",
            source=name,
            path=where,
            expected="a bundled document with local references (#/components/...)",
        )
    if not validate:
        return spec
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    if digest in _VALIDATED:
        return spec
    _validate(spec, name)
    if len(_VALIDATED) >= _CACHE_SIZE:
        _VALIDATED.pop(next(iter(_VALIDATED)))
    _VALIDATED[digest] = None
    return spec


def _validate(spec: dict[str, Any], name: str) -> None:
    """Validate ``spec`` as openapi-spec-validator does; a `SchemaError` names ``name``, the location, the message.

    OpenAPI 3.0/3.1 documents go through `_openapi_validate` (the same rules, a compiled
    document-schema validator and memoised repeated structures: milliseconds rather than
    seconds for 1,000 operations); other 3.x versions through openapi-spec-validator itself.
    """
    from polycontract.compat import _openapi_validate as fast

    try:
        if fast.supports(str(spec.get("openapi", ""))):
            fast.validate(spec)
        else:
            _validate_with_openapi_spec_validator(spec)
    except fast.OpenAPIInvalid as exc:
        raise SchemaError(
            exc.message, source=name, path=pointer(exc.path) or "/", expected="a valid OpenAPI document"
        ) from None
    except fast.UnresolvableRef as exc:
        raise SchemaError(
            f"unresolvable $ref {exc.ref!r}",
            source=name,
            path=pointer(exc.path),
            expected="local references that exist",
        ) from None
    except SchemaError:
        raise
    except Exception as exc:  # the validators raise assorted errors on malformed input
        raise SchemaError(f"invalid OpenAPI document: {exc}", source=name) from None


def _validate_with_openapi_spec_validator(spec: dict[str, Any]) -> None:
    """openapi-spec-validator's own walk, its errors translated to `_openapi_validate`'s."""
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    from polycontract.compat import _openapi_validate as fast

    try:
        validate_spec(spec)
    except OpenAPIValidationError as exc:
        raise fast.OpenAPIInvalid(exc.message, tuple(exc.path)) from None
    except Unresolvable as exc:
        ref = getattr(exc, "ref", None) or getattr(exc, "pointer", None) or str(exc)[:200]
        raise fast.UnresolvableRef(str(ref)) from None


def _external_refs(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """``(pointer, ref)`` of each ``$ref`` that leaves the document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            yield where + "/$ref", ref
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _external_refs(value, f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict | list):
                yield from _external_refs(value, f"{where}/{index}")

"""Fast validation of OpenAPI 3.0/3.1 documents, equivalent to openapi-spec-validator's.

openapi-spec-validator spends seconds on a 1,000-operation document: its ``jsonschema`` pass
over the whole document re-validates every repeated sub-structure (each copy of the same schema
under ``#/definitions/Schema``), and its semantic walk reaches every node through
``jsonschema_path`` (a ``referencing`` lookup per access) and meta-checks every Schema Object by
building a fresh meta-schema validator each time.

This module performs the same two passes with the same rules and messages, faster:

1. The document is validated against the OpenAPI JSON Schema that openapi-spec-validator ships
   by a ``jsonschema`` validator compiled once per process (`_openapi_document`). Its ``$ref``
   keyword remembers which ``(reference site, sub-document content)`` pairs were already found
   valid, so identical sub-structures are validated once, in this document and the next.
2. The semantic walk of openapi-spec-validator (``RootValidator`` and the keyword validators of
   ``openapi_spec_validator.validation.keywords``) over plain dicts with a local ``$ref``
   resolver: duplicate tags, duplicate parameters, unresolved path parameters, duplicate
   operation ids, Schema Objects meta-checked (``OAS30Validator.check_schema``, or the 3.1 dialect
   validator; memoised by content), required properties missing under ``allOf`` and defaults
   that do not match their schema.

Other OpenAPI versions (3.2) go through openapi-spec-validator itself. Errors are raised as
`OpenAPIInvalid` (message and location) or `UnresolvableRef`.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Callable, Mapping
from typing import Any, cast

from polycontract.compat._openapi_document import first_error, is_plain

__all__ = ["OpenAPIInvalid", "UnresolvableRef", "supports", "validate"]

_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_HOPS = 50
#: Meta-check results of Schema Objects by ``(dialect, JSON text)``, for every plain-JSON document.
_META_RESULTS: dict[tuple[str, str], tuple[str, tuple[str | int, ...]] | None] = {}
_META_RESULTS_SIZE = 20_000


class OpenAPIInvalid(Exception):
    """The document breaks a rule: ``message`` as the validator words it, ``path`` its location."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class UnresolvableRef(Exception):
    """A local ``$ref`` that the document does not resolve."""

    def __init__(self, ref: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(ref)
        self.ref = ref
        self.path = path


def supports(version: str) -> bool:
    """Whether `validate` handles documents of this ``openapi`` version (3.0.x and 3.1.x)."""
    return version.startswith(("3.0.", "3.1.")) or version in ("3.0", "3.1")


def validate(spec: Mapping[str, Any]) -> None:
    """Validate an OpenAPI 3.0/3.1 document; raise `OpenAPIInvalid` or `UnresolvableRef` on the first error."""
    version = "3.1" if str(spec.get("openapi", "")).startswith("3.1") else "3.0"
    plain = is_plain(spec)
    error = first_error(spec, version, plain=plain)
    if error is not None:
        raise OpenAPIInvalid(*error)
    _Walker(spec, version, memoise=plain).run()


@functools.cache
def _meta_checker(dialect: str) -> Callable[[Any], None] | None:
    """``check_schema`` for Schema Objects of ``dialect`` (``"3.0"`` or a 3.1 ``$schema``), as the validator does."""
    if dialect == "3.0":
        from openapi_schema_validator.validators import OAS30Validator

        return cast(Callable[[Any], None], OAS30Validator.check_schema)
    from jsonschema.validators import validator_for
    from openapi_schema_validator import oas31_format_checker

    cls = validator_for({"$schema": dialect}, default=cast(Any, None))
    if cls is None:
        return None
    return cast(Callable[[Any], None], functools.partial(cls.check_schema, format_checker=oas31_format_checker))


def _meta_error(dialect: str, schema: Any) -> tuple[str, tuple[str | int, ...]] | None:
    """The meta-check error of ``schema`` (message, path inside the schema), or ``None``."""
    from jsonschema.exceptions import SchemaError, ValidationError

    checker = _meta_checker(dialect)
    if checker is None:
        return f"Unknown JSON Schema dialect: {dialect!r}", ()
    try:
        checker(schema)
    except (SchemaError, ValidationError) as exc:
        return exc.message, tuple(exc.path)
    return None


class _Walker:
    """openapi-spec-validator's semantic checks (``validation/keywords.py``) over plain dicts."""

    def __init__(self, spec: Mapping[str, Any], version: str, *, memoise: bool) -> None:
        self.spec = spec
        self.version = version
        #: Meta-check results by ``(dialect, JSON text)`` when the document is plain JSON (kept across documents).
        self.meta_results = _META_RESULTS if memoise else None
        self.operation_ids: set[Any] = set()
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self._default_root: Any = None

    def run(self) -> None:
        """Tags, paths, then component schemas, in openapi-spec-validator's order."""
        spec = self.spec
        if "tags" in spec:
            seen: set[Any] = set()
            for index, tag in enumerate(self.deref(spec["tags"], ("tags",))[0]):
                tag, _ = self.deref(tag, ("tags", index))
                name = tag.get("name")
                if name in seen:
                    raise OpenAPIInvalid(f"Duplicate tag name '{name}'", ("tags", index, "name"))
                seen.add(name)
        if "paths" in spec:
            paths, where = self.deref(spec["paths"], ("paths",))
            for url, item in paths.items():
                self.path_item(url, *self.deref(item, (*where, url)))
        if "components" in spec:
            components, where = self.deref(spec["components"], ("components",))
            if "schemas" in components:
                schemas, where = self.deref(components["schemas"], (*where, "schemas"))
                for name, schema in schemas.items():
                    self.schema(schema, (*where, name))

    def deref(self, node: Any, where: tuple[str | int, ...]) -> tuple[Any, tuple[str | int, ...]]:
        """Follow ``$ref`` s from ``node``: the target and its location (a ref's own, when it is a ref)."""
        hops = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            hops += 1
            if hops > _MAX_HOPS or not ref.startswith("#"):
                raise UnresolvableRef(ref, (*where, "$ref"))
            target: Any = self.spec
            parts: list[str | int] = []
            for raw in ref[1:].split("/")[1:] if ref != "#" else []:
                part = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(target, Mapping) and part in target:
                    target = target[part]
                    parts.append(part)
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                    parts.append(int(part))
                else:
                    raise UnresolvableRef(ref, (*where, "$ref"))
            node, where = target, tuple(parts)
        return node, where

    def parameters(self, parameters: Any, where: tuple[str | int, ...]) -> list[tuple[Any, Any]]:
        """Check a parameter list; its ``(name, in)`` pairs (path parameter names for the URL check)."""
        seen: set[tuple[Any, Any]] = set()
        keys = []
        for index, raw in enumerate(parameters):
            parameter, at = self.deref(raw, (*where, index))
            if "schema" in parameter:
                self.schema(parameter["schema"], (*at, "schema"))
            key = (parameter["name"], parameter["in"])
            if key in seen:
                raise OpenAPIInvalid(f"Duplicate parameter '{parameter['name']}'", at)
            seen.add(key)
            keys.append(key)
        return keys

    def path_item(self, url: str, item: Any, where: tuple[str | int, ...]) -> None:
        """A Path Item: its parameters, then each operation."""
        shared: list[tuple[Any, Any]] | None = None
        if "parameters" in item:
            shared = self.parameters(self.deref(item["parameters"], (*where, "parameters"))[0], (*where, "parameters"))
        for method, operation in item.items():
            if method in _OPERATIONS:
                self.operation(url, method, *self.deref(operation, (*where, method)), shared)

    def operation(
        self, url: str, name: str, op: Any, where: tuple[str | int, ...], shared: list[tuple[Any, Any]] | None
    ) -> None:
        """An Operation: unique id, responses, parameters, and path parameters matching the URL template."""
        if "operationId" in op:
            op_id = op["operationId"]
            if op_id is not None and op_id in self.operation_ids:
                raise OpenAPIInvalid(
                    f"Operation ID '{op_id}' for '{name}' in '{url}' is not unique", (*where, "operationId")
                )
            self.operation_ids.add(op_id)
        if "responses" in op:
            responses, at = self.deref(op["responses"], (*where, "responses"))
            for code, raw in responses.items():
                response, rat = self.deref(raw, (*at, code))
                if "content" in response:
                    self.content(*self.deref(response["content"], (*rat, "content")))
        names: list[Any] = []
        if "parameters" in op:
            own = self.parameters(self.deref(op["parameters"], (*where, "parameters"))[0], (*where, "parameters"))
            names += [n for n, kind in own if kind == "path"]
        if shared is not None:
            names += [n for n, kind in shared if kind == "path"]
        declared = set(names)
        in_url = {field for _, field, _, _ in string.Formatter().parse(url) if field}
        for param in sorted(in_url - declared) + sorted(declared - in_url):
            raise OpenAPIInvalid(f"Path parameter '{param}' for '{name}' operation in '{url}' was not resolved", where)

    def content(self, content: Any, where: tuple[str | int, ...]) -> None:
        """A Content map: each Media Type's schema."""
        for media, raw in content.items():
            media_type, at = self.deref(raw, (*where, media))
            if "schema" in media_type:
                self.schema(media_type["schema"], (*at, "schema"))

    def schema(
        self, raw: Any, where: tuple[str | int, ...], *, require_properties: bool = True, meta_checked: bool = False
    ) -> None:
        """A Schema Object: meta-check, sub-schemas, ``allOf`` required properties, ``default``."""
        schema, where = self.deref(raw, where)
        if not isinstance(schema, Mapping | bool):
            raise OpenAPIInvalid(f"{schema!r} is not of type 'object', 'boolean'", where)
        if not meta_checked and id(schema) not in self.meta_checked:
            self.meta_checked.add(id(schema))
            self.meta_check(schema, where)
        if id(schema) in self.visited:
            return
        self.visited.add(id(schema))
        if not isinstance(schema, Mapping):
            return
        nested: set[Any] = set()
        for keyword in ("allOf", "anyOf", "oneOf"):
            for index, inner in enumerate(schema.get(keyword) or ()):
                self.schema(inner, (*where, keyword, index), require_properties=False, meta_checked=True)
                if keyword == "allOf":
                    nested |= self.properties(inner, (*where, keyword, index))
        for keyword in ("not", "items"):
            if keyword in schema:
                self.schema(schema[keyword], (*where, keyword), require_properties=False, meta_checked=True)
        properties = self.deref(schema["properties"], (*where, "properties"))[0] if "properties" in schema else {}
        for prop, inner in properties.items():
            self.schema(inner, (*where, "properties", prop), require_properties=False, meta_checked=True)
        if "allOf" in schema and require_properties:
            required = self.deref(schema["required"], where)[0] if "required" in schema else None
            extra = list(set(required or []) - set(properties) - nested)
            if extra:
                raise OpenAPIInvalid(f"Required list has not defined properties: {extra}", where)
        if "default" in schema:
            default = schema["default"]
            if default is not None or schema.get("nullable") is not True:
                self.check_default(schema, default, where)

    def properties(self, raw: Any, where: tuple[str | int, ...]) -> set[Any]:
        """Every property name reachable from a schema (``_collect_properties``)."""
        schema, where = self.deref(raw, where)
        props: set[Any] = set()
        if not isinstance(schema, Mapping):
            return props
        if "properties" in schema:
            props.update(self.deref(schema["properties"], where)[0].keys())
        for keyword in ("allOf", "anyOf", "oneOf"):
            for index, inner in enumerate(schema.get(keyword) or ()):
                props |= self.properties(inner, (*where, keyword, index))
        for keyword in ("items", "not"):
            if keyword in schema:
                props |= self.properties(schema[keyword], (*where, keyword))
        return props

    def meta_check(self, schema: Any, where: tuple[str | int, ...]) -> None:
        """Check a Schema Object against its dialect's meta-schema (memoised by content)."""
        if self.version == "3.0":
            dialect = "3.0"
        else:
            from openapi_schema_validator import OAS31_BASE_DIALECT_ID

            declared = schema.get("$schema") if isinstance(schema, Mapping) else None
            if isinstance(schema, Mapping) and "$schema" in schema and not isinstance(declared, str):
                raise OpenAPIInvalid(f"Unknown JSON Schema dialect: {declared!r}", where)
            default_dialect = self.spec.get("jsonSchemaDialect", OAS31_BASE_DIALECT_ID)
            dialect = declared if isinstance(declared, str) else str(default_dialect)
        if self.meta_results is None:
            error = _meta_error(dialect, schema)
        else:
            # In key order: which error comes first can depend on the order of a schema's properties.
            key = (dialect, json.dumps(schema, separators=(",", ":")))
            if key not in self.meta_results:
                if len(self.meta_results) >= _META_RESULTS_SIZE:
                    self.meta_results.clear()
                self.meta_results[key] = _meta_error(dialect, schema)
            error = self.meta_results[key]
        if error is not None:
            message, inner = error
            raise OpenAPIInvalid(message, (*where, *inner))

    def check_default(self, schema: Mapping[str, Any], default: Any, where: tuple[str | int, ...]) -> None:
        """Validate a ``default`` against its schema, local ``$ref`` s resolved in the document."""
        if self._default_root is None:
            if self.version == "3.0":
                from openapi_schema_validator import OAS30Validator, oas30_format_checker

                self._default_root = OAS30Validator(self.spec, format_checker=oas30_format_checker)
            else:
                from openapi_schema_validator import OAS31Validator, oas31_format_checker

                self._default_root = OAS31Validator(self.spec, format_checker=oas31_format_checker)
        error = next(iter(self._default_root.evolve(schema=schema).iter_errors(default)), None)
        if error is not None:
            raise OpenAPIInvalid(error.message, (*where, "default", *error.path))

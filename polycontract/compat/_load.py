"""Turn a schema given as a dict, a list or JSON/YAML text into plain data, or raise `SchemaError`."""

from __future__ import annotations

import json
from typing import Any

from polycontract.errors import SchemaError

__all__ = ["load_document", "pointer"]


def load_document(value: Any, *, name: str, kind: str) -> Any:
    """Return ``value`` as plain data: dicts and lists pass through, ``str``/``bytes`` are parsed as JSON or YAML.

    ``name`` (a file name, say) and ``kind`` (``"Avro schema"``) go into the `SchemaError` raised when
    the text does not parse.
    """
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError(f"{kind} is not UTF-8 text: {exc}", source=name, expected="UTF-8 JSON or YAML") from None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as json_error:
        first_json_error = json_error
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml ships with the schema extra
        raise SchemaError(
            f"{kind} is not JSON: {first_json_error.msg}",
            source=name,
            path=f"line {first_json_error.lineno} column {first_json_error.colno}",
            expected="JSON (install polycontract[schema] for YAML)",
        ) from None
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SchemaError(f"{kind} is neither JSON nor YAML: {problem}", source=name, path=where) from None


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Format path parts as a JSON pointer (RFC 6901): ``("properties", "a/b")`` → ``/properties/a~1b``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)

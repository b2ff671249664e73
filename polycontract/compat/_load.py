"""Turn a schema given as a dict, a list or JSON/YAML text into plain data, or raise `SchemaError`."""

from __future__ import annotations

from typing import Any

from polycontract._safe_documents import DocumentRefused, NotJson, loads_json, loads_yaml
from polycontract.errors import SchemaError

__all__ = ["MAX_DEPTH", "load_document", "pointer"]

#: Deepest nesting of a schema given as text (JSON Schema and OpenAPI nest two levels per level of data).
MAX_DEPTH = 100


def load_document(value: Any, *, name: str, kind: str) -> Any:
    """Return ``value`` as plain data: dicts and lists pass through, ``str``/``bytes`` are parsed as JSON or YAML.

    ``name`` (a file name, say) and ``kind`` (``"Avro schema"``) go into the `SchemaError` raised when
    the text does not parse. Text is read as strict JSON data (`polycontract._safe_documents`): no NaN or
    infinity, at most `MAX_DEPTH` deep, and YAML whose aliases would expand it beyond a bound is refused.
    """
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError(f"{kind} is not UTF-8 text: {exc}", source=name, expected="UTF-8 JSON or YAML") from None
    if not isinstance(value, str):
        return value
    try:
        return loads_json(value, max_depth=MAX_DEPTH)
    except NotJson as json_error:
        first_json_error = json_error
    except DocumentRefused as exc:
        raise SchemaError(f"{kind} is not plain JSON data: {exc.problem}", source=name, path=_at(exc)) from None
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml ships with the schema extra
        raise SchemaError(
            f"{kind} is not JSON: {first_json_error.problem}",
            source=name,
            path=_at(first_json_error),
            expected="JSON (install polycontract[schema] for YAML)",
        ) from None
    try:
        return loads_yaml(value, max_depth=MAX_DEPTH, dates=True)
    except DocumentRefused as exc:
        raise SchemaError(f"{kind} is not plain JSON data: {exc.problem}", source=name, path=_at(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SchemaError(f"{kind} is neither JSON nor YAML: {problem}", source=name, path=where) from None


def _at(exc: DocumentRefused) -> str:
    return f"line {exc.line} column {exc.column}" if exc.line is not None else ""


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Format path parts as a JSON pointer (RFC 6901): ``("properties", "a/b")`` → ``/properties/a~1b``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)

"""Pact JSON of any spec version to the model and back, and the normalised content hash.

>>> pact = load_pact({"consumer": {"name": "web"}, "provider": {"name": "auth"}, "interactions": []})
>>> pact.spec, dump_pact(pact)["metadata"]["pactSpecification"]["version"]
('V2', '4.0')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polycontract.codec._direct import DirectWriter
from polycontract.codec._json import dumps_indented_parts
from polycontract.codec._pause import collection_paused
from polycontract.codec._read import read_message_contents, read_pact, read_request, read_response, spec_of
from polycontract.codec._where import Where
from polycontract.codec._write import write_pact
from polycontract.errors import PactFormatError, UsageError
from polycontract.model import MessageContents, PactDocument, Request, Response, SpecVersion, require_document

__all__ = [
    "content_hash",
    "dump_pact",
    "dumps_pact",
    "dumps_pact_parts",
    "load_pact",
    "normalise_spec",
    "parse_message",
    "parse_request",
    "parse_response",
]


def normalise_spec(spec: str) -> SpecVersion:
    """``"v3"``, ``"3"``, ``"3.0.0"`` and ``"V3"`` all mean ``"V3"``; anything else is a `UsageError`."""
    found = spec_of(spec)
    if found is None:
        raise UsageError(f"spec={spec!r} is not a Pact specification version (expected V1, V1.1, V2, V3 or V4)")
    return found


def load_pact(source: str | bytes | Mapping[str, Any] | Path, *, name: str | None = None) -> PactDocument:
    """Read a pact from JSON text, a parsed dict or a file path, whatever its spec version.

    Errors are `PactFormatError` naming the source, the JSON path inside it and what was expected.
    Automatic garbage collection is paused while the pact is read (`polycontract.codec._pause`).
    """
    where = Where(name or "<pact>")
    if isinstance(source, Path):
        where = Where(name or str(source))
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise PactFormatError(f"cannot read the file: {exc.strerror or exc}", source=where.source) from None
    with collection_paused():  # nothing read holds a cycle: see `polycontract.codec._pause`
        if isinstance(source, (str, bytes)):
            try:
                doc = json.loads(source)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                detail = (
                    f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                    if isinstance(exc, json.JSONDecodeError)
                    else f"not UTF-8 text: {exc}"
                )
                raise PactFormatError(detail, source=where.source, expected="a JSON pact document") from None
        else:
            doc = source
        pact = read_pact(doc, where)
        del doc  # freed before collection resumes, so its first pass walks the pact only, not the decoded JSON too
    return pact


def dump_pact(pact: PactDocument, *, spec: str | None = None) -> dict[str, Any]:
    """The pact as a JSON-ready dict of ``spec`` (default V4).

    Converting to V3 or V2 raises `UsageError` listing everything that version cannot express.
    """
    require_document(pact, "dump_pact(pact)")
    return write_pact(pact, normalise_spec(spec) if spec else "V4")


def dumps_pact(pact: PactDocument, *, spec: str | None = None, indent: int | None = 2) -> str:
    """`dump_pact` as JSON text with stable key order."""
    require_document(pact, "dumps_pact(pact)")
    if indent is None:
        return json.dumps(dump_pact(pact, spec=spec), ensure_ascii=False)
    return "".join(dumps_pact_parts(pact, spec=spec, indent=indent))


def dumps_pact_parts(pact: PactDocument, *, spec: str | None = None, indent: int = 2) -> list[str]:
    """`dumps_pact` (indented) as the pieces of its text, in order, for writing out without joining them all."""
    # Each interaction is built as it is written, then dropped: a large pact is never held twice over.
    # V4 HTTP interactions are written straight as text, the rule sets they share written once.
    require_document(pact, "dumps_pact_parts(pact)")
    version = normalise_spec(spec) if spec else "V4"
    direct = DirectWriter().write if version == "V4" else None
    return dumps_indented_parts(write_pact(pact, version, lazy=True, direct=direct), indent)


def content_hash(pact: PactDocument) -> str:
    """SHA-256 of the pact's contract content, independent of key order, interaction order and metadata.

    Two pacts that ask the same of a provider hash the same, so a verification of one counts for the other.
    """
    require_document(pact, "content_hash(pact)")
    doc = write_pact(pact, "V4")
    interactions = sorted(_canonical(_normalise_headers(i)) for i in doc.get("interactions", []))
    canonical = _canonical({"consumer": doc["consumer"], "provider": doc["provider"], "interactions": interactions})
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _normalise_headers(value: Any) -> Any:
    """Header value lists joined as one comma-separated value: both spell the same contract.

    Content types with parameters (a ``Content-Type`` header, a body's or message's ``contentType``) are
    spelled one way: `_canonical_content_type`.
    """
    if isinstance(value, dict):
        return {
            k: (
                {name: _header_value(name, v) for name, v in item.items()}
                if k == "headers" and isinstance(item, dict)
                else _canonical_content_type(item)
                if k == "contentType" and isinstance(item, str)
                else _normalise_headers(item)
            )
            for k, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise_headers(v) for v in value]
    return value


def _header_value(name: str, value: Any) -> Any:
    joined = ", ".join(value) if isinstance(value, list) else value
    if name.lower() == "content-type" and isinstance(joined, str):
        return _canonical_content_type(joined)
    return joined


def _canonical_content_type(value: str) -> str:
    """``multipart/form-data;boundary=XyZ`` as ``multipart/form-data; boundary=XyZ``: one spelling per content type.

    As pact_models (pact-reference ``rust/pact_models/src/content_types.rs``, ``ContentType::parse`` through the
    ``mime`` crate) compares them: type, subtype and parameter names in lower case, the charset's value in lower
    case, parameters by name, spaces around ``;`` and ``=`` not counted. Written with ``"; "``, the spelling most
    pacts already use; a value without parameters is left exactly as it is, so its hash never changes.
    """
    if ";" not in value:
        return value
    kind, *parts = value.split(";")
    if "/" not in kind:
        return value
    params: dict[str, str] = {}
    for part in parts:
        if not part.strip():
            continue
        name, equals, param = part.partition("=")
        name, param = name.strip().lower(), param.strip()
        if not equals or not name or name in params:
            return value  # not a parameter list pact_models would read the same way: keep it verbatim
        params[name] = param.lower() if name == "charset" else param
    return "; ".join([kind.strip().lower(), *(f"{n}={params[n]}" for n in sorted(params))])


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_request(data: Mapping[str, Any], *, spec: str = "V4", name: str = "<request>") -> Request:
    """A request part in the pact JSON shape of ``spec`` (as in the specification's test cases)."""
    return read_request(data, normalise_spec(spec), Where(name))


def parse_response(data: Mapping[str, Any], *, spec: str = "V4", name: str = "<response>") -> Response:
    """A response part in the pact JSON shape of ``spec``."""
    return read_response(data, normalise_spec(spec), Where(name))


def parse_message(data: Mapping[str, Any], *, spec: str = "V4", name: str = "<message>") -> MessageContents:
    """Message contents and metadata in the pact JSON shape of ``spec``."""
    return read_message_contents(data, normalise_spec(spec), Where(name))

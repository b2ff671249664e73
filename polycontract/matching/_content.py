"""What kind of body this is (JSON, XML, text, form, binary) and its decoded value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["base_type", "body_kind", "decode", "header_content_type", "loads_json", "sniff_media_type"]

_DECODER = json.JSONDecoder()  # what json.loads uses, without its per-call steps


def header_content_type(headers: Mapping[str, tuple[str, ...]]) -> str | None:
    """The Content-Type header value, looked up case-insensitively."""
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            return ", ".join(values)
    return None


@lru_cache(maxsize=512)  # the same few content types, body after body
def base_type(content_type: str | None) -> str | None:
    """``application/json; charset=utf-8`` → ``application/json``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


@lru_cache(maxsize=512)
def _media_kind(media: str) -> str | None:
    """The body kind a media type names, or None when the content decides."""
    if media.endswith(("+json", "/json")):
        return "json"
    if media.endswith(("/xml", "+xml")):
        return "xml"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    if media.startswith("text/"):
        return "text"
    return None


def body_kind(content_type: str | None, content: Any) -> str:
    """One of ``json``, ``xml``, ``text``, ``form``, ``multipart`` or ``binary``."""
    media = base_type(content_type)
    if media:
        kind = _media_kind(media)
        if kind is not None:
            return kind
        if isinstance(content, (dict, list, int, float, bool)) or content is None:
            return "json"
        if isinstance(content, str):
            return "text"
        return "binary"
    if isinstance(content, bytes):
        head = content.lstrip()[:5]
        if head.startswith(b"<?xml"):
            return "xml"
        if head[:1] in (b"{", b"["):
            return "json"
        return "binary"
    if isinstance(content, str):
        stripped = content.lstrip()
        if stripped.startswith("<?xml") or (stripped.startswith("<") and stripped.rstrip().endswith(">")):
            return "xml"
        return "text"
    return "json"


def decode(kind: str, content: Any) -> tuple[Any, str | None]:
    """The value to compare for a body of ``kind``, and an error message when it cannot be decoded."""
    if kind == "json" and isinstance(content, bytes):
        try:
            return loads_json(content), None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return content, f"body is not valid JSON: {exc}"
    if kind in ("text", "xml", "form") and isinstance(content, bytes):
        try:
            return content.decode("utf-8"), None
        except UnicodeDecodeError:
            return content, "body is not UTF-8 text"
    return content, None


def loads_json(data: bytes) -> Any:
    """``json.loads(data)``, quicker for the usual body: an object or array in UTF-8, nothing around it.

    >>> loads_json(b'{"a": [1, 2.5]}'), loads_json(b' {"a": null} ')
    ({'a': [1, 2.5]}, {'a': None})
    """
    if data[:1] in (b"{", b"["):  # not a BOM nor UTF-16/32 text that parses (a NUL byte never does after these)
        try:
            text = data.decode("utf-8", "surrogatepass")  # as json.loads decodes UTF-8
            value, end = _DECODER.raw_decode(text)
        except ValueError:
            pass  # json.loads raises the error
        else:
            if end == len(text):
                return value
    return json.loads(data)


def decode_json_text(content: str) -> tuple[Any, str | None]:
    """Parse a JSON body that arrived as text (a real HTTP body, or V4 ``encoded: json``)."""
    try:
        return json.loads(content), None
    except json.JSONDecodeError as exc:
        return content, f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def sniff_media_type(data: bytes) -> str | None:
    """Detect a media type from magic numbers (via puremagic), or None when unknown."""
    if not data:
        return None
    stripped = data.lstrip()
    if stripped.startswith(b"<?xml"):
        return "application/xml"
    if stripped[:1] in (b"{", b"["):
        try:
            json.loads(data)
            return "application/json"
        except ValueError:
            pass
    import puremagic

    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    return None

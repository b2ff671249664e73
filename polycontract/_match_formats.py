"""The format matchers of `polycontract.match`: UUIDs, substrings, semantic versions, status codes, media types.

Each checks its example against the format it names and writes one Pact rule (a ``regex`` for a UUID,
``include``, ``semver``, ``statusCode`` or ``contentType``). Users import these from `polycontract.match`.
"""

from __future__ import annotations

import re
import uuid as _uuid
from collections.abc import Mapping, Sequence
from typing import Any

from polycontract._match_args import compile_regex
from polycontract._match_core import MatchingValue, node
from polycontract.errors import UsageError
from polycontract.model import Generator

__all__ = ["STATUS_CLASSES", "content_type", "includes", "semver", "status_code", "uuid"]

#: Status classes of the V4 ``statusCode`` matcher and the codes each one allows.
STATUS_CLASSES: Mapping[str, range] = {
    "info": range(100, 200), "success": range(200, 300), "redirect": range(300, 400),
    "clientError": range(400, 500), "serverError": range(500, 600), "nonError": range(100, 400),
    "error": range(400, 600),
}  # fmt: skip
_STATUS_EXAMPLES = {"info": 100, "success": 200, "redirect": 301, "clientError": 400, "serverError": 500,
                    "nonError": 200, "error": 400}  # fmt: skip
_HEX = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID_FORMATS = {"simple": "[0-9a-f]{32}", "lower-case-hyphenated": _HEX,
                 "upper-case-hyphenated": _HEX.replace("a-f", "A-F"), "URN": "urn:uuid:" + _HEX}  # fmt: skip
_UUID_EXAMPLE = _uuid.UUID("e2490de5-5bd3-43d5-b7c4-526e33f71304")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_MIME = re.compile(r"[\w.+-]+/[\w.+-]+(?:\s*;.*)?")


def uuid(example: str | _uuid.UUID | None = None, *, format: str = "lower-case-hyphenated") -> MatchingValue:
    """A UUID, as a regex rule (``format``: simple, lower-case-hyphenated, upper-case-hyphenated or URN).

    >>> uuid(format="URN").example
    'urn:uuid:e2490de5-5bd3-43d5-b7c4-526e33f71304'
    """
    if format not in _UUID_FORMATS:
        raise UsageError(f"uuid: format={format!r} is not one of {sorted(_UUID_FORMATS)}")
    gen = Generator(type="Uuid", params={"format": format}) if example is None else None
    value = _UUID_EXAMPLE if example is None else example
    if isinstance(value, _uuid.UUID):
        text = {"simple": value.hex, "URN": value.urn, "upper-case-hyphenated": str(value).upper()}
        value = text.get(format, str(value))
    pattern = _UUID_FORMATS[format]
    if not isinstance(value, str) or compile_regex("uuid", pattern).fullmatch(value) is None:
        raise UsageError(f"uuid: example={value!r} is not a UUID in the {format} format")
    return node("regex", value, {"regex": pattern}, generator=gen)


def includes(value: str, example: str | None = None) -> MatchingValue:
    """A string that contains ``value`` (``{"match": "include", "value": value}``); the example defaults to it."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"includes: value={value!r} must be a non-empty str")
    example = value if example is None else example
    if not isinstance(example, str) or value not in example:
        raise UsageError(f"includes: example={example!r} must be a str containing value={value!r}")
    return node("include", example, {"value": value})


def semver(example: str | None = None) -> MatchingValue:
    """A semantic version such as ``1.2.3`` (``{"match": "semver"}``); the example defaults to ``1.0.0``."""
    example = "1.0.0" if example is None else example
    if not isinstance(example, str) or _SEMVER.fullmatch(example) is None:
        raise UsageError(f"semver: example={example!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return node("semver", example)


def status_code(status: str | Sequence[int], example: int | None = None) -> MatchingValue:
    """An HTTP status in a class (``info``, ``success``, ``redirect``, ``clientError``, ``serverError``,
    ``nonError``, ``error``) or a list of codes (``{"match": "statusCode", "status": ...}``).

    >>> status_code("success").example, status_code([201, 202]).example
    (200, 201)
    """
    if isinstance(status, str):
        if status not in STATUS_CLASSES:
            raise UsageError(f"status_code: status={status!r} is not one of {list(STATUS_CLASSES)}")
        allowed: Sequence[int] = STATUS_CLASSES[status]
        default = _STATUS_EXAMPLES[status]
        allowed_text: str | list[int] = status
    else:
        codes: list[Any] = list(status) if isinstance(status, Sequence) else []
        if not codes or any(isinstance(c, bool) or not isinstance(c, int) or not 100 <= c <= 599 for c in codes):
            raise UsageError(f"status_code: status={status!r} must be a status class or a non-empty list of codes")
        allowed, default, allowed_text = codes, codes[0], codes
    example = default if example is None else example
    if isinstance(example, bool) or not isinstance(example, int) or example not in allowed:
        raise UsageError(f"status_code: example={example!r} is not a status allowed by status={status!r}")
    return node("statusCode", example, {"status": allowed_text})


def content_type(mime: str, example: str | bytes) -> MatchingValue:
    """Binary or text whose detected media type is ``mime`` (``{"match": "contentType", "value": mime}``).

    Meant as a whole body: ``.will_respond_with(200, body=match.content_type("image/png", png_bytes))``
    records the example as a binary body of that type, and any body detected as ``mime`` (by its magic
    numbers) satisfies it. The example must itself be detected as ``mime``.
    """
    if not isinstance(mime, str) or _MIME.fullmatch(mime) is None:
        raise UsageError(f"content_type: mime={mime!r} must be a media type such as 'image/png'")
    if not isinstance(example, (str, bytes)) or not example:
        raise UsageError(f"content_type: example={example!r} must be non-empty str or bytes")
    from polycontract.matching.support import sniff_media_type  # puremagic loads only when used

    data = example if isinstance(example, bytes) else example.encode("utf-8")
    found = sniff_media_type(data)
    if found is None or found.split(";")[0].strip().lower() != mime.split(";")[0].strip().lower():
        detected = f"is detected as {found!r}" if found else "has no media type its first bytes reveal"
        raise UsageError(
            f"content_type: the example ({len(data)} bytes starting {data[:8]!r}) {detected}, not mime={mime!r};"
            " give an example of that type, or the verifier would refuse the example itself"
        )
    return node("contentType", example, {"value": mime}, shape="leaf")

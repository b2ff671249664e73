"""The V4 attributes of an interaction being declared: its key, its pending flag and its comments.

Pact V4 gives every interaction an optional ``key`` (a name other tools refer to it by), a ``pending``
flag (the provider is not yet expected to honour it) and ``comments`` (free text under ``text``, a test
name under ``testname``, anything JSON under other keys). pact-python sets them with
``Interaction.set_key``, ``set_pending``, ``add_text_comment`` and ``set_comment``; V3 and V2 pacts have
no place for them, so declaring one in a pact of another version is a `UsageError`.
"""

from __future__ import annotations

from typing import Any

from polycontract.errors import UsageError
from polycontract.pact import _values

__all__ = ["check_v4", "key", "merged_comments", "pending", "text_comment"]


def check_v4(func: str, spec: str, what: str) -> None:
    """A `UsageError` unless ``spec`` is V4: ``what`` exists only in Pact V4 interactions."""
    if spec != "V4":
        raise UsageError(
            f"{func}: {what} exists only in Pact specification V4 interactions (this pact is {spec}); "
            "use Pact(..., spec='V4')"
        )


def key(func: str, value: object) -> str | None:
    """``value`` as an interaction key: a non-empty string, or None for no key."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise UsageError(f"{func}: key={value!r} must be a non-empty string (or None for no key)")
    return value


def pending(func: str, value: object) -> bool:
    """``value`` as the pending flag: True or False."""
    if not isinstance(value, bool):
        raise UsageError(f"{func}: pending={value!r} must be True or False")
    return value


def text_comment(func: str, comments: dict[str, Any], text: object) -> dict[str, Any]:
    """``comments`` with ``text`` appended to its ``text`` list, as pact-python's ``add_text_comment`` does."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{func}: text={text!r} must be a non-empty string")
    existing = comments.get("text", [])
    if not isinstance(existing, list):
        raise UsageError(f"{func}: the 'text' comment is {existing!r}, not a list of text comments")
    return {**comments, "text": [*existing, text]}


def merged_comments(func: str, comments: dict[str, Any], entries: dict[str, Any]) -> dict[str, Any]:
    """``comments`` with ``entries`` set (an entry of None removes its key), as pact-python's ``set_comment``.

    ``text`` must be a list of strings and ``testname`` a string, as the Pact verifier reads them.
    """
    out = dict(comments)
    for name, value in entries.items():
        if not isinstance(name, str) or not name:
            raise UsageError(f"{func}: comment name {name!r} must be a non-empty string")
        if value is None:
            out.pop(name, None)
            continue
        if name == "text" and (not isinstance(value, list) or not all(isinstance(t, str) for t in value)):
            raise UsageError(f"{func}: text={value!r} must be a list of strings (add one with with_comment(text))")
        if name == "testname" and not isinstance(value, str):
            raise UsageError(f"{func}: testname={value!r} must be a string")
        _values.check_json(func, name, value)
        out[name] = list(value) if name == "text" else value
    return out

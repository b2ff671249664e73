"""Pact matcher path expressions (``$.items[*].id``, ``$['a b']``): parsing and rendering.

Internal interface of the core: the codec, matching and generators share it; not part of the public API.

A parsed path is a tuple of tokens after the implicit root: a ``str`` is a field name, an ``int`` an
array index and `STAR` the wildcard ``*`` / ``[*]``.

>>> parse_path("$.items[*]['first name']")
('items', STAR, 'first name')
>>> render_path(("items", 2, "id"))
'$.items[2].id'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

__all__ = ["STAR", "PathSyntaxError", "Token", "child_path", "parse_path", "render_path"]


class _Star:
    __slots__ = ()

    def __repr__(self) -> str:
        return "STAR"


#: The wildcard token: any field of an object or any index of an array, on one level.
STAR: Final = _Star()

Token = str | int | _Star


class PathSyntaxError(ValueError):
    """A path expression does not follow the Pact grammar; the message says where and why."""


_FIELD_CHARS = re.compile(r"[^.\[\]]+")
_IDENT = re.compile(r"^[A-Za-z_@#][A-Za-z0-9_\-@#:]*$")


@lru_cache(maxsize=4096)
def parse_path(expression: str) -> tuple[Token, ...]:
    """Parse a matcher path expression rooted at ``$`` into tokens.

    Raises `PathSyntaxError` naming the position of the first error.
    """
    if not expression.startswith("$"):
        raise PathSyntaxError(f"path {expression!r} must start with '$'")
    if "[" not in expression or "[*]" in expression:  # the usual form: split, not scanned (same tokens)
        usual = _usual_tokens(expression)
        if usual is not None:
            return usual
    tokens: list[Token] = []
    i, n = 1, len(expression)
    while i < n:
        ch = expression[i]
        if ch == ".":
            m = _FIELD_CHARS.match(expression, i + 1)
            if not m:
                raise PathSyntaxError(f"path {expression!r}: expected a field name after '.' at position {i}")
            name = m.group(0)
            tokens.append(STAR if name == "*" else name)
            i = m.end()
        elif ch == "[":
            end = _bracket_end(expression, i)
            inner = expression[i + 1 : end].strip()
            if inner == "*":
                tokens.append(STAR)
            elif inner.isdigit():
                tokens.append(int(inner))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                tokens.append(inner[1:-1])
            else:
                raise PathSyntaxError(
                    f"path {expression!r}: expected an index, '*' or a quoted name inside [...] at position {i}"
                )
            i = end + 1
        else:
            raise PathSyntaxError(f"path {expression!r}: unexpected {ch!r} at position {i}")
    return tuple(tokens)


def _usual_tokens(expression: str) -> tuple[Token, ...] | None:
    """The tokens of ``$`` followed by ``.name`` and ``[*]`` steps only; None for any other form."""
    text = expression
    if "[" in text:
        stars = text.count("[*]")  # each must be followed by a step or the end, as the scanner requires
        if stars != text.count("[*].") + text.count("[*][") + text.endswith("[*]"):
            return None
        text = text.replace("[*]", ".*")
        if "[" in text:
            return None
    if "]" in text or text[1:2] != ".":
        return None
    names: list[Any] = text[2:].split(".")
    if "" in names:
        return None
    while "*" in names:
        names[names.index("*")] = STAR
    return tuple(names)


def _bracket_end(expression: str, start: int) -> int:
    i = start + 1
    quote = expression[i] if i < len(expression) and expression[i] in "'\"" else None
    if quote:
        close = expression.find(quote + "]", i + 1)
        if close < 0:
            raise PathSyntaxError(f"path {expression!r}: unterminated quoted name at position {start}")
        return close + 1
    close = expression.find("]", i)
    if close < 0:
        raise PathSyntaxError(f"path {expression!r}: unterminated '[' at position {start}")
    return close


def render_path(tokens: tuple[Token, ...], root: str = "$") -> str:
    """Render tokens back to a path expression, quoting names that are not plain identifiers."""
    return root + "".join(_render_token(t) for t in tokens)


def child_path(parent: str, token: Token) -> str:
    """Append one token to a rendered path."""
    return parent + _render_token(token)


@lru_cache(maxsize=4096, typed=True)  # the same header, query and field names, comparison after comparison
def _render_token(token: Token) -> str:
    if isinstance(token, _Star):
        return "[*]"
    if isinstance(token, int):
        return f"[{token}]"
    if _IDENT.match(token):
        return "." + token
    return "['" + token + "']"

"""Indented JSON text, byte for byte what ``json.dumps(doc, indent=n, ensure_ascii=False)`` writes, faster.

The standard library encodes with C only without ``indent``; with it, every value goes through a chain
of Python generators. Pact files are written indented, so `dumps_indented` walks the document with one
recursive function that appends to a list, and leaves the escaping of strings to the C helper. Anything
it does not know (non-string keys, subclasses, NaN) falls back to `json.dumps`, so the output never differs.

>>> dumps_indented({"a": [1, 2.5, None, True], "b": {}, "c": "é"}, 2)
'{\\n  "a": [\\n    1,\\n    2.5,\\n    null,\\n    true\\n  ],\\n  "b": {},\\n  "c": "é"\\n}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
from typing import Any

__all__ = ["LazyList", "Unsupported", "dumps_indented", "dumps_indented_parts", "encode_into", "scalar_text"]

#: ``write(item, newline, step, out)``: append the item's JSON text (its entries at ``newline``) to ``out``
#: and return True, or return False (having appended nothing) to have it built and encoded instead.
Writer = Callable[[Any, str, str, list[str]], bool]


class LazyList:
    """A list whose items are built one at a time as they are written, e.g. the interactions of a pact.

    Each built item is written and dropped before the next is built, so a large document never holds
    all of them at once (fewer long-lived objects for the garbage collector to walk). An item ``write``
    takes is written straight as text, never built.
    """

    __slots__ = ("build", "items", "write")

    def __init__(self, items: Sequence[Any], build: Callable[[Any], Any], write: Writer | None = None) -> None:
        self.items, self.build, self.write = items, build, write

    def materialise(self) -> list[Any]:
        """The plain list."""
        return [self.build(item) for item in self.items]


def _materialise(doc: Any) -> Any:
    if type(doc) is dict:
        return {k: v.materialise() if type(v) is LazyList else v for k, v in doc.items()}
    return doc


class Unsupported(Exception):
    """A value the fast path does not encode itself: `dumps_indented` then hands the document to `json.dumps`."""


_Unsupported = Unsupported


def dumps_indented(doc: Any, indent: int) -> str:
    """``json.dumps(doc, indent=indent, ensure_ascii=False)``."""
    return "".join(dumps_indented_parts(doc, indent))


def dumps_indented_parts(doc: Any, indent: int) -> list[str]:
    """`dumps_indented` as the pieces that make it up, in order: for a caller that writes them out in batches
    rather than build the whole text (a large document then never needs one block of memory for all of it)."""
    out: list[str] = []
    try:
        if type(doc) is dict or type(doc) is list:
            _encode(doc, "\n", " " * indent, out)
        else:
            out.append(_scalar(doc))
    except (_Unsupported, RecursionError):
        return [json.dumps(_materialise(doc), indent=indent, ensure_ascii=False)]
    return out


def _scalar(value: Any) -> str:
    """The JSON text of a str, int, float, bool or None (exact types: subclasses take the slow path)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    raise _Unsupported


def encode_into(value: Any, newline: str, step: str, out: list[str]) -> None:
    """Append the text of ``value`` (a dict or a list: exact types) with its entries at ``newline + step``.

    Raises `Unsupported` for anything `dumps_indented` leaves to `json.dumps`.
    """
    _encode(value, newline, step, out)


def scalar_text(value: Any) -> str:
    """The JSON text of a str, int, float, bool or None; `Unsupported` for anything else."""
    return _scalar(value)


def _encode(value: Any, newline: str, step: str, out: list[str]) -> None:
    # ``value`` is a dict or a list. Leaves are most of a pact: each is written with its separator in one
    # append; only containers recurse.
    # (Handing containers without containers inside to the C encoder, with this level's separators,
    # measured slower: the per-call set-up costs more than the loop below.)
    if not value:
        out.append("{}" if type(value) is dict else "[]")
        return
    inner = newline + step
    if type(value) is dict:
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            kind = type(item)
            if kind is str:
                out.append(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
            elif kind is int:
                out.append(f"{separator}{encode_basestring(key)}: {int.__repr__(item)}")
            elif kind is list and len(item) == 1 and type(item[0]) is str:  # e.g. an each-like example, in one piece
                out.append(f"{separator}{encode_basestring(key)}: [{inner}{step}{encode_basestring(item[0])}{inner}]")
            elif kind is dict or kind is list:
                out.append(f"{separator}{encode_basestring(key)}: ")
                _encode(item, inner, step, out)
            elif kind is LazyList:
                out.append(f"{separator}{encode_basestring(key)}: ")
                _encode_lazy(item, inner, step, out)
            else:
                out.append(f"{separator}{encode_basestring(key)}: {_scalar(item)}")
            separator = "," + inner
        out.append(newline + "}")
    else:
        separator = "[" + inner
        for item in value:
            kind = type(item)
            if kind is dict or kind is list:
                out.append(separator)
                _encode(item, inner, step, out)
            else:
                out.append(separator + _scalar(item))
            separator = "," + inner
        out.append(newline + "]")


def _encode_lazy(value: LazyList, newline: str, step: str, out: list[str]) -> None:
    # A list as `_encode` writes it, each item built just before it is written.
    if not value.items:
        out.append("[]")
        return
    inner = newline + step
    separator = "[" + inner
    build, write = value.build, value.write
    for source in value.items:
        out.append(separator)
        separator = "," + inner
        if write is not None and write(source, inner, step, out):
            continue  # written straight as text
        item = build(source)
        kind = type(item)
        if kind is dict or kind is list:
            _encode(item, inner, step, out)
        else:
            out.append(_scalar(item))
    out.append(newline + "]")

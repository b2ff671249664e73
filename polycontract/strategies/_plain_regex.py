"""A cheaper strategy for the regexes pacts mostly carry: literals and character classes repeated, or alternatives.

``^/items/[0-9]{1,6}$``, ``[A-Z]{2}-\\d{3}``, ``asc|desc``: hypothesis's ``from_regex`` draws such a pattern
one character at a time (a choice per character and per repetition), which makes it the slowest part of a
drawn request. Here each repeated class is one ``st.text`` draw (a single choice) and literals cost nothing,
so a drawn value is several times cheaper; shrinking still goes toward the shortest, lowest characters.

`plain_regex` returns None for anything else (lookarounds, groups with back-references, ``.``, negated
classes, ``\\s``/``\\w``, case-insensitive patterns...), and the caller falls back to ``from_regex``. The
caller keeps its ``fullmatch`` filter: a value drawn here is always checked against the compiled pattern.
The pattern is read with the standard library's regex parser (``re._parser``); should it change shape,
`plain_regex` returns None and nothing but speed is lost.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

__all__ = ["plain_regex"]

Strategy = st.SearchStrategy[Any]

#: A class or range larger than this is left to ``from_regex`` (its characters are listed here).
_MAX_CLASS = 4096


def plain_regex(compiled: re.Pattern[str], alphabet: str | None) -> Strategy | None:
    """Strings that fully match ``compiled``, drawn from ``alphabet`` when given, or None when the pattern
    is not plain enough (the caller then uses ``from_regex``)."""
    try:
        import re._parser as parser  # type: ignore[import-not-found]

        parsed = parser.parse(compiled.pattern, compiled.flags)
        flags = parsed.state.flags
        if flags & (re.IGNORECASE | re.LOCALE) or parsed.state.groups > 1:
            return None
        return _sequence(list(parsed), parser, flags, alphabet, top=True)
    except Exception:  # an unexpected shape of the parser's output: leave the pattern to from_regex
        return None


def _sequence(items: list[Any], p: Any, flags: int, alphabet: str | None, *, top: bool) -> Strategy | None:
    """A strategy for a sequence of parsed items (anchors allowed only at its ends when ``top``)."""
    if top and items and items[0] == (p.AT, p.AT_BEGINNING):
        items = items[1:]
    if top and items and items[-1] in ((p.AT, p.AT_END), (p.AT, p.AT_END_STRING)):
        items = items[:-1]
    parts: list[Strategy | str] = []
    for op, av in items:
        if op is p.LITERAL:
            if alphabet is not None and chr(av) not in alphabet:
                return None
            parts.append(chr(av))
            continue
        if op is p.BRANCH and len(items) == 1:
            branches = [_sequence(list(b), p, flags, alphabet, top=False) for b in av[1]]
            if any(b is None for b in branches):
                return None
            return st.one_of(*[b for b in branches if b is not None])
        chars, lo, hi = _repeat(op, av, p, flags, alphabet)
        if chars is None:
            return None
        parts.append(st.text(alphabet=chars, min_size=lo, max_size=hi))
    return _joined(parts)


def _repeat(op: Any, av: Any, p: Any, flags: int, alphabet: str | None) -> tuple[Alphabet | None, int, int | None]:
    """The characters and bounds of a repeated (or single) character class; None characters: not plain."""
    lo: int = 1
    hi: int | None = 1
    if op in (p.MAX_REPEAT, p.MIN_REPEAT):
        lo, high, sub = av
        hi = None if high is p.MAXREPEAT else high
        if len(sub) != 1:
            return None, 0, None
        op, av = sub[0]
        if op is p.LITERAL:
            return _allowed(chr(av), alphabet), lo, hi
    if op is not p.IN:
        return None, 0, None
    return _class(av, p, flags, alphabet), lo, hi


#: The characters a class allows: listed, or a hypothesis character strategy (Unicode digits and more).
Alphabet = str | st.SearchStrategy[str]


def _class(members: list[Any], p: Any, flags: int, alphabet: str | None) -> Alphabet | None:
    """The characters of a ``[...]`` class (literals, ranges, ``\\d``), None for anything else or too many."""
    chars: set[str] = set()
    digits = False
    for op, av in members:
        if op is p.LITERAL:
            chars.add(chr(av))
        elif op is p.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is p.CATEGORY and av is p.CATEGORY_DIGIT:
            if flags & re.ASCII:
                chars.update("0123456789")
            else:
                digits = True  # Python's \d in a str pattern: every Unicode decimal digit (category Nd)
        else:
            return None
        if len(chars) > _MAX_CLASS:
            return None
    if alphabet is not None:
        return _allowed(
            "".join(sorted(chars | ({c for c in alphabet if c.isdecimal()} if digits else set()))), alphabet
        )
    if digits:
        return st.characters(categories=["Nd"], include_characters="".join(sorted(chars)))
    return "".join(sorted(chars)) or None


def _allowed(chars: str, alphabet: str | None) -> str | None:
    kept = chars if alphabet is None else "".join(c for c in chars if c in alphabet)
    return kept or None


def _joined(parts: list[Strategy | str]) -> Strategy:
    """The concatenation of literal text and drawn text, with as few draws as the parts need."""
    drawn = [part for part in parts if not isinstance(part, str)]
    if not drawn:
        return st.just("".join(p for p in parts if isinstance(p, str)))
    if len(drawn) == 1:
        index = next(i for i, part in enumerate(parts) if not isinstance(part, str))
        before = "".join(p for p in parts[:index] if isinstance(p, str))
        after = "".join(p for p in parts[index + 1 :] if isinstance(p, str))
        return drawn[0].map(lambda s: f"{before}{s}{after}")
    shape = [part if isinstance(part, str) else None for part in parts]

    def join(values: tuple[str, ...]) -> str:
        it = iter(values)
        return "".join(next(it) if part is None else part for part in shape)

    return st.tuples(*drawn).map(join)

"""Random strings that fully match a regular expression, for the ``Regex`` generator.

The pattern is parsed with the parser behind `re` and each node of the parse tree chooses at random
from the ``rng`` it is given; lookarounds and ``\\b`` are not generated for, so each candidate is
checked and a few are tried.

>>> import random
>>> len(sample_regex(r"[a-f0-9]{8}", random.Random(0)))
8
"""

from __future__ import annotations

import importlib
import random
import re
import string
from collections.abc import Callable
from typing import Any

__all__ = ["sample_regex"]

try:  # the parser behind `re` (public as sre_parse before 3.11, deprecated since)
    _sre_parser: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _sre_parser = importlib.import_module("sre_parse")

_REGEX_ATTEMPTS = 50
_UNBOUNDED_EXTRA = 6  # "*" and "+" repeat at most this many times more than their minimum
_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " "
_CATEGORY_CHARS = {"DIGIT": string.digits, "WORD": string.ascii_letters + string.digits + "_", "SPACE": " "}
_CATEGORY_TESTS = {name: re.compile("\\" + name[0].lower()) for name in _CATEGORY_CHARS}


def sample_regex(regex: str, rng: random.Random) -> str | None:
    """A random string that fully matches ``regex``, or None when a few attempts found none.

    Raises `re.error` when ``regex`` is invalid or uses a construct that cannot be generated for.
    """
    compiled = re.compile(regex)
    parsed = _sre_parser.parse(regex)
    for _ in range(_REGEX_ATTEMPTS):  # lookarounds and \b are not generated for: check, retry
        text = _RegexSampler(rng, ignore_case=bool(compiled.flags & re.IGNORECASE)).sequence(parsed)
        if compiled.fullmatch(text):
            return text
    return None


class _RegexSampler:
    """Draws one string from a parsed regex: each node of the `re` parse tree chooses at random."""

    def __init__(self, rng: random.Random, *, ignore_case: bool) -> None:
        self.rng = rng
        self.ignore_case = ignore_case
        self.groups: dict[int, str] = {}

    def sequence(self, items: Any) -> str:
        return "".join(self.node(op.name, av) for op, av in items)

    def node(self, op: str, av: Any) -> str:
        if op == "LITERAL":
            return chr(av)
        if op in ("NOT_LITERAL", "ANY"):
            return self.pick(lambda c: op == "ANY" or not self.same(c, chr(av)))
        if op == "IN":
            return self.char_in(av)
        if op == "BRANCH":
            return self.sequence(self.rng.choice(av[1]))
        if op == "SUBPATTERN":
            text = self.sequence(av[3])
            if av[0] is not None:
                self.groups[av[0]] = text
            return text
        if op == "ATOMIC_GROUP":
            return self.sequence(av)
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, item = av
            high = low + _UNBOUNDED_EXTRA if high == _sre_parser.MAXREPEAT else high
            return "".join(self.sequence(item) for _ in range(self.rng.randint(low, high)))
        if op == "GROUPREF":
            return self.groups.get(av, "")
        if op == "GROUPREF_EXISTS":
            group, yes, no = av
            return self.sequence(yes) if group in self.groups else self.sequence(no) if no else ""
        if op in ("AT", "ASSERT", "ASSERT_NOT"):
            return ""
        raise re.error(f"unsupported construct {op}")

    def same(self, a: str, b: str) -> bool:
        return a == b or (self.ignore_case and a.lower() == b.lower())

    def pick(self, accept: Callable[[str], bool]) -> str:
        candidates = [c for c in _ALPHABET if accept(c)] or [c for c in "\u00e9\u00df\u4e2d\t\n" if accept(c)]
        if not candidates:
            raise re.error("no character satisfies a negated class")
        return self.rng.choice(candidates)

    def char_in(self, items: list[tuple[Any, Any]]) -> str:
        if items and items[0][0].name == "NEGATE":
            rest = items[1:]
            return self.pick(lambda c: not any(self.in_item(c, op.name, av) for op, av in rest))
        op, av = self.rng.choice(items)
        if op.name == "LITERAL":
            return chr(av)
        if op.name == "RANGE":
            code = self.rng.randint(*av)
            return chr(code) if not 0xD800 <= code <= 0xDFFF else chr(av[0])
        category = av.name.removeprefix("CATEGORY_")
        if category in _CATEGORY_CHARS:
            return self.rng.choice(_CATEGORY_CHARS[category])
        return self.pick(lambda c: self.in_item(c, op.name, av))

    def in_item(self, char: str, op: str, av: Any) -> bool:
        variants = {char, char.lower(), char.upper()} if self.ignore_case else {char}
        if op == "LITERAL":
            return chr(av) in variants
        if op == "RANGE":
            return any(av[0] <= ord(v) <= av[1] for v in variants)
        if op == "CATEGORY":
            name = av.name.removeprefix("CATEGORY_")
            negated = name.startswith("NOT_")
            test = _CATEGORY_TESTS.get(name.removeprefix("NOT_"))
            return test is not None and bool(test.match(char)) != negated
        return False

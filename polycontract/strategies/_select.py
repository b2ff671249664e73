"""Which rule set governs a value at a path: the Pact weights and cascading, as the matching engine applies them.

A rule declared at a path governs that value and, cascaded, its descendants, unless a rule that scores
higher is declared nearer. The score is the product of the token weights (root 2, exact field or index
2, wildcard 1) times the number of tokens, the deeper rule winning a tie (pact-matching-rules, section 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from polycontract._paths import STAR, PathSyntaxError, Token, parse_path
from polycontract.errors import UsageError
from polycontract.model import RuleSet

__all__ = ["Key", "RuleIndex", "Selected"]

#: One step of a value's place: an object key or an array index.
Key = str | int


@dataclass(frozen=True, slots=True)
class Selected:
    """The rule set governing a value, and whether it was declared on an ancestor (cascaded)."""

    rule_set: RuleSet
    cascaded: bool


class RuleIndex:
    """The rules of one category (body, content), parsed once, answering `select` for any path."""

    __slots__ = ("_by_depth",)

    def __init__(self, rules: Mapping[str, RuleSet] | None) -> None:
        by_depth: dict[int, list[tuple[tuple[Token, ...], RuleSet]]] = {}
        for expression, rule_set in (rules or {}).items():
            try:
                tokens = parse_path(expression) if expression.startswith("$") else (expression,)
            except PathSyntaxError as exc:
                raise UsageError(f"strategies: rule path={expression!r} does not parse: {exc}") from None
            by_depth.setdefault(len(tokens), []).append((tokens, rule_set))
        self._by_depth = by_depth

    def __bool__(self) -> bool:
        return bool(self._by_depth)

    def select(self, keys: tuple[Key, ...]) -> Selected | None:
        """The rule set for the value at ``keys`` (object keys and array indices from the root), or None."""
        best: tuple[int, RuleSet, int] | None = None
        for depth in range(len(keys) + 1):
            for tokens, rule_set in self._by_depth.get(depth, ()):
                weight = _weight(tokens, keys)
                if not weight:
                    continue
                score = weight * (depth + 1)
                if best is None or score >= best[0]:
                    best = (score, rule_set, depth)
        if best is None:
            return None
        return Selected(best[1], best[2] < len(keys))


def _weight(tokens: tuple[Token, ...], keys: tuple[Key, ...]) -> int:
    """The weight of a rule path against the first ``len(tokens)`` keys; 0 when it does not match them."""
    weight = 2
    for token, key in zip(tokens, keys):
        if token is STAR:
            continue
        if token == key or (isinstance(key, int) and token == str(key)):
            weight *= 2
        else:
            return 0
    return weight

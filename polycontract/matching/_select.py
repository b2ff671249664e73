"""Choosing the matching rule for a value: path weights and cascading, computed while walking.

Rules of a category are compiled once into a trie of path tokens. A `Cursor` follows the walk
of a document: at each step it keeps the trie nodes still matched (with their weight: root 2,
exact field or index 2, wildcard 1, multiplied) and the best rule seen so far, so selection
costs a few dictionary look-ups per value instead of a scan of every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from polycontract._paths import STAR, Token, parse_path
from polycontract.model import RuleSet

__all__ = ["Cursor", "Selected", "compile_rules"]


@dataclass(slots=True)
class _Node:
    children: dict[str | int, _Node] = field(default_factory=dict)
    star: _Node | None = None
    rules: list[tuple[RuleSet, int]] = field(default_factory=list)

    def child(self, token: Token) -> _Node:
        if token is STAR:
            if self.star is None:
                self.star = _Node()
            return self.star
        key = token if isinstance(token, (str, int)) else str(token)
        node = self.children.get(key)
        if node is None:
            node = self.children[key] = _Node()
        return node


@dataclass(frozen=True, slots=True)
class Selected:
    """The rule set that governs a value, and whether it was declared on an ancestor."""

    rule_set: RuleSet
    score: int
    cascaded: bool


@dataclass(frozen=True, slots=True)
class Cursor:
    """Rule selection state at one place in a document."""

    active: tuple[tuple[_Node, int], ...]
    best: Selected | None

    def descend(self, key: str | int) -> Cursor:
        """The cursor of a child field or index."""
        inherited = self.best
        if inherited is not None and not inherited.cascaded:
            inherited = Selected(inherited.rule_set, inherited.score, True)
        if not self.active:
            if inherited is self.best:
                return self
            return Cursor((), inherited)
        active: list[tuple[_Node, int]] = []
        for node, weight in self.active:
            child = node.children.get(key)
            if child is None and isinstance(key, int):
                child = node.children.get(str(key))
            if child is not None:
                active.append((child, weight * 2))
            if node.star is not None:
                active.append((node.star, weight))
        return Cursor(tuple(active), _best(active, inherited))

    def descend_path(self, keys: tuple[str | int, ...]) -> Cursor:
        """Follow several keys at once."""
        cursor = self
        for key in keys:
            cursor = cursor.descend(key)
        return cursor


_EMPTY = Cursor((), None)


def _best(active: list[tuple[_Node, int]], inherited: Selected | None) -> Selected | None:
    best = inherited
    for node, weight in active:
        for rule_set, length in node.rules:
            score = weight * length
            if best is None or score >= best.score:
                best = Selected(rule_set, score, False)
    return best


def compile_rules(rules: Mapping[str, RuleSet] | None) -> Cursor:
    """The root cursor for a category's path-keyed rules (``$.a.b`` style keys)."""
    if not rules:
        return _EMPTY
    root = _Node()
    for expression, rule_set in rules.items():
        tokens = parse_path(expression) if expression.startswith("$") else (expression,)
        node = root
        for token in tokens:
            node = node.child(token)
        node.rules.append((rule_set, len(tokens) + 1))
    active = [(root, 2)]
    return Cursor(tuple(active), _best(active, None))

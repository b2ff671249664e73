"""Rule selection by position, shared by every rule set with the same path expressions.

Which rule governs a value (weights, cascading, the later rule winning a tie: `_select`) depends
only on the rules' path expressions and their order, not on their matchers. A `Shape` is the
selection state of `_select.Cursor` with the rule named by its position in the category instead of
by object: so one compiled trie, and the descents it remembers, serve every pact read again with
rules at the same paths (a verifier reads its pacts afresh, a consumer suite declares its
interactions per test). It is keyed by the tuple of path expressions, which costs a tuple and a
hash, not a walk of the matchers.

>>> root = shape_of(("$.items", "$.items[*].id"))
>>> root.descend("items").best, root.descend("items").descend(0).descend("id").best
((0, 8, False), (1, 32, False))
>>> root is shape_of(("$.items", "$.items[*].id"))
True
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any, Protocol, TypeAlias

from polycontract._paths import STAR, parse_path

__all__ = ["OTHER", "Best", "Selection", "Shape", "shape_of"]

#: The selected rule: (its position in the category, its score, declared on an ancestor).
Best: TypeAlias = "tuple[int, int, bool] | None"

#: Descents one shape remembers by key (beyond it, they are computed each time).
_MEMO_SIZE = 512
#: Compiled shapes kept; all are dropped when this is reached.
_KEPT = 1024
_NOTHING: frozenset[Any] = frozenset()
#: The memo slot shared by every key that no rule below names.
OTHER: Any = object()


class _Node:
    __slots__ = ("children", "indexed", "rules", "star")

    def __init__(self) -> None:
        self.children: dict[str | int, _Node] = {}
        self.star: _Node | None = None
        self.rules: list[tuple[int, int]] = []  # (position, number of tokens + 1)
        self.indexed = False  # a child is a single index (``[2]``, or a numeric field ``.2``)


class Selection(Protocol):
    """What the quick walk reads of a place in a document: a `Shape`, or a node of a path set met once."""

    @property
    def best(self) -> Best:
        """The selected rule (see `Best`)."""

    @property
    def position(self) -> int:
        """The selected rule's position, or -1 for none."""

    @property
    def ends(self) -> bool:
        """No rule is declared below this place."""

    @property
    def memo(self) -> Mapping[Any, Selection]:
        """Children already known by key (a `KeyError` means: ask `descend`)."""

    def descend(self, key: str | int) -> Selection:
        """The selection at a child field or index."""


class Shape:
    """Rule selection at one place in a document (see `_select.Cursor`), by rule position."""

    __slots__ = ("active", "best", "ends", "indexed", "memo", "named", "position")

    def __init__(self, active: tuple[tuple[_Node, int], ...], best: Best) -> None:
        self.active = active
        self.best = best
        #: The position of the selected rule, or -1 for none.
        self.position = -1 if best is None else best[0]
        self.memo: dict[Any, Shape] = {}
        if not active:
            #: The keys a rule below names; any other key selects as every other one does.
            self.named: Container[Any] = _NOTHING
            #: Some rule below names a single index, so indices may select differently.
            self.indexed = False
            #: No rule is declared below this place: every descendant selects `best`, cascaded.
            self.ends = True
        elif len(active) == 1:
            node = active[0][0]
            self.named = node.children
            self.indexed = node.indexed
            self.ends = not node.children and node.star is None
        else:
            self.named = {k for node, _ in active for k in node.children}
            self.indexed = any(node.indexed for node, _ in active)
            self.ends = not self.named and all(node.star is None for node, _ in active)

    def descend(self, key: str | int) -> Shape:
        """The shape of a child field or index, remembered (every key no rule names shares one)."""
        memo = self.memo
        found = memo.get(key)
        if found is not None:
            return found
        if key in self.named or (type(key) is int and self.indexed):
            found = self._descend(key)
        else:
            found = memo.get(OTHER)
            if found is None:
                found = memo[OTHER] = self._descend(key)
        if len(memo) < _MEMO_SIZE:
            memo[key] = found
        return found

    def _descend(self, key: str | int) -> Shape:
        inherited = self.best
        if inherited is not None and not inherited[2]:
            inherited = (inherited[0], inherited[1], True)
        if not self.active:
            return self if inherited is self.best else Shape((), inherited)
        active: list[tuple[_Node, int]] = []
        for node, weight in self.active:
            child = node.children.get(key)
            if child is None and type(key) is int:
                child = node.children.get(str(key))
            if child is not None:
                active.append((child, weight * 2))
            if node.star is not None:
                active.append((node.star, weight))
        if not active:
            return Shape((), inherited)
        return Shape(tuple(active), _best(active, inherited))


def _best(active: list[tuple[_Node, int]], inherited: Best) -> Best:
    best = inherited
    for node, weight in active:
        for position, length in node.rules:
            score = weight * length
            if best is None or score >= best[1]:
                best = (position, score, False)
    return best


_SHAPES: dict[tuple[str, ...], Shape] = {}
#: The selection below a place without rules, nor any inherited.
_NOTHING_BELOW = Shape((), None)


def shape_of(paths: tuple[str, ...]) -> Shape:
    """The root shape for rules at ``paths`` (``$.a.b`` style keys, in the category's order)."""
    found = _SHAPES.get(paths)
    if found is None:
        found = _compile(paths)
        if len(_SHAPES) >= _KEPT:
            _SHAPES.clear()  # popping the oldest one by one costs a scan over the deleted slots each time
        _SHAPES[paths] = found
    return found


def _compile(paths: tuple[str, ...]) -> Shape:
    root = _Node()
    for position, expression in enumerate(paths):
        tokens = parse_path(expression) if expression.startswith("$") else (expression,)
        node = root
        for token in tokens:
            if token is STAR:
                if node.star is None:
                    node.star = _Node()
                node = node.star
            else:
                key = token if isinstance(token, (str, int)) else str(token)
                child = node.children.get(key)
                if child is None:
                    child = node.children[key] = _Node()
                    if type(key) is int or (type(key) is str and key.isdecimal() and key.isascii()):
                        node.indexed = True
                node = child
        node.rules.append((position, len(tokens) + 1))
    active = ((root, 2),)
    return Shape(active, _best(list(active), None))

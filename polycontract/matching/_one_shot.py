"""One-shot rule selections: the root selection for a set of rule paths met once, built for one walk.

A verifier reads each interaction's rules once; compiling and keeping a `polycontract.matching._shape.Shape`
for each set of paths would cost more than the walk. `fresh_shape` builds only what the walk needs, and
shares the subtrees below a first ``$.name`` step between path sets that differ only in that name.
"""

from __future__ import annotations

import re
from typing import Any

from polycontract._paths import STAR, parse_path
from polycontract.matching._shape import (
    _MEMO_SIZE,
    _NOTHING_BELOW,
    _SHAPES,
    Best,
    Selection,
    Shape,
    _best,
    _Node,
)

__all__ = ["fresh_shape"]

_NO_MEMO: dict[Any, Any] = {}


class _Memo(dict[Any, Any]):
    """The children of a one-shot node, which also answer for every other key with ``miss`` (the selection
    `_Fresh.descend` finds for each of them), so the walk raises no `KeyError` for them; a `KeyError` when
    ``miss`` is None (keys may select differently)."""

    __slots__ = ("miss",)
    miss: Selection | None

    def __missing__(self, key: Any) -> Any:
        miss = self.miss
        if miss is None:
            raise KeyError(key)
        return miss


class _Learning(_Memo):
    """The memo of a kept one-shot subtree's node (not its children): it also remembers, up to `_MEMO_SIZE`,
    the other keys met, so the same field names under other first names are found without a call."""

    __slots__ = ()

    def __missing__(self, key: Any) -> Any:
        miss = self.miss
        if miss is None:
            raise KeyError(key)
        if len(self) < _MEMO_SIZE:
            self[key] = miss
        return miss


class _Fresh(_Node):
    """A trie node that is also the selection reached along its own path alone: a path set met once is
    walked on its trie, without a `Shape` per visited place (one is built only where a wildcard and a
    name apply at once). It selects exactly as the `Shape` at the same place does."""

    __slots__ = ("best", "ends", "memo", "other", "position", "weight")

    def __init__(self) -> None:  # `_Node`'s fields set here, without a call
        self.children: dict[str | int, _Node] = {}
        self.star: _Node | None = None
        self.rules: list[tuple[int, int]] = []
        self.indexed = False
        self.other: Shape | None = None
        self.best: Best = None
        self.position = -1
        self.weight = 2
        self.ends = True
        #: The children when no wildcard applies beside them (a key found here is `descend`'s answer).
        self.memo: dict[Any, Any] = _NO_MEMO

    def descend(self, key: str | int) -> Selection:
        """The selection at a child field or index (as `Shape.descend` finds it)."""
        children = self.children
        child = children.get(key)
        if child is None and type(key) is int:
            child = children.get(str(key))
        star = self.star
        if child is None:
            if star is not None:
                return star  # type: ignore[return-value]  # the nodes of a `_Fresh` trie are `_Fresh`
            other = self.other
            if other is None:
                other = self.other = Shape((), _cascaded(self.best))
            return other
        if star is None:
            return child  # type: ignore[return-value]
        active = [(child, self.weight * 2), (star, self.weight)]
        return Shape(tuple(active), _best(active, _cascaded(self.best)))


def _cascaded(best: Best) -> Best:
    return best if best is None or best[2] else (best[0], best[1], True)


def fresh_shape(paths: tuple[str, ...]) -> Selection:
    """The root selection for rules at ``paths``, built for one walk and not kept (a path set met once);
    the kept `Shape` when there is one.

    Below the first step, a subtree depends only on the rest of its paths, their positions and what the
    root selects, not on the first step's name: ``$.a_1.id`` and ``$.a_2.id`` (interactions whose field
    names differ) share one, kept by that description. When every path starts with a ``$.name`` step, the
    whole set is split in one regex scan and its subtrees are found at once by its template (the rests of
    its paths and which paths share a first name), so only the root is built for it.
    """
    found = _SHAPES.get(paths)
    if found is not None:
        return found
    joined = "\n".join(paths)
    steps = _STEPS.findall(joined) if joined.count("\n") == len(paths) - 1 else ()
    if len(steps) != len(paths) or not steps:
        return _fresh_root(paths)  # some path is not ``$.name`` and more (or has a line break): step by step
    names, rests = zip(*steps)
    firsts = dict(zip(reversed(names), range(len(names) - 1, -1, -1)))  # each name's first position
    template = (rests, tuple(map(firsts.__getitem__, names)), firsts.get("*", -1))
    subtrees = _TEMPLATES.get(template)
    if subtrees is None:
        root = _fresh_root(paths)  # parses the paths, so a bad one is refused as the parser refuses it
        star = root.star
        subtrees = tuple(star if name == "*" else root.children[name] for name in firsts)
        if len(_TEMPLATES) >= _KEPT_SUBTREES:
            _TEMPLATES.clear()  # popping the oldest one by one costs a scan over the deleted slots each time
        _TEMPLATES[template] = subtrees
        return root
    root = _Fresh()
    children = _Memo(zip(firsts, subtrees))
    star = children.pop("*", None)
    root.children, root.star, root.ends = children, star, False
    if star is None:
        root.memo = children
        if any(map(str.isdecimal, children)):
            root.indexed = any(name.isdecimal() and name.isascii() for name in children)
        children.miss = None if root.indexed else _NOTHING_BELOW  # no rule at the root: none inherited
    return root


#: The first ``$.name`` step of each path of a set joined by line breaks, and the rest of the path after it (as
#: `_first_step` splits one path).
_STEPS = re.compile(r"^\$\.([^.\[\]\n]+)((?:[.\[].*)?)$", re.MULTILINE)
#: The subtrees of the one-shot root of a path set by its template: (rests of its paths, the first position
#: of each path's first name, that of the wildcard ``*`` or -1), in the order of the names' first appearance.
_TEMPLATES: dict[tuple[tuple[str, ...], tuple[int, ...], int], tuple[_Node | None, ...]] = {}


def _fresh_root(paths: tuple[str, ...]) -> _Fresh:
    """The one-shot root for ``paths``, path by path (see `fresh_shape`)."""
    root = _Fresh()
    groups: dict[Any, list[tuple[Any, int]]] = {}
    sources: dict[Any, list[str]] = {}
    rest: Any
    for position, expression in enumerate(paths):
        first, rest = _first_step(expression)
        if first is None:
            tokens = parse_path(expression) if expression.startswith("$") else (expression,)
            if not tokens:
                root.rules.append((position, 1))
                continue
            first, rest = tokens[0], tokens[1:]
        group = groups.get(first)
        if group is None:
            group = groups[first] = []
            sources[first] = []
        group.append((rest, position))
        sources[first].append(expression)
    _settle(root, 2, None, deep=False)
    inherited = _cascaded(root.best)
    for first, group in groups.items():
        key = (first is STAR, inherited, tuple(group))
        subtree = _SUBTREES.get(key)
        if subtree is None:
            subtree = _subtree(sources[first], group, 2 if first is STAR else 4, inherited)
            if len(_SUBTREES) >= _KEPT_SUBTREES:
                _SUBTREES.clear()  # popping the oldest one by one costs a scan over the deleted slots each time
            _SUBTREES[key] = subtree
        if first is STAR:
            root.star = subtree
        else:
            root.children[first] = subtree
            if type(first) is int or (type(first) is str and first.isdecimal() and first.isascii()):
                root.indexed = True
    if root.star is not None or root.children:
        root.ends = False
        root.memo = root.children if root.star is None else _NO_MEMO
    return root


#: Subtrees of one-shot tries by (under a wildcard, the root's cascaded rule, (rest of path, position)...),
#: the rest as text after a ``$.name`` step, or as tokens.
_SUBTREES: dict[tuple[bool, Best, tuple[tuple[Any, int], ...]], _Fresh] = {}
_KEPT_SUBTREES = 4096


def _first_step(expression: str) -> tuple[Any, str]:
    """A ``$.name`` first step and the text after it, as the scanner reads them; (None, "") for any other
    start. The rest is read (and checked) only when no kept subtree has it."""
    if not expression.startswith("$."):
        return None, ""
    end = len(expression)
    dot, bracket = expression.find(".", 2), expression.find("[", 2)
    if dot >= 0:
        end = dot
    if 0 <= bracket < end:
        end = bracket
    first = expression[2:end]
    if not first or "]" in first:
        return None, ""
    return (STAR if first == "*" else first), expression[end:]


def _subtree(expressions: list[str], group: list[tuple[Any, int]], weight: int, inherited: Best) -> _Fresh:
    top = _Fresh()
    for expression, (_, position) in zip(expressions, group):
        rest: tuple[Any, ...] = parse_path(expression)[1:] if expression.startswith("$") else ()
        node: _Node = top
        for token in rest:
            if token is STAR:
                step = node.star
                if step is None:
                    step = node.star = _Fresh()
            else:
                step = node.children.get(token)
                if step is None:
                    step = node.children[token] = _Fresh()
                    if type(token) is int or (type(token) is str and token.isdecimal() and token.isascii()):
                        node.indexed = True
            node = step
        node.rules.append((position, len(rest) + 2))
    _settle(top, weight, inherited)
    return top


def _settle(top: _Fresh, weight: int, inherited: Best, *, deep: bool = True) -> None:
    """Each node's selection along its own path: weights and inherited rules, as `Shape._descend` finds them
    (only ``top``'s own unless ``deep``)."""
    stack: list[tuple[Any, int, Best]] = [(top, weight, inherited)]
    while stack:
        node, weight, best = stack.pop()
        for position, length in node.rules:
            score = weight * length
            if best is None or score >= best[1]:
                best = (position, score, False)
        node.best, node.weight = best, weight
        if best is not None:
            node.position = best[0]
        star = node.star
        if star is None:
            node.memo = node.children
            if deep:  # a kept subtree: its memo answers for every other key
                memo = node.memo = _Learning(node.children)
                memo.miss = None if node.indexed else Shape((), _cascaded(best))
                node.other = memo.miss
            if not node.children:
                continue  # `ends` stays True
        elif deep and not node.children:
            memo = node.memo = _Learning()
            memo.miss = star  # every key selects the wildcard's node
        node.ends = False
        if not deep:
            return
        inherited = _cascaded(best)
        for child in node.children.values():
            stack.append((child, weight * 2, inherited))
        if star is not None:
            stack.append((star, weight, inherited))

"""Compiled comparison plans for JSON values: the expected side is walked once, not per request.

The mock server and the verifier compare many actual bodies with one expected body. A plan turns
the expected value and its rules into a tree of small closures, each of which already knows the
rule selected at its path, so comparing an actual value costs a few type checks and calls per node.
Paths are rendered only when a mismatch is reported. A matcher is first tried through a fast test
that can only say "passes"; anything else goes through `check`, so messages are the walker's own.
Subtrees governed by the rarely used container matchers (``values``, ``eachKey``, ``eachValue``,
``arrayContains``) are handed to the reference walker in `_json`: mismatches, their order, paths
and messages are the same as `compare_json` gives.

>>> from polycontract.matching._select import compile_rules
>>> plan = compile_plan({"id": 1, "tags": ["a"]}, compile_rules(None), lenient=False)
>>> [m.path for m in plan.compare({"id": 2, "tags": ["a"]}, path="$.body")]
['$.body.id']
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import eq
from typing import Any, TypeAlias

from polycontract._paths import child_path
from polycontract.matching._fast import accept_for, text_test_for, types_for
from polycontract.matching._json import _only_equality, compare_json
from polycontract.matching._matchers import TYPE_LIKE, check, check_size, describe, json_type
from polycontract.matching._select import Cursor, Selected
from polycontract.model import Matcher, Mismatch

__all__ = ["JsonPlan", "compile_plan"]

#: Where a value sits: the rendered root, or (parent, key) pairs rendered when a mismatch needs it.
Where: TypeAlias = "str | tuple[Where, str | int | None]"
#: A compiled node: (actual value, parent, key, mismatches found so far) -> None.
Run: TypeAlias = Callable[[Any, Any, Any, list[Mismatch]], None]

_MISSING = object()
_EQUALITY = Matcher(match="equality")
_CONTAINER_MATCHERS = frozenset({"values", "eachKey", "eachValue", "arrayContains"})
_NONE = type(None)
#: Exact types, and the value they must equal, for which `equal` has nothing to report.
_EQUAL_TYPES: dict[type, tuple[type, ...]] = {
    str: (str,),
    int: (int, float),
    float: (int, float),
    bool: (bool,),
    _NONE: (_NONE,),
}
#: The inline test of a leaf: an actual value whose exact type is one of ``types`` (and that passes
#: ``test``, when there is one) certainly matches, so the loop need not call the leaf's node.
Quick: TypeAlias = tuple[tuple[type, ...], "Callable[[Any], object] | None"]
#: A field or item: (key, node, types, test).
Child: TypeAlias = tuple[Any, Run, tuple[type, ...], "Callable[[Any], object] | None"]
#: Fields of an object known to be a dict: (actual dict, the object's own place, mismatches).
Fields: TypeAlias = Callable[[Any, Any, list[Mismatch]], None]


def render(parent: Any, key: str | int | None) -> str:
    """The path expression of the value at ``key`` under ``parent`` (a `Where`)."""
    base = render(parent[0], parent[1]) if type(parent) is tuple else parent
    return base if key is None else child_path(base, key)


class JsonPlan:
    """A compiled expected JSON value; `compare` gives the mismatches `compare_json` would."""

    __slots__ = ("_run",)

    def __init__(self, run: Run) -> None:
        self._run = run

    def compare(self, actual: Any, *, path: str) -> list[Mismatch]:
        """All mismatches of ``actual``; ``path`` is the rendered root (``$.body``)."""
        out: list[Mismatch] = []
        self._run(actual, path, None, out)
        return out


def compile_plan(expected: Any, cursor: Cursor, *, lenient: bool, kind: str = "body") -> JsonPlan:
    """Compile ``expected`` with the rules of ``cursor``; ``lenient`` allows unexpected object keys."""
    return JsonPlan(_Compiler(kind, lenient).node(expected, cursor))


class _Compiler:
    __slots__ = ("kind", "lenient", "quick")

    def __init__(self, kind: str, lenient: bool) -> None:
        self.kind = kind
        self.lenient = lenient
        self.quick: dict[Run, Quick] = {}  # leaf node -> its inline test

    def node(self, exp: Any, cur: Cursor) -> Run:
        sel = cur.best
        if sel is not None and not _only_equality(sel.rule_set):
            return self.with_rules(exp, cur, sel)
        return self.plain(exp, self.children(exp, cur))

    def child(self, key: Any, exp: Any, cur: Cursor) -> Child:
        node = self.node(exp, cur.descend(key))
        return (key, node, *self.quick.get(node, ((), None)))

    def children(self, exp: Any, cur: Cursor) -> list[Child]:
        """The fields or items of a container; nothing for a scalar."""
        if isinstance(exp, dict):
            return [self.child(key, e, cur) for key, e in exp.items()]
        if isinstance(exp, list):
            return [self.child(i, e, cur) for i, e in enumerate(exp)]
        return []

    def mismatch(self, where: str, exp: Any, act: Any, message: str) -> Mismatch:
        return Mismatch(kind=self.kind, path=where, expected=exp, actual=act, message=message)

    # -- without rules -------------------------------------------------------------------------
    def plain(self, exp: Any, children: list[Child]) -> Run:
        if isinstance(exp, dict):
            return self.plain_object(exp, self.fields(exp, children, allow_extra=self.lenient))
        if isinstance(exp, list):
            return self.plain_array(exp, children)
        return self.equal(exp)

    def plain_object(self, exp: dict[str, Any], fields: Fields) -> Run:
        mismatch = self.mismatch

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            if type(act) is dict or isinstance(act, dict):
                fields(act, (parent, key), out)
            else:
                message = f"Expected an object {describe(exp)} but received {describe(act)}"
                out.append(mismatch(render(parent, key), exp, act, message))

        return run

    def plain_array(self, exp: list[Any], items: list[Child]) -> Run:
        mismatch, size = self.mismatch, len(exp)

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            if not (type(act) is list or isinstance(act, list)):
                message = f"Expected a list {describe(exp)} but received {describe(act)}"
                out.append(mismatch(render(parent, key), exp, act, message))
                return
            here = (parent, key)
            if len(act) != size:
                message = f"Expected a list of {size} item(s) but received {len(act)}: {describe(act)}"
                out.append(mismatch(render(parent, key), exp, act, message))
            for (i, node, types, test), a in zip(items, act):
                if not (type(a) in types and (test is None or test(a))):
                    node(a, here, i, out)

        return run

    def fields(self, exp: dict[str, Any], children: list[Child], *, allow_extra: bool) -> Fields:
        """The fields of an object known to be a dict, in the order of the expected ones."""
        mismatch, size = self.mismatch, len(children)

        def run(act: Any, here: Any, out: list[Mismatch]) -> None:
            get, missing = act.get, 0
            for key, node, types, test in children:
                a = get(key, _MISSING)
                if type(a) in types and (test is None or test(a)):
                    continue
                if a is _MISSING:
                    missing += 1
                    message = f"Expected key {key!r} with value {describe(exp[key])} but it was missing"
                    out.append(mismatch(render(here, key), exp[key], None, message))
                else:
                    node(a, here, key, out)
            if not allow_extra and len(act) > size - missing:
                for key in act.keys() - exp.keys():
                    message = f"Unexpected key {key!r} with value {describe(act[key])}"
                    out.append(mismatch(render(here, key), None, act[key], message))

        return run

    def equal(self, exp: Any) -> Run:
        """Equality of a scalar (JSON equality, by `check`); equal values are let through inline."""
        mismatch = self.mismatch

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            failure = check(_EQUALITY, exp, act)
            if failure:
                out.append(mismatch(render(parent, key), exp, act, failure))

        types = _EQUAL_TYPES.get(type(exp))
        if types is not None:
            self.quick[run] = (types, partial(eq, exp))
        return run

    # -- with rules ----------------------------------------------------------------------------
    def with_rules(self, exp: Any, cur: Cursor, sel: Selected) -> Run:
        scalar = self.scalar(exp, sel)
        if not isinstance(exp, (dict, list)):
            return scalar
        return self.container(exp, cur, sel, scalar)

    def scalar(self, exp: Any, sel: Selected) -> Run:
        """The matchers of the rule applied to the value itself (AND or OR)."""
        rules, mismatch = sel.rule_set, self.mismatch
        matchers = [m for m in rules.matchers if not (sel.cascaded and m.match in _CONTAINER_MATCHERS)]
        if len(matchers) == 1:
            return self.one_matcher(exp, matchers[0])
        tests = [(m, accept_for(m, exp)) for m in matchers]
        any_of = rules.combine == "OR"

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            failures: list[str] = []
            for matcher, accept in tests:
                failure = None if accept is not None and accept(act) else check(matcher, exp, act)
                if failure is None and any_of:
                    return
                if failure:
                    failures.append(failure)
            for failure in failures:
                out.append(mismatch(render(parent, key), exp, act, failure))

        return run

    def one_matcher(self, exp: Any, matcher: Matcher) -> Run:
        """A single matcher: its quick test first where there is one, `check` otherwise."""
        mismatch = self.mismatch

        def slow(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            failure = check(matcher, exp, act)
            if failure:
                out.append(mismatch(render(parent, key), exp, act, failure))

        types = types_for(matcher, exp)
        if types is not None:

            def run_types(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
                if type(act) not in types:
                    slow(act, parent, key, out)

            self.quick[run_types] = (types, None)
            return run_types
        test = text_test_for(matcher)
        if test is not None:

            def run_text(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
                if type(act) is not str or not test(act):
                    slow(act, parent, key, out)

            self.quick[run_text] = ((str,), test)
            return run_text
        accept = accept_for(matcher, exp)
        if accept is None:
            return slow

        def run_one(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            if not accept(act):
                slow(act, parent, key, out)

        return run_one

    def container(self, exp: dict[str, Any] | list[Any], cur: Cursor, sel: Selected, scalar: Run) -> Run:
        """The rule's own matchers on a container, then its structure; `scalar` for other actual values."""
        cascaded, mismatch = sel.cascaded, self.mismatch
        own = [m for m in sel.rule_set.matchers if not cascaded or m.match in TYPE_LIKE or m.match == "equality"]
        if any(m.match in _CONTAINER_MATCHERS for m in own):
            return self.walker(exp, cur)
        children = self.children(exp, cur)
        exp_is_dict = isinstance(exp, dict)
        if isinstance(exp, dict):
            structure = self.fields(exp, children, allow_extra=True)
        else:
            structure = self.items(exp, cur, children)
        # Type-like matchers without a size only stop at a container of the other kind, with the first one's message.
        plain_types = all(m.match in TYPE_LIKE and (cascaded or not m.params.keys() & {"min", "max"}) for m in own)
        first = own[0] if own and plain_types else None
        steps = None if plain_types else self.steps(exp, own, cascaded, children)
        type_error = self.type_error

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            if type(act) is dict or isinstance(act, dict):
                is_dict = True
            elif type(act) is list or isinstance(act, list):
                is_dict = False
            else:
                scalar(act, parent, key, out)
                return
            if steps is not None:
                if steps(act, is_dict, parent, key, out):
                    return
            elif first is not None and is_dict is not exp_is_dict:
                out.append(mismatch(render(parent, key), exp, act, check(first, exp, act) or "type mismatch"))
                return
            if is_dict is exp_is_dict:
                structure(act, (parent, key), out)
            else:
                type_error(exp, act, parent, key, out)

        return run

    def steps(
        self, exp: Any, own: list[Matcher], cascaded: bool, children: list[Child]
    ) -> Callable[[Any, bool, Any, Any, list[Mismatch]], bool]:
        """The rule's own matchers on a container, in order; True when the comparison stops there."""
        mismatch, exp_is_dict = self.mismatch, isinstance(exp, dict)
        steps: list[tuple[Matcher, bool, Run | None]] = []  # (matcher, type-like, plain comparison)
        for m in own:
            if m.match == "equality":
                steps.append((m, False, self.plain(exp, children)))
                break
            steps.append((m, m.match in TYPE_LIKE, None))

        def run(act: Any, is_dict: bool, parent: Any, key: Any, out: list[Mismatch]) -> bool:
            for matcher, type_like, plain in steps:
                if type_like:
                    if is_dict is not exp_is_dict:
                        message = check(matcher, exp, act) or "type mismatch"
                        out.append(mismatch(render(parent, key), exp, act, message))
                        return True
                    failure = None if cascaded else check_size(matcher.params, act)
                elif plain is not None:
                    plain(act, parent, key, out)
                    return True
                else:
                    failure = check(matcher, exp, act)
                if failure:
                    out.append(mismatch(render(parent, key), exp, act, failure))
            return False

        return run

    def type_error(self, exp: Any, act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
        message = (
            f"Expected {describe(act)} ({json_type(act)}) to be the same type as {describe(exp)} ({json_type(exp)})"
        )
        out.append(self.mismatch(render(parent, key), exp, act, message))

    def items(self, exp: list[Any], cur: Cursor, items: list[Child]) -> Fields:
        """Every actual item against the expected one at its index, or the first one beyond the end."""
        size = len(exp)
        extra = _Extra(self, exp[0], cur, size) if exp else None

        def run(act: Any, here: Any, out: list[Mismatch]) -> None:
            if extra is None:
                return
            for (i, node, types, test), a in zip(items, act):
                if not (type(a) in types and (test is None or test(a))):
                    node(a, here, i, out)
            for i in range(size, len(act)):
                a = act[i]
                _, node, types, test = extra.child(i)
                if not (type(a) in types and (test is None or test(a))):
                    node(a, here, i, out)

        return run

    def walker(self, exp: Any, cur: Cursor) -> Run:
        """Defer to the reference walker (container matchers that need the whole actual value)."""
        kind, lenient = self.kind, self.lenient

        def run(act: Any, parent: Any, key: Any, out: list[Mismatch]) -> None:
            out.extend(compare_json(exp, act, cur, path=render(parent, key), allow_extra_keys=lenient, kind=kind))

        return run


class _Extra:
    """Nodes for actual items beyond the expected ones, compiled when first needed.

    Rules may name single indices (``$.items[3].id``); from the first index that no rule names on,
    every item selects the same rules, so one node serves them all and the memo stays small.
    """

    __slots__ = ("compiler", "cur", "first", "memo", "tail")

    def __init__(self, compiler: _Compiler, first: Any, cur: Cursor, start: int) -> None:
        self.compiler, self.first, self.cur = compiler, first, cur
        named = [_index(k) for node, _ in cur.active for k in node.children]
        self.tail = max([start, *(i + 1 for i in named if i is not None)])
        self.memo: dict[int, Child] = {}

    def child(self, index: int) -> Child:
        at = min(index, self.tail)
        found = self.memo.get(at)
        if found is None:
            found = self.memo[at] = self.compiler.child(at, self.first, self.cur)
        return found


def _index(key: str | int) -> int | None:
    if isinstance(key, int):
        return key
    return int(key) if key.isdecimal() else None

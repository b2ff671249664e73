"""The machinery behind `polycontract.match`: matcher values and compiling a template of them.

Internal interface of the core: `polycontract.pact` builds examples with `walk` as `match.compile` does;
not part of the public API.

A matcher is a `MatchingValue`; `compile` walks a template of plain values and matchers once and
collects the example, the rules by path and the generators by path; `example_of` gives the example
alone; `node` builds one matcher value. The checks of matcher arguments are in `polycontract._match_args`.
Users import all of this from `polycontract.match`.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal

from polycontract.errors import UsageError
from polycontract.model import Generator, Matcher, RuleSet, from_fields

__all__ = [
    "Compiled",
    "MatchingValue",
    "compile",
    "example_of",
    "matching_value",
    "node",
    "snapshot",
    "walk",
]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, kw_only=True)
class MatchingValue:
    """An example value together with the matching rules (and maybe a generator) that apply where it sits.

    Build one with the functions of `polycontract.match`, never directly. ``value`` is the template (plain
    values and nested matchers); ``shape`` says how `compile` walks it: ``node`` into its children,
    ``each`` into one element at ``[*]`` repeated ``count`` times, ``wildcard`` into every child at
    ``.*``/``[*]``, ``leaf`` not at all (its rules already hold everything).

    >>> from polycontract import match
    >>> match.integer(3).example, match.integer(3).rule_set.matchers[0].to_json()
    (3, {'match': 'integer'})
    """

    matchers: tuple[Matcher, ...]
    value: Any = None
    combine: Literal["AND", "OR"] = "AND"
    generator: Generator | None = None
    shape: Literal["node", "each", "wildcard", "leaf"] = "node"
    count: int = 1

    @property
    def example(self) -> Any:
        """The example value with every nested matcher replaced by its example (a fresh copy each time)."""
        return example_of(self)

    #: The `rule_set` once built: not a field (eq, repr and replace ignore it), set on the instance.
    _rule_set: ClassVar[RuleSet | None] = None

    @property
    def rule_set(self) -> RuleSet:
        """The rules at this matcher's own path (built once: `compile` asks for it at every use)."""
        found = self._rule_set
        if found is None:
            found = RuleSet(matchers=self.matchers, combine=self.combine)
            object.__setattr__(self, "_rule_set", found)  # a cache, not a field: eq, repr and replace ignore it
        return found


def matching_value(
    matchers: tuple[Matcher, ...],
    value: Any,
    generator: Generator | None,
    shape: Literal["node", "each", "wildcard", "leaf"],
    count: int,
    rule_set: RuleSet | None,
) -> MatchingValue:
    """``MatchingValue(matchers=..., value=..., generator=..., shape=..., count=...)`` with its `rule_set` known.

    Built with its attributes in one dict rather than by the frozen ``__init__`` (one ``object.__setattr__``
    per field, half the cost of declaring a matcher); equal to what ``__init__`` builds.
    """
    fields = {"matchers": matchers, "value": value, "combine": "AND", "generator": generator, "shape": shape}
    fields["count"], fields["_rule_set"] = count, rule_set
    return from_fields(MatchingValue, fields)


@dataclass(frozen=True, kw_only=True)
class Compiled:
    """What `compile` returns: the plain example, the rules by path and the generators by path."""

    example: Any
    rules: dict[str, RuleSet] = field(default_factory=dict)
    generators: dict[str, Generator] = field(default_factory=dict)

    def rules_json(self) -> dict[str, dict[str, Any]]:
        """The rules as a V3/V4 ``matchingRules`` category: path -> ``{"combine", "matchers"}``."""
        return {path: _rule_set_json(rs) for path, rs in self.rules.items()}

    def generators_json(self) -> dict[str, dict[str, Any]]:
        """The generators as a V3/V4 ``generators`` category: path -> ``{"type", ...}``."""
        return {path: gen.to_json() for path, gen in self.generators.items()}


def _rule_set_json(rs: RuleSet) -> dict[str, Any]:
    return {"combine": rs.combine, "matchers": [m.to_json() for m in rs.matchers]}


def compile(value: Any, *, root: str = "$") -> Compiled:
    """Walk ``value`` once and collect its example, rules and generators, with paths rooted at ``root``.

    Object keys become ``.name`` (or ``['odd name']``), list items ``[i]``; `each_like` puts its
    rule on the array and its element's rules under ``[*]``.

    >>> from polycontract import match
    >>> compile({"a b": [match.like(1)]}).rules_json()
    {"$['a b'][0]": {'combine': 'AND', 'matchers': [{'match': 'type'}]}}
    """
    rules: dict[str, RuleSet] = {}
    generators: dict[str, Generator] = {}
    example = _walk(value, root, rules, generators)
    return from_fields(Compiled, {"example": example, "rules": rules, "generators": generators})


def example_of(value: Any) -> Any:
    """The plain example of any structure of values and matchers.

    >>> from polycontract import match
    >>> example_of({"ids": match.each_like(match.integer(5), min=2)})
    {'ids': [5, 5]}
    """
    return _walk(value, "$", None, None)


def _add(rules: dict[str, RuleSet], generators: dict[str, Generator], path: str, mv: MatchingValue) -> None:
    """Record the rule set and generator of ``mv`` at ``path``; two different ones at one path are an error."""
    rs = mv._rule_set
    if rs is None:
        rs = mv.rule_set
    existing = rules.setdefault(path, rs)
    if existing is not rs and existing != rs:
        _conflict(path, existing, rs)
    generator = mv.generator
    if generator is not None:
        found = generators.setdefault(path, generator)
        if found is not generator and found != generator:
            raise UsageError(f"path={path!r} gets two different generators")


def _conflict(path: str, first: RuleSet, second: RuleSet) -> None:
    raise UsageError(f"path={path!r} gets two different rule sets, {_rule_set_json(first)} and "
                     f"{_rule_set_json(second)}; give the entries under a wildcard the same matchers")  # fmt: skip


#: Child paths by parent path and key (``$`` + ``id`` -> ``$.id``): bodies of one shape share their paths.
_CHILDREN: dict[str, dict[str, str]] = {}
_CHILDREN_SIZE = 4096
_children_count = [0]


def _child(path: str, key: str) -> str:
    """The path of ``key`` under ``path``: ``.key`` for an identifier, else ``['key']`` (``\\`` and ``'`` escaped)."""
    known = _CHILDREN.get(path)
    if known is not None:
        found = known.get(key)
        if found is not None:
            return found
    if _IDENT.fullmatch(key):
        made = f"{path}.{key}"
    else:
        escaped = key.replace("\\", "\\\\").replace("'", "\\'")
        made = f"{path}['{escaped}']"
    if _children_count[0] < _CHILDREN_SIZE and type(path) is str and type(key) is str:
        _CHILDREN.setdefault(path, {})[key] = made
        _children_count[0] += 1
    return made


_SCALARS = frozenset({str, int, bool, type(None)})
_isfinite = math.isfinite


def _walk(value: Any, path: str, rules: dict[str, RuleSet] | None, gens: dict[str, Generator] | None) -> Any:
    """The example of ``value`` at ``path``, its rules and generators added to ``rules`` and ``gens`` by path.

    ``rules is None``: the example alone (`example_of`); otherwise ``gens`` is a dict too. Exact types first,
    and scalars without a call: this runs for every value of every declared body.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        result: dict[str, Any] = {}
        children = _CHILDREN.get(path)
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise UsageError(f"key={key!r} at path={path!r} is not a str; JSON object keys are strings")
            kind = type(item)
            if kind in _SCALARS or (kind is float and _isfinite(item)):  # what `_plain` would give
                result[key] = item
                continue
            child = None if children is None else children.get(key)
            if child is None:
                child = _child(path, key)
            if (
                kind is MatchingValue
                and item.shape == "node"
                and ((leaf := type(item.value)) in _SCALARS or (leaf is float and _isfinite(item.value)))
            ):
                if rules is not None:  # a matcher over a plain example, the usual leaf: no call to walk it
                    _add(rules, gens, child, item)  # type: ignore[arg-type]
                result[key] = item.value
            elif kind is MatchingValue and item.shape == "each" and item.count == 1 and type(item.value) in _SCALARS:
                if rules is not None:  # `each_like` of a plain example: its rule, one element
                    _add(rules, gens, child, item)  # type: ignore[arg-type]
                result[key] = [item.value]
            else:
                result[key] = _walk(item, child, rules, gens)
        return result
    if kind is MatchingValue or isinstance(value, MatchingValue):
        if rules is not None:
            _add(rules, gens, path, value)  # type: ignore[arg-type]
        inner = value.value
        shape = value.shape
        if shape == "node" and type(inner) in _SCALARS:
            return inner
        if shape == "each":
            first = inner if type(inner) in _SCALARS else _walk(inner, f"{path}[*]", rules, gens)
            if value.count == 1:
                return [first]
            return [first] + [copy.deepcopy(first) for _ in range(value.count - 1)]
        if shape == "wildcard":
            if isinstance(inner, Mapping):
                return {k: _walk(v, f"{path}.*", rules, gens) for k, v in inner.items()}
            return [_walk(v, f"{path}[*]", rules, gens) for v in inner]
        if shape == "leaf":
            return inner if isinstance(inner, bytes) else _walk(inner, path, None, None)
        return _walk(inner, path, rules, gens)
    if isinstance(value, Mapping):
        return _walk(dict(value.items()), path, rules, gens)
    if isinstance(value, (list, tuple)):
        return [_walk(item, f"{path}[{i}]", rules, gens) for i, item in enumerate(value)]
    return _plain(value, f"value at path={path!r}")


#: ``walk(value, "$", rules, generators)``: what `compile` does, without its result object. It fills the two dicts
#: (rules and generators by path) and returns the example; for the DSL, which keeps the dicts of each body.
walk = _walk


def _plain(value: Any, name: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (float, Decimal)) and math.isfinite(value):
        return float(value)
    raise UsageError(f"{name}: {value!r} is not a JSON value (use dict, list, str, int, float, bool or None)")


#: Values `snapshot` keeps as they are (exact types): no copy, no check, no name for an error.
_KEPT = frozenset({str, int, bool, type(None), MatchingValue})


def snapshot(value: Any, name: str) -> Any:
    """A private copy of a user's template, checked to be JSON; matchers inside are kept as they are."""
    if type(value) in _KEPT or isinstance(value, MatchingValue):
        return value
    if type(value) is dict:  # the usual template: str keys, plain values and matchers, copied in one pass
        copied = {}
        for k, v in value.items():
            if type(k) is not str or type(v) not in _KEPT:
                break  # anything else takes the general path below, which checks every key first
            copied[k] = v
        else:
            return copied
    if isinstance(value, Mapping):
        if bad := [k for k in value if not isinstance(k, str)]:
            raise UsageError(f"{name}: key={bad[0]!r} is not a str; JSON object keys are strings")
        return {k: v if type(v) in _KEPT else snapshot(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [snapshot(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return _plain(value, name)


#: Matchers and their one-matcher rule sets by rule and parameters (frozen model objects: safe to share).
_BARE: dict[tuple[str, tuple[tuple[str, type, Any], ...]], tuple[tuple[Matcher], RuleSet]] = {}
_BARE_SIZE = 4096


def node(
    rule: str,
    value: Any = None,
    params: Mapping[str, Any] | None = None,
    *,
    generator: Generator | None = None,
    shape: Literal["node", "wildcard", "leaf"] = "node",
) -> MatchingValue:
    """One matcher over ``value``; a matcher given as the value is merged in (both rules apply)."""
    # One shared, immutable matcher and rule set per rule and parameters (``integer``, ``regex`` with a
    # pattern, ``datetime`` with a format...), not one per use: declaring and matching allocate less.
    key = (rule, tuple([(k, type(v), v) for k, v in params.items()]) if params else ())  # 1, 1.0, True differ
    shared = True
    try:
        bare = _BARE.get(key)
    except TypeError:  # a parameter that cannot be a key (a list): this matcher is not shared
        bare, shared = None, False
    if bare is None and shared:
        matchers = (Matcher(match=rule, params=dict(params or {})),)
        bare = (matchers, RuleSet(matchers=matchers))
        if len(_BARE) < _BARE_SIZE:
            bare = _BARE.setdefault(key, bare)
    own = bare[0][0] if bare is not None else Matcher(match=rule, params=dict(params or {}))
    if isinstance(value, MatchingValue):
        if value.combine == "OR" and len(value.matchers) > 1:
            raise UsageError(f"{rule}: example is an any_of() matcher; combine them with all_of() instead")
        return replace(value, matchers=(own, *value.matchers), generator=value.generator or generator)
    if bare is None:
        result = matching_value((own,), value, generator, shape, 1, None)
    else:  # the `rule_set` cache is shared like the matcher
        result = matching_value(bare[0], value, generator, shape, 1, bare[1])
    if shape == "wildcard":
        compile(result)  # entries under ".*" must agree on their rules: say so now, not at pact-writing time
    return result

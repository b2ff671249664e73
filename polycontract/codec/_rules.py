"""Reading and writing matching rules and generators in the V2 flat and V3/V4 category layouts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from polycontract._paths import PathSyntaxError, parse_path
from polycontract._regex import compile_pact_regex
from polycontract.codec._where import Where
from polycontract.model import Generator, Generators, Matcher, MatchingRules, RuleSet

#: Every matcher type the reader accepts, with the Pact version that introduced it.
MATCHER_TYPES: dict[str, str] = {
    "equality": "V3",
    "regex": "V2",
    "type": "V2",
    "min": "V2",
    "max": "V2",
    "minType": "V2",
    "maxType": "V2",
    "include": "V3",
    "integer": "V3",
    "decimal": "V3",
    "real": "V3",
    "number": "V3",
    "timestamp": "V3",
    "datetime": "V3",
    "date": "V3",
    "time": "V3",
    "null": "V3",
    "boolean": "V3",
    "contentType": "V3",
    "content-type": "V3",
    "values": "V3",
    "arrayContains": "V4",
    "eachKey": "V4",
    "eachValue": "V4",
    "notEmpty": "V4",
    "semver": "V4",
    "statusCode": "V4",
}

GENERATOR_TYPES: dict[str, str] = {
    "RandomInt": "V3",
    "RandomDecimal": "V3",
    "RandomHexadecimal": "V3",
    "RandomString": "V3",
    "Regex": "V3",
    "Uuid": "V3",
    "Date": "V3",
    "Time": "V3",
    "DateTime": "V3",
    "RandomBoolean": "V3",
    "ProviderState": "V4",
    "MockServerURL": "V4",
}

#: Categories whose rules are keyed by a path expression rooted at the body.
PATH_KEYED = frozenset({"body", "content"})
#: Categories that hold a single rule set with no inner key.
SINGLE = frozenset({"path", "status"})
CATEGORIES = frozenset({"path", "query", "header", "body", "status", "metadata", "content"})


def parse_matcher(data: Any, where: Where) -> Matcher:
    """One matcher object; infers ``match`` from its keys when absent (``{"min": 1}`` is a type rule)."""
    if not isinstance(data, Mapping):
        where.fail("a matcher must be an object", expected='{"match": ...}')
    params = {k: v for k, v in data.items() if k != "match"}
    kind = data.get("match")
    if kind is None:
        kind = _infer_kind(data, where)
    if not isinstance(kind, str) or kind not in MATCHER_TYPES:
        where.at("match").fail(f"unknown matcher type {kind!r}", expected="one of " + ", ".join(sorted(MATCHER_TYPES)))
    if kind == "regex" or "regex" in params:
        pattern = params.get("regex")
        if not isinstance(pattern, str):
            where.at("regex").fail("regex matcher without a pattern", expected="a regular expression string")
        try:
            compile_pact_regex(pattern)
        except re.error as exc:
            where.at("regex").fail(f"bad regular expression {pattern!r}: {exc}", expected="a valid regex")
    for bound in ("min", "max"):
        if bound in params and (not isinstance(params[bound], int) or isinstance(params[bound], bool)):
            where.at(bound).fail(f"{bound}={params[bound]!r} is not an integer", expected="an integer")
    if kind in ("eachKey", "eachValue"):
        for i, inner in enumerate(params.get("rules") or []):
            parse_matcher(inner, where.at("rules").at(i))
    if kind == "arrayContains":
        variants = params.get("variants")
        if not isinstance(variants, list):
            where.at("variants").fail("arrayContains without variants", expected="a list of variants")
        for i, variant in enumerate(variants):
            vw = where.at("variants").at(i)
            if not isinstance(variant, Mapping) or not isinstance(variant.get("index"), int):
                vw.fail("a variant needs an integer 'index'", expected='{"index": 0, "rules": {...}}')
            parse_rule_category("body", variant.get("rules") or {}, vw.at("rules"))
    return Matcher(match=kind, params=params)


def _infer_kind(data: Mapping[str, Any], where: Where) -> str:
    if "regex" in data:
        return "regex"
    if "min" in data or "max" in data:
        return "type"
    for key in ("timestamp", "datetime", "date", "time"):
        if key in data:
            return key
    where.fail("matcher has no 'match' and its kind cannot be inferred", expected='a "match" key')
    raise AssertionError  # unreachable


def parse_rule_set(data: Any, where: Where) -> RuleSet:
    """``{"matchers": [...], "combine": "AND"}``; a bare matcher object is accepted too."""
    if isinstance(data, Mapping) and "matchers" in data:
        matchers = data["matchers"]
        if not isinstance(matchers, list):
            where.at("matchers").fail("matchers must be a list", expected="a list of matcher objects")
        combine = data.get("combine", "AND")
        if combine not in ("AND", "OR"):
            where.at("combine").fail(f"combine={combine!r}", expected="'AND' or 'OR'")
        return RuleSet(
            matchers=tuple(parse_matcher(m, where.at("matchers").at(i)) for i, m in enumerate(matchers)),
            combine=combine,
        )
    return RuleSet(matchers=(parse_matcher(data, where),))


def parse_rule_category(category: str, data: Any, where: Where) -> dict[str, RuleSet]:
    """The rules of one V3/V4 category."""
    if category in SINGLE and isinstance(data, Mapping) and ("matchers" in data or "match" in data):
        return {"": parse_rule_set(data, where)}
    if not isinstance(data, Mapping):
        where.fail(f"rules of category {category!r} must be an object", expected="an object keyed by name or path")
    out: dict[str, RuleSet] = {}
    paths = category in PATH_KEYED
    for key, value in data.items():
        if paths or (category in SINGLE and key.startswith("$")):
            try:
                parse_path(key)  # cached by expression; the location is built only for an error
            except PathSyntaxError:
                check_path(key, where.at(key))
        out[key] = _read_rule_set(value, where, key)
    return out


#: Rule sets already read, by `_rule_set_key`: a pact repeats the same few rules in interaction after interaction.
_RULE_SETS: dict[tuple[Any, ...], RuleSet] = {}
_RULE_SETS_LIMIT = 4096
#: Parameter types a cached rule set may hold; the type is part of the key (``1 == True``). Floats are left
#: out (``0.0 == -0.0`` but they are written differently).
_SCALARS = frozenset({str, int, bool, type(None)})


def _rule_set_key(data: Any) -> tuple[Any, ...] | None:
    """A key naming ``data`` (a rule set of flat matchers) by value and type, or None when it is not that simple."""
    if type(data) is not dict:
        return None
    if "matchers" in data:
        matchers = data["matchers"]
        combine = data.get("combine", "AND")
        if type(matchers) is not list or type(combine) is not str:
            return None
        key: list[Any] = [combine]
    else:
        matchers = [data]
        key = [None]
    for matcher in matchers:
        if type(matcher) is not dict:
            return None
        key.append(len(matcher))  # then that many (name, type, value)
        for name, value in matcher.items():
            kind = type(value)
            if kind not in _SCALARS:
                return None
            key += (name, kind, value)
    return tuple(key)


def _read_rule_set(data: Any, where: Where, key: str) -> RuleSet:
    """The rule set under ``key``: one read before from equal ``data``, else read now (and kept if simple)."""
    name = _rule_set_key(data)
    if name is not None:
        known = _RULE_SETS.get(name)
        if known is not None:
            return known
    rule_set = parse_rule_set(data, where.at(key))  # raises for a bad rule set, which is then never kept
    if name is not None:
        if len(_RULE_SETS) >= _RULE_SETS_LIMIT:
            _RULE_SETS.clear()
        _RULE_SETS[name] = rule_set
    return rule_set


def check_path(expression: str, where: Where) -> None:
    """Fail with a `PactFormatError` when a path expression does not parse."""
    try:
        parse_path(expression)
    except PathSyntaxError as exc:
        where.fail(str(exc), expected="a path like $.a.b[0] or $['a b'][*]")


def parse_matching_rules(data: Any, where: Where, *, message: bool = False) -> dict[str, dict[str, RuleSet]]:
    """Matching rules of a request, response or message in either layout.

    The V2 flat layout (``"$.body.a": {...}``) is upgraded to categories. For messages the V4
    ``content`` category is read as ``body``.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        where.fail("matchingRules must be an object", expected="an object")
    if any(isinstance(k, str) and k.startswith("$") for k in data):
        return _parse_v2_rules(data, where, message=message)
    out: dict[str, dict[str, RuleSet]] = {}
    for category, rules in data.items():
        if category not in CATEGORIES:
            where.at(category).fail(
                f"unknown matching rule category {category!r}", expected="one of " + ", ".join(sorted(CATEGORIES))
            )
        target = "body" if category == "content" else category
        parsed = parse_rule_category(category, rules, where.at(category))
        if parsed:
            out.setdefault(target, {}).update(parsed)
    return out


def _parse_v2_rules(data: Mapping[str, Any], where: Where, *, message: bool) -> dict[str, dict[str, RuleSet]]:
    out: dict[str, dict[str, RuleSet]] = {}
    for key, value in data.items():
        w = where.at(key)
        rule_set = RuleSet(matchers=(parse_matcher(value, w),))
        if key == "$.path":
            out.setdefault("path", {})[""] = rule_set
            continue
        for prefix, category in (("$.headers", "header"), ("$.header", "header"), ("$.query", "query")):
            if key.startswith(prefix + "["):
                # The bracket form the Pact FFI writes for names that are not plain identifiers:
                # ``$.headers['Content-Type']``, ``$.query['a b']`` (pact_models `DocPath::push_field`).
                out.setdefault(category, {})[_bracketed_name(key, len(prefix), w)] = rule_set
                break
            if key.startswith(prefix + "."):
                name = key[len(prefix) + 1 :]
                if name.startswith("['") and name.endswith("']"):
                    name = name[2:-2]
                out.setdefault(category, {})[name] = rule_set
                break
        else:
            if key == "$.body" or key.startswith(("$.body.", "$.body[")):
                path = "$" + key[len("$.body") :]
            elif message:
                path = key
            else:
                w.fail("a V2 rule path must start with $.body, $.header(s), $.query or $.path", expected="$.body...")
            check_path(path, w)
            out.setdefault("body", {})[path] = rule_set
    return out


def _bracketed_name(key: str, start: int, where: Where) -> str:
    """The one quoted name of ``$.headers['X-Name']`` (the bracket starting at ``key[start]``)."""
    try:
        tokens = parse_path("$" + key[start:])
    except PathSyntaxError as exc:
        where.fail(str(exc), expected="$.headers['Name'] or $.query['name']")
    if len(tokens) != 1 or not isinstance(tokens[0], str):
        where.fail("a header or query rule names one field", expected="$.headers['Name'] or $.query['name']")
    return tokens[0]


#: Characters of a field name pact_models' path parser reads without brackets (rust/pact_models/src/path_exp.rs).
_PLAIN_FIELD = re.compile(r"[\w:#@-]+")


def _v2_field(prefix: str, name: str) -> str:
    """``$.headers.Accept`` for a plain name; ``$.query['a b']`` otherwise, as the Pact FFI writes it."""
    if _PLAIN_FIELD.fullmatch(name):
        return f"{prefix}.{name}"
    return f"{prefix}['{name}']"


def write_matching_rules(rules: MatchingRules, *, v2: bool = False, body_category: str = "body") -> dict[str, Any]:
    """Rules in the V3/V4 category layout (or the V2 flat layout when ``v2``)."""
    if v2:
        flat: dict[str, Any] = {}
        for category, entries in rules.items():
            for key, rule_set in entries.items():
                matcher = rule_set.matchers[0].to_json()
                if category == "body":
                    flat["$.body" + key[1:]] = matcher
                elif category == "header":
                    flat[_v2_field("$.headers", key)] = matcher
                elif category == "query":
                    flat[_v2_field("$.query", key)] = matcher
                elif category == "path":
                    flat["$.path"] = matcher
        return flat
    out: dict[str, Any] = {}
    for category, entries in rules.items():
        name = body_category if category == "body" else category
        written = {key: write_rule_set(rs) for key, rs in entries.items()}
        out[name] = written[""] if category in SINGLE and set(written) == {""} else written
    return out


def write_rule_set(rule_set: RuleSet) -> dict[str, Any]:
    """One rule set as written in a pact file: ``{"matchers": [...], "combine": ...}``."""
    return {"matchers": [m.to_json() for m in rule_set.matchers], "combine": rule_set.combine}


def parse_generators(data: Any, where: Where, *, message: bool = False) -> dict[str, dict[str, Generator]]:
    """Generators by category; ``path`` and ``status`` hold one generator under the key ``""``."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        where.fail("generators must be an object", expected="an object keyed by category")
    out: dict[str, dict[str, Generator]] = {}
    for category, entries in data.items():
        cw = where.at(category)
        if category not in CATEGORIES:
            cw.fail(f"unknown generator category {category!r}", expected="one of " + ", ".join(sorted(CATEGORIES)))
        target = "body" if category == "content" and message else category
        if category in SINGLE and isinstance(entries, Mapping) and "type" in entries:
            out.setdefault(target, {})[""] = parse_generator(entries, cw)
            continue
        if not isinstance(entries, Mapping):
            cw.fail("generators of a category must be an object", expected="an object")
        for key, gen in entries.items():
            if category in PATH_KEYED:
                check_path(key, cw.at(key))
            out.setdefault(target, {})[key] = parse_generator(gen, cw.at(key))
    return out


def parse_generator(data: Any, where: Where) -> Generator:
    """One generator object such as ``{"type": "RandomInt", "min": 1}``."""
    if not isinstance(data, Mapping):
        where.fail("a generator must be an object", expected='{"type": ...}')
    kind = data.get("type")
    if kind not in GENERATOR_TYPES:
        where.at("type").fail(
            f"unknown generator type {kind!r}", expected="one of " + ", ".join(sorted(GENERATOR_TYPES))
        )
    return Generator(type=kind, params={k: v for k, v in data.items() if k != "type"})


def write_generators(generators: Generators, *, body_category: str = "body") -> dict[str, Any]:
    """Generators in the pact file layout."""
    out: dict[str, Any] = {}
    for category, entries in generators.items():
        name = body_category if category == "body" else category
        if category in SINGLE and set(entries) == {""}:
            out[name] = entries[""].to_json()
        else:
            out[name] = {key: gen.to_json() for key, gen in entries.items()}
    return out

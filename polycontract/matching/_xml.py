"""Comparing XML bodies: names by namespace URI and local name, attributes as a map, child
elements grouped by name, and text; parsed with defusedxml so hostile documents are refused.

Rule paths address elements by name (``$.animals.alligator``), attributes as ``['@name']``
(or ``.@name``) and text as ``['#text']`` (or ``.#text``). Index and wildcard tokens in element
positions are ignored when rules are selected, which reconciles the path styles different Pact
versions wrote.

As in the Pact reference (pact-reference ``rust/pact_matching/src/xml.rs``), attribute values and
text are strings whose value the rules judge: ``integer`` accepts ``"5"``, ``decimal`` and ``number``
accept any number written in decimal notation, ``boolean`` accepts ``"true"`` and ``"false"``.
A ``type`` rule with ``min``/``max`` declared on a child element (``$.catalog.item``) bounds how many
such elements there are; declared on the root element it bounds the root's children.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from polycontract._paths import STAR, child_path
from polycontract.matching._matchers import TYPE_LIKE, check, describe
from polycontract.matching._select import Cursor, Selected, compile_rules
from polycontract.model import Matcher, Mismatch, RuleSet

__all__ = ["compare_xml"]

# Signed, although the reference reads an unsigned integer (it fails its own pacts on "-5").
_INTEGER = re.compile(r"[-+]?[0-9]+")
# What the reference's floating-point parse accepts, so also INF and NaN (as XML Schema's double does).
_NUMBER = re.compile(r"[-+]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Node:
    name: str  # local name, shown in paths
    qname: tuple[str, str]  # (namespace URI, local name)
    attributes: dict[tuple[str, str], str]
    children: tuple[_Node, ...]
    text: str


def _split_name(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def _convert(element: Element) -> _Node:
    text = "".join(t.strip() for t in [element.text or ""] + [c.tail or "" for c in element])
    return _Node(
        name=_split_name(element.tag)[1],
        qname=_split_name(element.tag),
        attributes={_split_name(k): v for k, v in element.attrib.items() if not k.startswith("xmlns")},
        children=tuple(_convert(c) for c in element if isinstance(c.tag, str)),
        text=text,
    )


def _parse(text: Any) -> _Node:
    from defusedxml.ElementTree import fromstring

    data = text.encode("utf-8") if isinstance(text, str) else text
    return _convert(fromstring(data))


def _strip(rules: Mapping[str, RuleSet]) -> dict[str, RuleSet]:
    """Rules with index and wildcard tokens in element positions removed (see the module doc)."""
    from polycontract._paths import parse_path, render_path

    out: dict[str, RuleSet] = {}
    for expression, rule_set in rules.items():
        tokens = parse_path(expression)
        kept = tuple(
            t
            for i, t in enumerate(tokens)
            if not isinstance(t, int)
            and not (isinstance(t, str) and t.isdigit())
            and not (t is STAR and (i + 1 < len(tokens) or i == 0) and not _star_is_name(tokens, i))
        )
        out[render_path(kept)] = rule_set
    return out


def _star_is_name(tokens: tuple[Any, ...], i: int) -> bool:
    # `$.people.*['@id']`: a `.*` that stands for an element name is kept; a `[*]` after a name is an index.
    return (
        i > 0
        and isinstance(tokens[i - 1], str)
        and i + 1 < len(tokens)
        and isinstance(tokens[i + 1], str)
        and (tokens[i + 1].startswith("@") or tokens[i + 1] == "#text")
    )


def compare_xml(
    expected: Any, actual: Any, rules: Mapping[str, RuleSet], *, path: str, lenient: bool
) -> Iterator[Mismatch]:
    """Mismatches between two XML documents; ``lenient`` (responses) allows extra child elements."""
    try:
        exp = _parse(expected)
    except (ParseError, ValueError) as exc:
        yield Mismatch(
            kind="body", path=path, expected=expected, actual=actual, message=f"expected body is not valid XML: {exc}"
        )
        return
    try:
        act = _parse(actual)
    except (ParseError, ValueError) as exc:
        yield Mismatch(
            kind="body", path=path, expected=expected, actual=actual, message=f"body is not valid XML: {exc}"
        )
        return
    walker = _XmlWalker(lenient)
    root = compile_rules(_strip(rules))
    yield from walker.element(exp, act, path, root, is_root=True)


class _XmlWalker:
    __slots__ = ("lenient",)

    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient

    def element(
        self, exp: _Node, act: _Node, parent: str, parent_cur: Cursor, *, is_root: bool = False
    ) -> Iterator[Mismatch]:
        path = child_path(parent, exp.name)
        cur = parent_cur.descend(exp.name)
        if exp.qname != act.qname:
            yield _mm(
                path,
                _show(exp.qname),
                _show(act.qname),
                f"Expected element {_show(exp.qname)} but received {_show(act.qname)}",
            )
            return
        sel = cur.best
        yield from self.attributes(exp, act, path, cur)
        if is_root and sel is not None and not sel.cascaded:
            yield from _bounds(sel, len(act.children), path, f"<{exp.name}> to have", "child element(s) but it has")
        yield from self.children(exp, act, path, cur, sel)
        yield from self.text(exp, act, path, cur)

    def attributes(self, exp: _Node, act: _Node, path: str, cur: Cursor) -> Iterator[Mismatch]:
        for key, value in exp.attributes.items():
            name = "@" + key[1]
            apath = child_path(path, name)
            if key not in act.attributes:
                yield _mm(apath, value, None, f"Expected attribute {key[1]!r}={value!r} but it was missing")
                continue
            yield from _leaf(value, act.attributes[key], apath, cur.descend(name))
        if not self.lenient:
            for key in act.attributes.keys() - exp.attributes.keys():
                yield _mm(
                    child_path(path, "@" + key[1]),
                    None,
                    act.attributes[key],
                    f"Unexpected attribute {key[1]!r}={act.attributes[key]!r}",
                )

    def children(self, exp: _Node, act: _Node, path: str, cur: Cursor, sel: Selected | None) -> Iterator[Mismatch]:
        exp_groups = _group(exp.children)
        act_groups = _group(act.children)
        if (
            sel is not None
            and not sel.cascaded
            and len(exp_groups) == 1
            and any(m.match in TYPE_LIKE for m in sel.rule_set.matchers)
        ):
            # A type rule on the parent makes its children a list of the example child.
            template = exp.children
            for i, a in enumerate(act.children):
                yield from self.element(template[min(i, len(template) - 1)], a, path, cur)
            return
        for qname, exp_list in exp_groups.items():
            act_list = act_groups.get(qname, [])
            child_cur = cur.descend(exp_list[0].name)
            child_sel = child_cur.best
            cpath = child_path(path, exp_list[0].name)
            if not act_list:
                yield _mm(cpath, len(exp_list), 0, f"Expected child element <{exp_list[0].name}> but it was missing")
                continue
            if child_sel is not None and any(m.match in TYPE_LIKE for m in child_sel.rule_set.matchers):
                if not child_sel.cascaded:
                    name = exp_list[0].name
                    yield from _bounds(child_sel, len(act_list), cpath, "", f"<{name}> element(s) but received")
                for i, a in enumerate(act_list):
                    yield from self.element(exp_list[min(i, len(exp_list) - 1)], a, path, cur)
                continue
            if len(act_list) < len(exp_list):
                yield _mm(
                    cpath,
                    len(exp_list),
                    len(act_list),
                    f"Expected {len(exp_list)} <{exp_list[0].name}> element(s) but received {len(act_list)}",
                )
            elif len(act_list) > len(exp_list) and not self.lenient:
                yield _mm(
                    cpath,
                    len(exp_list),
                    len(act_list),
                    f"Unexpected <{exp_list[0].name}> element(s): expected {len(exp_list)}, received {len(act_list)}",
                )
            for e, a in zip(exp_list, act_list):
                yield from self.element(e, a, path, cur)
        if not self.lenient:
            for qname, act_list in act_groups.items():
                if qname not in exp_groups:
                    yield _mm(
                        child_path(path, act_list[0].name),
                        None,
                        len(act_list),
                        f"Unexpected child element <{act_list[0].name}>",
                    )

    def text(self, exp: _Node, act: _Node, path: str, cur: Cursor) -> Iterator[Mismatch]:
        tpath = child_path(path, "#text")
        tcur = cur.descend("#text")
        if not exp.text and not act.text:
            return
        if not exp.text and exp.children and tcur.best is None:
            return
        yield from _leaf(exp.text, act.text, tpath, tcur)


def _bounds(sel: Selected, count: int, path: str, subject: str, noun: str) -> Iterator[Mismatch]:
    """``min``/``max`` of the type rules declared here, applied to ``count``."""
    for m in sel.rule_set.matchers:
        if m.match not in TYPE_LIKE:
            continue
        low, high = m.params.get("min"), m.params.get("max")
        lead = f"Expected {subject} " if subject else "Expected "
        if isinstance(low, int) and count < low:
            yield _mm(path, low, count, f"{lead}at least {low} {noun} {count}")
        if isinstance(high, int) and count > high:
            yield _mm(path, high, count, f"{lead}at most {high} {noun} {count}")


def _check_text(matcher: Matcher, expected: str, actual: str) -> str | None:
    """One rule applied to an attribute value or a text: numbers and booleans are read from the text."""
    kind = matcher.match
    if kind == "integer":
        return None if _INTEGER.fullmatch(actual) else f"Expected {describe(actual)} to be an integer"
    if kind in ("decimal", "real"):
        return None if _NUMBER.fullmatch(actual) else f"Expected {describe(actual)} to be a decimal number"
    if kind == "number":
        return None if _NUMBER.fullmatch(actual) else f"Expected {describe(actual)} to be a number"
    if kind == "equality":
        return None if expected == actual else f"Expected {describe(expected)} but received {describe(actual)}"
    return check(matcher, expected, actual)


def _leaf(expected: str, actual: str, path: str, cur: Cursor) -> Iterator[Mismatch]:
    sel = cur.best
    if sel is None:
        if expected != actual:
            yield _mm(path, expected, actual, f"Expected {describe(expected)} but received {describe(actual)}")
        return
    failures = []
    for matcher in sel.rule_set.matchers:
        failure = _check_text(matcher, expected, actual)
        if failure is None and sel.rule_set.combine == "OR":
            return
        if failure:
            failures.append(failure)
    for failure in failures:
        yield _mm(path, expected, actual, failure)


def _group(children: tuple[_Node, ...]) -> dict[tuple[str, str], list[_Node]]:
    groups: dict[tuple[str, str], list[_Node]] = {}
    for child in children:
        groups.setdefault(child.qname, []).append(child)
    return groups


def _show(qname: tuple[str, str]) -> str:
    return f"{{{qname[0]}}}{qname[1]}" if qname[0] else qname[1]


def _mm(path: str, expected: Any, actual: Any, message: str) -> Mismatch:
    return Mismatch(kind="body", path=path, expected=expected, actual=actual, message=message)

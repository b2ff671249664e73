"""Matching rules written as indented JSON text, each text kept for the rule set objects it was made from.

The DSL shares one `RuleSet` object per rule and parameters, and interactions declared alike carry the same
rule set objects under the same keys: `RuleTexts` writes the rules of a part, each category and each rule
set once per indentation, and gives the kept text for every other part that holds the same objects.
Used by `polycontract.codec._direct.DirectWriter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from polycontract.codec._json import Unsupported, encode_into
from polycontract.codec._rules import SINGLE, write_rule_set
from polycontract.model import RuleSet

__all__ = ["RuleTexts"]

#: Second item of the key of matching rules with several categories (never a category: those have one key).
_MANY = object()


class RuleTexts:
    """The text of matching rules, by indentation and the identity of their rule sets, for one document.

    Each kept text holds its rule sets alive: no other object can take their ids while it is kept.
    """

    __slots__ = ("_all_rules", "_categories", "_rule_sets")

    def __init__(self) -> None:
        self._all_rules: dict[tuple[Any, ...], tuple[tuple[RuleSet, ...], str]] = {}
        self._rule_sets: dict[tuple[int, str], tuple[RuleSet, str]] = {}
        self._categories: dict[tuple[str, tuple[str, ...], tuple[int, ...]], tuple[tuple[RuleSet, ...], str]] = {}

    def text(self, rules: Mapping[str, Mapping[str, RuleSet]], newline: str, step: str) -> str:
        """All the matching rules of a part (``matchingRules``, V3/V4 layout) as JSON text at ``newline``.

        Kept by their categories, keys and the identity of their rule sets.
        """
        if len(rules) == 1:  # the usual case: (newline, category, *keys, *ids) says it all
            [(category, entries)] = rules.items()
            key: tuple[Any, ...] = (newline, category, *entries, *map(id, entries.values()))
        else:  # with each category's count of keys, so that no two layouts give the same sequence
            parts: list[Any] = [newline, _MANY]
            for category, entries in rules.items():
                parts.append(category)
                parts.append(len(entries))
                parts.extend(entries)
                parts.extend(map(id, entries.values()))
            key = tuple(parts)
        found = self._all_rules.get(key)
        if found is None:  # the entry keeps the rule sets alive: no other object can have their ids
            text: list[str] = []
            self._rules(rules, newline, step, text)
            held = tuple(rule_set for entries in rules.values() for rule_set in entries.values())
            found = self._all_rules[key] = (held, "".join(text))
        return found[1]

    def _rules(self, rules: Mapping[str, Mapping[str, RuleSet]], newline: str, step: str, out: list[str]) -> None:
        # `write_matching_rules` (V3/V4 layout) as text.
        inner = newline + step
        sep = "{" + inner
        for category, entries in rules.items():
            if type(category) is not str:
                raise Unsupported  # as `dumps_indented` does for a key that is not a str
            if category in SINGLE and len(entries) == 1 and "" in entries:
                out.append(f"{sep}{encode_basestring(category)}: {self._rule_set(entries[''], inner, step)}")
            elif not entries:
                out.append(f"{sep}{encode_basestring(category)}: {{}}")
            else:
                out.append(f"{sep}{encode_basestring(category)}: {self._category(entries, inner, step)}")
            sep = "," + inner
        out.append(newline + "}")

    def _category(self, entries: Mapping[str, RuleSet], newline: str, step: str) -> str:
        # The rules of one category, kept by their keys and the identity of their rule sets: interactions
        # declared alike carry the same rule set objects under the same keys.
        values = tuple(entries.values())
        key = (newline, tuple(entries), tuple(map(id, values)))
        found = self._categories.get(key)
        if found is None:  # the entry keeps the rule sets alive: no other object can have their ids
            inner = newline + step
            parts: list[str] = []
            sep = "{" + inner
            for name, rule_set in entries.items():
                if type(name) is not str:
                    raise Unsupported
                parts.append(f"{sep}{encode_basestring(name)}: {self._rule_set(rule_set, inner, step)}")
                sep = "," + inner
            parts.append(newline + "}")
            found = self._categories[key] = (values, "".join(parts))
        return found[1]

    def _rule_set(self, rule_set: RuleSet, newline: str, step: str) -> str:
        key = (id(rule_set), newline)
        found = self._rule_sets.get(key)
        if found is None or found[0] is not rule_set:
            parts: list[str] = []
            encode_into(write_rule_set(rule_set), newline, step, parts)
            found = self._rule_sets[key] = (rule_set, "".join(parts))
        return found[1]

"""The matching engine as the last word on generated values: a value is kept only when it matches.

Strategies are built to satisfy their rules; these judges ask `polycontract.matching` anyway, so a rule
combination the builders get wrong is refused (hypothesis reports it) instead of yielding a value the
rules reject. Each judge prepares its expected side once (the engine caches frozen model objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polycontract.matching import compare_message
from polycontract.model import Body, MessageContents, RuleSet

__all__ = ["BodyJudge", "TextJudge", "ValueJudge"]

_JSON = "application/json"


class BodyJudge:
    """True for a JSON value that matches ``example`` under ``rules`` (body rules by path, rooted at ``$``)."""

    __slots__ = ("_expected",)

    def __init__(self, example: Any, rules: Mapping[str, RuleSet] | None) -> None:
        contents = Body(content=example, content_type=_JSON)
        self._expected = MessageContents(contents=contents, matching_rules={"body": dict(rules or {})})

    def __call__(self, value: Any) -> bool:
        actual = MessageContents(contents=Body(content=value, content_type=_JSON))
        return not compare_message(self._expected, actual)


class ValueJudge:
    """True for a single value that one rule set accepts, compared with ``example`` as a JSON body would be."""

    __slots__ = ("_body",)

    def __init__(self, example: Any, rule_set: RuleSet) -> None:
        self._body = BodyJudge({"v": example}, {"$.v": rule_set})

    def __call__(self, value: Any) -> bool:
        return self._body({"v": value})


class TextJudge:
    """True for a header, query or metadata value that one rule set accepts (numbers read from text)."""

    __slots__ = ("_expected",)

    def __init__(self, example: Any, rule_set: RuleSet) -> None:
        self._expected = MessageContents(metadata={"v": example}, matching_rules={"metadata": {"v": rule_set}})

    def __call__(self, value: Any) -> bool:
        return not compare_message(self._expected, MessageContents(metadata={"v": value}))

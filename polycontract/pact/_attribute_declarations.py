"""Declaring the V4 attributes of the interaction being declared: its key, its pending flag and its comments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from polycontract.errors import UsageError
from polycontract.pact import _attributes
from polycontract.pact._draft import Declaring, Draft

__all__ = ["AttributeDeclarations"]


class AttributeDeclarations(Declaring):
    """`Pact.with_key`, `Pact.with_pending`, `Pact.with_comment` and `Pact.with_comments` (V4 only)."""

    def with_key(self, key: str | None) -> Self:
        """Give the interaction being declared a V4 ``key`` (pact-python: ``Interaction.set_key``).

        >>> p = Pact(consumer="a", provider="b").upon_receiving("a ping").with_key("ping-1")
        >>> p.with_request("GET", "/ping").will_respond_with(204).interactions[0].key
        'ping-1'
        """
        self._attribute("with_key", "an interaction key").key = _attributes.key("with_key", key)
        return self

    def with_pending(self, pending: bool = True) -> Self:
        """Mark the interaction being declared as V4 ``pending``: the provider is not yet expected to honour it.

        A failure of a pending interaction does not fail the provider's verification (pact-python:
        ``Interaction.set_pending``).
        """
        self._attribute("with_pending", "the pending flag").pending = _attributes.pending("with_pending", pending)
        return self

    def with_comment(self, text: str) -> Self:
        """Add a text comment to the interaction being declared (V4 ``comments.text``; pact-python:
        ``Interaction.add_text_comment``). The Pact verifier prints these comments.

        >>> p = Pact(consumer="a", provider="b").expects_to_receive("an event").with_comment("sent hourly")
        >>> p.with_content({"id": 1}).interactions[0].comments
        {'text': ['sent hourly']}
        """
        draft = self._attribute("with_comment", "a comment")
        draft.comments = _attributes.text_comment("with_comment", draft.comments, text)
        return self

    def with_comments(self, comments: Mapping[str, Any] | None = None, /, **entries: Any) -> Self:
        """Set V4 comments of the interaction being declared by name (pact-python: ``Interaction.set_comment``).

        ``testname`` is the test that declared it (the Pact verifier shows it); any other name takes a JSON
        value; a value of None removes the comment.

        >>> p = Pact(consumer="a", provider="b").upon_receiving("a ping").with_comments(testname="test_ping")
        >>> p.with_request("GET", "/ping").will_respond_with(204).interactions[0].comments
        {'testname': 'test_ping'}
        """
        draft = self._attribute("with_comments", "a comment")
        if comments is not None and not isinstance(comments, Mapping):
            raise UsageError(f"with_comments: comments={comments!r} must be a mapping of comment names to values")
        merged = {**(comments or {}), **entries}
        draft.comments = _attributes.merged_comments("with_comments", draft.comments, merged)
        return self

    def _attribute(self, func: str, what: str) -> Draft:
        """The draft, for setting a V4 attribute: an interaction is being declared and the pact is V4."""
        draft = self._draft
        if draft.description is None:
            raise UsageError(f"{func}: name the interaction first with upon_receiving(...) or expects_to_receive(...)")
        _attributes.check_v4(func, self.spec, what)
        return draft

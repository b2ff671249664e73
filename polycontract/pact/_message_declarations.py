"""Declaring messages: an asynchronous message the consumer receives, or a V4 synchronous request and reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from polycontract.model import AsynchronousMessage, MessageContents, SynchronousMessage
from polycontract.pact import _usage, _values
from polycontract.pact._draft import Declaring

__all__ = ["MessageDeclarations"]


class MessageDeclarations(Declaring):
    """`Pact.expects_to_receive`, `Pact.with_content`, `Pact.with_request_message`, `Pact.will_respond_with_message`."""

    def expects_to_receive(self, description: str, *, optional: bool = False) -> Self:
        """Start an asynchronous message the consumer receives (finish it with `with_content`).

        ``optional=True``: the consumer may leave it unused (see `upon_receiving`).
        """
        self._start("expects_to_receive", "async")
        self._set_description("expects_to_receive", description)
        self._draft.optional = _usage.flag("expects_to_receive", optional)
        return self

    def with_content(
        self, body: Any, *, metadata: Mapping[str, Any] | None = None, schema_subject: str | None = None
    ) -> Self:
        """The contents and metadata of the asynchronous message; completes it.

        ``schema_subject`` names the schema subject (Avro or JSON Schema) the contents follow, so
        can-i-deploy checks this example against the producer's published schema (V4 only; kept in
        the interaction's comments, see `polycontract.message_schemas`).

        >>> p = Pact(consumer="a", provider="b").expects_to_receive("an event").with_content({"id": 1})
        >>> type(p.interactions[0]).__name__
        'AsynchronousMessage'
        """
        draft = self._require("with_content", "async", "expects_to_receive")
        message = _values.to_message("with_content", body, metadata)
        comments = _values.schema_comments("with_content", self.spec, schema_subject)
        self._complete(AsynchronousMessage(message=message, **self._common(draft, comments)))
        return self

    def with_request_message(self, body: Any, *, metadata: Mapping[str, Any] | None = None) -> Self:
        """The request of a V4 synchronous message (after `upon_receiving`)."""
        self._start("with_request_message", "sync")
        self._draft.request = _values.to_message("with_request_message", body, metadata)
        return self

    def will_respond_with_message(
        self, body: Any, *, metadata: Mapping[str, Any] | None = None, schema_subject: str | None = None
    ) -> Self:
        """The reply to the synchronous message request; completes the interaction.

        ``schema_subject`` names the schema subject the reply follows (as in `with_content`).
        """
        draft = self._require("will_respond_with_message", "sync", "with_request_message")
        response = _values.to_message("will_respond_with_message", body, metadata)
        comments = _values.schema_comments("will_respond_with_message", self.spec, schema_subject)
        assert isinstance(draft.request, MessageContents)
        self._complete(SynchronousMessage(request=draft.request, response=(response,), **self._common(draft, comments)))
        return self

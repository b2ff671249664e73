"""The consumer DSL: declare what a consumer expects of a provider, interaction by interaction.

Each declaration is checked when it is made (a `UsageError` quotes the bad value) and becomes a
frozen `model` interaction; `Pact.to_model` gives the whole pact. Matchers from `polycontract.match`
may sit anywhere in a body, and a header, query or path value that is a matcher gets its rule in the
``header``, ``query`` or ``path`` category.

>>> from polycontract import Pact, match
>>> pact = Pact(consumer="web", provider="users")
>>> (pact.given("user 7 exists", id=7)
...      .upon_receiving("a request for user 7")
...      .with_request("GET", "/users/7", headers={"Accept": "application/json"})
...      .will_respond_with(200, body={"id": match.integer(7), "name": match.string("Ann")}))
Pact(consumer='web', provider='users', spec='V4', interactions=1)
>>> pact.to_model().interactions[0].response.matching_rules["body"]["$.id"].matchers[0].match
'integer'

Messages: ``pact.expects_to_receive("an order event").with_content({...}, metadata={...})`` declares an
asynchronous message; ``pact.upon_receiving("a stock query").with_request_message({...})
.will_respond_with_message({...})`` a V4 synchronous message. ``with pact.serve() as server`` runs the
mock provider (see `polycontract.mock`).

V4 interactions may carry a key, a pending flag and comments: ``.with_key("k")``, ``.with_pending()``,
``.with_comment("text")`` and ``.with_comments(testname=...)``, called while the interaction is declared.

Every declared interaction must be exercised: an HTTP interaction by a request to a mock provider started
from the pact (`serve`, `transport`, `async_transport`), a message by `verify_message` (or handed out by
`messages`). `verify` raises a `ContractViolation` naming each one that was not, as pact-python's and Pact
JS's mock servers report a "missing request"; the pytest plugin calls it when a test ends and writes only
what was exercised. ``upon_receiving(description, optional=True)`` (or ``expects_to_receive``) declares one
the consumer may leave unused: not an error, and written to the pact only when it was exercised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from polycontract import match
from polycontract.codec import normalise_spec
from polycontract.errors import ContractViolation, UsageError
from polycontract.model import (
    ABSENT,
    NO_ENTRIES,
    AsynchronousMessage,
    Generator,
    HttpInteraction,
    Interaction,
    MessageContents,
    ProviderState,
    Request,
    Response,
    RuleSet,
    SpecVersion,
    SynchronousMessage,
    from_fields,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from polycontract.mock import AsyncMockTransport, Message, MockProvider, MockServer, MockTransport
from polycontract.model import Pact as PactModel
from polycontract.pact import _attributes, _usage, _values

__all__ = ["Pact"]

_METHOD = re.compile(r"[A-Za-z][A-Za-z-]*")
#: Method names `_METHOD` accepts, known without running it.
_USUAL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_WRITABLE: tuple[SpecVersion, ...] = ("V2", "V3", "V4")
#: The spec versions whose pacts hold HTTP interactions next to anything else (V3: HTTP or messages, not both).
_HTTP_ANY = frozenset({"V2", "V4"})
_Kind = Literal["http", "async", "sync"]
#: The spec versions that can hold each kind of interaction.
_NEEDED: dict[str, tuple[SpecVersion, ...]] = {"async": ("V3", "V4"), "sync": ("V4",), "http": _WRITABLE}


@dataclass
class _Draft:
    """The declaration being built: it becomes an interaction once it has everything it needs."""

    states: list[ProviderState] = field(default_factory=list)
    #: The name and the params as sorted JSON of each state, one after the other: with the description, what
    #: identifies the interaction (its key is ``(description, name, params, name, params...)``).
    state_keys: list[str] = field(default_factory=list)
    description: str | None = None
    kind: _Kind | None = None
    request: Request | MessageContents | None = None
    #: Declared with ``optional=True``: the consumer may leave it unused.
    optional: bool = False
    #: The V4 attributes (`with_key`, `with_pending`, `with_comment`, `with_comments`).
    key: str | None = None
    pending: bool = False
    comments: dict[str, Any] = field(default_factory=dict)


class Pact:
    """The interactions one consumer expects of one provider, declared with a chainable DSL.

    ``spec`` is the Pact specification version the pact is written in (``"V2"``, ``"V3"`` or ``"V4"``,
    default V4); messages need V3, synchronous messages V4.

    >>> Pact(consumer="web", provider="users", spec="v3").spec
    'V3'
    """

    def __init__(self, *, consumer: str, provider: str, spec: str = "V4") -> None:
        for name, value in (("consumer", consumer), ("provider", provider)):
            if not isinstance(value, str) or not value.strip():
                raise UsageError(f"{name}={value!r} must be a non-empty string naming the service")
        version = normalise_spec(spec) if isinstance(spec, str) else None
        if version not in _WRITABLE:
            raise UsageError(f"spec={spec!r} is not a pact version polycontract writes (expected V2, V3 or V4)")
        self.consumer = consumer
        self.provider = provider
        self.spec: SpecVersion = version
        #: The interactions by ``(description, state name, state params as sorted JSON, name, params...)``.
        self._interactions: dict[tuple[str, ...], Interaction] = {}
        #: The keys of the interactions declared with ``optional=True``.
        self._optional: set[tuple[str, ...]] = set()
        #: The mock providers started from this pact, and the messages handed to the consumer.
        self._mocks: list[MockProvider] = []
        self._delivered: list[Interaction] = []
        self._draft = _Draft()

    def __repr__(self) -> str:
        return (
            f"Pact(consumer={self.consumer!r}, provider={self.provider!r}, spec={self.spec!r}, "
            f"interactions={len(self._interactions)})"
        )

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """The completed interactions, in declaration order."""
        return tuple(self._interactions.values())

    # ------------------------------------------------------------------------------------ declaring

    def given(self, state: str, params: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Pact:
        """Add a provider state (with parameters) to the interaction being declared.

        >>> Pact(consumer="a", provider="b").given("user exists", id=7)._draft.states[0].params
        {'id': 7}
        """
        if not isinstance(state, str) or not state.strip():
            raise UsageError(f"given: state={state!r} must be a non-empty string")
        if params is not None and type(params) is not dict and not isinstance(params, Mapping):
            raise UsageError(f"given: params={params!r} must be a mapping of parameter names to values")
        merged = kwargs if params is None else {**params, **kwargs}  # kwargs: a dict of this call's own
        try:
            text = _values.params_text(merged)  # the usual parameters (str, int, bool, None), quickly
            if text is None:
                text = _values.canonical_json(merged)
        except (TypeError, ValueError):
            _values.check_json(f"given({state!r})", "params", merged)  # raises, naming the bad value
            raise
        draft = self._draft
        draft.states.append(from_fields(ProviderState, {"name": state, "params": merged or NO_ENTRIES}))
        draft.state_keys += (state, text)
        return self

    def upon_receiving(self, description: str, *, optional: bool = False) -> Pact:
        """Name the interaction being declared (unique per provider state within the pact).

        ``optional=True``: the consumer may leave it unused (a retry, a fallback); unused, it is no error
        and is not written to the pact.
        """
        draft = self._draft
        if type(description) is str and draft.description is None and description.strip():
            draft.description = description  # the usual case, as `_set_description` would do it
        else:
            self._set_description("upon_receiving", description)
        if optional is not False:
            draft.optional = _usage.flag("upon_receiving", optional)
        return self

    def with_request(
        self,
        method: str,
        path: str | match.MatchingValue,
        *,
        query: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Pact:
        """The HTTP request the consumer sends; ``body=None`` means the request has no body."""
        draft = self._draft
        if draft.kind is None and draft.description is not None and self.spec in _HTTP_ANY:
            draft.kind = "http"  # the usual case, as `_start` would do it
        else:
            self._start("with_request", "http")
        if type(method) is str and method in _USUAL_METHODS:
            pass  # already upper case
        elif not isinstance(method, str) or not _METHOD.fullmatch(method):
            raise UsageError(f"with_request: method={method!r} must be an HTTP method name such as 'GET'")
        else:
            method = method.upper()
        rules: dict[str, dict[str, RuleSet]] = {}
        gens: dict[str, dict[str, Generator]] = {}
        example_path = (
            path if type(path) is str else _values.scalar("with_request", "path", path, rules, gens, "path", "")
        )
        if not isinstance(example_path, str) or not example_path.startswith("/") or "?" in example_path:
            raise UsageError(f"with_request: path={example_path!r} must start with '/' (put the query in query=)")
        header_values: Mapping[str, tuple[str, ...]] = (
            NO_ENTRIES
            if headers is None
            else _values.multimap("with_request", "headers", headers, rules, gens, "header")
        )
        query_values: Mapping[str, tuple[str, ...]] = NO_ENTRIES
        if query is not None:
            if isinstance(query, str):
                pairs: dict[str, list[str]] = {}
                for key, value in parse_qsl(query, keep_blank_values=True):
                    pairs.setdefault(key, []).append(value)
                query = pairs
            query_values = _values.multimap("with_request", "query", query, rules, gens, "query")
        draft.request = from_fields(
            Request,
            {
                "method": method,
                "path": example_path,
                "query": query_values or NO_ENTRIES,
                "headers": header_values or NO_ENTRIES,
                "body": ABSENT if body is None else _values.to_body("with_request", body, header_values, rules, gens),
                "matching_rules": _values.shared_rules(rules),
                "generators": gens or NO_ENTRIES,
                "raw_query": None,
                "extra": NO_ENTRIES,
            },
        )
        return self

    def will_respond_with(self, status: int | match.MatchingValue, *, headers: Mapping[str, Any] | None = None,
                          body: Any = None) -> Pact:  # fmt: skip
        """The response the provider gives; completes the HTTP interaction."""
        draft = self._draft
        if draft.kind != "http" or draft.request is None:
            self._require("will_respond_with", "http", "with_request")  # raises
        rules: dict[str, dict[str, RuleSet]] = {}
        gens: dict[str, dict[str, Generator]] = {}
        code = (
            status
            if type(status) is int
            else _values.scalar("will_respond_with", "status", status, rules, gens, "status", "")
        )
        if (type(code) is not int and (not isinstance(code, int) or isinstance(code, bool))) or not 100 <= code <= 599:
            raise UsageError(f"will_respond_with: status={code!r} must be an HTTP status code from 100 to 599")
        header_values: Mapping[str, tuple[str, ...]] = (
            NO_ENTRIES
            if headers is None
            else _values.multimap("will_respond_with", "headers", headers, rules, gens, "header")
        )
        response = from_fields(
            Response,
            {
                "status": code,
                "headers": header_values or NO_ENTRIES,
                "body": ABSENT
                if body is None
                else _values.to_body("will_respond_with", body, header_values, rules, gens),
                "matching_rules": _values.shared_rules(rules),
                "generators": gens or NO_ENTRIES,
                "extra": NO_ENTRIES,
            },
        )
        request, description = draft.request, draft.description
        assert isinstance(request, Request) and description is not None
        self._complete(
            from_fields(
                HttpInteraction,
                {
                    "description": description,
                    "provider_states": tuple(draft.states),
                    "key": draft.key,
                    "pending": draft.pending,
                    "comments": draft.comments or NO_ENTRIES,
                    "plugin_configuration": NO_ENTRIES,
                    "interaction_markup": NO_ENTRIES,
                    "extra": NO_ENTRIES,
                    "request": request,
                    "response": response,
                },
            )
        )
        return self

    def expects_to_receive(self, description: str, *, optional: bool = False) -> Pact:
        """Start an asynchronous message the consumer receives (finish it with `with_content`).

        ``optional=True``: the consumer may leave it unused (see `upon_receiving`).
        """
        self._start("expects_to_receive", "async")
        self._set_description("expects_to_receive", description)
        self._draft.optional = _usage.flag("expects_to_receive", optional)
        return self

    def with_content(
        self, body: Any, *, metadata: Mapping[str, Any] | None = None, schema_subject: str | None = None
    ) -> Pact:
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

    def with_request_message(self, body: Any, *, metadata: Mapping[str, Any] | None = None) -> Pact:
        """The request of a V4 synchronous message (after `upon_receiving`)."""
        self._start("with_request_message", "sync")
        self._draft.request = _values.to_message("with_request_message", body, metadata)
        return self

    def will_respond_with_message(
        self, body: Any, *, metadata: Mapping[str, Any] | None = None, schema_subject: str | None = None
    ) -> Pact:
        """The reply to the synchronous message request; completes the interaction.

        ``schema_subject`` names the schema subject the reply follows (as in `with_content`).
        """
        draft = self._require("will_respond_with_message", "sync", "with_request_message")
        response = _values.to_message("will_respond_with_message", body, metadata)
        comments = _values.schema_comments("will_respond_with_message", self.spec, schema_subject)
        assert isinstance(draft.request, MessageContents)
        self._complete(SynchronousMessage(request=draft.request, response=(response,), **self._common(draft, comments)))
        return self

    def with_key(self, key: str | None) -> Pact:
        """Give the interaction being declared a V4 ``key`` (pact-python: ``Interaction.set_key``).

        >>> p = Pact(consumer="a", provider="b").upon_receiving("a ping").with_key("ping-1")
        >>> p.with_request("GET", "/ping").will_respond_with(204).interactions[0].key
        'ping-1'
        """
        self._attribute("with_key", "an interaction key").key = _attributes.key("with_key", key)
        return self

    def with_pending(self, pending: bool = True) -> Pact:
        """Mark the interaction being declared as V4 ``pending``: the provider is not yet expected to honour it.

        A failure of a pending interaction does not fail the provider's verification (pact-python:
        ``Interaction.set_pending``).
        """
        self._attribute("with_pending", "the pending flag").pending = _attributes.pending("with_pending", pending)
        return self

    def with_comment(self, text: str) -> Pact:
        """Add a text comment to the interaction being declared (V4 ``comments.text``; pact-python:
        ``Interaction.add_text_comment``). The Pact verifier prints these comments.

        >>> p = Pact(consumer="a", provider="b").expects_to_receive("an event").with_comment("sent hourly")
        >>> p.with_content({"id": 1}).interactions[0].comments
        {'text': ['sent hourly']}
        """
        draft = self._attribute("with_comment", "a comment")
        draft.comments = _attributes.text_comment("with_comment", draft.comments, text)
        return self

    def with_comments(self, comments: Mapping[str, Any] | None = None, /, **entries: Any) -> Pact:
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

    # ------------------------------------------------------------------------------------- results

    def to_model(self, *, only_exercised: bool = False) -> PactModel:
        """The declared interactions as a `model.Pact`; an unfinished declaration is a `UsageError`.

        ``only_exercised=True``: only the interactions the test exercised (see `verify`), as the pytest
        plugin writes them.
        """
        draft = self._draft
        if draft.description is not None or draft.request is not None:
            name = draft.description or "(no description yet)"
            raise UsageError(f"interaction {name!r} is not finished: {self._missing(draft)}")
        interactions = self.interactions
        if only_exercised:
            used = self._exercised()
            interactions = tuple(i for i in interactions if id(i) in used)
        return PactModel(consumer=self.consumer, provider=self.provider, interactions=interactions, spec=self.spec)

    def unexercised(self) -> tuple[Interaction, ...]:
        """The declared interactions (except optional ones) that nothing exercised yet, in declaration order.

        An HTTP interaction is exercised by a request that matched it on a mock provider started from this
        pact; a message by `verify_message` (or `messages`) handing it to the consumer.
        """
        used = self._exercised()
        return tuple(i for key, i in self._interactions.items() if id(i) not in used and key not in self._optional)

    def verify(self) -> None:
        """Raise a `ContractViolation` if the test did not exercise what it declared.

        First a problem a mock provider started from this pact saw and nobody was told of (a transport used
        without ``with``: a mismatch, an unexpected request); then every declared interaction never
        exercised, named with its request, and whether the mock provider received any request at all.

        >>> pact = Pact(consumer="web", provider="users")
        >>> _ = pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
        >>> pact.verify()
        Traceback (most recent call last):
        ...
        polycontract.errors.ContractViolation: web -> users: 1 declared interaction was never exercised:
        ...
        """
        for mock in self._mocks:
            if not mock.reported and (mock.errors or mock.problems(include_unused=False)):
                error = mock.failure()
                if error is not None:
                    raise error
        missing = self.unexercised()
        if missing:
            raise ContractViolation(_usage.unexercised_message(self.consumer, self.provider, missing, self._mocks))

    def _exercised(self) -> set[int]:
        """The ids of the declared interactions something exercised."""
        found = [i for mock in self._mocks for i in mock.exercised()] + self._delivered
        ids = {id(i) for i in found}
        current = self._interactions.values()
        stray = [i for i in found if id(i) not in {id(c) for c in current}] if found else []
        if stray:  # an interaction declared again (an equal, new object) after a mock was started
            ids |= {id(c) for c in current if c in stray}
        return ids

    def _optional_interactions(self) -> tuple[Interaction, ...]:
        return tuple(self._interactions[key] for key in self._optional)

    # The mock provider is an edge (layer 4). These three methods are the one sanctioned upward
    # import (see tests/test_layers.py): it happens on call, so building a pact stays pure.

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> MockServer:
        """A `polycontract.mock.MockServer` for the HTTP interactions, on a real socket.

        Use it as a context manager: on exit it raises `ContractViolation` listing every mismatch,
        unexpected request and interaction never exercised. ``port=0`` lets the system choose a free
        port; ``server.url`` tells which.

        >>> with pact.serve() as server:  # doctest: +SKIP
        ...     assert httpx.get(f"{server.url}/users/7").json()["id"] == 7
        """
        from polycontract.mock import MockServer

        server = MockServer(self.to_model(), host=host, port=port, optional=self._optional_interactions())
        self._mocks.append(server.provider)
        return server

    def transport(self) -> MockTransport:
        """A `polycontract.mock.MockTransport` (``httpx.BaseTransport``): the mock provider with no socket.

        >>> with httpx.Client(transport=pact.transport(), base_url="http://users") as client:  # doctest: +SKIP
        ...     client.get("/users/7")
        """
        from polycontract.mock import MockTransport

        transport = MockTransport(self.to_model(), optional=self._optional_interactions())
        self._mocks.append(transport.provider)
        return transport

    def async_transport(self) -> AsyncMockTransport:
        """A `polycontract.mock.AsyncMockTransport` (``httpx.AsyncBaseTransport``), for async clients."""
        from polycontract.mock import AsyncMockTransport

        transport = AsyncMockTransport(self.to_model(), optional=self._optional_interactions())
        self._mocks.append(transport.provider)
        return transport

    def messages(self, *, description: str | None = None) -> list[Message]:
        """The declared asynchronous messages as the consumer receives them, generators applied.

        For feeding them to the consumer yourself; `verify_message` does it and reports every failure.
        """
        from polycontract.mock._messages import example_messages

        model = self.to_model()
        found = example_messages(model, description=description)
        self._delivered += _usage.messages_of(model, description, synchronous=False)
        return found

    def verify_message(self, handler: Callable[..., Any], *, description: str | None = None) -> None:
        """Hand every declared message (or only ``description``) to the consumer's ``handler``.

        ``handler(contents, metadata)`` (or ``handler(contents)``), sync or async. For a V4 synchronous
        message it gets the request and returns its reply (the contents, or ``(contents, metadata)``),
        which must match a declared response message. If it raises for any message, or replies with
        something no declared response allows, a `polycontract.mock.MessageViolation` (a
        ``ContractViolation``) names each such message with the error or the paths that differ.

        >>> pact.expects_to_receive("an order event").with_content({"id": match.integer(7)})  # doctest: +SKIP
        >>> pact.verify_message(orders.handle_event)  # doctest: +SKIP
        """
        from polycontract.mock._messages import deliver

        model = self.to_model()
        deliver(model, handler, description=description)
        self._delivered += _usage.messages_of(model, description)

    async def async_verify_message(self, handler: Callable[..., Any], *, description: str | None = None) -> None:
        """`verify_message` for async tests: the handler's awaitables run on the running event loop."""
        from polycontract.mock._messages import async_deliver

        model = self.to_model()
        await async_deliver(model, handler, description=description)
        self._delivered += _usage.messages_of(model, description)

    # ------------------------------------------------------------------------------------- helpers

    def _set_description(self, func: str, description: str) -> None:
        if not isinstance(description, str) or not description.strip():
            raise UsageError(f"{func}: description={description!r} must be a non-empty string")
        if self._draft.description is not None:
            raise UsageError(
                f"{func}({description!r}): interaction {self._draft.description!r} is not finished: "
                f"{self._missing(self._draft)}"
            )
        self._draft.description = description

    def _start(self, func: str, kind: _Kind) -> None:
        draft = self._draft
        if draft.kind is not None:
            raise UsageError(f"{func}: interaction {draft.description!r} is not finished: {self._missing(draft)}")
        if kind != "async" and draft.description is None:
            raise UsageError(f"{func}: name the interaction first with upon_receiving(description)")
        needed = _NEEDED[kind]
        if self.spec not in needed:
            what = "asynchronous messages" if kind == "async" else "synchronous messages"
            raise UsageError(f"{func}: spec={self.spec!r} cannot hold {what}; use Pact(..., spec='V4')")
        if (
            self.spec == "V3"
            and len({type(i) is HttpInteraction for i in self._interactions.values()} | {kind == "http"}) > 1
        ):
            raise UsageError(
                f"{func}: a V3 pact holds either HTTP interactions or messages, not both; "
                "use spec='V4' or a separate Pact"
            )
        draft.kind = kind

    def _require(self, func: str, kind: _Kind, before: str) -> _Draft:
        draft = self._draft
        if draft.kind != kind or (kind != "async" and draft.request is None):
            raise UsageError(f"{func}: call {before}(...) first (declaring: {draft.description!r})")
        return draft

    @staticmethod
    def _missing(draft: _Draft) -> str:
        if draft.kind is None:
            return "declare its request with with_request(...) or expects_to_receive(...)"
        nxt = {"http": "will_respond_with", "async": "with_content", "sync": "will_respond_with_message"}[draft.kind]
        return f"it still needs {nxt}(...)"

    @staticmethod
    def _common(draft: _Draft, schema: dict[str, Any]) -> dict[str, Any]:
        assert draft.description is not None
        comments = {**draft.comments, **schema.get("comments", {})}
        return {
            "description": draft.description,
            "provider_states": tuple(draft.states),
            "key": draft.key,
            "pending": draft.pending,
            "comments": comments or NO_ENTRIES,
        }

    def _attribute(self, func: str, what: str) -> _Draft:
        """The draft, for setting a V4 attribute: an interaction is being declared and the pact is V4."""
        draft = self._draft
        if draft.description is None:
            raise UsageError(f"{func}: name the interaction first with upon_receiving(...) or expects_to_receive(...)")
        _attributes.check_v4(func, self.spec, what)
        return draft

    def _complete(self, interaction: Interaction) -> None:
        draft = self._draft
        key = (interaction.description, *draft.state_keys)
        # A fresh draft, reusing the object and its lists (the interaction holds copies of what it needed).
        draft.states.clear()
        draft.state_keys.clear()
        draft.description = draft.kind = draft.request = draft.key = None
        draft.pending = False
        draft.comments = {}
        if draft.optional:
            self._optional.add(key)
            draft.optional = False
        else:
            self._optional.discard(key)
        existing = self._interactions.get(key)
        if existing is not None and existing != interaction:
            given = " and ".join(repr(s.name) for s in interaction.provider_states) or "no provider state"
            raise UsageError(
                f"description={interaction.description!r} with {given} is already declared with different "
                "content; give the interactions different descriptions"
            )
        self._interactions[key] = interaction

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

from collections.abc import Mapping
from typing import Any

from polycontract.codec import normalise_spec
from polycontract.errors import UsageError
from polycontract.model import NO_ENTRIES, ProviderState, from_fields
from polycontract.pact import _values
from polycontract.pact._attribute_declarations import AttributeDeclarations
from polycontract.pact._draft import WRITABLE, Draft
from polycontract.pact._exercising import Exercising
from polycontract.pact._http import HttpDeclarations
from polycontract.pact._message_declarations import MessageDeclarations

__all__ = ["Pact"]


class Pact(HttpDeclarations, MessageDeclarations, AttributeDeclarations, Exercising):
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
        if version not in WRITABLE:
            raise UsageError(f"spec={spec!r} is not a pact version polycontract writes (expected V2, V3 or V4)")
        self.consumer = consumer
        self.provider = provider
        self.spec = version
        #: The interactions by ``(description, state name, state params as sorted JSON, name, params...)``.
        self._interactions = {}
        #: The keys of the interactions declared with ``optional=True``.
        self._optional = set()
        #: The mock providers started from this pact, and the messages handed to the consumer.
        self._mocks = []
        self._delivered = []
        self._draft = Draft()

    def __repr__(self) -> str:
        return (
            f"Pact(consumer={self.consumer!r}, provider={self.provider!r}, spec={self.spec!r}, "
            f"interactions={len(self._interactions)})"
        )

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

    # Declaring an HTTP interaction (`HttpDeclarations`), a message (`MessageDeclarations`) and the V4
    # attributes (`AttributeDeclarations`), then exercising the pact (`Exercising`), live in the
    # private modules next to this one; every method is `Pact`'s own.

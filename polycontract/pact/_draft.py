"""The declaration being built and the rules of declaring: the state every part of `polycontract.Pact` shares.

`Declaring` holds a pact's declared interactions and the draft of the next one; its helpers start,
check and complete a draft, raising a `UsageError` that says what the declaration still needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from polycontract.errors import UsageError
from polycontract.model import NO_ENTRIES, HttpInteraction

if TYPE_CHECKING:
    from polycontract.mock import MockProvider
    from polycontract.model import Interaction, MessageContents, ProviderState, Request, SpecVersion

__all__ = ["HTTP_ANY", "WRITABLE", "Declaring", "Draft", "Kind"]

WRITABLE: tuple[SpecVersion, ...] = ("V2", "V3", "V4")
#: The spec versions whose pacts hold HTTP interactions next to anything else (V3: HTTP or messages, not both).
HTTP_ANY = frozenset({"V2", "V4"})
Kind = Literal["http", "async", "sync"]
#: The spec versions that can hold each kind of interaction.
_NEEDED: dict[str, tuple[SpecVersion, ...]] = {"async": ("V3", "V4"), "sync": ("V4",), "http": WRITABLE}


@dataclass
class Draft:
    """The declaration being built: it becomes an interaction once it has everything it needs."""

    states: list[ProviderState] = field(default_factory=list)
    #: The name and the params as sorted JSON of each state, one after the other: with the description, what
    #: identifies the interaction (its key is ``(description, name, params, name, params...)``).
    state_keys: list[str] = field(default_factory=list)
    description: str | None = None
    kind: Kind | None = None
    request: Request | MessageContents | None = None
    #: Declared with ``optional=True``: the consumer may leave it unused.
    optional: bool = False
    #: The V4 attributes (`with_key`, `with_pending`, `with_comment`, `with_comments`).
    key: str | None = None
    pending: bool = False
    comments: dict[str, Any] = field(default_factory=dict)


class Declaring:
    """What a `polycontract.Pact` holds, and the steps of declaring an interaction shared by all its kinds."""

    consumer: str
    provider: str
    spec: SpecVersion
    #: The interactions by ``(description, state name, state params as sorted JSON, name, params...)``.
    _interactions: dict[tuple[str, ...], Interaction]
    #: The keys of the interactions declared with ``optional=True``.
    _optional: set[tuple[str, ...]]
    #: The mock providers started from this pact, and the messages handed to the consumer.
    _mocks: list[MockProvider]
    _delivered: list[Interaction]
    _draft: Draft

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """The completed interactions, in declaration order."""
        return tuple(self._interactions.values())

    def _set_description(self, func: str, description: str) -> None:
        if not isinstance(description, str) or not description.strip():
            raise UsageError(f"{func}: description={description!r} must be a non-empty string")
        if self._draft.description is not None:
            raise UsageError(
                f"{func}({description!r}): interaction {self._draft.description!r} is not finished: "
                f"{self._missing(self._draft)}"
            )
        self._draft.description = description

    def _start(self, func: str, kind: Kind) -> None:
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

    def _require(self, func: str, kind: Kind, before: str) -> Draft:
        draft = self._draft
        if draft.kind != kind or (kind != "async" and draft.request is None):
            raise UsageError(f"{func}: call {before}(...) first (declaring: {draft.description!r})")
        return draft

    @staticmethod
    def _missing(draft: Draft) -> str:
        if draft.kind is None:
            return "declare its request with with_request(...) or expects_to_receive(...)"
        nxt = {"http": "will_respond_with", "async": "with_content", "sync": "will_respond_with_message"}[draft.kind]
        return f"it still needs {nxt}(...)"

    @staticmethod
    def _common(draft: Draft, schema: dict[str, Any]) -> dict[str, Any]:
        assert draft.description is not None
        comments = {**draft.comments, **schema.get("comments", {})}
        return {
            "description": draft.description,
            "provider_states": tuple(draft.states),
            "key": draft.key,
            "pending": draft.pending,
            "comments": comments or NO_ENTRIES,
        }

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

"""Frozen dataclasses for pacts: interactions, messages, provider states, matching rules and generators.

The model is the in-memory form of a pact file of any specification version. It holds plain
values only; reading and writing JSON is the job of `polycontract.codec`.

>>> rule = Matcher(match="regex", params={"regex": "[0-9]+"})
>>> RuleSet(matchers=(rule,)).combine
'AND'
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, TypeVar

from polycontract._renamed import old_name
from polycontract.errors import UsageError

__all__ = [
    "ABSENT",
    "SPEC_VERSIONS",
    "AsynchronousMessage",
    "Body",
    "Generator",
    "Generators",
    "HttpInteraction",
    "Interaction",
    "Matcher",
    "MatchingRules",
    "MessageContents",
    "Mismatch",
    "PactDocument",
    "ProviderState",
    "ReadOnlyDict",
    "Request",
    "Response",
    "RuleSet",
    "SpecVersion",
    "SynchronousMessage",
]

SpecVersion: TypeAlias = Literal["V1", "V1.1", "V2", "V3", "V4"]
SPEC_VERSIONS: tuple[SpecVersion, ...] = ("V1", "V1.1", "V2", "V3", "V4")

#: Rule categories of V3/V4. ``path`` and ``status`` are single-valued and keyed by ``""``.
RULE_CATEGORIES = ("path", "query", "header", "body", "status", "metadata", "content")


class _Absent:
    """Sentinel type for "not given", distinct from JSON ``null`` (``None``)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


#: A value that was not given at all (a missing body is "don't care", a ``null`` body is not).
ABSENT: Any = _Absent()


class ReadOnlyDict(dict[Any, Any]):
    """A ``dict`` that refuses to change: what the consumer DSL shares between the model objects it builds.

    Interactions declared alike hold one such mapping (their matching rules, say) instead of a copy each.
    It equals the plain dict of its entries; copying and pickling give a plain dict.
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the mappings of a model object are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    setdefault = update = pop = popitem = clear = _refuse

    def __reduce__(self) -> Any:
        return dict, (dict(self),)


class _NoEntries(ReadOnlyDict):
    """An empty `ReadOnlyDict`: what the consumer DSL puts in the fields it leaves empty.

    One shared object instead of a new empty dict per field (declaring fills thousands of model objects);
    it is a ``dict`` and equals ``{}``, so comparing, copying, pickling and JSON see an empty dict.
    """

    __slots__ = ()

    def __reduce__(self) -> str:
        return "NO_ENTRIES"

    def __repr__(self) -> str:
        return "{}"


#: The shared empty mapping of `_NoEntries`.
NO_ENTRIES: Mapping[Any, Any] = _NoEntries()

_T = TypeVar("_T")
_new = object.__new__
_set_attribute = object.__setattr__
#: class -> the function `from_fields` builds its instances with.
_MAKERS: dict[type, Callable[[dict[str, Any]], Any]] = {}


def from_fields(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass ``cls`` whose attributes are ``fields`` (every field, and nothing else).

    What ``cls(**fields)`` builds, for the hot paths that build many objects (declaring, serving): the frozen
    ``__init__`` sets each field with its own ``object.__setattr__`` and applies defaults, which costs more.
    A class with ``__slots__`` (the model's) gets its slots filled by a function made for it once; any
    other class gets ``fields`` as its ``__dict__``, so pass a fresh dict.
    """
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = _maker(cls)
    made: _T = make(fields)
    return made


def fields_maker(cls: type[_T]) -> Callable[[dict[str, Any]], _T]:
    """The function `from_fields` builds ``cls`` with, for a reader that builds thousands (one call fewer each).

    >>> fields_maker(ProviderState)({"name": "a user exists", "params": {}}) == ProviderState(name="a user exists")
    True
    """
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = _maker(cls)
    return make


def _maker(cls: type) -> Callable[[dict[str, Any]], Any]:
    """The function `from_fields` uses for ``cls``: slot by slot for a slotted dataclass, else one ``__dict__``."""
    names = [f.name for f in dataclasses.fields(cls)] if "__slots__" in vars(cls) else None
    if names is None:

        def with_dict(fields: dict[str, Any]) -> Any:
            made: Any = _new(cls)
            _set_attribute(made, "__dict__", fields)
            return made

        return with_dict
    # One statement per field: ``set_<i>(made, fields[<name>])`` with each slot's own descriptor setter.
    scope: dict[str, Any] = {"new": _new, "cls": cls}
    lines = ["def make(fields):", "    made = new(cls)"]
    for index, name in enumerate(names):
        scope[f"set_{index}"] = getattr(cls, name).__set__
        lines.append(f"    set_{index}(made, fields[{name!r}])")
    lines.append("    return made")
    exec("\n".join(lines), scope)  # code built above from the class's own field names
    maker: Callable[[dict[str, Any]], Any] = scope["make"]
    return maker


@dataclass(frozen=True, kw_only=True, slots=True)
class Matcher:
    """One matching rule, e.g. ``{"match": "regex", "regex": "\\d+"}``: the kind plus its parameters."""

    match: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The matcher as it appears in a V3/V4 pact file."""
        return {"match": self.match, **self.params}


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleSet:
    """The matchers declared at one path, combined with ``AND`` (all must pass) or ``OR`` (any)."""

    matchers: tuple[Matcher, ...]
    combine: Literal["AND", "OR"] = "AND"


#: category -> path or key -> RuleSet. Body paths are rooted at the body (``$.a.b``);
#: header and query rules are keyed by name; ``path`` and ``status`` use the key ``""``.
MatchingRules: TypeAlias = Mapping[str, Mapping[str, RuleSet]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Generator:
    """An example generator, e.g. ``{"type": "RandomInt", "min": 0, "max": 10}``."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The generator as it appears in a pact file."""
        return {"type": self.type, **self.params}


#: category -> path or key -> Generator, in the same layout as `MatchingRules`.
Generators: TypeAlias = Mapping[str, Mapping[str, Generator]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Body:
    """A body and what it is.

    ``content`` is the decoded value: a JSON value for JSON bodies (``None`` is JSON ``null``),
    ``str`` for text and XML, ``bytes`` for binary. ``content_type`` is the declared media type,
    if any. ``encoded`` records how a V4 file carried the content (``False``, ``"base64"``,
    ``"json"``) so that it is written back the same way.
    """

    content: Any
    content_type: str | None = None
    encoded: bool | str = False
    content_type_hint: str | None = None

    @property
    def is_empty(self) -> bool:
        """True for ``None``, ``""`` and ``b""``."""
        return self.content is None or self.content in ("", b"")


@dataclass(frozen=True, kw_only=True, slots=True)
class ProviderState:
    """A state the provider must be in before an interaction is replayed, with its parameters."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    """An HTTP request. ``query`` maps names to value lists; ``headers`` names to value lists.

    ``body`` is `ABSENT` when the request says nothing about its body.
    ``raw_query`` keeps a V1/V2 query string as written, for V1 matching and faithful rewriting.
    """

    method: str = "GET"
    path: str = "/"
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    body: Body | Any = ABSENT
    matching_rules: MatchingRules = field(default_factory=dict)
    generators: Generators = field(default_factory=dict)
    raw_query: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Response:
    """An HTTP response. ``status`` is the example status code."""

    status: int = 200
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    body: Body | Any = ABSENT
    matching_rules: MatchingRules = field(default_factory=dict)
    generators: Generators = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageContents:
    """The payload of a message: contents, metadata, and the rules and generators for both."""

    contents: Body | Any = ABSENT
    metadata: Mapping[str, Any] = field(default_factory=dict)
    matching_rules: MatchingRules = field(default_factory=dict)
    generators: Generators = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class _InteractionBase:
    description: str
    provider_states: tuple[ProviderState, ...] = ()
    key: str | None = None
    pending: bool = False
    comments: Mapping[str, Any] = field(default_factory=dict)
    plugin_configuration: Mapping[str, Any] = field(default_factory=dict)
    interaction_markup: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpInteraction(_InteractionBase):
    """A synchronous HTTP request/response interaction (V4 type ``Synchronous/HTTP``)."""

    request: Request = field(default_factory=Request)
    response: Response = field(default_factory=Response)

    type_name = "Synchronous/HTTP"


@dataclass(frozen=True, kw_only=True, slots=True)
class AsynchronousMessage(_InteractionBase):
    """A message the provider sends with no reply (V3 message, V4 ``Asynchronous/Messages``)."""

    message: MessageContents = field(default_factory=MessageContents)

    type_name = "Asynchronous/Messages"


@dataclass(frozen=True, kw_only=True, slots=True)
class SynchronousMessage(_InteractionBase):
    """A request message answered by one or more response messages (V4 ``Synchronous/Messages``)."""

    request: MessageContents = field(default_factory=MessageContents)
    response: tuple[MessageContents, ...] = ()

    type_name = "Synchronous/Messages"


Interaction: TypeAlias = HttpInteraction | AsynchronousMessage | SynchronousMessage


@dataclass(frozen=True, kw_only=True, slots=True)
class PactDocument:
    """A contract between one consumer and one provider, as a pact file holds it (`polycontract.Pact` builds one).

    ``spec`` is the specification version the pact was read from (or is meant for);
    ``metadata`` and ``extra`` keep everything else in the file so that a round trip loses nothing.
    """

    consumer: str
    provider: str
    interactions: tuple[Interaction, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    spec: SpecVersion = "V4"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mismatch:
    """One way an actual request, response or message differs from what the pact expects.

    ``kind`` is the part (``method``, ``path``, ``query``, ``header``, ``status``, ``body``,
    ``metadata``), ``path`` where in it (``$.body.items[2].id``, ``$.headers.Accept``), and
    ``message`` a sentence a person can act on.
    """

    kind: str
    path: str
    expected: Any
    actual: Any
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def require_document(pact: object, where: str) -> None:
    """Raise a `UsageError` if ``pact`` is the consumer builder `polycontract.Pact` where a `PactDocument` belongs.

    ``where`` names the call for the message (``"dump_pact(pact)"``). The builder declares a pact and
    `polycontract.Pact.to_model` gives its `PactDocument`; anything else passes unchecked.

    >>> from polycontract import Pact
    >>> require_document(Pact(consumer="web", provider="users"), "dump_pact(pact)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    polycontract.errors.UsageError: dump_pact(pact) got the consumer builder polycontract.Pact(...); pass ...
    """
    if type(pact) is PactDocument:
        return
    builder = sys.modules.get("polycontract.pact")  # not loaded: nothing can be a builder
    if builder is not None and isinstance(pact, builder.Pact):
        raise UsageError(
            f"{where} got the consumer builder polycontract.{pact!r}; "
            "pass pact.to_model(), the polycontract.model.PactDocument it declares"
        )


#: Old names of this module, kept for one release: old name -> (new name, what it is).
_RENAMED = {"Pact": ("PactDocument", "polycontract.Pact is the consumer builder")}


def __getattr__(name: str) -> Any:
    """``model.Pact``: the old name of `PactDocument`, kept for one release with a `DeprecationWarning`."""
    return old_name(__name__, name, _RENAMED, globals())

"""Names both brokers check before they store or look anything up: one rule for every name, version and label.

A pacticipant, environment or label name, a version number, a branch or a tag is NFC-normalised (so
``"Café"`` typed either way is one pacticipant) and refused with a `UsageError` when it is empty, longer
than 255 characters, or holds a character a reader cannot see or that changes how the text around it
reads: control characters, format characters (zero-width spaces and joiners, bidi marks, embeddings,
overrides and isolates, the byte order mark) and line or paragraph separators.

A ``/`` is refused in pacticipant, environment and label names. Version numbers, branches and tags keep
it, as the Pact Broker does (``feature/login`` is a git branch and a ``--tag-with-git-branch`` tag, and
``1.0.0+branch.feature/x`` a version number: pact_broker issue #253): the HTTP server routes such a
value as one ``%2F``-encoded path segment.

`names_checked` applies the rule to every operation of a broker class, by parameter name, so the
embedded broker and the HTTP client refuse the same calls before any transaction or request.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from polycontract.errors import UsageError

if TYPE_CHECKING:
    import inspect

    from polycontract.model import PactDocument

__all__ = ["MAX_NAME", "UNSEEN_CLASS", "checked_name", "checked_pact_names", "names_checked", "unseen_character"]

#: The longest name, version number, branch, tag, environment or label stored.
MAX_NAME: Final = 255
#: Characters no name may hold: controls, the soft hyphen, format characters (zero-width spaces and joiners,
#: bidi marks, embeddings, overrides and isolates, invisible operators, the byte order mark, tags), and line and
#: paragraph separators (lone surrogates, which no UTF-8 text holds, are refused besides). Private-use characters
#: are not refused: they show (as a glyph or a box), and the supplementary planes' ranges in the OpenAPI
#: description's pattern would make every generator of a name (schemathesis, hypothesis) slow to build.
_UNSEEN_RANGES: Final = (
    (0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x061C, 0x061C), (0x180E, 0x180E), (0x200B, 0x200F),
    (0x2028, 0x202E), (0x2060, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xE0000, 0xE007F),
)  # fmt: skip
#: `_UNSEEN_RANGES` as the inside of a regular expression character class (the OpenAPI description uses it too).
UNSEEN_CLASS: Final = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in _UNSEEN_RANGES)
_UNSEEN: Final = re.compile(f"[{UNSEEN_CLASS}\ud800-\udfff]")

#: What each name-holding parameter of a broker operation names, and whether it may hold a ``/``.
PACTICIPANT: Final = ("pacticipant", False)
ENVIRONMENT: Final = ("environment", False)
LABEL: Final = ("label", False)
VERSION: Final = ("version number", True)
BRANCH: Final = ("branch", True)
TAG: Final = ("tag", True)
_PARAMETERS: Final[dict[str, tuple[str, bool]]] = {
    "pacticipant": PACTICIPANT,
    "consumer": PACTICIPANT,
    "provider": PACTICIPANT,
    "from_pacticipant": PACTICIPANT,
    "environment": ENVIRONMENT,
    "to_environment": ENVIRONMENT,
    "label": LABEL,
    "consumer_label": LABEL,
    "provider_label": LABEL,
    "version": VERSION,
    "consumer_version": VERSION,
    "provider_version": VERSION,
    "from_version": VERSION,
    "branch": BRANCH,
    "provider_branch": BRANCH,
    "main_branch": BRANCH,
    "tag": TAG,
    "to_tag": TAG,
    "tags": TAG,
}
#: ``name`` means a pacticipant or an environment only in these operations (a schema's ``name`` is free text).
_NAME_PARAMETER: Final = {"create_pacticipant": PACTICIPANT, "create_environment": ENVIRONMENT}


def unseen_character(value: str) -> str | None:
    """The first character of ``value`` a name may not hold (see the module docstring), as ``U+XXXX``; or None."""
    found = _UNSEEN.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def checked_name(value: str, what: str, *, slash: bool = False) -> str:
    """``value`` NFC-normalised when it is a valid ``what`` (a `UsageError` saying why not otherwise).

    ``slash`` allows ``/`` (version numbers, branches, tags).

    >>> checked_name("Cafe\\u0301", "pacticipant")
    'Café'
    """
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what}={value!r} must be a non-empty name")
    found = unseen_character(value)
    if found is not None:
        raise UsageError(
            f"{what}={value!r} holds {found}: a name may not hold control, zero-width, bidi"
            " or other invisible characters"
        )
    if not slash and "/" in value:
        raise UsageError(f"{what}={value!r} may not contain '/' (no URL could name it)")
    normal = unicodedata.normalize("NFC", value)
    if len(normal) > MAX_NAME:
        raise UsageError(f"{what} is {len(normal)} characters long; at most {MAX_NAME} are stored")
    return normal


def _checked(argument: Any, kind: tuple[str, bool]) -> Any:
    what, slash = kind
    if argument is None:
        return None
    if isinstance(argument, str) or not isinstance(argument, Sequence):
        return checked_name(argument, what, slash=slash)
    return [checked_name(item, what, slash=slash) for item in argument]


def checked_pact_names(pact: PactDocument) -> PactDocument:
    """``pact`` with its consumer and provider names checked and NFC-normalised (`checked_name`)."""
    consumer = checked_name(pact.consumer, "consumer")
    provider = checked_name(pact.provider, "provider")
    if (consumer, provider) == (pact.consumer, pact.provider):
        return pact
    return dataclasses.replace(pact, consumer=consumer, provider=provider)


#: ``co_flags`` bits of a function taking ``*args`` and ``**kwargs`` (``inspect.CO_VARARGS``, ``CO_VARKEYWORDS``).
_CO_VARARGS: Final = 0x04
_CO_VARKEYWORDS: Final = 0x08


def _parameter_names(method: Callable[..., Any]) -> Sequence[str]:
    """The names of ``method``'s parameters: those of ``inspect.signature(method)``, not in its order.

    A plain function's are read off its code object: a class is decorated at import, and building a
    signature for each of its operations then would cost every command that imports it (the call builds it).
    """
    code = getattr(method, "__code__", None)
    if code is None or hasattr(method, "__wrapped__") or hasattr(method, "__signature__"):
        import inspect  # rare: a wrapped function or a callable object

        return list(inspect.signature(method).parameters)
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & _CO_VARARGS) + bool(code.co_flags & _CO_VARKEYWORDS)
    names: tuple[str, ...] = code.co_varnames[:count]
    return names


def _checking(operation: str, method: Callable[..., Any]) -> Callable[..., Any] | None:
    """``method`` checking its name parameters first, or None when it has none."""
    parameters = _parameter_names(method)
    kinds = {p: _PARAMETERS[p] for p in parameters if p in _PARAMETERS}
    if "name" in parameters and operation in _NAME_PARAMETER:
        kinds["name"] = _NAME_PARAMETER[operation]
    if not kinds:
        return None
    signature: inspect.Signature | None = None  # built on the first call

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> Any:
        nonlocal signature
        if signature is None:
            import inspect  # loaded by now in most programs (click imports it); see _parameter_names

            signature = inspect.signature(method)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return method(*args, **kwargs)  # the call's own error, as without the check
        for parameter, kind in kinds.items():
            if parameter in bound.arguments:
                bound.arguments[parameter] = _checked(bound.arguments[parameter], kind)
        return method(*bound.args, **bound.kwargs)

    return checked


T = TypeVar("T", bound=type)


def names_checked(cls: T) -> T:
    """``cls`` with every public operation checking its name parameters (`checked_name`) before it runs."""
    for operation in dir(cls):
        if operation.startswith("_"):
            continue
        # as inspect.getattr_static(cls, operation): the first class along the MRO to define it, no descriptor run
        method = next(vars(klass)[operation] for klass in cls.__mro__ if operation in vars(klass))
        if isinstance(method, property | classmethod | staticmethod | type) or not callable(method):
            continue
        checked = _checking(operation, method)
        if checked is not None:
            setattr(cls, operation, checked)
    return cls

"""What ``polycontract ci init`` checks before it writes a pipeline: where pip gets polycontract from,
and how a provider's message interactions are produced during verification.

No package index serves polycontract, so a pipeline installs it from a source the user names: a git
URL, a wheel (built with ``python -m build``) or a directory, with the extras the jobs need. A
requirement of the name alone would fail at the pipeline's first step, so it is refused here.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import click

__all__ = [
    "EXAMPLE_SPEC",
    "INSTALL_VARIABLE",
    "check_install",
    "check_message_url",
    "check_messages",
    "known_extras",
    "message_descriptions",
]

#: The CI variable that holds polycontract's pip requirement in generated pipelines.
INSTALL_VARIABLE = "POLYCONTRACT_PIP_SPEC"

#: What such a requirement looks like (the comment of a generated pipeline shows it).
EXAMPLE_SPEC = "polycontract[postgres] @ git+https://git.example.com/your-org/polycontract.git@v0.1.0"

#: The extras of pyproject.toml, for when polycontract runs from a source tree that is not installed.
_FALLBACK_EXTRAS = frozenset({"schema", "hypothesis", "server", "postgres", "dev"})

_NAMED = re.compile(r"^\s*polycontract\s*(?:\[(?P<extras>[^\]]*)\])?\s*(?P<rest>.*)$", re.IGNORECASE)
_SOURCE_URL = re.compile(r"^(?:git\+)?(?:https?|ssh|file)://\S+$")
_PATH = re.compile(r"^(?P<path>\.{1,2}(?:/\S*?)?|/\S*?|~/\S*?|\S+?\.(?:whl|tar\.gz|zip))(?:\[(?P<extras>[^\]]*)\])?$")
_OBJECT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def known_extras() -> frozenset[str]:
    """The extras polycontract offers (from the installed metadata, else pyproject.toml's list)."""
    try:
        found = metadata.metadata("polycontract").get_all("Provides-Extra") or []
    except metadata.PackageNotFoundError:
        return _FALLBACK_EXTRAS
    return frozenset(found) or _FALLBACK_EXTRAS


def _check_extras(extras: str | None, spec: str) -> None:
    names = {name.strip() for name in (extras or "").split(",") if name.strip()}
    unknown = sorted(names - known_extras())
    if unknown:
        offered = ", ".join(sorted(known_extras()))
        raise click.BadParameter(
            f"{spec!r} names the extra {', '.join(unknown)}, which polycontract does not have (it has {offered})",
            param_hint="--install",
        )


def check_install(spec: str) -> str:
    """``spec`` if pip can install polycontract from it: a named requirement with a source
    (``polycontract[postgres] @ git+https://…``), a git or file URL, a directory or a wheel path.

    >>> check_install("polycontract[postgres] @ git+https://git.example.com/org/polycontract.git")
    'polycontract[postgres] @ git+https://git.example.com/org/polycontract.git'
    """
    spec = spec.strip()
    if not spec or any(ord(c) < 32 for c in spec):
        raise click.BadParameter(f"expected a pip requirement on one line, got {spec!r}", param_hint="--install")
    named = _NAMED.match(spec)
    if named:
        rest = named.group("rest")
        source = rest[1:].strip() if rest.startswith("@") else None
        if not source or not _SOURCE_URL.match(source):
            raise click.BadParameter(
                f"{spec!r} would ask a package index, and none serves polycontract; name its source,"
                f" e.g. {EXAMPLE_SPEC!r}, a wheel built with python -m build, or a directory",
                param_hint="--install",
            )
        _check_extras(named.group("extras"), spec)
        return spec
    if _SOURCE_URL.match(spec):
        return spec
    path = _PATH.match(spec)
    if path:
        _check_extras(path.group("extras"), spec)
        return spec
    raise click.BadParameter(
        f"{spec!r} is not a pip requirement for polycontract; e.g. {EXAMPLE_SPEC!r},"
        " ./dist/polycontract-0.1.0-py3-none-any.whl[postgres] or ./polycontract[postgres]",
        param_hint="--install",
    )


def check_messages(value: str) -> str:
    """``MODULE:OBJECT`` as ``polycontract verify --messages`` takes it."""
    if not _OBJECT.match(value):
        raise click.BadParameter(f"expected MODULE:OBJECT, e.g. orders_svc.events:producers; got {value!r}")
    return value


def check_message_url(value: str) -> str:
    """An http(s) URL that answers ``POST {"description": …, "providerStates": […]}`` with a message."""
    if not re.match(r"^https?://[^\s'\"]+$", value):
        raise click.BadParameter(f"expected an http(s) URL, got {value!r}", param_hint="--message-url")
    return value


def message_descriptions(directory: Path, provider: str) -> list[str]:
    """Descriptions of the message interactions in the pact files of ``directory`` whose provider is
    ``provider`` (V3 ``messages``, V4 ``Asynchronous/Messages`` and ``Synchronous/Messages``)."""
    from polycontract.codec import load_pact
    from polycontract.errors import PolycontractError
    from polycontract.model import AsynchronousMessage, SynchronousMessage

    if not directory.is_dir():
        raise click.BadParameter(f"{directory} is not a directory", param_hint="--pacts")

    found: list[str] = []
    for path in sorted(directory.glob("*.json")):
        try:
            pact = load_pact(path)
        except PolycontractError as exc:
            raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--pacts") from None
        if pact.provider == provider:
            found += [
                i.description for i in pact.interactions if isinstance(i, AsynchronousMessage | SynchronousMessage)
            ]
    return found

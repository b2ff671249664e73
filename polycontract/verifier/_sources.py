"""Where pacts to verify come from: files, directories, `model.PactDocument` objects, or any `PactSource`.

A source yields `SourcedPact` values: the pact plus where it came from (a path or URL) and whether the
broker marked it pending. A pact that cannot be read becomes a `SourcedPact` with an ``error`` instead of
an exception, so one bad file fails its own entry and the rest of the run goes on.

>>> from polycontract import model
>>> [s.origin for s in resolve_sources([model.PactDocument(consumer="web", provider="api")])]
['<pact web -> api>']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from polycontract.codec import load_pact
from polycontract.errors import PactFormatError, UsageError
from polycontract.model import PactDocument, require_document

__all__ = ["PactSource", "Source", "SourcedPact", "SourcedPactLike", "resolve_sources", "triage"]

#: ``deployed to prod`` / ``released to app-store`` in a broker notice (``1.0 (deployed to prod)``).
_LIVE = re.compile(r"\b(deployed|released) to ([^;,)]+)")


@dataclass(frozen=True, kw_only=True)
class SourcedPact:
    """A pact to verify and its provenance.

    ``origin`` names the file or URL, ``pending`` marks a pact whose failures must not fail the build
    (the broker's pending pacts), ``url`` is where verification results for it go (a broker link),
    ``consumer_version`` the version that published it.
    Exactly one of ``pact`` and ``error`` is set: ``error`` says why the source could not be read.
    """

    pact: PactDocument | None
    origin: str
    pending: bool = False
    url: str | None = None
    error: str | None = None
    #: The consumer version that published the pact, when known (a broker source knows it).
    consumer_version: str | None = None
    #: True when the pact came from scanning a directory: pacts for other providers are skipped then.
    from_directory: bool = False
    #: Every consumer version whose pact has this content (a broker source de-duplicates by content).
    consumer_versions: tuple[str, ...] = ()
    #: Why the broker chose each consumer version, e.g. ``1.0 (deployed to prod)``.
    notices: tuple[str, ...] = ()
    #: True for a broker's work-in-progress pact: its result is published as WIP.
    wip: bool = False

    @property
    def versions(self) -> tuple[str, ...]:
        """The consumer versions this pact serves (``consumer_versions``, else ``consumer_version``)."""
        return self.consumer_versions or ((self.consumer_version,) if self.consumer_version else ())

    @property
    def deployments(self) -> tuple[str, ...]:
        """Where those versions are live, from the notices: ``("deployed in prod", "released in app-store")``."""
        found: list[str] = []
        for notice in self.notices:
            for kind, environment in _LIVE.findall(notice):
                where = f"{kind} in {environment.strip()}"
                if where not in found:
                    found.append(where)
        return tuple(found)


class SourcedPactLike(Protocol):
    """What a `PactSource` may yield besides `SourcedPact`: any object with these attributes.

    The broker's ``PactForVerification`` is one; `resolve_sources` turns such objects into
    `SourcedPact` values (``error``, ``consumer_version``, ``consumer_versions`` and ``notices`` are
    optional).
    """

    @property
    def pact(self) -> PactDocument | None:
        """The pact, or None when it could not be read."""
        ...

    @property
    def origin(self) -> str:
        """Where the pact came from."""
        ...

    @property
    def pending(self) -> bool:
        """True when failures must not fail the build."""
        ...

    @property
    def url(self) -> str | None:
        """Where results for it go, if anywhere."""
        ...


@runtime_checkable
class PactSource(Protocol):
    """Anything that can list pacts to verify, such as a broker query with consumer version selectors.

    >>> class Fixed:
    ...     def pacts(self) -> list[SourcedPact]:
    ...         return []
    >>> isinstance(Fixed(), PactSource)
    True
    """

    def pacts(self) -> Iterable[SourcedPact | SourcedPactLike]:
        """The pacts to verify, each with its provenance."""
        ...


#: What `Verifier.verify` accepts: a pact file, a directory of them, a pact, or a `PactSource`.
Source = str | Path | PactDocument | PactSource


def _load_file(path: Path, *, from_directory: bool) -> SourcedPact:
    try:
        return SourcedPact(pact=load_pact(path), origin=str(path), from_directory=from_directory)
    except PactFormatError as exc:
        return SourcedPact(pact=None, origin=str(path), error=f"{exc}; fix or regenerate the pact file")


def _from_path(path: Path) -> Iterator[SourcedPact]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            yield SourcedPact(
                pact=None, origin=str(path), error=f"no pact files (*.json) in directory {path}; check the path"
            )
        for file in files:
            yield _load_file(file, from_directory=True)
    elif path.exists():
        yield _load_file(path, from_directory=False)
    else:
        yield SourcedPact(pact=None, origin=str(path), error=f"pact file {path} does not exist; check the path")


def resolve_sources(sources: Iterable[Source]) -> Iterator[SourcedPact]:
    """Every pact the sources name, in order; unreadable ones carry an ``error``.

    An argument of an unknown type is a `UsageError`: that is a programming mistake, not bad input.
    """
    for source in sources:
        if isinstance(source, PactDocument):
            yield SourcedPact(pact=source, origin=f"<pact {source.consumer} -> {source.provider}>")
        elif isinstance(source, (str, Path)):
            yield from _from_path(Path(source))
        elif isinstance(source, SourcedPact):
            yield source
        elif isinstance(source, PactSource):
            try:
                listed = list(source.pacts())
            except Exception as exc:  # a broker that cannot be reached must not crash the run
                yield SourcedPact(pact=None, origin=repr(source), error=f"could not list pacts: {exc}")
                continue
            yield from (_adopt(item) for item in listed)
        else:
            require_document(source, "Verifier.verify(source)")
            raise UsageError(
                f"source={source!r} is not a pact file, a directory, a model.PactDocument or a PactSource "
                "(an object with a pacts() method)"
            )


def _adopt(item: SourcedPact | SourcedPactLike) -> SourcedPact:
    """``item`` as a `SourcedPact`, copying the attributes a source object has (duck typing)."""
    if isinstance(item, SourcedPact):
        return item
    versions = tuple(getattr(item, "consumer_versions", ()) or ())
    return SourcedPact(
        pact=item.pact,
        origin=str(item.origin),
        pending=bool(item.pending),
        url=item.url,
        error=getattr(item, "error", None),
        consumer_version=getattr(item, "consumer_version", None) or (versions[-1] if versions else None),
        consumer_versions=versions,
        notices=tuple(str(n) for n in (getattr(item, "notices", ()) or ())),
        wip=bool(getattr(item, "wip", False)),
    )


def triage(sourced: SourcedPact, provider: str) -> tuple[bool, str | None]:
    """(verify it?, why it cannot be verified) for a sourced pact and the provider being verified.

    Pacts for another provider found by scanning a directory are skipped silently; named explicitly,
    they are an error, as are unreadable pacts and pacts without interactions.
    """
    pact = sourced.pact
    if pact is None:
        return False, sourced.error or "could not be read"
    if pact.provider != provider:
        if sourced.from_directory:
            return False, None
        return False, f"this pact is for provider {pact.provider!r}, not {provider!r}; pass the right pact or provider"
    if not pact.interactions:
        return False, "the pact has no interactions, so it proves nothing; regenerate it from the consumer tests"
    return True, None

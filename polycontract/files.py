"""Pact files on disk: merge interactions, write atomically, never clobber a file that is not a pact.

One file per consumer-provider pair, ``<consumer>-<provider>.json``. Writing merges with the file already
there (an interaction declared again replaces the old one with the same description and provider states),
sorts interactions deterministically, writes a temporary file beside the target and renames it over the
target, so a reader sees the old file or the new one, never half of one. A lock file beside the target
serialises writers in several processes.

>>> import tempfile
>>> from polycontract import model
>>> ping = model.HttpInteraction(description="ping")
>>> written = write_pact(model.PactDocument(consumer="web", provider="users", interactions=(ping,)), tempfile.mkdtemp())
>>> written.path.name, written.interactions
('web-users.json', 1)
"""

from __future__ import annotations

import contextlib
import json
import operator
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from polycontract.codec import dumps_pact_parts, load_pact, normalise_spec
from polycontract.errors import PactFormatError, PolycontractError, UsageError
from polycontract.model import Interaction, PactDocument, require_document

__all__ = ["Written", "interaction_key", "merge_pacts", "pact_file_name", "read_pacts", "update_pact", "write_pact"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: ``json.dumps(params, sort_keys=True, default=repr)``, without building an encoder per call.
_STATE_JSON = json.JSONEncoder(sort_keys=True, default=repr)
#: Seconds to wait for another process's lock before giving up with an error naming the lock file.
LOCK_TIMEOUT = 30.0
_DESCRIPTION = operator.attrgetter("description")
#: Pieces of pact text joined, encoded and written at a time (some 100 kB).
_BATCH = 1024


@dataclass(frozen=True, kw_only=True)
class Written:
    """Where a pact was written and how many interactions the file now holds (``removed``: the file was
    deleted, nothing being left to write)."""

    path: Path
    interactions: int
    removed: bool = False


def pact_file_name(consumer: str, provider: str) -> str:
    """``web-users.json``; characters unsafe in file names become ``_``.

    >>> pact_file_name("web app", "users/v2")
    'web_app-users_v2.json'
    """
    return f"{_UNSAFE.sub('_', consumer)}-{_UNSAFE.sub('_', provider)}.json"


def interaction_key(interaction: Interaction) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What identifies an interaction within a pact: its description and provider states (with params)."""
    states = interaction.provider_states
    if not states:
        return interaction.description, ()
    encode = _STATE_JSON.encode
    return interaction.description, tuple(
        [(s.name, "{}" if not s.params and isinstance(s.params, dict) else encode(s.params)) for s in states]
    )


def merge_pacts(pacts: Sequence[PactDocument], *, on_conflict: Literal["error", "replace"] = "error") -> PactDocument:
    """One pact holding the interactions of all ``pacts`` (same consumer and provider), sorted.

    An interaction declared twice with the same content is kept once. Declared twice with different
    content, it is a `UsageError` naming both (``on_conflict="error"``), or the later one wins
    (``"replace"``). Metadata is merged with later pacts winning; the spec is the last pact's.

    >>> from polycontract import model
    >>> a = model.PactDocument(consumer="w", provider="u", interactions=(model.HttpInteraction(description="b"),))
    >>> b = model.PactDocument(consumer="w", provider="u", interactions=(model.HttpInteraction(description="a"),))
    >>> [i.description for i in merge_pacts([a, b]).interactions]
    ['a', 'b']
    """
    if not pacts:
        raise UsageError("merge_pacts: pacts=[] must hold at least one pact")
    for index, pact in enumerate(pacts):
        require_document(pact, f"merge_pacts(pacts[{index}])")
    first = pacts[0]
    for pact in pacts[1:]:
        if (pact.consumer, pact.provider) != (first.consumer, first.provider):
            raise UsageError(
                f"cannot merge the pact {pact.consumer} -> {pact.provider} into {first.consumer} -> {first.provider}"
            )
    metadata: dict[str, object] = {}
    for pact in pacts:
        metadata.update(pact.metadata)
    every = [i for pact in pacts for i in pact.interactions] if len(pacts) > 1 else pacts[0].interactions
    descriptions = [i.description for i in every]
    if len(set(descriptions)) == len(descriptions):
        # No two share a description, so no two share a key: nothing to merge, and the order of the keys is
        # the order of the descriptions (the first thing the keys compare), so the keys need not be built.
        return replace(pacts[-1], interactions=tuple(sorted(every, key=_DESCRIPTION)), metadata=metadata)
    merged: dict[tuple[str, tuple[tuple[str, str], ...]], Interaction] = {}
    for pact in pacts:
        for interaction in pact.interactions:
            key = interaction_key(interaction)
            old = merged.get(key)
            if old is not None and old != interaction and on_conflict == "error":
                raise UsageError(_conflict(interaction))
            merged[key] = interaction
    ordered = sorted(merged.items(), key=lambda item: (item[0], item[1].type_name))
    return replace(pacts[-1], interactions=tuple(i for _, i in ordered), metadata=metadata)


def _conflict(interaction: Interaction) -> str:
    given = " and ".join(repr(s.name) for s in interaction.provider_states) or "no provider state"
    return (
        f"interaction description={interaction.description!r} with {given} is declared twice with different "
        "content; give the interactions different descriptions"
    )


def write_pact(
    pact: PactDocument,
    directory: str | os.PathLike[str],
    *,
    spec: str | None = None,
    mode: Literal["merge", "overwrite"] = "merge",
) -> Written:
    """Write ``pact`` to ``directory/<consumer>-<provider>.json`` atomically, as ``spec`` (default: the pact's).

    In ``merge`` mode the interactions of an existing file are kept unless redeclared (see `merge_pacts`
    with ``on_conflict="replace"``). An existing file that is not a valid pact of this pair is never
    overwritten: that is a `PolycontractError` naming it. A directory that cannot be created or written
    is a `UsageError` naming it.
    """
    require_document(pact, "write_pact(pact)")

    def merged(existing: PactDocument | None) -> PactDocument:
        if mode == "merge" and existing is not None:
            return merge_pacts([existing, pact], on_conflict="replace")
        return merge_pacts([pact])

    return update_pact(
        pact.consumer, pact.provider, directory, merged, spec=spec or pact.spec, read_existing=mode == "merge"
    )


def update_pact(
    consumer: str,
    provider: str,
    directory: str | os.PathLike[str],
    update: Callable[[PactDocument | None], PactDocument | None],
    *,
    spec: str | None = None,
    read_existing: bool = True,
) -> Written:
    """Replace the pact file of ``consumer -> provider`` with ``update(pact in the file, or None)``, under the lock.

    ``update`` returning None removes the file (``Written.removed``). The result is sorted and written
    atomically as ``spec`` (default: the pact's own), with the same refusals as `write_pact` for a file
    that is not a pact of this pair. ``read_existing=False``: ``update`` gets None whatever the file holds.
    """
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"pact directory={str(folder)!r} cannot be created: {exc.strerror or exc}") from None
    target = folder / pact_file_name(consumer, provider)
    with _locked(target):
        found = _existing(target, consumer, provider) if read_existing and target.exists() else None
        pact = update(found)
        require_document(pact, "update_pact(update=...)")
        if pact is None:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            return Written(path=target, interactions=0, removed=True)
        pact = merge_pacts([pact])
        version = normalise_spec(spec or pact.spec)
        parts = dumps_pact_parts(replace(pact, spec=version), spec=version)
        parts.append("\n")
        _replace_atomically(target, parts)
    return Written(path=target, interactions=len(pact.interactions))


def _existing(target: Path, consumer: str, provider: str) -> PactDocument:
    try:
        found = load_pact(target)
    except PactFormatError as exc:
        raise PolycontractError(
            f"refusing to overwrite {target}: it is not a valid pact ({exc.detail}). "
            "Move it away or delete it, then run again."
        ) from None
    if (found.consumer, found.provider) != (consumer, provider):
        raise PolycontractError(
            f"refusing to overwrite {target}: it holds the pact {found.consumer} -> {found.provider}, "
            f"not {consumer} -> {provider}. Move it away or use another pact directory."
        )
    return found


def _replace_atomically(target: Path, parts: Sequence[str]) -> None:
    """Write the text ``"".join(parts)`` to a temporary file beside ``target``, fsync it, rename it over ``target``."""
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"pact directory={str(target.parent)!r} is not writable: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:  # bytes: a text-mode write of a large pact costs 6x more
            # In batches of pieces: the text of a large pact is never built whole (nor encoded whole), which
            # costs a fresh block of memory twice the size of the file, page by page.
            for start in range(0, len(parts), _BATCH):
                text = "".join(parts[start : start + _BATCH])
                handle.write((text if os.linesep == "\n" else text.replace("\n", os.linesep)).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _locked(target: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    lock = target.with_name(f".{target.name}.lock")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                raise PolycontractError(
                    f"{lock} has been held for over {timeout:.0f}s; if no other process is writing pacts, delete it"
                ) from None
            time.sleep(0.01)
        except OSError as exc:
            raise UsageError(f"pact directory={str(target.parent)!r} is not writable: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(lock)


def read_pacts(paths: Iterable[str | os.PathLike[str]]) -> list[PactDocument]:
    """Load several pact files (e.g. the fragments of parallel workers), each error naming its file."""
    return [load_pact(Path(p)) for p in paths]

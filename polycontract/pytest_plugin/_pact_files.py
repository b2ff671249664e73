"""What the consumer side of the plugin gathers during a session, and the pact files it writes at the end.

`Collected` holds, per consumer-provider pair, every interaction declared by a passing test with the id
of the test that declared it, so that two tests declaring the same description and provider states with
different content are reported by name. Under pytest-xdist each worker serialises its `Collected` to
JSON (`to_json`), the controller merges the workers' fragments (`add_json`) and alone writes the files.

Each file records which test declared each interaction (under ``metadata.polycontract.tests``; the content
hash ignores metadata). In ``merge`` mode that is what decides what an earlier run's interactions become:
those of a test that ran in this session are replaced by what the test declares now (nothing if it was
skipped, failed or no longer declares them); those of tests that did not run (a ``-k`` selection, another
job) are kept. An earlier interaction no test claims is kept unless a test of this session declared it
and did not pass. A file left with no interaction is removed.

>>> from polycontract import Pact
>>> collected = Collected()
>>> pact = Pact(consumer="web", provider="users")
>>> _ = pact.upon_receiving("a ping").with_request("GET", "/ping").will_respond_with(204)
>>> collected.add(pact.to_model(), "test_ping")
>>> restored = Collected()
>>> restored.add_json(collected.to_json())
>>> [(pair, len(found)) for pair, found in restored.pairs.items()]
[(('web', 'users'), 1)]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from polycontract.codec import dump_pact, load_pact
from polycontract.errors import PolycontractError, UsageError
from polycontract.files import Written, interaction_key, pact_file_name, update_pact
from polycontract.model import Interaction, PactDocument, SpecVersion

__all__ = ["Collected", "ConflictError"]

_FORMAT = 2
#: Where a pact file records the tests that declared its interactions: ``metadata[_META]["tests"]``.
_META = "polycontract"
Key = tuple[str, tuple[tuple[str, str], ...]]
Pair = tuple[str, str]


class ConflictError(UsageError):
    """Two tests declared the same description and provider states with different content."""


@dataclass
class _Declared:
    """One interaction, the test that declared it first and every test that declared it."""

    nodeid: str
    interaction: Interaction
    nodeids: list[str] = field(default_factory=list)


@dataclass
class Collected:
    """Interactions of the session's passing tests, per consumer-provider pair, in first-declared order."""

    pairs: dict[Pair, dict[Key, _Declared]] = field(default_factory=dict)
    specs: dict[Pair, SpecVersion] = field(default_factory=dict)
    #: Conflicts found while merging workers' fragments (in one process a conflict fails the test instead).
    conflicts: list[tuple[Pair, str]] = field(default_factory=list)
    #: Interactions declared by tests that did not pass (skipped, failed): never written, and an earlier
    #: run's copy that no test claims is dropped.
    discarded: dict[Pair, set[Key]] = field(default_factory=dict)
    #: The node ids of the tests that ran in this session, whatever their outcome.
    ran: set[str] = field(default_factory=set)

    def check(self, pact: PactDocument, nodeid: str) -> None:
        """Raise `ConflictError` naming both tests if ``pact`` contradicts an interaction already collected."""
        found = self.pairs.get((pact.consumer, pact.provider), {})
        for interaction in pact.interactions:
            old = found.get(interaction_key(interaction))
            if old is not None and old.interaction != interaction:
                raise ConflictError(conflict_message(pact, interaction, old.nodeid, nodeid))

    def add(self, pact: PactDocument, nodeid: str) -> None:
        """Collect the interactions of ``pact``, declared by test ``nodeid`` (check it first with `check`)."""
        pair = (pact.consumer, pact.provider)
        found = self.pairs.setdefault(pair, {})
        self.specs.setdefault(pair, pact.spec)
        for interaction in pact.interactions:
            declared = found.setdefault(interaction_key(interaction), _Declared(nodeid, interaction))
            if nodeid not in declared.nodeids:
                declared.nodeids.append(nodeid)

    def discard(self, pact: PactDocument) -> None:
        """Note the interactions of ``pact``, declared by a test that did not pass: none of them is written."""
        self.discarded.setdefault((pact.consumer, pact.provider), set()).update(
            interaction_key(i) for i in pact.interactions
        )

    def to_json(self) -> str:
        """The collected interactions as JSON, for a pytest-xdist worker to hand to the controller."""
        fragments: list[dict[str, Any]] = []
        for (consumer, provider), found in self.pairs.items():
            by_test: dict[str, list[Interaction]] = {}
            for declared in found.values():
                for nodeid in declared.nodeids:
                    by_test.setdefault(nodeid, []).append(declared.interaction)
            for nodeid, interactions in by_test.items():
                pact = PactDocument(consumer=consumer, provider=provider, interactions=tuple(interactions), spec="V4")
                fragments.append(
                    {"nodeid": nodeid, "spec": self.specs[(consumer, provider)], "pact": dump_pact(pact, spec="V4")}
                )
        discarded = [
            {"consumer": consumer, "provider": provider, "keys": sorted(keys)}
            for (consumer, provider), keys in self.discarded.items()
        ]
        return json.dumps({"format": _FORMAT, "fragments": fragments, "discarded": discarded})

    def add_json(self, text: str) -> None:
        """Merge a worker's `to_json`; conflicts with what is already collected go to `conflicts`."""
        data = json.loads(text)
        if data.get("format") != _FORMAT:
            raise UsageError(f"a pytest-xdist worker sent pact fragments in format={data.get('format')!r}")
        for fragment in data["fragments"]:
            pact = load_pact(fragment["pact"], name=f"<fragment of {fragment['nodeid']}>")
            pact = PactDocument(
                consumer=pact.consumer, provider=pact.provider, interactions=pact.interactions, spec=fragment["spec"]
            )
            try:
                self.check(pact, fragment["nodeid"])
            except ConflictError as exc:
                self.conflicts.append(((pact.consumer, pact.provider), str(exc)))
                continue
            self.add(pact, fragment["nodeid"])
        for entry in data.get("discarded", ()):
            keys = self.discarded.setdefault((entry["consumer"], entry["provider"]), set())
            keys.update(_key(key) for key in entry["keys"])

    def conflicting_pairs(self) -> set[Pair]:
        """Pairs that must not be written because two tests contradict each other in them."""
        return {pair for pair, _ in self.conflicts}

    def write(
        self, directory: str | os.PathLike[str], *, mode: Literal["merge", "overwrite"] = "merge"
    ) -> list[Written]:
        """Write one pact file per pair (except conflicting ones), in pair order; see `files.update_pact`.

        In ``merge`` mode also every pact file of ``directory`` holding interactions of a test that ran.
        """
        written = []
        skip = self.conflicting_pairs()
        pairs = {pair for pair, found in self.pairs.items() if found}
        if mode == "merge":
            pairs |= self.discarded.keys() | self._files_of_tests_that_ran(Path(directory))
        for pair in sorted(pairs - skip):
            if not self.pairs.get(pair) and not Path(directory, pact_file_name(*pair)).exists():
                continue  # nothing to write, nothing written before
            had: list[bool] = []

            def update(existing: PactDocument | None, pair: Pair = pair, had: list[bool] = had) -> PactDocument | None:
                had.append(existing is not None)
                return self._updated(pair, self.pairs.get(pair, {}), existing)

            result = update_pact(*pair, directory, update, read_existing=mode == "merge")
            if result.interactions or any(had):
                written.append(result)
        return written

    def _updated(self, pair: Pair, found: dict[Key, _Declared], existing: PactDocument | None) -> PactDocument | None:
        """The pact to write for ``pair``: this session's interactions and what is kept of ``existing``."""
        owners: dict[Key, set[str]] = {}
        interactions: dict[Key, Interaction] = {}
        if existing is not None:
            claimed = _owners(existing)
            dropped = self.discarded.get(pair, set())
            for interaction in existing.interactions:
                key = interaction_key(interaction)
                before = claimed.get(key, set())
                left = before - self.ran
                if (before and not left) or (not before and key in dropped):
                    continue
                interactions[key], owners[key] = interaction, left
        for key, declared in found.items():
            interactions[key] = declared.interaction
            owners[key] = owners.get(key, set()) | set(declared.nodeids)
        if not interactions:
            return None
        tests: dict[str, list[list[Any]]] = {}
        for key in sorted(owners):
            for nodeid in sorted(owners[key]):
                tests.setdefault(nodeid, []).append([key[0], [list(state) for state in key[1]]])
        kept = existing.metadata if existing is not None else {}
        metadata = {**kept, _META: {"tests": dict(sorted(tests.items()))}}
        spec = self.specs.get(pair) or (existing.spec if existing is not None else "V4")
        return PactDocument(
            consumer=pair[0],
            provider=pair[1],
            interactions=tuple(interactions.values()),
            spec=spec,
            metadata=metadata,
        )

    def _files_of_tests_that_ran(self, directory: Path) -> set[Pair]:
        """The pairs of the pact files in ``directory`` that hold an interaction of a test that ran."""
        found: set[Pair] = set()
        if not self.ran or not directory.is_dir():
            return found
        for path in sorted(directory.glob("*.json")):
            try:
                pact = load_pact(path)
            except (PolycontractError, OSError, ValueError):
                continue  # not a pact: nothing of ours
            if any(owners & self.ran for owners in _owners(pact).values()):
                found.add((pact.consumer, pact.provider))
        return found


def _owners(pact: PactDocument) -> dict[Key, set[str]]:
    """The tests that declared each interaction of ``pact``, as the file records them (none: unknown)."""
    record = pact.metadata.get(_META)
    tests = record.get("tests") if isinstance(record, dict) else None
    owners: dict[Key, set[str]] = {}
    if not isinstance(tests, dict):
        return owners
    for nodeid, keys in tests.items():
        if not isinstance(keys, list):
            continue
        for key in keys:
            try:
                owners.setdefault(_key(key), set()).add(str(nodeid))
            except (TypeError, ValueError):
                continue
    return owners


def _key(data: Any) -> Key:
    """An interaction key from its JSON form ``[description, [[state, params as JSON], ...]]``."""
    description, states = data
    return str(description), tuple((str(name), str(params)) for name, params in states)


def conflict_message(pact: PactDocument, interaction: Interaction, first: str, second: str) -> str:
    """Name both tests and the interaction they disagree on."""
    given = " and ".join(repr(s.name) for s in interaction.provider_states) or "no provider state"
    return (
        f"{pact.consumer} -> {pact.provider}: interaction {interaction.description!r} with {given} is declared "
        f"with different content by {first} and by {second}; give them different descriptions or provider "
        "states, or declare the same content in both"
    )

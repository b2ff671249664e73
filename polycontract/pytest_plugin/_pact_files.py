"""What the consumer side of the plugin gathers during a session, and the pact files it writes at the end.

`Collected` holds, per consumer-provider pair, every interaction declared by a passing test with the id
of the test that declared it, so that two tests declaring the same description and provider states with
different content are reported by name. Under pytest-xdist each worker serialises its `Collected` to
JSON (`to_json`), the controller merges the workers' fragments (`add_json`) and alone writes the files.

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
from typing import Any, Literal

from polycontract.codec import dump_pact, load_pact
from polycontract.errors import UsageError
from polycontract.files import Written, interaction_key, write_pact
from polycontract.model import Interaction, Pact, SpecVersion

__all__ = ["Collected", "ConflictError"]

_FORMAT = 1
Key = tuple[str, tuple[tuple[str, str], ...]]
Pair = tuple[str, str]


class ConflictError(UsageError):
    """Two tests declared the same description and provider states with different content."""


@dataclass
class _Declared:
    """One interaction and the test that declared it first."""

    nodeid: str
    interaction: Interaction


@dataclass
class Collected:
    """Interactions of the session's passing tests, per consumer-provider pair, in first-declared order."""

    pairs: dict[Pair, dict[Key, _Declared]] = field(default_factory=dict)
    specs: dict[Pair, SpecVersion] = field(default_factory=dict)
    #: Conflicts found while merging workers' fragments (in one process a conflict fails the test instead).
    conflicts: list[tuple[Pair, str]] = field(default_factory=list)

    def check(self, pact: Pact, nodeid: str) -> None:
        """Raise `ConflictError` naming both tests if ``pact`` contradicts an interaction already collected."""
        found = self.pairs.get((pact.consumer, pact.provider), {})
        for interaction in pact.interactions:
            old = found.get(interaction_key(interaction))
            if old is not None and old.interaction != interaction:
                raise ConflictError(conflict_message(pact, interaction, old.nodeid, nodeid))

    def add(self, pact: Pact, nodeid: str) -> None:
        """Collect the interactions of ``pact``, declared by test ``nodeid`` (check it first with `check`)."""
        pair = (pact.consumer, pact.provider)
        found = self.pairs.setdefault(pair, {})
        self.specs.setdefault(pair, pact.spec)
        for interaction in pact.interactions:
            found.setdefault(interaction_key(interaction), _Declared(nodeid, interaction))

    def to_json(self) -> str:
        """The collected interactions as JSON, for a pytest-xdist worker to hand to the controller."""
        fragments: list[dict[str, Any]] = []
        for (consumer, provider), found in self.pairs.items():
            by_test: dict[str, list[Interaction]] = {}
            for declared in found.values():
                by_test.setdefault(declared.nodeid, []).append(declared.interaction)
            for nodeid, interactions in by_test.items():
                pact = Pact(consumer=consumer, provider=provider, interactions=tuple(interactions), spec="V4")
                fragments.append(
                    {"nodeid": nodeid, "spec": self.specs[(consumer, provider)], "pact": dump_pact(pact, spec="V4")}
                )
        return json.dumps({"format": _FORMAT, "fragments": fragments})

    def add_json(self, text: str) -> None:
        """Merge a worker's `to_json`; conflicts with what is already collected go to `conflicts`."""
        data = json.loads(text)
        if data.get("format") != _FORMAT:
            raise UsageError(f"a pytest-xdist worker sent pact fragments in format={data.get('format')!r}")
        for fragment in data["fragments"]:
            pact = load_pact(fragment["pact"], name=f"<fragment of {fragment['nodeid']}>")
            pact = Pact(
                consumer=pact.consumer, provider=pact.provider, interactions=pact.interactions, spec=fragment["spec"]
            )
            try:
                self.check(pact, fragment["nodeid"])
            except ConflictError as exc:
                self.conflicts.append(((pact.consumer, pact.provider), str(exc)))
                continue
            self.add(pact, fragment["nodeid"])

    def conflicting_pairs(self) -> set[Pair]:
        """Pairs that must not be written because two tests contradict each other in them."""
        return {pair for pair, _ in self.conflicts}

    def write(
        self, directory: str | os.PathLike[str], *, mode: Literal["merge", "overwrite"] = "merge"
    ) -> list[Written]:
        """Write one pact file per pair (except conflicting ones), in pair order; see `files.write_pact`."""
        written = []
        skip = self.conflicting_pairs()
        for pair in sorted(self.pairs):
            if pair in skip or not self.pairs[pair]:
                continue
            interactions = tuple(d.interaction for d in self.pairs[pair].values())
            pact = Pact(consumer=pair[0], provider=pair[1], interactions=interactions, spec=self.specs[pair])
            written.append(write_pact(pact, directory, mode=mode))
        return written


def conflict_message(pact: Pact, interaction: Interaction, first: str, second: str) -> str:
    """Name both tests and the interaction they disagree on."""
    given = " and ".join(repr(s.name) for s in interaction.provider_states) or "no provider state"
    return (
        f"{pact.consumer} -> {pact.provider}: interaction {interaction.description!r} with {given} is declared "
        f"with different content by {first} and by {second}; give them different descriptions or provider "
        "states, or declare the same content in both"
    )

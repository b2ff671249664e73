"""Provider verification in pytest: one test item per interaction.

Mark a test that takes ``pact_interaction`` and the plugin parametrizes it with every interaction of
the given pacts, so each one passes or fails on its own, reads ``consumer 1.4.0 (deployed in prod):
description`` in the report (the consumer version and where it is live when the source knows them, as a
broker does), and ``-k`` selects interactions::

    verifier = Verifier(provider="users", app=app)

    @pytest.mark.pact_verification(verifier, "pacts/")
    def test_users_api(pact_interaction):
        pact_interaction.verify()

`pact_verification` writes that test for you: ``test_users_api = pact_verification(verifier, "pacts/")``.
An item fails both when the provider broke the pact and when the interaction could not be verified (a
provider state or message producer missing, the provider unreachable), with distinct messages. A
failing pending interaction is reported as xfail; an unreadable pact is one failing item.

With ``Verifier(fuzz=N)`` each HTTP interaction gets a second item after the example items, ``fuzz:
consumer: description``, that sends up to N requests drawn from the request's rules (see docs/fuzzing.md)
and fails with the smallest request that broke the pact and the seed that repeats it. Its outcome
follows ``polycontract verify --fuzz``'s exit code: an interaction that cannot be fuzzed (no request
rules, rules nothing can be drawn from) is skipped with the reason when another interaction of the
pacts can be fuzzed, and fails when none can (the CLI's exit 2); pacts with no HTTP interaction at all
get one failing ``fuzz: nothing to fuzz`` item.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the verifier (and httpx) load only when a test uses provider verification
    from polycontract.model import Interaction, PactDocument
    from polycontract.verifier import InteractionResult, VerificationSession, Verifier
    from polycontract.verifier.support import FuzzResult, Source

__all__ = ["PactInteraction", "pact_verification"]

MARKER = "pact_verification"

#: Open sessions (transport + state runner) per verifier, closed when the pytest session that
#: collected the verifier ends (pytester runs nest sessions in one process).
_SESSIONS: dict[int, tuple[Verifier, VerificationSession]] = {}
_COLLECTED = pytest.StashKey[set[int]]()


@dataclass(frozen=True)
class PactInteraction:
    """One interaction to verify as a pytest item (or a pact source that could not be read)."""

    verifier: Verifier
    pact: PactDocument | None
    interaction: Interaction | None
    origin: str
    pending: bool = False
    error: str | None = None
    #: The consumer versions whose pact this is, when the source knows them (a broker does).
    consumer_versions: tuple[str, ...] = ()
    #: Where those versions are live, e.g. ``("deployed in prod",)``.
    deployments: tuple[str, ...] = ()
    #: True for the fuzz item of the interaction (``Verifier(fuzz=N)``), False for its example item.
    fuzz: bool = False
    #: Why the interaction cannot be fuzzed, as far as its pact tells (None: it can be).
    not_fuzzable: str | None = None
    #: True when no interaction of the collected pacts can be fuzzed (the fuzz is then no pass).
    nothing_fuzzable: bool = False

    @property
    def id(self) -> str:
        """The pytest id: ``consumer 1.4.0 (deployed in prod): description`` (versions and deployments when known)."""
        if self.fuzz and (self.pact is None or self.interaction is None):
            return "fuzz: nothing to fuzz"
        if self.pact is None or self.interaction is None:
            return f"unreadable pact {self.origin}"
        if self.fuzz:
            return f"fuzz: {dataclasses.replace(self, fuzz=False).id}"
        versions = ", ".join(self.consumer_versions)
        where = f" ({', '.join(self.deployments)})" if self.deployments else ""
        return f"{self.pact.consumer}{' ' + versions if versions else ''}{where}: {self.interaction.description}"

    def run(self) -> InteractionResult:
        """Verify the interaction and return the result, without failing the test."""
        if self.pact is None or self.interaction is None:
            raise RuntimeError(self.error or "no interaction")
        if self.fuzz:  # running the example here would pass a fuzz item without fuzzing
            raise RuntimeError(f"{self.id} is a fuzz item: call verify() or run_fuzz()")
        result = _session(self.verifier).run(
            self.pact,
            self.interaction,
            pending=self.pending,
            origin=self.origin,
            consumer_versions=self.consumer_versions,
            deployments=self.deployments,
        )
        _EXAMPLES[(id(self.verifier), id(self.pact), id(self.interaction))] = result
        return result

    def run_fuzz(self) -> FuzzResult:
        """Fuzz the interaction (after its example, verified now unless its example item ran), without failing."""
        from polycontract.verifier.support import fuzz_interaction

        if self.pact is None or self.interaction is None:
            raise RuntimeError(self.error or "no interaction")
        example = _EXAMPLES.get((id(self.verifier), id(self.pact), id(self.interaction)))
        if example is None:
            example = dataclasses.replace(self, fuzz=False).run()
        fuzzing = _fuzzing(self.verifier)
        if fuzzing.stop_at is None and self.verifier.fuzz_deadline is not None:
            fuzzing.stop_at = time.monotonic() + self.verifier.fuzz_deadline
        found = fuzz_interaction(
            _session(self.verifier),
            self.pact,
            self.interaction,
            examples=self.verifier.fuzz,
            fuzz_seed=fuzzing.seed,
            stop_at=fuzzing.stop_at,
            example=example,
            origin=self.origin,
        )
        fuzzing.fuzzed = fuzzing.fuzzed or found.outcome != "not-fuzzed"
        return found

    def verify(self) -> InteractionResult:
        """Verify the interaction; fail the test with every mismatch (or xfail a pending one)."""
        __tracebackhide__ = True
        if self.fuzz:
            self._verify_fuzz()
            return _EXAMPLES[(id(self.verifier), id(self.pact), id(self.interaction))]
        if self.pact is None or self.interaction is None:
            pytest.fail(f"{self.origin}: {self.error}", pytrace=False)
        result = self.run()
        if result.ok:
            return result
        unchecked = result.outcome == "could-not-verify"
        if result.pending and not result.unverified:
            what = "could not be verified" if unchecked else "failed"
            pytest.xfail(f"pending interaction {what}:\n{result.explain()}")
        if unchecked:
            message = f"could not verify (nothing was checked, so this is no pass):\n{result.explain()}"
            pytest.fail(message, pytrace=False)
        pytest.fail(f"the provider broke the pact:\n{result.explain()}", pytrace=False)

    def _verify_fuzz(self) -> None:
        """Fail, xfail or skip the fuzz item as `polycontract verify --fuzz` would count the interaction."""
        __tracebackhide__ = True
        unchecked = "could not verify (fuzz; nothing was checked, so this is no pass)"
        if self.pact is None or self.interaction is None:
            pytest.fail(f"{unchecked}: {self.error}", pytrace=False)
        found = self.run_fuzz()
        repeat = f"seed {found.seed}: Verifier(..., fuzz_seed={found.seed}) repeats this fuzz run"
        if found.outcome == "failed":
            text = f"{found.explain()}\n{repeat}"
            if found.pending:
                pytest.xfail(f"pending interaction failed fuzzing:\n{text}")
            pytest.fail(f"the provider broke the pact on a fuzzed request:\n{text}", pytrace=False)
        if found.outcome != "not-fuzzed":
            return
        why = f"{found.title}: not fuzzed ({found.reason})"
        example = _EXAMPLES[(id(self.verifier), id(self.pact), id(self.interaction))]
        if example.outcome == "could-not-verify":
            if example.pending:
                pytest.xfail(f"pending interaction could not be verified:\n{why}")
            pytest.fail(f"{unchecked}:\n{why}", pytrace=False)
        if self.nothing_fuzzable:
            pytest.fail(f"{unchecked}: no interaction of these pacts can be fuzzed:\n{why}", pytrace=False)
        if self.not_fuzzable is not None or (found.deadline_reached and _fuzzing(self.verifier).fuzzed):
            pytest.skip(why)
        pytest.fail(f"{unchecked}:\n{why}", pytrace=False)


def _session(verifier: Verifier) -> VerificationSession:
    entry = _SESSIONS.get(id(verifier))
    if entry is None or entry[0] is not verifier:
        session = verifier.session().__enter__()
        _SESSIONS[id(verifier)] = (verifier, session)
        return session
    return entry[1]


@dataclass
class _Fuzzing:
    """One verifier's fuzz run across its fuzz items: the seed, the deadline once started, whether any fuzzed."""

    seed: int
    stop_at: float | None = None
    fuzzed: bool = False


#: The fuzz run of each verifier collected with ``fuzz=N``, and the example results its fuzz items read.
_FUZZING: dict[int, tuple[Verifier, _Fuzzing]] = {}
_EXAMPLES: dict[tuple[int, int, int], InteractionResult] = {}
#: The fuzz seeds of this pytest session, ``(provider, seed)``, for the terminal summary.
_SEEDS = pytest.StashKey[list[tuple[str, int]]]()


def _fuzzing(verifier: Verifier) -> _Fuzzing:
    entry = _FUZZING.get(id(verifier))
    if entry is None or entry[0] is not verifier:
        chosen = verifier.fuzz_seed if verifier.fuzz_seed is not None else random.randrange(2**32)
        entry = (verifier, _Fuzzing(seed=chosen))
        _FUZZING[id(verifier)] = entry
    return entry[1]


def _fuzz_cases(verifier: Verifier, examples: list[PactInteraction]) -> list[PactInteraction]:
    """The fuzz items after the example items: one per HTTP interaction, or one failing item if there is none."""
    from polycontract.model import HttpInteraction
    from polycontract.verifier.support import not_fuzzable

    checked = [c for c in examples if c.pact is not None and c.interaction is not None]
    cases = [
        dataclasses.replace(c, fuzz=True, not_fuzzable=not_fuzzable(c.pact, c.interaction))
        for c in checked
        if c.pact is not None and isinstance(c.interaction, HttpInteraction)
    ]
    if all(c.not_fuzzable is not None for c in cases):
        cases = [dataclasses.replace(c, nothing_fuzzable=True) for c in cases]
    if checked and not cases:
        origins = ", ".join(sorted({c.origin for c in checked}))
        why = f"the pacts ({origins}) have no HTTP interaction: messages have no request to vary"
        cases = [PactInteraction(verifier, None, None, origins, error=why, fuzz=True, nothing_fuzzable=True)]
    return cases


def collect(verifier: Verifier, sources: tuple[Source, ...]) -> list[PactInteraction]:
    """One `PactInteraction` per interaction of the pacts for ``verifier.provider`` in ``sources``, then (with
    ``Verifier(fuzz=N)``) one fuzz item per HTTP interaction."""
    from polycontract.verifier.support import resolve_sources, triage

    cases: list[PactInteraction] = []
    for sourced in resolve_sources(sources):
        verify, problem = triage(sourced, verifier.provider)
        if problem is not None:
            cases.append(PactInteraction(verifier, None, None, sourced.origin, error=problem))
        if verify and sourced.pact is not None:
            cases += [
                PactInteraction(
                    verifier,
                    sourced.pact,
                    i,
                    sourced.origin,
                    pending=sourced.pending or i.pending,
                    consumer_versions=sourced.versions,
                    deployments=sourced.deployments,
                )
                for i in sourced.pact.interactions
            ]
    if verifier.fuzz:
        cases += _fuzz_cases(verifier, cases)
    return cases


def unique_ids(cases: list[PactInteraction]) -> list[str]:
    """Each case's `PactInteraction.id`, made unique: a repeated id gets its pact file's name, then a number."""
    from collections import Counter
    from pathlib import PurePath

    ids = [c.id for c in cases]
    repeated = {i for i, n in Counter(ids).items() if n > 1}
    ids = [f"{i} [{PurePath(c.origin).name}]" if i in repeated else i for i, c in zip(ids, cases)]
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i} #{seen[i]}")
    return out


def pact_verification(verifier: Verifier, *sources: Source) -> Callable[[PactInteraction], None]:
    """A test function with one pytest item per interaction of ``sources``; assign it to a ``test_`` name.

    >>> # test_users_api = pact_verification(verifier, "pacts/")
    """

    @pytest.mark.pact_verification(verifier, *sources)
    def test_pact_interaction(pact_interaction: PactInteraction) -> None:
        pact_interaction.verify()

    return test_pact_interaction


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(verifier, *sources): run the test once per interaction of the pacts in sources, "
        "with the fixture pact_interaction",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or "pact_interaction" not in metafunc.fixturenames:
        return
    from polycontract.verifier import Verifier

    if not marker.args or not isinstance(marker.args[0], Verifier):
        raise pytest.UsageError(f"@pytest.mark.{MARKER} needs a Verifier first, then pact sources")
    verifier = marker.args[0]
    sources: tuple[Any, ...] = marker.args[1:]
    if not sources:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}(verifier, ...) needs at least one pact source")
    metafunc.config.stash.setdefault(_COLLECTED, set()).add(id(verifier))
    cases = collect(verifier, sources)
    if verifier.fuzz:
        metafunc.config.stash.setdefault(_SEEDS, []).append((verifier.provider, _fuzzing(verifier).seed))
    metafunc.parametrize("pact_interaction", cases, ids=unique_ids(cases))


def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in session.config.stash.get(_COLLECTED, set()):
        _FUZZING.pop(key, None)
        for example in [k for k in _EXAMPLES if k[0] == key]:
            del _EXAMPLES[example]
        entry = _SESSIONS.pop(key, None)
        if entry is not None:
            entry[1].__exit__(None, None, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Name the seed of each fuzzed verification, so a run can be repeated."""
    for provider, chosen in config.stash.get(_SEEDS, []):
        terminalreporter.write_line(
            f"polycontract fuzz: {provider} fuzzed with seed {chosen} (Verifier(..., fuzz_seed={chosen}) repeats it)"
        )

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the verifier (and httpx) load only when a test uses provider verification
    from polycontract.model import Interaction, PactDocument
    from polycontract.verifier import InteractionResult, VerificationSession, Verifier
    from polycontract.verifier.support import Source

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

    @property
    def id(self) -> str:
        """The pytest id: ``consumer 1.4.0 (deployed in prod): description`` (versions and deployments when known)."""
        if self.pact is None or self.interaction is None:
            return f"unreadable pact {self.origin}"
        versions = ", ".join(self.consumer_versions)
        where = f" ({', '.join(self.deployments)})" if self.deployments else ""
        return f"{self.pact.consumer}{' ' + versions if versions else ''}{where}: {self.interaction.description}"

    def run(self) -> InteractionResult:
        """Verify the interaction and return the result, without failing the test."""
        if self.pact is None or self.interaction is None:
            raise RuntimeError(self.error or "no interaction")
        return _session(self.verifier).run(
            self.pact,
            self.interaction,
            pending=self.pending,
            origin=self.origin,
            consumer_versions=self.consumer_versions,
            deployments=self.deployments,
        )

    def verify(self) -> InteractionResult:
        """Verify the interaction; fail the test with every mismatch (or xfail a pending one)."""
        __tracebackhide__ = True
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


def _session(verifier: Verifier) -> VerificationSession:
    entry = _SESSIONS.get(id(verifier))
    if entry is None or entry[0] is not verifier:
        session = verifier.session().__enter__()
        _SESSIONS[id(verifier)] = (verifier, session)
        return session
    return entry[1]


def collect(verifier: Verifier, sources: tuple[Source, ...]) -> list[PactInteraction]:
    """One `PactInteraction` per interaction of the pacts for ``verifier.provider`` in ``sources``."""
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
    metafunc.parametrize("pact_interaction", cases, ids=unique_ids(cases))


def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in session.config.stash.get(_COLLECTED, set()):
        entry = _SESSIONS.pop(key, None)
        if entry is not None:
            entry[1].__exit__(None, None, None)

"""Provider verification in pytest: one test item per interaction.

Mark a test that takes ``pact_interaction`` and the plugin parametrizes it with every interaction of
the given pacts, so each one passes or fails on its own, reads ``consumer: description`` in the report,
and ``-k`` selects interactions::

    verifier = Verifier(provider="users", app=app)

    @pytest.mark.pact_verification(verifier, "pacts/")
    def test_users_api(pact_interaction):
        pact_interaction.verify()

`pact_verification` writes that test for you: ``test_users_api = pact_verification(verifier, "pacts/")``.
A failing pending interaction is reported as xfail; an unreadable pact is one failing item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the verifier (and httpx) load only when a test uses provider verification
    from polycontract.model import Interaction, Pact
    from polycontract.verifier import InteractionResult, VerificationSession, Verifier
    from polycontract.verifier._sources import Source

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
    pact: Pact | None
    interaction: Interaction | None
    origin: str
    pending: bool = False
    error: str | None = None

    @property
    def id(self) -> str:
        """The pytest id: ``consumer: description``."""
        if self.pact is None or self.interaction is None:
            return f"unreadable pact {self.origin}"
        return f"{self.pact.consumer}: {self.interaction.description}"

    def run(self) -> InteractionResult:
        """Verify the interaction and return the result, without failing the test."""
        if self.pact is None or self.interaction is None:
            raise RuntimeError(self.error or "no interaction")
        return _session(self.verifier).run(self.pact, self.interaction, pending=self.pending, origin=self.origin)

    def verify(self) -> InteractionResult:
        """Verify the interaction; fail the test with every mismatch (or xfail a pending one)."""
        __tracebackhide__ = True
        if self.pact is None or self.interaction is None:
            pytest.fail(f"{self.origin}: {self.error}", pytrace=False)
        result = self.run()
        if not result.ok:
            if result.pending:
                pytest.xfail(f"pending interaction failed:\n{result.explain()}")
            pytest.fail(result.explain(), pytrace=False)
        return result


def _session(verifier: Verifier) -> VerificationSession:
    entry = _SESSIONS.get(id(verifier))
    if entry is None or entry[0] is not verifier:
        session = verifier.session().__enter__()
        _SESSIONS[id(verifier)] = (verifier, session)
        return session
    return entry[1]


def collect(verifier: Verifier, sources: tuple[Source, ...]) -> list[PactInteraction]:
    """One `PactInteraction` per interaction of the pacts for ``verifier.provider`` in ``sources``."""
    from polycontract.verifier._sources import resolve_sources, triage

    cases: list[PactInteraction] = []
    for sourced in resolve_sources(sources):
        verify, problem = triage(sourced, verifier.provider)
        if problem is not None:
            cases.append(PactInteraction(verifier, None, None, sourced.origin, error=problem))
        if verify and sourced.pact is not None:
            cases += [
                PactInteraction(verifier, sourced.pact, i, sourced.origin, pending=sourced.pending or i.pending)
                for i in sourced.pact.interactions
            ]
    return cases


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
    metafunc.parametrize("pact_interaction", cases, ids=[c.id for c in cases])


def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in session.config.stash.get(_COLLECTED, set()):
        entry = _SESSIONS.pop(key, None)
        if entry is not None:
            entry[1].__exit__(None, None, None)

"""Fuzzed verification: send each HTTP interaction's provider requests drawn from its request's rules.

For each HTTP interaction, hypothesis draws up to ``examples`` requests from `polycontract.strategies.requests_for`
(every one matches the interaction's request; the example is the simplest). Each is sent as the example replay
sends it (`VerificationSession.run`: the interaction's provider states, with their params, set up before the
request and torn down after it; the verifier's ``base_path``, ``headers`` and ``request_hook``) and its answer
is checked with the same `compare_response`. When an answer breaks the pact, hypothesis shrinks the request
toward the example and replays the smallest failing one last: that is the request reported.

Generators declared in the pact (``ProviderState``, ``RandomInt``...) are not applied to fuzzed requests: they
would overwrite the drawn values, and the drawn values already range over what the rules allow.

The seed makes the run repeat: the same seed draws the same requests (given the same answers). The deadline
bounds the whole fuzz run of one verification: when it is reached, no further request is sent, and each
interaction says how many of its requests were sent; interactions not reached are "not fuzzed".

This module imports hypothesis: it is loaded only when fuzzing is asked for.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.strategies import SearchStrategy

from polycontract.errors import UsageError
from polycontract.model import HttpInteraction, Interaction, PactDocument, Request
from polycontract.strategies import requests_for
from polycontract.verifier._fuzz_result import FAILED, NOT_FUZZED, PASSED, FuzzedRequest, FuzzResult, FuzzRun
from polycontract.verifier._result import COULD_NOT_VERIFY, InteractionResult, PactOutcome
from polycontract.verifier._session import VerificationSession

__all__ = ["FuzzResult", "fuzz_interaction", "fuzz_pacts", "not_fuzzable", "request_strategy"]

#: Why a message interaction is not fuzzed.
MESSAGES = "messages have no request to vary"
#: The request rule categories fuzzing varies, and why an interaction without any of them is not fuzzed.
VARIED = ("path", "query", "header", "body")
NO_RULES = "its request has no matching rules: the example is the only request the pact allows"
#: The note of a failure that did not repeat when hypothesis sent the request again.
FLAKY = "the failure did not repeat when the same request was sent again: the request shown failed once"


class _Broke(Exception):
    """The provider's answer to a fuzzed request broke the pact (hypothesis shrinks it)."""


class _Stop(BaseException):
    """Stop the hypothesis run at once, without shrinking: the deadline, or a request that could not be checked.

    A `BaseException`, so hypothesis does not take it for a failure of the provider.
    """

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass
class _Tally:
    """What one interaction's fuzz run has seen so far."""

    sent: int = 0
    last: FuzzedRequest | None = None


def fuzz_pacts(
    session: VerificationSession,
    outcomes: Sequence[PactOutcome],
    *,
    examples: int,
    fuzz_seed: int,
    deadline: float | None,
) -> FuzzRun:
    """Fuzz every HTTP interaction of the pacts verified in ``outcomes``, after their example verification.

    An interaction whose example could not be verified (the provider unreachable, a state missing) is not
    fuzzed: the same would stop every fuzzed request.
    """
    started = time.monotonic()
    stop_at = None if deadline is None else started + deadline
    results = [
        fuzz_interaction(
            session,
            outcome.pact,
            interaction,
            examples=examples,
            fuzz_seed=fuzz_seed,
            stop_at=stop_at,
            example=example,
            origin=outcome.origin,
        )
        for outcome in outcomes
        for interaction, example in zip(outcome.pact.interactions, outcome.results, strict=False)
    ]
    return FuzzRun(
        examples=examples,
        seed=fuzz_seed,
        deadline=deadline,
        results=tuple(results),
        duration=time.monotonic() - started,
    )


def fuzz_interaction(
    session: VerificationSession,
    pact: PactDocument,
    interaction: Interaction,
    *,
    examples: int,
    fuzz_seed: int,
    stop_at: float | None = None,
    example: InteractionResult | None = None,
    origin: str = "",
) -> FuzzResult:
    """One interaction's fuzz result, or why it was not fuzzed (what a per-interaction runner, such as a test
    item, calls after verifying the example; ``example`` is that result, ``stop_at`` a `time.monotonic` bound).
    """
    base = FuzzResult(
        description=interaction.description,
        consumer=pact.consumer,
        provider=pact.provider,
        outcome=NOT_FUZZED,
        examples=examples,
        seed=fuzz_seed,
        example_request=_line(interaction),
        origin=origin,
        key=interaction.key,
        pending=example.pending if example is not None else interaction.pending,
    )
    if not isinstance(interaction, HttpInteraction):
        return dataclasses.replace(base, reason=MESSAGES)
    if example is not None and example.outcome == COULD_NOT_VERIFY:
        return dataclasses.replace(base, reason=f"its example could not be verified: {example.error}")
    return _fuzz_http(session, pact, interaction, base, stop_at)


def not_fuzzable(pact: PactDocument, interaction: Interaction) -> str | None:
    """Why the pact alone says the interaction cannot be fuzzed (a message, no request rules, rules no request
    can be drawn from), None when it can; its example's outcome and the deadline may still stop it."""
    if not isinstance(interaction, HttpInteraction):
        return MESSAGES
    drawn = _drawn(pact, interaction)
    return drawn if isinstance(drawn, str) else None


def _drawn(pact: PactDocument, interaction: HttpInteraction) -> SearchStrategy[Request] | str:
    """The strategy the interaction's requests are drawn from, or why there is none (no rules, rules refused)."""
    if not any(interaction.request.matching_rules.get(part) for part in VARIED):
        return NO_RULES
    try:
        return request_strategy(interaction, pact.spec)
    except UsageError as exc:
        return f"no requests can be drawn from its rules: {exc}"


#: The request strategy of each interaction fuzzed in this process, by identity: built (and validated by
#: hypothesis on its first draw) once, reused when the same pact is fuzzed again (a test run's later verifies).
_STRATEGIES: dict[int, tuple[HttpInteraction, str, SearchStrategy[Request]]] = {}
_KEPT = 1024


def request_strategy(interaction: HttpInteraction, spec: str) -> SearchStrategy[Request]:
    """`requests_for` the interaction, built once per interaction object and spec."""
    kept = _STRATEGIES.get(id(interaction))
    if kept is not None and kept[0] is interaction and kept[1] == spec:
        return kept[2]
    strategy = requests_for(interaction, spec=spec)
    if len(_STRATEGIES) >= _KEPT:
        _STRATEGIES.clear()
    _STRATEGIES[id(interaction)] = (interaction, spec, strategy)
    return strategy


def _line(interaction: Interaction) -> str:
    """``GET /users/7``: the example request of an HTTP interaction, empty for a message."""
    if not isinstance(interaction, HttpInteraction):
        return ""
    return f"{interaction.request.method.upper()} {interaction.request.path}"


def _state_parts(example: Request) -> Callable[[Request], Request]:
    """What a drawn request sends: the parts a ``ProviderState`` generator names come from the provider state (an
    id the state set up, not a drawn one, so a correct provider is not asked for what does not exist); path,
    query and header values there keep the example's text in the report. Other generators are not applied: they
    would overwrite the drawn values."""
    kept = {
        category: {key: g for key, g in by_key.items() if g.type == "ProviderState"}
        for category, by_key in example.generators.items()
    }
    kept = {category: by_key for category, by_key in kept.items() if by_key}
    query, headers = kept.get("query", {}), {name.lower() for name in kept.get("header", {})}

    def sent(request: Request) -> Request:
        if not kept:
            return dataclasses.replace(request, generators={})
        return dataclasses.replace(
            request,
            path=example.path if "path" in kept else request.path,
            query={**request.query, **{k: v for k, v in example.query.items() if k in query}},
            headers={k: (example.headers.get(k, v) if k.lower() in headers else v) for k, v in request.headers.items()},
            generators=kept,
        )

    return sent


def _fuzz_http(
    session: VerificationSession,
    pact: PactDocument,
    interaction: HttpInteraction,
    base: FuzzResult,
    stop_at: float | None,
) -> FuzzResult:
    """An HTTP interaction fuzzed under hypothesis, or why it was not."""
    if stop_at is not None and time.monotonic() >= stop_at:
        return dataclasses.replace(base, reason="the fuzz deadline was reached before it", deadline_reached=True)
    strategy = _drawn(pact, interaction)
    if isinstance(strategy, str):
        return dataclasses.replace(base, reason=strategy)
    tally = _Tally()
    from_state = _state_parts(interaction.request)

    def attempt(request: Request) -> None:
        if stop_at is not None and time.monotonic() >= stop_at:
            raise _Stop(None)
        sent = dataclasses.replace(interaction, request=from_state(request))
        result = session.run(pact, sent)
        tally.sent += 1
        if result.ok:
            return
        if result.outcome == COULD_NOT_VERIFY:
            raise _Stop(f"a fuzzed request could not be checked ({result.error})")
        tally.last = FuzzedRequest.of(sent.request, tuple(result.mismatches), result.error)
        raise _Broke

    run = seed(base.seed)(
        settings(
            max_examples=base.examples,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
        )(given(strategy)(attempt))
    )
    started = time.monotonic()
    found = dataclasses.replace(base, outcome=PASSED)
    try:
        run()
    except _Broke:
        found = dataclasses.replace(base, outcome=FAILED, smallest=tally.last)
    except _Stop as stop:
        if stop.reason is not None:
            return dataclasses.replace(base, reason=stop.reason, sent=tally.sent)
        note = "stopped while shrinking: the request shown may not be the smallest" if tally.last else None
        outcome = FAILED if tally.last else PASSED
        found = dataclasses.replace(base, outcome=outcome, smallest=tally.last, deadline_reached=True, note=note)
    except Exception as exc:  # hypothesis's own errors (Unsatisfiable, Flaky...): a result, never a traceback
        why = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if tally.last is None:
            return dataclasses.replace(base, reason=f"hypothesis stopped: {why}", sent=tally.sent)
        note = FLAKY if "Flaky" in type(exc).__name__ else f"hypothesis reported {type(exc).__name__}"
        found = dataclasses.replace(base, outcome=FAILED, smallest=tally.last, note=note)
    if found.outcome == PASSED and not found.deadline_reached and tally.sent < base.examples:
        found = dataclasses.replace(found, note="hypothesis found no more requests to draw within the rules")
    return dataclasses.replace(found, sent=tally.sent, duration=time.monotonic() - started)

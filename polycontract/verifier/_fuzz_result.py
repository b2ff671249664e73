"""What a fuzzed verification found: one `FuzzResult` per interaction, gathered in a `FuzzRun`.

Fuzzing sends, for each HTTP interaction, requests drawn from everything the request's matching rules
allow (not only the example) and checks every answer against the interaction's response. Its results
are kept apart from the example verification's (`VerificationResult.fuzz`): a fuzz failure is never an
example failure. `fuzz_verifications` makes, per pact, the separate verification of kind ``fuzz`` a broker
records beside the example result (only when it was measured).

Each `FuzzResult` has an ``outcome``: ``"passed"`` (every request sent was answered as the pact expects),
``"failed"`` (the provider broke the pact on a request; ``smallest`` is the smallest such request
hypothesis found) or ``"not-fuzzed"`` (``reason`` says why: a message, rules no request can be drawn
from, the provider unreachable, the deadline reached before it).

>>> FuzzRun(examples=20, seed=1).outcome  # nothing was fuzzed: no pass
'could-not-verify'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from polycontract.model import ABSENT, Body, HttpInteraction, Mismatch, PactDocument, Request
from polycontract.verifier._mismatch_json import broker_mismatch, mismatch_json
from polycontract.verifier._report import jsonable

__all__ = ["FAILED", "NOT_FUZZED", "PASSED", "FuzzResult", "FuzzRun", "FuzzedRequest", "fuzz_verifications"]

PASSED = "passed"
FAILED = "failed"
NOT_FUZZED = "not-fuzzed"


@dataclass(frozen=True, kw_only=True)
class FuzzedRequest:
    """A request fuzzing sent that the provider answered against the pact, and what was wrong.

    ``body`` is the body as sent (JSON value, text, or bytes), None when the request had none;
    ``error`` says how the provider failed to answer (a timeout, an in-process app raising), if it did.
    """

    method: str
    path: str
    query: Mapping[str, tuple[str, ...]]
    headers: Mapping[str, tuple[str, ...]]
    body: Any
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @classmethod
    def of(cls, request: Request, mismatches: tuple[Mismatch, ...], error: str | None) -> FuzzedRequest:
        """The parts of a model request as sent, with the mismatches of the answer."""
        body = request.body
        content = None if body is ABSENT else body.content if isinstance(body, Body) else body
        return cls(
            method=request.method.upper(),
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=content,
            mismatches=mismatches,
            error=error,
        )

    @property
    def line(self) -> str:
        """``GET /users/0?page=2``: the method and target."""
        query = "&".join(f"{name}={value}" for name, values in self.query.items() for value in values)
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")

    def to_json(self) -> dict[str, Any]:
        """The request and its mismatches as JSON-ready data."""
        return {
            "method": self.method,
            "path": self.path,
            "query": {name: list(values) for name, values in self.query.items()},
            "headers": {name: list(values) for name, values in self.headers.items()},
            "body": jsonable(self.body),
            "error": self.error,
            "mismatches": [mismatch_json(m) for m in self.mismatches],
        }


@dataclass(frozen=True, kw_only=True)
class FuzzResult:
    """How one interaction fared under fuzzing.

    ``sent`` counts every request sent for it (shrinking a failure sends more); ``examples`` is how many
    requests were asked for. ``deadline_reached`` is True when the fuzz deadline stopped it early;
    ``note`` says anything else worth knowing (hypothesis found no more distinct requests, a failure
    that did not repeat).
    """

    description: str
    consumer: str
    provider: str
    outcome: str
    examples: int
    seed: int
    sent: int = 0
    example_request: str = ""
    origin: str = ""
    key: str | None = None
    pending: bool = False
    smallest: FuzzedRequest | None = None
    reason: str | None = None
    deadline_reached: bool = False
    note: str | None = None
    duration: float = 0.0

    @property
    def title(self) -> str:
        """``web -> api: get user``."""
        return f"{self.consumer} -> {self.provider}: {self.description}"

    @property
    def failed(self) -> bool:
        """True when this fuzz failure fails the run (failed and not pending)."""
        return self.outcome == FAILED and not self.pending

    @property
    def status(self) -> str:
        """The short status the report prints after the title."""
        if self.outcome == NOT_FUZZED:
            return f"not fuzzed ({self.reason})"
        sent = f"{self.sent} of {self.examples} requests sent before the deadline" if self.deadline_reached else ""
        sent = sent or f"{self.sent} request{'s' if self.sent != 1 else ''} sent"
        word = "ok" if self.outcome == PASSED else "pending, FAILED" if self.pending else "FAILED"
        return f"{word} ({sent}{'; ' + self.note if self.note else ''})"

    def explain(self) -> str:
        """A readable account of the smallest failing request (empty unless failed)."""
        if self.outcome != FAILED or self.smallest is None:
            return ""
        r = self.smallest
        lines = [f"{self.title}{' [pending]' if self.pending else ''}"]
        lines.append(f"  example request {self.example_request}")
        lines.append(f"  smallest failing request {r.line}")
        if r.headers:
            lines.append("    headers " + ", ".join(f"{n}: {v}" for n, vs in r.headers.items() for v in vs))
        if r.body is not None:
            lines.append(f"    body {jsonable(r.body)!r}")
        if r.error:
            lines.append(f"  error: {r.error}")
        for number, mismatch in enumerate(r.mismatches, 1):
            lines.append(f"  {number}) {mismatch.path}: {mismatch.message}")
        lines.append(
            "  The provider broke the pact on a request its rules allow: fix the provider, or narrow the "
            "consumer's matching rules."
        )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "description": self.description,
            "consumer": self.consumer,
            "provider": self.provider,
            "outcome": self.outcome,
            "pending": self.pending,
            "origin": self.origin,
            "exampleRequest": self.example_request,
            "examples": self.examples,
            "sent": self.sent,
            "seed": self.seed,
            "deadlineReached": self.deadline_reached,
            "reason": self.reason,
            "note": self.note,
            "durationMs": round(self.duration * 1000, 3),
            "smallestFailingRequest": None if self.smallest is None else self.smallest.to_json(),
        }


@dataclass(frozen=True, kw_only=True)
class FuzzRun:
    """Everything one fuzzed verification found: ``results`` per interaction, the ``seed`` that repeats it.

    ``deadline`` (seconds, None: no bound) bounds the whole fuzz run of one `Verifier.verify` call.
    ``outcome``: ``"failed"`` when a request broke the pact (not pending), else ``"could-not-verify"`` when
    no interaction could be fuzzed at all, else ``"verified"``.
    """

    examples: int
    seed: int
    deadline: float | None = None
    results: tuple[FuzzResult, ...] = ()
    duration: float = 0.0

    @property
    def deadline_reached(self) -> bool:
        """True when the deadline stopped the run before every request was sent."""
        return any(r.deadline_reached for r in self.results)

    @property
    def failures(self) -> tuple[FuzzResult, ...]:
        """The interactions whose fuzz failure fails the run."""
        return tuple(r for r in self.results if r.failed)

    @property
    def not_fuzzed(self) -> tuple[FuzzResult, ...]:
        """The interactions that were not fuzzed (each says why)."""
        return tuple(r for r in self.results if r.outcome == NOT_FUZZED)

    @property
    def outcome(self) -> str:
        """``"verified"``, ``"failed"`` or ``"could-not-verify"`` (nothing could be fuzzed)."""
        if self.failures:
            return "failed"
        if not any(r.outcome != NOT_FUZZED for r in self.results):
            return "could-not-verify"
        return "verified"

    def to_json(self) -> dict[str, Any]:
        """The run as JSON-ready data (the ``fuzz`` key of ``polycontract verify --output json``)."""
        return {
            "outcome": self.outcome,
            "examples": self.examples,
            "seed": self.seed,
            "deadlineSeconds": self.deadline,
            "deadlineReached": self.deadline_reached,
            "durationMs": round(self.duration * 1000, 3),
            "interactions": [r.to_json() for r in self.results],
        }


class _PactView(Protocol):
    """What `fuzz_verifications` reads of a verified pact (`polycontract.verifier.PactOutcome`)."""

    @property
    def pact(self) -> PactDocument: ...
    @property
    def origin(self) -> str: ...
    @property
    def pending(self) -> bool: ...
    @property
    def wip(self) -> bool: ...
    @property
    def versions(self) -> tuple[str, ...]: ...
    @property
    def content_hash(self) -> str: ...


def fuzz_verifications(run: FuzzRun, pacts: Sequence[_PactView]) -> tuple[list[dict[str, Any]], list[str]]:
    """Per pact, the plain fuzz verification a broker records (``kind="fuzz"``), and why the others are not.

    A pact's fuzz verification fails when a request broke any of its interactions, and succeeds when every
    HTTP interaction of it was fuzzed and passed (messages are never fuzzed). Fail closed: a pact with no
    failure and an HTTP interaction not fuzzed (the deadline reached before it, rules no request can be
    drawn from, its example not verified) or with no fuzz result in ``run`` has nothing measured to publish,
    and the second list says so.
    ``test_results`` has one entry per fuzzed interaction; a failed one names its smallest failing request
    and carries that request's mismatches.
    """
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    for outcome in pacts:
        # an interaction by key and description (a V3 interaction has no key: its description names it)
        http = {(i.key, i.description) for i in outcome.pact.interactions if isinstance(i, HttpInteraction)}
        found = [r for r in run.results if r.origin == outcome.origin and (r.key, r.description) in http]
        short = outcome.content_hash[:8]
        name = f"{outcome.pact.consumer} -> {outcome.pact.provider}, pact {short}"
        failed = any(r.outcome == FAILED for r in found)
        unfuzzed = [r for r in found if r.outcome == NOT_FUZZED]
        missing = http - {(r.key, r.description) for r in found}  # no result at all: not measured either
        if not http or (not failed and (unfuzzed or missing)):
            why: str | None = "it has no HTTP interaction"
            if http:
                why = unfuzzed[0].reason if unfuzzed else "an HTTP interaction of it has no fuzz result"
            notes.append(f"{name}: not fuzzed ({why}), so there is no fuzz result to record")
            continue
        items.append(
            {
                "consumer": outcome.pact.consumer,
                "consumer_version": outcome.versions[-1] if outcome.versions else None,
                "consumer_versions": list(outcome.versions),
                "content_hash": outcome.content_hash,
                "success": not failed,
                "pending": outcome.pending,
                "wip": outcome.wip,
                "kind": "fuzz",
                "test_results": [_test_result(r) for r in found if r.outcome != NOT_FUZZED],
            }
        )
    return items, notes


def _test_result(result: FuzzResult) -> dict[str, Any]:
    """One fuzzed interaction in the Pact Broker's ``testResults`` shape; a failure names its smallest request."""
    smallest = result.smallest if result.outcome == FAILED else None
    description = result.description
    if smallest is not None:
        description += f" (fuzz, seed {result.seed}: smallest failing request {smallest.line})"
    entry: dict[str, Any] = {
        "interactionId": result.key,
        "interactionDescription": description,
        "success": result.outcome == PASSED,
        "mismatches": [] if smallest is None else [broker_mismatch(m) for m in smallest.mismatches],
    }
    if smallest is not None and smallest.error is not None:
        entry["exception"] = smallest.error
    return entry

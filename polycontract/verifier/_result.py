"""What a verification found: one `InteractionResult` per interaction, gathered in a `VerificationResult`.

Every result has an ``outcome`` of three kinds: ``"verified"`` (the provider honours the pact),
``"failed"`` (the provider answered and broke the pact) and ``"could-not-verify"`` (nothing was
measured: no pacts, the provider unreachable, a provider state or a message producer missing...).
Only measured results are published to a broker. Results are plain frozen data; `VerificationResult.report`
renders them for people, `to_json` for tools.

>>> r = InteractionResult(description="get user", consumer="web", provider="api", ok=True)
>>> VerificationResult(provider="api", interactions=(r,)).outcome
'verified'
>>> VerificationResult(provider="api").outcome  # no pacts at all: nothing was checked
'could-not-verify'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polycontract.errors import ContractViolation
from polycontract.model import Mismatch, PactDocument
from polycontract.verifier._fuzz_report import fuzz_cases, fuzz_section, fuzz_verdict
from polycontract.verifier._fuzz_result import FuzzRun, fuzz_verifications
from polycontract.verifier._mismatch_json import mismatch_json
from polycontract.verifier._report import junit_xml, report, test_result

__all__ = [
    "COULD_NOT_VERIFY",
    "FAILED",
    "UNMEASURED_KINDS",
    "VERIFIED",
    "InteractionResult",
    "PactOutcome",
    "SourceError",
    "VerificationResult",
]

VERIFIED = "verified"
FAILED = "failed"
COULD_NOT_VERIFY = "could-not-verify"
_EXIT_CODES = {VERIFIED: 0, FAILED: 1, COULD_NOT_VERIFY: 2}

#: Error kinds that say nothing about the provider's behaviour: the interaction could not be checked.
#: ``timeout`` (the provider accepted the request and did not answer in time), ``app`` (an in-process app
#: raised) and ``producer-error`` (a message producer raised or hung) are the provider failing: measured.
UNMEASURED_KINDS = frozenset({"state", "connection", "no-provider", "producer", "hook", "error"})


@dataclass(frozen=True, kw_only=True)
class InteractionResult:
    """The outcome of replaying one interaction.

    ``ok`` is True when the provider answered as the pact expects. ``mismatches`` lists every difference
    found (most important first); ``error`` says why the interaction could not be checked, or how the
    provider failed to answer, with what to do about it. ``pending`` results are reported but do not
    fail the verification. ``consumer_versions`` and ``deployments`` (``deployed in prod``) say which
    consumer versions the pact serves, when its source knows.
    """

    description: str
    consumer: str
    provider: str
    ok: bool
    interaction_type: str = "Synchronous/HTTP"
    pending: bool = False
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    duration: float = 0.0
    origin: str = ""
    states: tuple[str, ...] = ()
    key: str | None = None
    #: ``GET /users/1`` for an HTTP interaction (before generators), empty for messages.
    request: str = ""
    #: What kind of ``error`` this is. Not measured (`UNMEASURED_KINDS`): ``state``, ``connection``
    #: (refused, or no connection within the timeout), ``no-provider``, ``producer`` (none for the
    #: message), ``hook``, ``error``. Measured: ``timeout``, ``app``, ``producer-error``.
    error_kind: str | None = None
    #: The consumer versions whose pact this is (oldest first), when the source knows them.
    consumer_versions: tuple[str, ...] = ()
    #: Where those consumer versions are live, e.g. ``("deployed in prod",)``, when the source knows.
    deployments: tuple[str, ...] = ()
    #: The interaction's V4 text comments (``comments.text``) and test name (``comments.testname``), which the
    #: report prints under the interaction as the Pact verifier does.
    comments: tuple[str, ...] = ()
    test_name: str | None = None

    @property
    def outcome(self) -> str:
        """``"verified"``, ``"failed"`` (the provider broke the pact) or ``"could-not-verify"``."""
        if self.ok:
            return VERIFIED
        if self.error is not None and self.error_kind in UNMEASURED_KINDS and not self.mismatches:
            return COULD_NOT_VERIFY
        return FAILED

    @property
    def failed(self) -> bool:
        """True when this result fails the verification (not ok and not pending)."""
        return not self.ok and not self.pending

    @property
    def unverified(self) -> bool:
        """True when this result makes the run could-not-verify: not checked, and not pending (a
        pending interaction counts too when the provider could not be reached at all)."""
        return self.outcome == COULD_NOT_VERIFY and (not self.pending or self.error_kind == "connection")

    @property
    def title(self) -> str:
        """``web 1.4.0 -> api: get user [deployed in prod]``, how reports and pytest name the interaction."""
        versions = _versions(self.consumer_versions)
        where = f" [{', '.join(self.deployments)}]" if self.deployments else ""
        return f"{self.consumer}{' ' + versions if versions else ''} -> {self.provider}: {self.description}{where}"

    def explain(self) -> str:
        """A readable account of what went wrong (empty for a success)."""
        if self.ok:
            return ""
        flags = " [pending]" if self.pending else ""
        flags += " [could not verify]" if self.outcome == COULD_NOT_VERIFY else ""
        lines = [f"{self.title}{flags}"]
        if self.request:
            lines.append(f"  request {self.request}")
        if self.states:
            lines.append("  given " + ", ".join(repr(s) for s in self.states))
        if self.error:
            lines.append(f"  error: {self.error}")
        for number, mismatch in enumerate(self.mismatches, 1):
            lines.append(f"  {number}) {mismatch.path}: {mismatch.message}")
        if self.mismatches:
            lines.append("  The provider's response does not satisfy the pact: fix the provider, or agree a new pact.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "description": self.description,
            "consumer": self.consumer,
            "consumerVersions": list(self.consumer_versions),
            "deployments": list(self.deployments),
            "provider": self.provider,
            "type": self.interaction_type,
            "outcome": self.outcome,
            "ok": self.ok,
            "pending": self.pending,
            "states": list(self.states),
            "testName": self.test_name,
            "comments": list(self.comments),
            "durationMs": round(self.duration * 1000, 3),
            "origin": self.origin,
            "request": self.request,
            "error": self.error,
            "errorKind": self.error_kind,
            "mismatches": [mismatch_json(m) for m in self.mismatches],
        }


@dataclass(frozen=True, kw_only=True)
class SourceError:
    """A pact source that could not be verified at all (missing file, malformed pact, no interactions)."""

    origin: str
    message: str


@dataclass(frozen=True, kw_only=True)
class PactOutcome:
    """How one whole pact fared: what a broker records as one verification result.

    ``ok`` is True when every interaction of the pact passed (pending ones included: the broker
    decides what pending means). ``content_hash`` identifies the pact content, whatever consumer
    versions published it. ``results`` are the pact's interaction results.
    """

    pact: PactDocument
    origin: str
    ok: bool
    pending: bool = False
    #: True for a broker's work-in-progress pact (the broker records its result as WIP).
    wip: bool = False
    url: str | None = None
    consumer_version: str | None = None
    #: Every consumer version whose pact has this content (from a broker source).
    consumer_versions: tuple[str, ...] = ()
    results: tuple[InteractionResult, ...] = ()

    @property
    def consumer(self) -> str:
        """The consumer's name."""
        return self.pact.consumer

    @property
    def outcome(self) -> str:
        """``"failed"`` when any interaction broke the pact (a measured failure, even beside
        unchecked ones), else ``"could-not-verify"`` when any could not be checked, else ``"verified"``."""
        outcomes = {r.outcome for r in self.results}
        if FAILED in outcomes or (not self.ok and not self.results):
            return FAILED
        if COULD_NOT_VERIFY in outcomes:
            return COULD_NOT_VERIFY
        return VERIFIED

    @property
    def versions(self) -> tuple[str, ...]:
        """The consumer versions this pact serves (``consumer_versions``, else ``consumer_version``)."""
        return self.consumer_versions or ((self.consumer_version,) if self.consumer_version else ())

    @property
    def content_hash(self) -> str:
        """`polycontract.codec.content_hash` of the pact (computed on first use)."""
        from polycontract.codec import content_hash

        return content_hash(self.pact)


@dataclass(frozen=True, kw_only=True)
class VerificationResult:
    """Everything one `Verifier.verify` call found.

    ``outcome`` is ``"verified"`` when every pact that counts was checked and honoured, ``"failed"``
    when the provider broke a pact, and ``"could-not-verify"`` when something could not be checked:
    an unreadable pact source, no pacts at all (unless ``allow_no_pacts``), or an interaction whose
    check did not happen (see `InteractionResult.outcome`). ``ok`` is True only for ``"verified"``.
    """

    provider: str
    provider_version: str | None = None
    branch: str | None = None
    interactions: tuple[InteractionResult, ...] = ()
    source_errors: tuple[SourceError, ...] = ()
    pacts: tuple[PactOutcome, ...] = ()
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    #: True when finding no pacts at all is fine (``--allow-no-pacts``): then it is ``"verified"``.
    allow_no_pacts: bool = False
    #: The fuzzed verification (``Verifier(fuzz=N)``), kept apart from the example results; None without fuzzing.
    fuzz: FuzzRun | None = None

    def __iter__(self) -> Iterator[InteractionResult]:
        return iter(self.interactions)

    def __len__(self) -> int:
        return len(self.interactions)

    @property
    def no_pacts(self) -> bool:
        """True when no pact for the provider was found (nothing was verified and nothing failed to load)."""
        return not self.pacts and not self.interactions and not self.source_errors

    @property
    def outcome(self) -> str:
        """``"verified"`` (exit 0), ``"failed"`` (exit 1) or ``"could-not-verify"`` (exit 2).

        With fuzzing, a run whose examples all verified takes the fuzz run's outcome: a fuzz failure fails
        it, and nothing fuzzed at all leaves it unverified.
        """
        example = self.example_outcome
        if example == VERIFIED and self.fuzz is not None:
            return self.fuzz.outcome
        return example

    @property
    def example_outcome(self) -> str:
        """The outcome of the example verification alone (what is published), whatever fuzzing found."""
        if self.source_errors or (self.no_pacts and not self.allow_no_pacts):
            return COULD_NOT_VERIFY
        if any(r.unverified for r in self.interactions):
            return COULD_NOT_VERIFY
        if any(r.failed for r in self.interactions):
            return FAILED
        return VERIFIED

    @property
    def ok(self) -> bool:
        """True only when the outcome is ``"verified"``: the provider honours every pact that counts."""
        return self.outcome == VERIFIED

    @property
    def exit_code(self) -> int:
        """The process exit status for the outcome: 0 verified, 1 failed, 2 could not verify.

        >>> VerificationResult(provider="api").exit_code  # nothing was checked
        2
        """
        return _EXIT_CODES[self.outcome]

    @property
    def failures(self) -> tuple[InteractionResult, ...]:
        """The results that fail the verification (broken or not checked, and not pending)."""
        return tuple(r for r in self.interactions if r.failed)

    @property
    def unverified(self) -> tuple[InteractionResult, ...]:
        """The results that could not be checked and make the run could-not-verify."""
        return tuple(r for r in self.interactions if r.unverified)

    @property
    def measured_pacts(self) -> tuple[PactOutcome, ...]:
        """The pacts whose result was measured (verified or failed): what may be published."""
        return tuple(p for p in self.pacts if p.outcome != COULD_NOT_VERIFY)

    @property
    def unmeasured_pacts(self) -> tuple[PactOutcome, ...]:
        """The pacts that could not be verified: never published."""
        return tuple(p for p in self.pacts if p.outcome == COULD_NOT_VERIFY)

    @property
    def unreachable(self) -> bool:
        """True when every failure is the provider refusing connections (it is not running there)."""
        failures = self.failures
        return bool(failures) and all(r.error_kind == "connection" for r in failures)

    def report(self) -> str:
        """A human-readable summary: one line per interaction, the details of every failure, the outcome."""
        fuzz = self.fuzz
        if fuzz is None:
            return report(self)
        return report(self, more=fuzz_section(fuzz), verdict=fuzz_verdict(fuzz, self.example_outcome))

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (what ``polycontract verify --output json`` prints)."""
        return {
            "provider": self.provider,
            "providerVersion": self.provider_version,
            "branch": self.branch,
            "outcome": self.outcome,
            "ok": self.ok,
            "durationMs": round(self.duration * 1000, 3),
            "sourceErrors": [{"origin": e.origin, "message": e.message} for e in self.source_errors],
            "pacts": [
                {
                    "consumer": p.consumer,
                    "consumerVersion": p.consumer_version,
                    "consumerVersions": list(p.consumer_versions),
                    "origin": p.origin,
                    "outcome": p.outcome,
                    "ok": p.ok,
                    "pending": p.pending,
                    "url": p.url,
                }
                for p in self.pacts
            ],
            "interactions": [r.to_json() for r in self.interactions],
        } | ({} if self.fuzz is None else {"exampleOutcome": self.example_outcome, "fuzz": self.fuzz.to_json()})

    def verifications(self) -> list[dict[str, Any]]:
        """One plain result per measured pact, what a broker records (``Broker.publish_verification_results``).

        Each is ``{"consumer", "consumer_version", "consumer_versions", "content_hash", "success",
        "pending", "wip", "test_results"}``; ``wip`` marks a work-in-progress pact, whose result the broker
        records as WIP (it does not take the pact out of WIP). ``success`` is False when any interaction of
        the pact failed, pending or not (pending changes the exit code, not the result). ``test_results`` has one entry
        per interaction in the Pact Broker's ``testResults`` shape. A pact that could not be verified
        (an interaction not checked and none failed) is left out: only measured results are published.
        """
        return [
            {
                "consumer": p.consumer,
                "consumer_version": p.versions[-1] if p.versions else None,
                "consumer_versions": list(p.versions),
                "content_hash": p.content_hash,
                "success": p.outcome == VERIFIED,
                "pending": p.pending,
                "wip": p.wip,
                "test_results": [test_result(r) for r in p.results],
            }
            for p in self.measured_pacts
        ]

    def fuzz_verifications(self) -> tuple[list[dict[str, Any]], list[str]]:
        """One fuzz verification (``kind="fuzz"``, shaped as `verifications`) per pact whose fuzzing was measured,
        and why each other pact was left out (`_fuzz_result.fuzz_verifications`); ``([], [])`` without fuzzing."""
        return ([], []) if self.fuzz is None else fuzz_verifications(self.fuzz, self.pacts)

    def to_junit_xml(self) -> str:
        """The result as JUnit XML: one test suite per consumer (version), one test case per interaction.

        A broken interaction is a ``<failure>``, one that could not be checked an ``<error>``.
        """
        return junit_xml(self, more=() if self.fuzz is None else fuzz_cases(self.fuzz))

    def raise_for_failures(self) -> None:
        """Raise `ContractViolation` with the report unless the outcome is ``"verified"``."""
        if not self.ok:
            raise ContractViolation(self.report())


def _versions(versions: tuple[str, ...]) -> str:
    if len(versions) <= 3:
        return ", ".join(versions)
    return f"{versions[0]} … {versions[-1]} ({len(versions)} versions)"

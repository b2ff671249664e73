"""What a verification found: one `InteractionResult` per interaction, gathered in a `VerificationResult`.

Results are plain frozen data; `VerificationResult.report` renders them for people, `to_json` for tools.

>>> r = InteractionResult(description="get user", consumer="web", provider="api", ok=True)
>>> VerificationResult(provider="api", interactions=(r,)).ok
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from polycontract.errors import ContractViolation
from polycontract.model import Mismatch, Pact

__all__ = ["InteractionResult", "PactOutcome", "SourceError", "VerificationResult"]


@dataclass(frozen=True, kw_only=True)
class InteractionResult:
    """The outcome of replaying one interaction.

    ``ok`` is True when the provider answered as the pact expects. ``mismatches`` lists every difference
    found (most important first); ``error`` says why the interaction could not be checked at all (a
    missing state handler, a provider that is down), with what to do about it. ``pending`` results are
    reported but do not fail the verification.
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
    #: What kind of ``error`` this is: ``state``, ``connection``, ``timeout``, ``producer`` or ``hook``.
    error_kind: str | None = None

    @property
    def failed(self) -> bool:
        """True when this result fails the verification (not ok and not pending)."""
        return not self.ok and not self.pending

    @property
    def title(self) -> str:
        """``web -> api: get user``, how reports and pytest name the interaction."""
        return f"{self.consumer} -> {self.provider}: {self.description}"

    def explain(self) -> str:
        """A readable account of what went wrong (empty for a success)."""
        if self.ok:
            return ""
        lines = [f"{self.title}" + (" [pending]" if self.pending else "")]
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
            "provider": self.provider,
            "type": self.interaction_type,
            "ok": self.ok,
            "pending": self.pending,
            "states": list(self.states),
            "durationMs": round(self.duration * 1000, 3),
            "origin": self.origin,
            "request": self.request,
            "error": self.error,
            "mismatches": [
                {
                    "kind": m.kind,
                    "path": m.path,
                    "message": m.message,
                    "expected": _jsonable(m.expected),
                    "actual": _jsonable(m.actual),
                }
                for m in self.mismatches
            ],
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
    versions published it.
    """

    pact: Pact
    origin: str
    ok: bool
    pending: bool = False
    url: str | None = None
    consumer_version: str | None = None
    #: Every consumer version whose pact has this content (from a broker source).
    consumer_versions: tuple[str, ...] = ()

    @property
    def consumer(self) -> str:
        """The consumer's name."""
        return self.pact.consumer

    @property
    def content_hash(self) -> str:
        """`polycontract.codec.content_hash` of the pact (computed on first use)."""
        from polycontract.codec import content_hash

        return content_hash(self.pact)


@dataclass(frozen=True, kw_only=True)
class VerificationResult:
    """Everything one `Verifier.verify` call found.

    ``ok`` is True when no source failed to load and every non-pending interaction passed.
    """

    provider: str
    provider_version: str | None = None
    branch: str | None = None
    interactions: tuple[InteractionResult, ...] = ()
    source_errors: tuple[SourceError, ...] = ()
    pacts: tuple[PactOutcome, ...] = ()
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[InteractionResult]:
        return iter(self.interactions)

    def __len__(self) -> int:
        return len(self.interactions)

    @property
    def ok(self) -> bool:
        """True when the provider honours every pact that counts."""
        return not self.source_errors and not any(r.failed for r in self.interactions)

    @property
    def failures(self) -> tuple[InteractionResult, ...]:
        """The results that fail the verification."""
        return tuple(r for r in self.interactions if r.failed)

    def report(self) -> str:
        """A human-readable summary: one line per interaction, then the details of every failure."""
        lines = [
            f"Verifying provider {self.provider}"
            + (f" version {self.provider_version}" if self.provider_version else "")
        ]
        for error in self.source_errors:
            lines.append(f"  ERROR {error.origin}: {error.message}")
        for r in self.interactions:
            status = "ok" if r.ok else ("pending, failed" if r.pending else "FAILED")
            lines.append(f"  {r.title} ... {status} ({r.duration * 1000:.1f} ms)")
        details = [r.explain() for r in self.interactions if not r.ok]
        if details:
            lines += ["", "Failures:", *details]
        passed = sum(r.ok for r in self.interactions)
        pending = sum(1 for r in self.interactions if r.pending and not r.ok)
        summary = f"{len(self.interactions)} interactions, {passed} passed, {len(self.failures)} failed"
        if pending:
            summary += f", {pending} pending failed (not counted)"
        if self.source_errors:
            summary += f", {len(self.source_errors)} pact sources unreadable"
        lines += ["", summary + f" in {self.duration:.2f} s"]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (what ``polycontract verify --output json`` prints)."""
        return {
            "provider": self.provider,
            "providerVersion": self.provider_version,
            "branch": self.branch,
            "ok": self.ok,
            "durationMs": round(self.duration * 1000, 3),
            "sourceErrors": [{"origin": e.origin, "message": e.message} for e in self.source_errors],
            "pacts": [
                {
                    "consumer": p.consumer,
                    "consumerVersion": p.consumer_version,
                    "consumerVersions": list(p.consumer_versions),
                    "origin": p.origin,
                    "ok": p.ok,
                    "pending": p.pending,
                    "url": p.url,
                }
                for p in self.pacts
            ],
            "interactions": [r.to_json() for r in self.interactions],
        }

    def verifications(self) -> list[dict[str, Any]]:
        """One plain result per verified pact, what a broker records (``Broker.publish_verification_results``).

        Each is ``{"consumer", "consumer_versions", "content_hash", "success", "pending"}``; ``success``
        is False when any interaction of the pact failed, pending or not (pending changes the exit
        code, not the result).
        """
        return [
            {
                "consumer": p.consumer,
                "consumer_versions": list(p.consumer_versions or ([p.consumer_version] if p.consumer_version else [])),
                "content_hash": p.content_hash,
                "success": p.ok,
                "pending": p.pending,
            }
            for p in self.pacts
        ]

    @property
    def unreachable(self) -> bool:
        """True when every failure is the provider refusing connections (it is not running there)."""
        failures = self.failures
        return bool(failures) and all(r.error_kind == "connection" for r in failures)

    def to_junit_xml(self) -> str:
        """The result as JUnit XML: one test suite per consumer, one test case per interaction."""
        import xml.etree.ElementTree as ET

        root = ET.Element("testsuites", name=f"pact verification of {self.provider}")
        suites: dict[str, ET.Element] = {}
        for error in self.source_errors:
            suite = suites.setdefault("<sources>", ET.SubElement(root, "testsuite", name="pact sources"))
            case = ET.SubElement(suite, "testcase", classname="pact sources", name=error.origin, time="0")
            ET.SubElement(case, "error", message=error.message).text = error.message
        for r in self.interactions:
            name = f"{r.consumer} -> {r.provider}"
            suite = suites.setdefault(name, ET.SubElement(root, "testsuite", name=name))
            case = ET.SubElement(
                suite, "testcase", classname=name, name=r.description, time=f"{r.duration:.6f}", file=r.origin
            )
            if r.pending and not r.ok:
                ET.SubElement(case, "skipped", message="pending interaction failed").text = r.explain()
            elif not r.ok:
                first = r.error or (str(r.mismatches[0]) if r.mismatches else "failed")
                ET.SubElement(case, "failure", message=first).text = r.explain()
        for suite in suites.values():
            cases = suite.findall("testcase")
            suite.set("tests", str(len(cases)))
            suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
            suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
            suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
        return ET.tostring(root, encoding="unicode", xml_declaration=True)

    def raise_for_failures(self) -> None:
        """Raise `ContractViolation` with the report when the verification failed."""
        if not self.ok:
            raise ContractViolation(self.report())


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)

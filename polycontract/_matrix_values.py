"""The plain data of the version matrix: publications, verifications, live versions, rows, reasons, decisions.

`polycontract.matrix` joins and judges them (``rows``, ``decide``); storage fills an `Estate` with them.
Users import these names from `polycontract.matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

from polycontract._failure_report import FailureReport, InteractionFailure

__all__ = [
    "Decision",
    "Estate",
    "FuzzPolicy",
    "Ignore",
    "LiveVersion",
    "Publication",
    "Reason",
    "Row",
    "Status",
    "Verification",
    "VerificationKind",
]

#: What one reason says about one counterpart version.
Status: TypeAlias = Literal["ok", "failed", "unverified", "missing", "ignored", "unknown-version", "no-dependencies"]

#: What a verification exercised: the pact's own examples, or requests generated within its rules (fuzzing).
VerificationKind: TypeAlias = Literal["example", "fuzz"]

#: How `decide` treats fuzz verifications: ``ignore`` them (the default: every answer as without them), ``count``
#: a failed one as a failure, or ``require`` a passing one for every pair it checks.
FuzzPolicy: TypeAlias = Literal["ignore", "count", "require"]


@dataclass(frozen=True, kw_only=True)
class Publication:
    """Consumer version ``consumer_version`` published pact content ``content_hash`` for ``provider``."""

    consumer: str
    consumer_version: str
    provider: str
    content_hash: str


@dataclass(frozen=True, kw_only=True)
class Verification:
    """Provider version ``provider_version`` verified pact content ``content_hash``.

    ``pending`` records that the content was pending for the provider's branch when verified: the
    verifier did not fail the build, but the failure still counts here. ``failures`` are the
    interactions it failed, as the verifier reported them; None when the result was published
    without them (no details recorded).
    """

    provider: str
    provider_version: str
    content_hash: str
    success: bool
    verified_at: datetime | None = None
    pending: bool = False
    branch: str | None = None
    failures: tuple[InteractionFailure, ...] | None = None
    #: The broker's id of the stored result (its ``verification-results/{id}`` resource); None when unknown.
    id: int | None = field(default=None, compare=False)
    #: ``example`` (the pact's examples) or ``fuzz`` (generated requests); fuzz results count only when asked.
    kind: VerificationKind = "example"


@dataclass(frozen=True, kw_only=True)
class LiveVersion:
    """A version live in ``target``: deployed (per application instance), released, latest on a main branch,
    or (the legacy ``--to TAG``) the latest with the tag ``target``."""

    pacticipant: str
    version: str
    target: str
    kind: Literal["deployed", "released", "main-branch", "tag"] = "deployed"
    application_instance: str | None = None

    def describe(self) -> str:
        """How the version is live, e.g. ``deployed to prod, instance eu``."""
        if self.kind == "main-branch":
            return f"latest on main branch {self.target}"
        if self.kind == "tag":
            return f"latest with tag {self.target}"
        where = f"{self.kind} to {self.target}" if self.kind == "deployed" else f"released in {self.target}"
        return where + (f", instance {self.application_instance}" if self.application_instance else "")


@dataclass(frozen=True, kw_only=True)
class Ignore:
    """Report but do not count rows of ``pacticipant`` (only of ``version`` when given)."""

    pacticipant: str
    version: str | None = None

    def covers(self, pacticipant: str, version: str | None) -> bool:
        """True when this selector ignores ``pacticipant`` at ``version``."""
        return self.pacticipant == pacticipant and (self.version is None or self.version == version)


@dataclass(frozen=True, kw_only=True)
class Estate:
    """Everything `decide` needs: publications, verifications, live versions and known versions.

    Storage may pass only the relevant subset; extra rows do no harm.
    """

    publications: tuple[Publication, ...] = ()
    verifications: tuple[Verification, ...] = ()
    live: tuple[LiveVersion, ...] = ()
    versions: frozenset[tuple[str, str]] = field(default_factory=frozenset)


@dataclass(frozen=True, kw_only=True)
class Row:
    """One consumer version x provider version x pact content, with the latest verification (if any)."""

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str | None
    content_hash: str | None
    success: bool | None
    verified_at: datetime | None = None
    pending: bool = False
    ignored: bool = False
    failures: tuple[InteractionFailure, ...] | None = None
    #: The broker's id of the verification shown (`Verification.id`); None when unverified or unknown.
    verification_id: int | None = field(default=None, compare=False)
    #: The kind of the verification shown: ``fuzz`` rows are separate from the example rows of the same pair.
    kind: VerificationKind = "example"

    def failure_report(self) -> FailureReport | None:
        """What the failed verification this row shows recorded; None unless it failed against known content."""
        if self.success is not False or self.provider_version is None or self.content_hash is None:
            return None
        return FailureReport(
            consumer=self.consumer,
            consumer_version=self.consumer_version,
            provider=self.provider,
            provider_version=self.provider_version,
            content_hash=self.content_hash,
            failures=self.failures,
        )


@dataclass(frozen=True, kw_only=True)
class Reason:
    """Why one counterpart version makes the answer yes, no or unknown, and what to do about it."""

    status: Status
    message: str
    next_action: str | None = None
    counterpart: str | None = None
    counterpart_version: str | None = None
    report: FailureReport | None = None

    def __str__(self) -> str:
        return self.message if self.next_action is None else f"{self.message} -> {self.next_action}"


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The can-i-deploy answer: ``ok`` is True (safe), False (not safe) or None (unknown, e.g. not yet verified)."""

    ok: bool | None
    reasons: tuple[Reason, ...]
    rows: tuple[Row, ...]
    pacticipant: str = ""
    version: str = ""
    target: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def next_actions(self) -> tuple[str, ...]:
        """What must happen before the answer can become yes."""
        return tuple(r.next_action for r in self.reasons if r.next_action)

"""The broker's result records: what an operation answers, the same from the embedded broker and over HTTP.

Frozen values with no behaviour beyond presenting themselves, so both implementations (and the HTTP
server that turns one into the other) build and compare them without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from polycontract.schema_matrix import SchemaKind

if TYPE_CHECKING:
    from polycontract.model import PactDocument

__all__ = [
    "Environment",
    "PactForVerification",
    "PruneReport",
    "PublishResult",
    "PublishedVerification",
    "SchemaPublishResult",
    "Webhook",
    "WebhookAttempt",
]


@dataclass(frozen=True, kw_only=True)
class PublishResult:
    """What publishing did: ``created`` new, ``unchanged`` (identical content) or ``overwritten``."""

    consumer: str
    consumer_version: str
    provider: str
    content_hash: str
    outcome: Literal["created", "unchanged", "overwritten"]


@dataclass(frozen=True, kw_only=True)
class Environment:
    """A deployment target; ``order`` sorts them DEV → QA → PROD; ``contacts`` as the Pact Broker keeps them
    (``{"name": …, "details": {…}}`` each)."""

    name: str
    display_name: str | None
    production: bool
    order: int
    contacts: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, kw_only=True)
class PublishedVerification:
    """One verification result the broker recorded."""

    provider: str
    provider_version: str
    consumer: str
    content_hash: str
    success: bool
    pending: bool
    #: The stored result's id (the ``verification-results/{id}`` resource); None over HTTP. Not compared.
    id: int | None = field(default=None, compare=False)
    #: ``example`` (the pact's examples) or ``fuzz`` (requests generated within its rules).
    kind: str = "example"


@dataclass(frozen=True, kw_only=True)
class PruneReport:
    """What a prune deleted (or, with ``dry_run``, would delete)."""

    versions: tuple[tuple[str, str], ...]
    publications: int
    verifications: int
    pact_contents: int
    dry_run: bool


@dataclass(frozen=True, kw_only=True)
class SchemaPublishResult:
    """What publishing a schema (or recording a read) did: ``created``, ``unchanged`` or ``overwritten``."""

    pacticipant: str
    version: str
    subject: str
    kind: SchemaKind
    content_hash: str
    outcome: Literal["created", "unchanged", "overwritten"]

    def to_json(self) -> dict[str, str]:
        """The JSON form the CLI prints and the HTTP API answers (camelCase keys)."""
        return {
            "pacticipant": self.pacticipant,
            "version": self.version,
            "subject": self.subject,
            "kind": self.kind,
            "contentHash": self.content_hash,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, kw_only=True)
class PactForVerification:
    """One pact content to verify, with every consumer version it is verified for and why.

    ``notices`` has one line per consumer version (``1.0: deployed to prod``). ``pending`` failures
    must not fail the provider's build; ``wip`` marks a work-in-progress pact (always pending).
    The attributes ``pact``, ``origin``, ``pending``, ``url``, ``error``, ``consumer_version`` and
    ``consumer_versions`` are those of the verifier's ``SourcedPact``.
    """

    consumer: str
    provider: str
    content_hash: str
    consumer_versions: tuple[str, ...]
    notices: tuple[str, ...]
    pending: bool
    wip: bool = False
    pact: PactDocument | None = field(default=None, repr=False)
    error: str | None = None
    origin: str = ""
    url: str | None = None
    from_directory: bool = False

    @property
    def consumer_version(self) -> str | None:
        """The newest consumer version this content is verified for."""
        return self.consumer_versions[-1] if self.consumer_versions else None

    def describe(self) -> str:
        """``web -> api pact 1ddcf3a4 [pending] for web 1.0 (deployed to prod), 2.0 (latest from …)``."""
        flags = " [wip, pending]" if self.wip else (" [pending]" if self.pending else "")
        why = ", ".join(self.notices)
        return f"{self.consumer} -> {self.provider} pact {self.content_hash[:8]}{flags} for {self.consumer} {why}"


@dataclass(frozen=True, kw_only=True)
class Webhook:
    """A configured webhook as read back: its secrets are ``***`` (`polycontract.broker._values.redaction`)."""

    id: str
    description: str | None
    events: tuple[str, ...]
    url: str
    method: str
    headers: dict[str, str]
    body_template: str
    consumer: str | None
    provider: str | None
    enabled: bool
    timeout: float
    #: The webhook fires for every consumer (provider) with this label (the Pact Broker's ``{"label": …}``).
    consumer_label: str | None = None
    provider_label: str | None = None


@dataclass(frozen=True, kw_only=True)
class WebhookAttempt:
    """One delivery attempt: ``status_code`` None when no response came (see ``error``)."""

    delivery: str
    event: str
    attempt: int
    status_code: int | None
    error: str | None
    response: str | None
    started_at: datetime
    finished_at: datetime

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.error is None

"""The `Broker`: publish pacts and verification results, record what is where, and answer can-i-deploy.

The same class serves every database backend; each method is one transaction, so a failed call
leaves nothing half-written. `Broker` composes one collaborator per part of the work (pacticipants,
pacts, verification and decisions here; schemas, deployments, labels and webhooks in its base class
`BrokerAnnex`), each given the `Store`, the clock and what else it uses; every public method delegates to
one of them. What each operation does is documented on `polycontract.broker.BrokerAPI`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from polycontract.broker._embedded.annex import BrokerAnnex
from polycontract.broker._embedded.deciding import Decisions
from polycontract.broker._embedded.pacts import Pacts
from polycontract.broker._embedded.verifying import ProviderVerification
from polycontract.broker._embedded.versions import Pacticipants
from polycontract.broker._store.session import Store
from polycontract.broker._webhooks.delivery import WebhookDispatcher
from polycontract.broker._webhooks.planning import deliver_after_commit

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from polycontract.broker._embedded.schema_contracts import SchemaContracts
    from polycontract.broker._values.checks import SelectorInput
    from polycontract.broker._values.records import (
        PactForVerification,
        PruneReport,
        PublishedVerification,
        PublishResult,
    )
    from polycontract.matrix import Decision, Ignore, Row
    from polycontract.model import PactDocument

__all__ = ["Broker", "BrokerInternals"]


@dataclass(frozen=True, kw_only=True)
class BrokerInternals:
    """What the broker's HTTP server uses beyond the public operations: not for users, it may change in any release.

    ``store`` gives its queries a connection; ``pacts.publish_all`` publishes several contracts in one
    transaction (``POST /contracts/publish``); ``schemas.subject_kind`` tells a subject's schema kind;
    ``public_url()`` is the start of links and webhook pact URLs ("" when none is configured).
    """

    store: Store
    pacts: Pacts
    schemas: SchemaContracts
    public_url: Callable[[], str]


class Broker(BrokerAnnex):
    """A pact broker over one database (see `polycontract.broker.connect`, also for ``auto_detect_main_branch``).

    Webhooks are sent after the firing write commits, by a thread pool `close` drains: up to
    ``webhook_attempts`` tries, backing off ``webhook_backoff`` seconds, doubling each time. Their
    ``${pactbroker.pactUrl}`` starts with ``public_url`` (default: ``POLYCONTRACT_BROKER_PUBLIC_URL``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        auto_detect_main_branch: bool | Sequence[str] = True,
        public_url: str | None = None,
        webhook_attempts: int = 3,
        webhook_backoff: float = 1.0,
    ) -> None:
        store = Store(engine, auto_detect_main_branch=auto_detect_main_branch)
        now = clock or (lambda: datetime.now(UTC))
        #: The start of links and webhook pact URLs; the HTTP server may set it once it knows its address.
        self._public_url = os.environ.get("POLYCONTRACT_BROKER_PUBLIC_URL", "") if public_url is None else public_url
        links = self._current_public_url
        self._dispatcher = WebhookDispatcher(store.writer, now, attempts=webhook_attempts, backoff=webhook_backoff)
        store.after_commit(deliver_after_commit(self._dispatcher))
        super().__init__(store, now, self._dispatcher, links)
        self._store = store
        self._pacticipants = Pacticipants(store, now)
        self._pacts = Pacts(store, now, links)
        self._verification = ProviderVerification(store, now, links)
        self._decisions = Decisions(store)
        #: The HTTP server's access to the database and to what the public API does not offer (`BrokerInternals`).
        self.internals = BrokerInternals(store=store, pacts=self._pacts, schemas=self._schemas, public_url=links)

    def _current_public_url(self) -> str:
        return self._public_url

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._store.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Let queued webhook deliveries finish (up to 10 s), then release the database connections."""
        self._dispatcher.close()
        self._store.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pacticipants and versions ------------------------------------------------------------

    def create_pacticipant(
        self,
        name: str,
        *,
        main_branch: str | None = None,
        repository_url: str | None = None,
        display_name: str | None = None,
    ) -> None:
        """Create or update a pacticipant (see `BrokerAPI.create_pacticipant`)."""
        self._pacticipants.create_pacticipant(
            name, main_branch=main_branch, repository_url=repository_url, display_name=display_name
        )

    def create_version(
        self,
        pacticipant: str,
        version: str,
        *,
        branch: str | None = None,
        tags: Sequence[str] = (),
        build_url: str | None = None,
    ) -> None:
        """Record a version (see `BrokerAPI.create_version`)."""
        self._pacticipants.create_version(pacticipant, version, branch=branch, tags=tags, build_url=build_url)

    def latest_version(self, pacticipant: str, *, branch: str | None = None) -> str:
        """The newest version number (see `BrokerAPI.latest_version`)."""
        return self._pacticipants.latest_version(pacticipant, branch=branch)

    def pacticipants(self) -> tuple[str, ...]:
        """Every pacticipant's name (see `BrokerAPI.pacticipants`)."""
        return self._pacticipants.pacticipants()

    def has_version(self, pacticipant: str, version: str) -> bool:
        """Whether the version is recorded (see `BrokerAPI.has_version`)."""
        return self._pacticipants.has_version(pacticipant, version)

    def prune(
        self, *, keep_latest: int = 20, older_than: timedelta = timedelta(days=90), dry_run: bool = False
    ) -> PruneReport:
        """Delete old versions and superseded results (see `BrokerAPI.prune`)."""
        return self._pacticipants.prune(keep_latest=keep_latest, older_than=older_than, dry_run=dry_run)

    # -- pacts and verification results -------------------------------------------------------

    def publish_pact(
        self,
        pact: PactDocument,
        *,
        consumer_version: str,
        branch: str | None = None,
        tags: Sequence[str] = (),
        allow_overwrite: bool = False,
        build_url: str | None = None,
    ) -> PublishResult:
        """Publish a pact (see `BrokerAPI.publish_pact`)."""
        return self._pacts.publish_pact(
            pact,
            consumer_version=consumer_version,
            branch=branch,
            tags=tags,
            allow_overwrite=allow_overwrite,
            build_url=build_url,
        )

    def pact(self, consumer: str, consumer_version: str, provider: str, *, revision: int | None = None) -> PactDocument:
        """A published pact (see `BrokerAPI.pact`)."""
        return self._pacts.pact(consumer, consumer_version, provider, revision=revision)

    def publish_verification(
        self,
        *,
        provider: str,
        provider_version: str,
        consumer: str | None = None,
        consumer_version: str | None = None,
        success: bool,
        branch: str | None = None,
        content_hash: str | None = None,
        pending: bool = False,
    ) -> str:
        """Record one verification result (see `BrokerAPI.publish_verification`)."""
        return self._verification.publish_verification(
            provider=provider,
            provider_version=provider_version,
            consumer=consumer,
            consumer_version=consumer_version,
            success=success,
            branch=branch,
            content_hash=content_hash,
            pending=pending,
        )

    def pacts_for_verification(
        self,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> tuple[PactForVerification, ...]:
        """The pacts a provider must verify (see `BrokerAPI.pacts_for_verification`)."""
        return self._verification.pacts_for_verification(
            provider,
            selectors=selectors,
            provider_branch=provider_branch,
            include_pending=include_pending,
            include_wip_since=include_wip_since,
        )

    def publish_verification_results(
        self,
        *,
        provider: str,
        provider_version: str,
        results: Iterable[Mapping[str, Any]],
        branch: str | None = None,
        build_url: str | None = None,
    ) -> tuple[PublishedVerification, ...]:
        """Record a whole verification run (see `BrokerAPI.publish_verification_results`)."""
        return self._verification.publish_verification_results(
            provider=provider, provider_version=provider_version, results=results, branch=branch, build_url=build_url
        )

    # -- the matrix and can-i-deploy ----------------------------------------------------------

    def matrix(
        self,
        pacticipant: str,
        *,
        version: str | None = None,
        branch: str | None = None,
        environment: str | None = None,
        limit: int = 1000,
    ) -> tuple[Row, ...]:
        """The matrix rows of a pacticipant (see `BrokerAPI.matrix`)."""
        return self._decisions.matrix(pacticipant, version=version, branch=branch, environment=environment, limit=limit)

    def can_i_deploy(
        self,
        pacticipant: str,
        version: str,
        *,
        to_environment: str | None = None,
        to_main_branch: bool = False,
        ignore: Sequence[str | Ignore] = (),
        to_tag: str | None = None,
    ) -> Decision:
        """Whether a version can be deployed or merged (see `BrokerAPI.can_i_deploy`)."""
        return self._decisions.can_i_deploy(
            pacticipant,
            version,
            to_environment=to_environment,
            to_main_branch=to_main_branch,
            ignore=ignore,
            to_tag=to_tag,
        )

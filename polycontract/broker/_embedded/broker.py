"""The `Broker`: publish pacts and verification results, record what is where, and answer can-i-deploy.

The same class serves every database backend; each method is one transaction, so a failed call
leaves nothing half-written. `Broker` composes one collaborator per part of the work (pacticipants, pacts,
verification, decisions, schemas, deployments, labels, webhooks), each given the `Store`, the clock and what
else it uses; each public operation is one collaborator's method (`delegate`). What each operation does is
documented on `polycontract.broker.BrokerAPI`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from polycontract.broker._embedded.deciding import Decisions
from polycontract.broker._embedded.delegate import delegate
from polycontract.broker._embedded.deployments import Deployments
from polycontract.broker._embedded.labels import PacticipantLabels
from polycontract.broker._embedded.pacts import Pacts
from polycontract.broker._embedded.schema_contracts import SchemaContracts
from polycontract.broker._embedded.verifying import ProviderVerification
from polycontract.broker._embedded.versions import Pacticipants
from polycontract.broker._store.session import Store
from polycontract.broker._values.names import names_checked
from polycontract.broker._webhooks.delivery import WebhookDispatcher
from polycontract.broker._webhooks.planning import deliver_after_commit
from polycontract.broker._webhooks.registry import Webhooks
from polycontract.broker._webhooks.targets import WebhookPolicy

if TYPE_CHECKING:
    from sqlalchemy import Engine


__all__ = ["Broker", "BrokerInternals"]


@dataclass(frozen=True, kw_only=True)
class BrokerInternals:
    """What the broker's HTTP server uses beyond the public operations: not for users, it may change in any release.

    ``store`` gives its queries a connection; ``pacts.publish_all`` publishes several contracts in one
    transaction (``POST /contracts/publish``); ``schemas.subject_kind`` tells a subject's schema kind;
    ``public_url()`` is the start of links and webhook pact URLs ("" when none is configured); ``webhooks`` sends
    the outbox's deliveries (the server starts it, so deliveries a stopped process left are resumed, and
    drains it on shutdown).
    """

    store: Store
    pacts: Pacts
    schemas: SchemaContracts
    public_url: Callable[[], str]
    webhooks: WebhookDispatcher


@names_checked
class Broker:
    """A pact broker over one database (see `polycontract.broker.connect`, also for ``auto_detect_main_branch``).

    Webhooks are sent after the firing write commits, by a thread pool `close` drains: up to
    ``webhook_attempts`` tries, backing off ``webhook_backoff`` seconds, doubling each time. The firing
    transaction writes them to an outbox table, so deliveries a stopped process did not finish are sent by the
    next broker process that sends webhooks on the database (at least once). Their
    ``${pactbroker.pactUrl}`` starts with ``public_url`` (default: ``POLYCONTRACT_BROKER_PUBLIC_URL``).
    ``webhook_policy`` says which webhook targets are allowed, checked when a webhook is created and again on
    every delivery; the default allows http(s) to any address (this process is the user's own), while
    ``polycontract broker serve`` refuses private, loopback and metadata addresses unless allowed.
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
        webhook_policy: WebhookPolicy | None = None,
    ) -> None:
        store = Store(engine, auto_detect_main_branch=auto_detect_main_branch)
        now = clock or (lambda: datetime.now(UTC))
        #: The start of links and webhook pact URLs; the HTTP server may set it once it knows its address.
        self._public_url = os.environ.get("POLYCONTRACT_BROKER_PUBLIC_URL", "") if public_url is None else public_url
        links = self._current_public_url
        #: Which webhook targets are allowed (`WebhookPolicy`); read on every creation and delivery.
        self.webhook_policy = webhook_policy or WebhookPolicy.permissive()
        policy = self._current_webhook_policy
        self._dispatcher = WebhookDispatcher(
            store.writer, now, attempts=webhook_attempts, backoff=webhook_backoff, policy=policy
        )
        store.after_commit(deliver_after_commit(self._dispatcher))
        self._store = store
        self._pacticipants = Pacticipants(store, now)
        self._pacts = Pacts(store, now, links)
        self._verification = ProviderVerification(store, now, links)
        self._decisions = Decisions(store)
        self._schemas = SchemaContracts(store, now)
        self._deployments = Deployments(store, now)
        self._labels = PacticipantLabels(store, now)
        self._webhooks = Webhooks(store, now, self._dispatcher, links, policy=policy)
        #: The HTTP server's access to the database and to what the public API does not offer (`BrokerInternals`).
        self.internals = BrokerInternals(
            store=store, pacts=self._pacts, schemas=self._schemas, public_url=links, webhooks=self._dispatcher
        )

    def _current_public_url(self) -> str:
        return self._public_url

    def _current_webhook_policy(self) -> WebhookPolicy:
        return self.webhook_policy

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

    # -- each operation is one collaborator's (documented on `polycontract.broker.BrokerAPI`) -----------------

    create_pacticipant = delegate("_pacticipants", Pacticipants.create_pacticipant)
    create_version = delegate("_pacticipants", Pacticipants.create_version)
    latest_version = delegate("_pacticipants", Pacticipants.latest_version)
    pacticipants = delegate("_pacticipants", Pacticipants.pacticipants)
    has_version = delegate("_pacticipants", Pacticipants.has_version)
    prune = delegate("_pacticipants", Pacticipants.prune)

    publish_pact = delegate("_pacts", Pacts.publish_pact)
    pact = delegate("_pacts", Pacts.pact)

    publish_verification = delegate("_verification", ProviderVerification.publish_verification)
    pacts_for_verification = delegate("_verification", ProviderVerification.pacts_for_verification)
    publish_verification_results = delegate("_verification", ProviderVerification.publish_verification_results)

    matrix = delegate("_decisions", Decisions.matrix)
    can_i_deploy = delegate("_decisions", Decisions.can_i_deploy)

    publish_schema = delegate("_schemas", SchemaContracts.publish_schema)
    record_schema_use = delegate("_schemas", SchemaContracts.record_schema_use)
    schema = delegate("_schemas", SchemaContracts.schema)

    create_environment = delegate("_deployments", Deployments.create_environment)
    environments = delegate("_deployments", Deployments.environments)
    record_deployment = delegate("_deployments", Deployments.record_deployment)
    record_undeployment = delegate("_deployments", Deployments.record_undeployment)
    record_release = delegate("_deployments", Deployments.record_release)
    record_support_ended = delegate("_deployments", Deployments.record_support_ended)
    live = delegate("_deployments", Deployments.live)

    label_pacticipant = delegate("_labels", PacticipantLabels.label_pacticipant)
    unlabel_pacticipant = delegate("_labels", PacticipantLabels.unlabel_pacticipant)
    pacticipant_labels = delegate("_labels", PacticipantLabels.pacticipant_labels)
    labelled_pacticipants = delegate("_labels", PacticipantLabels.labelled_pacticipants)

    create_webhook = delegate("_webhooks", Webhooks.create_webhook)
    webhook = delegate("_webhooks", Webhooks.webhook)
    webhooks = delegate("_webhooks", Webhooks.webhooks)
    delete_webhook = delegate("_webhooks", Webhooks.delete_webhook)
    execute_webhook = delegate("_webhooks", Webhooks.execute_webhook)
    webhook_deliveries = delegate("_webhooks", Webhooks.webhook_deliveries)
    flush_webhooks = delegate("_webhooks", Webhooks.flush_webhooks)

"""The `Broker`'s operations around its pacts: schema contracts, environments and deployments, pacticipant
labels and webhooks, each delegating to its collaborator.

`BrokerAnnex` is the base class of `Broker` (which holds the pacts, verification results and decisions), so
that each module stays one readable size; it builds and owns its collaborators from what it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from polycontract.broker._embedded.deployments import Deployments
from polycontract.broker._embedded.labels import PacticipantLabels
from polycontract.broker._embedded.schema_contracts import SchemaContracts
from polycontract.broker._webhooks.registry import Webhooks

if TYPE_CHECKING:
    from polycontract.broker._store.session import Store
    from polycontract.broker._values.records import Environment, SchemaPublishResult, Webhook, WebhookAttempt
    from polycontract.broker._webhooks.delivery import WebhookDispatcher
    from polycontract.matrix import LiveVersion
    from polycontract.schema_matrix import SchemaKind

__all__ = ["BrokerAnnex"]


class BrokerAnnex:
    """Schema contracts, environments and deployments, labels and webhooks of one broker database."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        dispatcher: WebhookDispatcher,
        public_url: Callable[[], str],
    ) -> None:
        self._schemas = SchemaContracts(store, clock)
        self._deployments = Deployments(store, clock)
        self._labels = PacticipantLabels(store, clock)
        self._webhooks = Webhooks(store, clock, dispatcher, public_url)

    # -- schema contracts ---------------------------------------------------------------------

    def publish_schema(
        self,
        pacticipant: str,
        version: str,
        *,
        subject: str,
        kind: str,
        schema: Any,
        level: str | None = None,
        branch: str | None = None,
        allow_overwrite: bool = False,
        name: str | None = None,
    ) -> SchemaPublishResult:
        """Publish the schema a version writes (see `BrokerAPI.publish_schema`)."""
        return self._schemas.publish_schema(
            pacticipant,
            version,
            subject=subject,
            kind=kind,
            schema=schema,
            level=level,
            branch=branch,
            allow_overwrite=allow_overwrite,
            name=name,
        )

    def record_schema_use(
        self,
        pacticipant: str,
        version: str,
        *,
        subject: str,
        schema: Any = None,
        kind: str | None = None,
        from_version: str | None = None,
        from_pacticipant: str | None = None,
        branch: str | None = None,
        name: str | None = None,
    ) -> SchemaPublishResult:
        """Declare that a consumer version reads a subject (see `BrokerAPI.record_schema_use`)."""
        return self._schemas.record_schema_use(
            pacticipant,
            version,
            subject=subject,
            schema=schema,
            kind=kind,
            from_version=from_version,
            from_pacticipant=from_pacticipant,
            branch=branch,
            name=name,
        )

    def schema(self, pacticipant: str, version: str, subject: str) -> tuple[SchemaKind, Any]:
        """A published schema (see `BrokerAPI.schema`)."""
        return self._schemas.schema(pacticipant, version, subject)

    # -- environments, deployments and releases -----------------------------------------------

    def create_environment(
        self,
        name: str,
        *,
        production: bool = False,
        display_name: str | None = None,
        contacts: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create or update an environment (see `BrokerAPI.create_environment`)."""
        self._deployments.create_environment(name, production=production, display_name=display_name, contacts=contacts)

    def environments(self) -> tuple[Environment, ...]:
        """Every environment (see `BrokerAPI.environments`)."""
        return self._deployments.environments()

    def record_deployment(
        self, pacticipant: str, version: str, environment: str, *, application_instance: str | None = None
    ) -> None:
        """Record a deployment (see `BrokerAPI.record_deployment`)."""
        self._deployments.record_deployment(
            pacticipant, version, environment, application_instance=application_instance
        )

    def record_undeployment(
        self, pacticipant: str, environment: str, *, application_instance: str | None = None
    ) -> str:
        """Record an undeployment (see `BrokerAPI.record_undeployment`)."""
        return self._deployments.record_undeployment(
            pacticipant, environment, application_instance=application_instance
        )

    def record_release(self, pacticipant: str, version: str, environment: str) -> None:
        """Record a release (see `BrokerAPI.record_release`)."""
        self._deployments.record_release(pacticipant, version, environment)

    def record_support_ended(self, pacticipant: str, version: str, environment: str) -> None:
        """Record the end of a release's support (see `BrokerAPI.record_support_ended`)."""
        self._deployments.record_support_ended(pacticipant, version, environment)

    def live(self, environment: str) -> tuple[LiveVersion, ...]:
        """What is live in an environment (see `BrokerAPI.live`)."""
        return self._deployments.live(environment)

    # -- pacticipant labels -------------------------------------------------------------------

    def label_pacticipant(self, pacticipant: str, label: str) -> None:
        """Give a pacticipant a label (see `BrokerAPI.label_pacticipant`)."""
        self._labels.label_pacticipant(pacticipant, label)

    def unlabel_pacticipant(self, pacticipant: str, label: str) -> None:
        """Take a label off a pacticipant (see `BrokerAPI.unlabel_pacticipant`)."""
        self._labels.unlabel_pacticipant(pacticipant, label)

    def pacticipant_labels(self, pacticipant: str) -> tuple[str, ...]:
        """A pacticipant's labels (see `BrokerAPI.pacticipant_labels`)."""
        return self._labels.pacticipant_labels(pacticipant)

    def labelled_pacticipants(self, label: str) -> tuple[str, ...]:
        """The pacticipants with a label (see `BrokerAPI.labelled_pacticipants`)."""
        return self._labels.labelled_pacticipants(label)

    # -- webhooks -----------------------------------------------------------------------------

    def create_webhook(
        self,
        *,
        url: str,
        events: Sequence[str],
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        body_template: str | Mapping[str, Any] | None = None,
        consumer: str | None = None,
        provider: str | None = None,
        description: str | None = None,
        enabled: bool = True,
        timeout: float = 5.0,
        webhook_id: str | None = None,
        consumer_label: str | None = None,
        provider_label: str | None = None,
    ) -> Webhook:
        """Configure a webhook (see `BrokerAPI.create_webhook`)."""
        return self._webhooks.create_webhook(
            url=url,
            events=events,
            method=method,
            headers=headers,
            body_template=body_template,
            consumer=consumer,
            provider=provider,
            description=description,
            enabled=enabled,
            timeout=timeout,
            webhook_id=webhook_id,
            consumer_label=consumer_label,
            provider_label=provider_label,
        )

    def webhook(self, webhook_id: str) -> Webhook:
        """One webhook (see `BrokerAPI.webhook`)."""
        return self._webhooks.webhook(webhook_id)

    def webhooks(self) -> tuple[Webhook, ...]:
        """Every webhook (see `BrokerAPI.webhooks`)."""
        return self._webhooks.webhooks()

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook and its log (see `BrokerAPI.delete_webhook`)."""
        self._webhooks.delete_webhook(webhook_id)

    def execute_webhook(self, webhook_id: str) -> WebhookAttempt:
        """Send a webhook once now (see `BrokerAPI.execute_webhook`)."""
        return self._webhooks.execute_webhook(webhook_id)

    def webhook_deliveries(self, webhook_id: str) -> tuple[WebhookAttempt, ...]:
        """A webhook's delivery log (see `BrokerAPI.webhook_deliveries`)."""
        return self._webhooks.webhook_deliveries(webhook_id)

    def flush_webhooks(self, timeout: float | None = None) -> bool:
        """Wait for every queued webhook delivery; False if ``timeout`` ran out first."""
        return self._webhooks.flush_webhooks(timeout)

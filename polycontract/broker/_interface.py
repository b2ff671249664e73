"""`BrokerAPI`: the operations every broker offers, embedded over a database or a client of a broker server.

`polycontract.broker.connect` returns one: the SQL `Broker` for ``sqlite:///…`` and ``postgresql://…``,
an `HttpBroker` for ``http(s)://…``. Both implement every operation here on their own, with the same
parameters, the same checks of their arguments and the same results; what only one of them can do
(the embedded broker's ``flush_webhooks``: a client cannot wait for deliveries a server sends) is
not part of the interface. Code that accepts "any broker" is typed `BrokerAPI`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from polycontract.broker._values.checks import SelectorInput
    from polycontract.broker._values.records import (
        Environment,
        PactForVerification,
        PruneReport,
        PublishedVerification,
        PublishResult,
        SchemaPublishResult,
        Webhook,
        WebhookAttempt,
    )
    from polycontract.matrix import Decision, FuzzPolicy, Ignore, LiveVersion, Row
    from polycontract.model import PactDocument
    from polycontract.schema_matrix import SchemaKind

__all__ = ["BrokerAPI"]


@runtime_checkable
class BrokerAPI(Protocol):
    """A pact broker: publish pacts and verification results, record what is where, and answer can-i-deploy.

    >>> # broker = connect()            # the embedded file, a database or a broker server
    >>> # broker.can_i_deploy("web", "a1b2c3", to_environment="prod").ok

    Every operation checks its arguments first (a `UsageError` names the one that is wrong) and fails
    as a whole: `StorageError` for what the broker's contents refuse (an unknown environment, a pact
    published with other content), `BrokerError` when the broker cannot be reached or answers nonsense.
    Use it as a context manager, or call `close`.
    """

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where the broker is: the database URL with its password hidden, or the server's base URL
        (credentials are never part of it)."""

    def close(self) -> None:
        """Release the broker's connections (the embedded broker first lets queued webhook deliveries
        finish, up to 10 s)."""

    def __enter__(self) -> Self:
        """The broker itself; leaving the ``with`` block closes it."""

    def __exit__(self, *exc: object) -> None:
        """`close` the broker."""

    # -- pacticipants and versions -------------------------------------------------------------------

    def create_pacticipant(
        self,
        name: str,
        *,
        main_branch: str | None = None,
        repository_url: str | None = None,
        display_name: str | None = None,
    ) -> None:
        """Create ``name`` (or update it): ``main_branch`` is where "can I merge" looks; ``repository_url``
        where its code lives, ``display_name`` how to show it (the Pact Broker's ``repositoryUrl``,
        ``displayName``). None leaves a stored value as it is."""

    def create_version(
        self,
        pacticipant: str,
        version: str,
        *,
        branch: str | None = None,
        tags: Sequence[str] = (),
        build_url: str | None = None,
    ) -> None:
        """Record ``version`` of ``pacticipant`` (idempotent), with its branch, tags and the CI build that made it."""

    def latest_version(self, pacticipant: str, *, branch: str | None = None) -> str:
        """The newest version number of ``pacticipant`` (on ``branch`` when given).

        Raises `StorageError` when the pacticipant is unknown or has no version (on that branch).
        """

    def pacticipants(self) -> tuple[str, ...]:
        """Every application's name, sorted (e.g. to tell a misspelt name from one without pacts)."""

    def has_version(self, pacticipant: str, version: str) -> bool:
        """Whether ``pacticipant`` has recorded ``version``."""

    # -- pacticipant labels --------------------------------------------------------------------------

    def label_pacticipant(self, pacticipant: str, label: str) -> None:
        """Give ``pacticipant`` the label ``label`` (idempotent; the pacticipant is created when new, as the
        Pact Broker's ``PUT /pacticipants/{p}/labels/{label}`` does).

        >>> # broker.label_pacticipant("billing", "payments")   # webhooks for {"label": "payments"} now fire for it
        """

    def unlabel_pacticipant(self, pacticipant: str, label: str) -> None:
        """Take ``label`` off ``pacticipant``; `StorageError` when it does not have it."""

    def pacticipant_labels(self, pacticipant: str) -> tuple[str, ...]:
        """The labels of ``pacticipant``, sorted (none for an unknown pacticipant)."""

    def labelled_pacticipants(self, label: str) -> tuple[str, ...]:
        """The names of every pacticipant with ``label``, sorted."""

    # -- pacts and verification results --------------------------------------------------------------

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
        """Publish ``pact`` for ``consumer_version``; content is stored once per normalised hash.

        Identical content again is a no-op. Different content for the same consumer version and
        provider raises `StorageError` unless ``allow_overwrite=True``; the earlier content stays in
        the history either way. ``build_url`` records the CI build of the consumer version.
        """

    def pact(self, consumer: str, consumer_version: str, provider: str, *, revision: int | None = None) -> PactDocument:
        """The pact ``consumer`` ``consumer_version`` published for ``provider`` (latest revision by default)."""

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
        """Record that ``provider_version`` verified a pact (found by consumer version or content hash).

        The result belongs to the pact *content*, so it counts for every consumer version that
        publishes identical content. Returns the content hash verified.
        """

    def pacts_for_verification(
        self,
        provider: str,
        *,
        selectors: Iterable[SelectorInput] | None = None,
        provider_branch: str | None = None,
        include_pending: bool = True,
        include_wip_since: date | datetime | None = None,
    ) -> tuple[PactForVerification, ...]:
        """The pacts ``provider`` must verify: one per content, naming the consumer versions it serves.

        ``selectors`` (`ConsumerVersionSelector` objects or their Pact JSON form; default: latest
        main branch + everything deployed or released) choose consumer versions. As in the Pact
        Broker, a content is pending for ``provider_branch`` until a provider version on that branch
        verified it, or one on another branch did before ``provider_branch`` was created; without a
        branch, until any provider version verified it.
        ``include_wip_since`` adds work-in-progress pacts (see `polycontract.broker._embedded.selection`).
        """

    def publish_verification_results(
        self,
        *,
        provider: str,
        provider_version: str,
        results: Iterable[Mapping[str, Any]],
        branch: str | None = None,
        build_url: str | None = None,
    ) -> tuple[PublishedVerification, ...]:
        """Record a whole verification run (``VerificationResult.verifications()``): every result is
        checked before any is recorded.

        Each result is a mapping with ``content_hash``, ``success`` and optionally ``pending`` and
        ``test_results`` (one entry per interaction with its mismatches, the Pact Broker's ``testResults``;
        stored bounded, see `polycontract.broker._values.test_results`, and shown by can-i-deploy and the matrix
        for a failed result); it counts for every consumer version that published that content.
        ``build_url`` is the CI build that ran the verification (the Pact Broker's ``buildUrl``).
        """

    # -- environments, deployments and releases -------------------------------------------------------

    def create_environment(
        self,
        name: str,
        *,
        production: bool = False,
        display_name: str | None = None,
        contacts: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create (or update) environment ``name``; environments are ordered by creation (DEV → QA → PROD).

        ``contacts`` (the Pact Broker's: ``[{"name": "Team A", "details": {"emailAddress": …}}]``) replace the
        stored ones; None leaves them as they are.
        """

    def environments(self) -> tuple[Environment, ...]:
        """Every environment, in display order."""

    def record_deployment(
        self, pacticipant: str, version: str, environment: str, *, application_instance: str | None = None
    ) -> None:
        """``version`` is now deployed to ``environment``, replacing what that application instance ran before."""

    def record_undeployment(
        self, pacticipant: str, environment: str, *, application_instance: str | None = None
    ) -> str:
        """``pacticipant`` no longer runs in ``environment`` (that instance); returns the version it ran."""

    def record_release(self, pacticipant: str, version: str, environment: str) -> None:
        """``version`` is released to ``environment``; earlier releases stay supported until support ends."""

    def record_support_ended(self, pacticipant: str, version: str, environment: str) -> None:
        """``version`` released to ``environment`` is no longer supported, so it no longer counts."""

    def live(self, environment: str) -> tuple[LiveVersion, ...]:
        """Every version currently deployed (per instance) or released-and-supported in ``environment``."""

    # -- schema contracts --------------------------------------------------------------------------

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
        """Publish the ``subject`` schema ``pacticipant`` ``version`` writes (a producer's events, a provider's API).

        ``schema`` is a dict, list or JSON/YAML text of ``kind`` (``avro``, ``jsonschema`` or
        ``openapi``); it is validated, and stored once per content hash. ``level`` sets the subject's
        compatibility level (default BACKWARD when the subject is new). Identical content again is a
        no-op; different content for the same version raises `StorageError` unless ``allow_overwrite``.
        A schema that does not validate raises `SchemaError` naming ``name`` (default: the subject).
        """

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
        """Declare that consumer ``pacticipant`` ``version`` reads ``subject``.

        Give either its reader ``schema`` (with ``kind``, or the subject's kind when it exists) or
        ``from_version``: the version whose published schema of the subject it was built against
        (``from_pacticipant`` picks the writer when several publish the subject). A later call for
        the same version and subject replaces the earlier one.
        """

    def schema(self, pacticipant: str, version: str, subject: str) -> tuple[SchemaKind, Any]:
        """(kind, document) of the ``subject`` schema ``pacticipant`` ``version`` published."""

    # -- webhooks ------------------------------------------------------------------------------------

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
        """Configure a webhook: on any of ``events`` (optionally only for ``consumer``/``provider``), send
        ``method`` ``url`` with ``headers`` and ``body_template`` rendered (``${pactbroker.…}`` placeholders).

        ``consumer_label`` / ``provider_label`` instead choose every consumer / provider with that label
        (`label_pacticipant`), as a Pact Broker webhook's ``{"label": …}`` does; a role takes a name or a
        label, not both.

        Returns it as read back (secret headers masked); its ``id`` is what `delete_webhook` takes. With
        ``webhook_id`` (16 to 64 letters, digits, ``-`` or ``_``, e.g. a UUID) the webhook gets that id, and
        an existing webhook with it is replaced (its delivery log kept), as the Pact Broker's
        ``PUT /webhooks/{uuid}`` does.

        A ``consumer`` or ``provider`` given by name must be a known pacticipant (`StorageError` otherwise),
        as the Pact Broker requires; a label may be one no pacticipant has yet.
        """

    def webhook(self, webhook_id: str) -> Webhook:
        """One webhook by id, its secrets (credential headers, URL credentials and query values, literal body
        text) shown as ``***``; `StorageError` if there is none."""

    def webhooks(self) -> tuple[Webhook, ...]:
        """Every configured webhook, oldest first, secrets shown as ``***`` (as `webhook`)."""

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook and its delivery log; `StorageError` if there is none with that id."""

    def execute_webhook(self, webhook_id: str) -> WebhookAttempt:
        """Send a webhook once now, as for its first event on the newest pact its filters admit, and return
        the attempt (also in its delivery log): the Pact Broker's "test webhook". No retries."""

    def webhook_deliveries(self, webhook_id: str) -> tuple[WebhookAttempt, ...]:
        """Every delivery attempt of a webhook, oldest first; its secrets in errors and answers read ``***``."""

    # -- retention, the matrix and can-i-deploy -------------------------------------------------------

    def prune(
        self, *, keep_latest: int = 20, older_than: timedelta = timedelta(days=90), dry_run: bool = False
    ) -> PruneReport:
        """Delete old versions and superseded verification results; ``dry_run`` only reports.

        Never deletes a version that is deployed, released and supported, latest on its main
        branch, among its pacticipant's ``keep_latest`` newest, or younger than ``older_than``.
        """

    def matrix(
        self,
        pacticipant: str,
        *,
        version: str | None = None,
        branch: str | None = None,
        environment: str | None = None,
        limit: int = 1000,
        include_fuzz: bool = False,
    ) -> tuple[Row, ...]:
        """Rows of every integration of ``pacticipant``; ``environment`` narrows counterparts to what is live there.

        ``include_fuzz`` adds rows for fuzz verifications (``Row.kind == "fuzz"``).
        """

    def can_i_deploy(
        self,
        pacticipant: str,
        version: str,
        *,
        to_environment: str | None = None,
        to_main_branch: bool = False,
        ignore: Sequence[str | Ignore] = (),
        to_tag: str | None = None,
        fuzz: FuzzPolicy = "ignore",
    ) -> Decision:
        """Can ``pacticipant`` ``version`` go to ``to_environment`` (or merge, with ``to_main_branch``)?

        Every counterpart version live there is checked on its own; see `polycontract.matrix.decide`.
        ``to_tag`` asks the legacy question of the Pact CLI's ``--to TAG``: against the newest version
        of each counterpart with that tag (environments are the better tool). ``fuzz`` is what fuzz
        verifications do: ``ignore`` (default), ``count`` (a failed one blocks) or ``require`` (one must pass).
        """

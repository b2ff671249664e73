"""The `Broker`: publish pacts and verification results, record what is where, and answer can-i-deploy.

The same class serves every database backend; each method is one transaction, so a failed call
leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from polycontract.broker._embedded.build_urls import checked_url, set_repository_url, set_version_build_url
from polycontract.broker._embedded.deployments import Deployments, Environment
from polycontract.broker._embedded.labels import PacticipantLabels
from polycontract.broker._embedded.message_schemas import load_message_facts, message_reasons
from polycontract.broker._embedded.publish import PublishResult, publish_in
from polycontract.broker._embedded.schema_contracts import SchemaContracts
from polycontract.broker._embedded.verifying import ProviderVerification
from polycontract.broker._embedded.versions import VersionQueries
from polycontract.broker._store import reads as _reads
from polycontract.broker._store.engine import WRITE, writer_queue
from polycontract.broker._store.estate_query import environment_question
from polycontract.broker._store.main_branch import MAIN_BRANCH_CANDIDATES, candidates_option
from polycontract.broker._store.retention import PruneReport, prune
from polycontract.broker._store.tables import pacticipants, verifications
from polycontract.broker._store.writes import ensure_pacticipant, ensure_version
from polycontract.broker._values.checks import deploy_target
from polycontract.broker._webhooks.delivery import WebhookDispatcher
from polycontract.broker._webhooks.registry import Webhooks, plan_verification, take_planned
from polycontract.errors import StorageError, UsageError
from polycontract.matrix import Decision, Ignore, Row, decide, rows
from polycontract.model import require_document

if TYPE_CHECKING:
    from polycontract.model import PactDocument

__all__ = ["Broker", "Environment", "PublishResult"]


class Broker(ProviderVerification, SchemaContracts, VersionQueries, Webhooks, PacticipantLabels, Deployments):
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
        self._engine = engine
        candidates = candidates_option(auto_detect_main_branch)
        self._writer = engine.execution_options(**{WRITE: True, MAIN_BRANCH_CANDIDATES: candidates})
        self._queue = writer_queue(engine)
        #: One-statement reads need no transaction: on PostgreSQL that saves the BEGIN and COMMIT round trips.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT") if _autocommits(engine) else None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._public_url = os.environ.get("POLYCONTRACT_BROKER_PUBLIC_URL", "") if public_url is None else public_url
        self._webhook_dispatcher = WebhookDispatcher(
            self._writer, self._clock, attempts=webhook_attempts, backoff=webhook_backoff
        )

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Let queued webhook deliveries finish (up to 10 s), then release the database connections."""
        self._webhook_dispatcher.close()
        self._engine.dispose()
        if self._queue is not None:
            self._queue.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Connection]:
        queue = self._queue if write and self._queue is not None else nullcontext()  # SQLite: writers queue
        try:
            with queue, (self._writer if write else self._engine).begin() as conn:
                try:
                    yield conn
                finally:
                    planned = take_planned(conn)
        except DBAPIError as exc:
            raise _refused(exc) from None
        self._webhook_dispatcher.submit(planned)  # only once the transaction committed

    @contextmanager
    def _single_read(self) -> Iterator[Connection]:
        """A connection for reads that each stand alone (one statement sees one snapshot): autocommit where
        that saves round trips (PostgreSQL), else a read transaction."""
        if self._autocommit is None:
            with self._transaction(write=False) as conn:
                yield conn
            return
        try:
            with self._autocommit.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise _refused(exc) from None

    # -- pacticipants and versions ------------------------------------------------------------

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
        repository_url = checked_url(repository_url, "repository_url")
        if display_name is not None and (not display_name.strip() or len(display_name) > 255):
            raise UsageError(f"display_name={display_name!r} must be a non-empty name of at most 255 characters")
        with self._transaction() as conn:
            pid = ensure_pacticipant(conn, name, self._clock())
            if main_branch is not None:
                conn.execute(pacticipants.update().where(pacticipants.c.id == pid).values(main_branch=main_branch))
            if display_name is not None:
                conn.execute(pacticipants.update().where(pacticipants.c.id == pid).values(display_name=display_name))
            set_repository_url(conn, pid, repository_url)

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
        build_url = checked_url(build_url, "build_url")
        with self._transaction() as conn:
            now = self._clock()
            ensure_version(
                conn, ensure_pacticipant(conn, pacticipant, now), version, now, branch=branch, tag_names=tuple(tags)
            )
            set_version_build_url(conn, pacticipant, version, build_url)

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
        """Publish ``pact`` for ``consumer_version``; content is stored once per normalised hash.

        Identical content again is a no-op. Different content for the same consumer version and
        provider raises `StorageError` unless ``allow_overwrite=True``; the earlier content stays in
        the history either way. ``build_url`` records the CI build of the consumer version.
        """
        require_document(pact, "publish_pact(pact)")
        return self._publish_all(
            [pact],
            consumer_version=consumer_version,
            branch=branch,
            tags=tags,
            allow_overwrite=allow_overwrite,
            build_url=build_url,
        )[0]

    def _publish_all(
        self,
        pacts: Sequence[PactDocument],
        *,
        consumer_version: str,
        branch: str | None = None,
        tags: Sequence[str] = (),
        allow_overwrite: bool = False,
        build_url: str | None = None,
    ) -> list[PublishResult]:
        """`publish_pact` for several pacts of one consumer version in one transaction: all or none.

        (``POST /contracts/publish``: a conflict in any contract publishes none of them.)
        """
        build_url = checked_url(build_url, "build_url")
        with self._transaction() as conn:
            labels = tuple(tags)
            published = [
                publish_in(
                    conn,
                    p,
                    consumer_version=consumer_version,
                    branch=branch,
                    tags=labels,
                    now=self._clock(),
                    allow_overwrite=allow_overwrite,
                    public_url=self._public_url,
                )
                for p in pacts
            ]
            for consumer in dict.fromkeys(p.consumer for p in pacts):
                set_version_build_url(conn, consumer, consumer_version, build_url)
            return published

    def pact(self, consumer: str, consumer_version: str, provider: str, *, revision: int | None = None) -> PactDocument:
        """The pact ``consumer`` ``consumer_version`` published for ``provider`` (latest revision by default)."""
        from polycontract.codec import load_pact

        with self._transaction(write=False) as conn:
            found = _reads.publication_content(conn, consumer, consumer_version, provider, revision)
        if found is None:
            raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
        return load_pact(found, name=f"broker pact {consumer} {consumer_version} -> {provider}")

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
        with self._transaction() as conn:
            if content_hash is None:
                if consumer is None or consumer_version is None:
                    raise UsageError("publish_verification needs consumer= and consumer_version=, or content_hash=")
                content_hash = _reads.current_hash(conn, consumer, consumer_version, provider)
                if content_hash is None:
                    raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
            else:
                owner = _reads.content_provider(conn, content_hash)
                if owner != provider:
                    known = "is not a pact content known to the broker" if owner is None else f"is a pact for {owner}"
                    raise StorageError(f"content_hash={content_hash!r} {known}, not for provider={provider!r}")
            now = self._clock()
            pid = ensure_pacticipant(conn, provider, now)
            version_id = ensure_version(conn, pid, provider_version, now, branch=branch, tag_names=())
            conn.execute(
                verifications.insert().values(
                    content_hash=content_hash,
                    provider_version_id=version_id,
                    success=success,
                    pending=pending,
                    branch=branch,
                    created_at=now,
                )
            )
            fired = (provider, provider_version, branch, content_hash, success)
            plan_verification(conn, *fired, base_url=self._public_url)
        return content_hash

    # -- retention ---------------------------------------------------------------------------

    def prune(
        self, *, keep_latest: int = 20, older_than: timedelta = timedelta(days=90), dry_run: bool = False
    ) -> PruneReport:
        """Delete old versions and superseded verification results; ``dry_run`` only reports.

        Never deletes a version that is deployed, released and supported, latest on its main
        branch, among its pacticipant's ``keep_latest`` newest, or younger than ``older_than``.
        """
        if keep_latest < 1:
            raise UsageError(f"keep_latest={keep_latest!r} must be at least 1")
        with self._transaction() as conn:
            return prune(conn, keep_latest=keep_latest, cutoff=self._clock() - older_than, dry_run=dry_run)

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
        """Rows of every integration of ``pacticipant``; ``environment`` narrows counterparts to what is live there."""
        with self._transaction(write=False) as conn:
            live = None if environment is None else _reads.live_in_environment(conn, environment)
            pubs, results = _reads.load_matrix(
                conn, pacticipant, version=version, branch=branch, live=live, limit=limit
            )
        return rows(pubs, results)

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
        """Can ``pacticipant`` ``version`` go to ``to_environment`` (or merge, with ``to_main_branch``)?

        Every counterpart version live there is checked on its own; see `polycontract.matrix.decide`.
        ``to_tag`` asks the legacy question of the Pact CLI's ``--to TAG``: against the newest version
        of each counterpart with that tag (environments are the better tool).
        """
        target = deploy_target(to_environment, to_main_branch, to_tag)
        ignores = tuple(Ignore(pacticipant=i) if isinstance(i, str) else i for i in ignore)
        if to_environment is not None:  # the usual question: one statement (see `_store.estate_query`)
            with self._single_read() as conn:
                known = _reads.known_ignores(conn, ignores)
                question = environment_question(conn, pacticipant, version, to_environment, frozenset(known))
            if question is not None:
                return decide(question.estate, pacticipant, version, target=to_environment, ignore=ignores)
        with self._transaction(write=False) as conn:
            if to_environment is not None:
                live = _reads.live_in_environment(conn, to_environment)
            elif to_tag is not None:
                live = [(vid, lv) for vid, lv in _reads.latest_with_tag(conn, to_tag) if lv.pacticipant != pacticipant]
            else:
                live = [(vid, lv) for vid, lv in _reads.live_on_main_branches(conn) if lv.pacticipant != pacticipant]
            estate = _reads.load_estate(conn, pacticipant, version, live, ignores)
            schemas = self._schema_facts(conn, pacticipant, version, live)
            messages = load_message_facts(conn, pacticipant, version, estate, live)
        extra = self._schema_reasons(schemas, live, pacticipant, version, target)
        extra += message_reasons(messages, live, pacticipant, version, target)
        return decide(estate, pacticipant, version, target=target, ignore=ignores, extra=extra)


def _autocommits(engine: Engine) -> bool:
    """Whether `Broker._single_read` runs in autocommit on ``engine`` (PostgreSQL: each statement is atomic)."""
    return engine.dialect.name == "postgresql"


def _refused(exc: DBAPIError) -> StorageError:
    detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return StorageError(f"the broker database refused the request: {detail}")

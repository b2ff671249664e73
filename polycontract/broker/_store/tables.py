"""The broker's one schema, as SQLAlchemy Core tables shared by every backend.

Alembic migrations under ``_store.migrations`` create exactly these tables (a test compares them);
`SCHEMA_REVISION` is the head revision, checked on connect so an up-to-date database never
loads Alembic.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

__all__ = ["SCHEMA_REVISION", "metadata"]

#: The Alembic head revision this code reads and writes.
SCHEMA_REVISION = "0010"

metadata = MetaData()

pacticipants = Table(
    "pc_pacticipants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("main_branch", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # revision 0005: the Pact Broker's repositoryUrl
    Column("repository_url", Text),
    # revision 0006: the Pact Broker's displayName
    Column("display_name", String(255)),
)

#: revision 0006: the Pact Broker's pacticipant labels (webhooks may choose pacticipants by label).
pacticipant_labels = Table(
    "pc_pacticipant_labels",
    metadata,
    Column("pacticipant_id", Integer, ForeignKey("pc_pacticipants.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_pc_pacticipant_labels_name", "name"),
)

versions = Table(
    "pc_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pacticipant_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("number", String(255), nullable=False),
    Column("branch", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # revision 0005: the CI build that made the version (the Pact Broker's buildUrl)
    Column("build_url", Text),
    UniqueConstraint("pacticipant_id", "number", name="uq_pc_versions_number"),
    Index("ix_pc_versions_branch", "pacticipant_id", "branch", "id"),
)

tags = Table(
    "pc_tags",
    metadata,
    Column("version_id", Integer, ForeignKey("pc_versions.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
)

pact_contents = Table(
    "pc_pact_contents",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("consumer_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("provider_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

publications = Table(
    "pc_publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("consumer_version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("provider_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("content_hash", String(64), ForeignKey("pc_pact_contents.content_hash"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("consumer_version_id", "provider_id", "revision", name="uq_pc_publications_revision"),
    Index("ix_pc_publications_provider", "provider_id", "consumer_version_id"),
    # revision 0009: the publications of a content (the matrix's ``pact.createdAt`` of each row)
    Index("ix_pc_publications_content", "content_hash"),
    Index(
        "uq_pc_publications_current",
        "consumer_version_id",
        "provider_id",
        unique=True,
        sqlite_where=text("is_current"),
        postgresql_where=text("is_current"),
    ),
)

verifications = Table(
    "pc_verifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("content_hash", String(64), ForeignKey("pc_pact_contents.content_hash"), nullable=False),
    Column("provider_version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("branch", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # revision 0004: the verifier's testResults as bounded JSON (`polycontract.broker._values.test_results`); NULL when
    # the result was published without them (or before 0004).
    Column("test_results", Text),
    # revision 0005: the CI build that ran the verification (the Pact Broker's buildUrl)
    Column("build_url", Text),
    # revision 0007: the result came from verifying a work-in-progress pact (the Pact Broker's verifications.wip);
    # such results do not take a pact out of WIP (`polycontract.broker._embedded.selection`).
    Column("wip", Boolean, nullable=False, server_default=false()),
    # revision 0010: "example" (the pact's own examples) or "fuzz" (generated requests, `verify --fuzz`); only
    # example results count in the matrix and can-i-deploy unless a question asks about fuzz.
    Column("kind", String(16), nullable=False, server_default="example"),
    Index("ix_pc_verifications_content", "content_hash", "provider_version_id"),
    Index("ix_pc_verifications_provider_version", "provider_version_id"),
)

environments = Table(
    "pc_environments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("display_name", String(255)),
    Column("production", Boolean, nullable=False),
    Column("display_order", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # revision 0006: the Pact Broker's contacts, a JSON list of {name, details?}
    Column("contacts", Text),
)

#: ``application_instance`` is ``""`` when none was given, so the "one current deployment per
#: instance" index also covers deployments without an instance.
deployments = Table(
    "pc_deployments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pacticipant_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("environment_id", Integer, ForeignKey("pc_environments.id"), nullable=False),
    Column("application_instance", String(255), nullable=False),
    Column("currently_deployed", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("undeployed_at", DateTime(timezone=True)),
    Index(
        "uq_pc_deployments_current",
        "pacticipant_id",
        "environment_id",
        "application_instance",
        unique=True,
        sqlite_where=text("currently_deployed"),
        postgresql_where=text("currently_deployed"),
    ),
    Index("ix_pc_deployments_environment", "environment_id", "currently_deployed"),
)

releases = Table(
    "pc_releases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pacticipant_id", Integer, ForeignKey("pc_pacticipants.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("environment_id", Integer, ForeignKey("pc_environments.id"), nullable=False),
    Column("currently_supported", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("support_ended_at", DateTime(timezone=True)),
    Index(
        "uq_pc_releases_current",
        "version_id",
        "environment_id",
        unique=True,
        sqlite_where=text("currently_supported"),
        postgresql_where=text("currently_supported"),
    ),
    Index("ix_pc_releases_environment", "environment_id", "currently_supported"),
)

# -- schema contracts (revision 0002) -------------------------------------------------------------

#: A subject names one stream of schema versions; its kind and compatibility level apply to all.
schema_subjects = Table(
    "pc_schema_subjects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("level", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Schema documents, stored once per hash of their normalised JSON.
schema_contents = Table(
    "pc_schema_contents",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: The schema a producer or provider version writes for a subject (one per version and subject).
schema_publications = Table(
    "pc_schema_publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("subject_id", Integer, ForeignKey("pc_schema_subjects.id"), nullable=False),
    Column("content_hash", String(64), ForeignKey("pc_schema_contents.content_hash"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("version_id", "subject_id", name="uq_pc_schema_publications_version"),
    Index("ix_pc_schema_publications_subject", "subject_id", "version_id"),
)

#: The reader schema a consumer version reads a subject with; ``source`` names a published version it came from.
schema_reads = Table(
    "pc_schema_reads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("consumer_version_id", Integer, ForeignKey("pc_versions.id"), nullable=False),
    Column("subject_id", Integer, ForeignKey("pc_schema_subjects.id"), nullable=False),
    Column("content_hash", String(64), ForeignKey("pc_schema_contents.content_hash"), nullable=False),
    Column("source", String(255)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("consumer_version_id", "subject_id", name="uq_pc_schema_reads_version"),
    Index("ix_pc_schema_reads_subject", "subject_id", "consumer_version_id"),
)

# -- webhooks (revision 0003) ---------------------------------------------------------------------

#: A configured webhook: ``events`` and ``headers`` are JSON text; ``consumer``/``provider`` filter (NULL: any).
webhooks = Table(
    "pc_webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("description", String(255)),
    Column("events", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("method", String(16), nullable=False),
    Column("headers", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("consumer", String(255)),
    Column("provider", String(255)),
    Column("enabled", Boolean, nullable=False),
    Column("timeout_seconds", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # revision 0006: the webhook fires for every consumer / provider with this label (the Pact Broker's {label})
    Column("consumer_label", String(255)),
    Column("provider_label", String(255)),
)

#: One row per delivery attempt; ``delivery`` groups the attempts of one triggered request.
webhook_deliveries = Table(
    "pc_webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", Integer, ForeignKey("pc_webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("delivery", String(36), nullable=False),
    Column("event", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("response", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Index("ix_pc_webhook_deliveries_webhook", "webhook_id", "id"),
)

#: revision 0008: deliveries planned but not yet finished, written in the transaction that fired them (an outbox).
#: A dispatcher claims a row by setting ``claim`` and ``lease_until``; a claim whose lease ran out (its process
#: died) is taken again. The row is deleted in the transaction that logs its last attempt, so a delivery is
#: sent at least once. ``due_at`` is when the next attempt may start (retries back off); ``attempts`` counts the
#: attempts logged so far. ``headers`` is JSON text; ``delivery`` groups the attempts in the delivery log.
webhook_outbox = Table(
    "pc_webhook_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", Integer, ForeignKey("pc_webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("delivery", String(36), nullable=False, unique=True),
    Column("event", String(64), nullable=False),
    Column("method", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("timeout_seconds", Float, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("claim", String(36)),
    Column("lease_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_pc_webhook_outbox_due", "due_at", "id"),
    Index("ix_pc_webhook_outbox_webhook", "webhook_id"),
)

#: revision 0009: one row (``id`` 1) whose ``token`` every write transaction replaces with a fresh random value just
#: before it commits (`polycontract.broker._store.revision`). Two reads that see the same token see the same data,
#: so the HTTP server may reuse an answer computed under that token; a missing row means "unknown: recompute".
revision = Table(
    "pc_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("token", String(32), nullable=False),
)

"""Initial schema: pacticipants, versions, tags, pact contents, publications, verifications,
environments, deployments and releases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of the broker schema."""
    op.create_table(
        "pc_environments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "pc_pacticipants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("main_branch", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "pc_pact_contents",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["pc_pacticipants.id"],
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["pc_pacticipants.id"],
        ),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    op.create_table(
        "pc_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pacticipant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=255), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pacticipant_id"],
            ["pc_pacticipants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pacticipant_id", "number", name="uq_pc_versions_number"),
    )
    op.create_index("ix_pc_versions_branch", "pc_versions", ["pacticipant_id", "branch", "id"], unique=False)
    op.create_table(
        "pc_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pacticipant_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("application_instance", sa.String(length=255), nullable=False),
        sa.Column("currently_deployed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undeployed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["pc_environments.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pacticipant_id"],
            ["pc_pacticipants.id"],
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["pc_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pc_deployments_environment", "pc_deployments", ["environment_id", "currently_deployed"], unique=False
    )
    op.create_index(
        "uq_pc_deployments_current",
        "pc_deployments",
        ["pacticipant_id", "environment_id", "application_instance"],
        unique=True,
        sqlite_where=sa.text("currently_deployed"),
        postgresql_where=sa.text("currently_deployed"),
    )
    op.create_table(
        "pc_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_version_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_version_id"],
            ["pc_versions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["pc_pact_contents.content_hash"],
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["pc_pacticipants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer_version_id", "provider_id", "revision", name="uq_pc_publications_revision"),
    )
    op.create_index(
        "ix_pc_publications_provider", "pc_publications", ["provider_id", "consumer_version_id"], unique=False
    )
    op.create_index(
        "uq_pc_publications_current",
        "pc_publications",
        ["consumer_version_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "pc_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pacticipant_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("currently_supported", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("support_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["pc_environments.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pacticipant_id"],
            ["pc_pacticipants.id"],
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["pc_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pc_releases_environment", "pc_releases", ["environment_id", "currently_supported"], unique=False
    )
    op.create_index(
        "uq_pc_releases_current",
        "pc_releases",
        ["version_id", "environment_id"],
        unique=True,
        sqlite_where=sa.text("currently_supported"),
        postgresql_where=sa.text("currently_supported"),
    )
    op.create_table(
        "pc_tags",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["pc_versions.id"],
        ),
        sa.PrimaryKeyConstraint("version_id", "name"),
    )
    op.create_table(
        "pc_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("provider_version_id", sa.Integer(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["pc_pact_contents.content_hash"],
        ),
        sa.ForeignKeyConstraint(
            ["provider_version_id"],
            ["pc_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pc_verifications_content", "pc_verifications", ["content_hash", "provider_version_id"], unique=False
    )
    op.create_index("ix_pc_verifications_provider_version", "pc_verifications", ["provider_version_id"], unique=False)


def downgrade() -> None:
    """Drop every table, dependants first."""
    op.drop_table("pc_verifications")
    op.drop_table("pc_tags")
    op.drop_table("pc_releases")
    op.drop_table("pc_publications")
    op.drop_table("pc_deployments")
    op.drop_table("pc_versions")
    op.drop_table("pc_pact_contents")
    op.drop_table("pc_pacticipants")
    op.drop_table("pc_environments")

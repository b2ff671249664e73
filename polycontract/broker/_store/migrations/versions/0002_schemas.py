"""Schema contracts: subjects, schema contents, schema publications per version and consumers' reads.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four schema-contract tables."""
    op.create_table(
        "pc_schema_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "pc_schema_contents",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    op.create_table(
        "pc_schema_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["content_hash"], ["pc_schema_contents.content_hash"]),
        sa.ForeignKeyConstraint(["subject_id"], ["pc_schema_subjects.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["pc_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "subject_id", name="uq_pc_schema_publications_version"),
    )
    op.create_index(
        "ix_pc_schema_publications_subject", "pc_schema_publications", ["subject_id", "version_id"], unique=False
    )
    op.create_table(
        "pc_schema_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_version_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consumer_version_id"], ["pc_versions.id"]),
        sa.ForeignKeyConstraint(["content_hash"], ["pc_schema_contents.content_hash"]),
        sa.ForeignKeyConstraint(["subject_id"], ["pc_schema_subjects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer_version_id", "subject_id", name="uq_pc_schema_reads_version"),
    )
    op.create_index(
        "ix_pc_schema_reads_subject", "pc_schema_reads", ["subject_id", "consumer_version_id"], unique=False
    )


def downgrade() -> None:
    """Drop the schema-contract tables, dependants first."""
    op.drop_index("ix_pc_schema_reads_subject", table_name="pc_schema_reads")
    op.drop_table("pc_schema_reads")
    op.drop_index("ix_pc_schema_publications_subject", table_name="pc_schema_publications")
    op.drop_table("pc_schema_publications")
    op.drop_table("pc_schema_contents")
    op.drop_table("pc_schema_subjects")

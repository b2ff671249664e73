"""A data revision token (every write transaction replaces it, so readers can tell whether anything changed), and
publications indexed by content (the matrix shows when each row's pact was published).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``pc_revision`` with its one row (a fresh token: no answer cached before the upgrade matches it)."""
    table = op.create_table(
        "pc_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])
    op.create_index("ix_pc_publications_content", "pc_publications", ["content_hash"], unique=False)


def downgrade() -> None:
    """Drop the index and the token (older code neither reads nor writes it)."""
    op.drop_index("ix_pc_publications_content", table_name="pc_publications")
    op.drop_table("pc_revision")

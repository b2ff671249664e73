"""Verification results keep what failed: the verifier's ``testResults`` (bounded JSON) per verification.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``test_results`` column; rows recorded before it read as "no details recorded"."""
    op.add_column("pc_verifications", sa.Column("test_results", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the ``test_results`` column."""
    op.drop_column("pc_verifications", "test_results")

"""The kind of each verification: ``example`` (the pact's own examples, every result before this revision) or
``fuzz`` (requests generated within the pact's rules, ``polycontract verify --fuzz``).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pc_verifications.kind``; every existing row becomes ``example`` (the server default)."""
    op.add_column("pc_verifications", sa.Column("kind", sa.String(length=16), nullable=False, server_default="example"))


def downgrade() -> None:
    """Drop the fuzz results first (older code would count them as example results), then the column."""
    op.execute("DELETE FROM pc_verifications WHERE kind <> 'example'")
    with op.batch_alter_table("pc_verifications") as batch:
        batch.drop_column("kind")

"""Webhook deliveries wait in an outbox table written by the transaction that fired them.

Before this revision planned deliveries lived only in the memory of the process that fired them, so a
stopped or killed server lost the ones it had not sent yet. Now each is a row until its last attempt is
logged; any broker process on the database claims due rows, and takes over claims whose lease ran out.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``pc_webhook_outbox`` (empty: deliveries planned before the upgrade were already sent or lost)."""
    op.create_table(
        "pc_webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.String(length=36), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["webhook_id"], ["pc_webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery"),
    )
    op.create_index("ix_pc_webhook_outbox_due", "pc_webhook_outbox", ["due_at", "id"], unique=False)
    op.create_index("ix_pc_webhook_outbox_webhook", "pc_webhook_outbox", ["webhook_id"], unique=False)


def downgrade() -> None:
    """Drop the outbox (deliveries still in it are not sent)."""
    op.drop_index("ix_pc_webhook_outbox_webhook", table_name="pc_webhook_outbox")
    op.drop_index("ix_pc_webhook_outbox_due", table_name="pc_webhook_outbox")
    op.drop_table("pc_webhook_outbox")

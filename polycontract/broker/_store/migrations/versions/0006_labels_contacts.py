"""Pacticipant labels and display names, environment contacts, webhooks choosing pacticipants by label.

The Pact Broker labels pacticipants (``PUT /pacticipants/{p}/labels/{label}``), stores a pacticipant's
``displayName`` and an environment's ``contacts``, and lets a webhook's consumer or provider be
``{label}``: it then fires for every pacticipant with that label.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pc_pacticipant_labels`` and the nullable label, display name and contacts columns."""
    op.create_table(
        "pc_pacticipant_labels",
        sa.Column("pacticipant_id", sa.Integer(), sa.ForeignKey("pc_pacticipants.id"), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pc_pacticipant_labels_name", "pc_pacticipant_labels", ["name"])
    op.add_column("pc_pacticipants", sa.Column("display_name", sa.String(255), nullable=True))
    op.add_column("pc_environments", sa.Column("contacts", sa.Text(), nullable=True))
    op.add_column("pc_webhooks", sa.Column("consumer_label", sa.String(255), nullable=True))
    op.add_column("pc_webhooks", sa.Column("provider_label", sa.String(255), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("pc_webhooks") as batch:
        batch.drop_column("provider_label")
        batch.drop_column("consumer_label")
    with op.batch_alter_table("pc_environments") as batch:
        batch.drop_column("contacts")
    with op.batch_alter_table("pc_pacticipants") as batch:
        batch.drop_column("display_name")
    op.drop_index("ix_pc_pacticipant_labels_name", table_name="pc_pacticipant_labels")
    op.drop_table("pc_pacticipant_labels")

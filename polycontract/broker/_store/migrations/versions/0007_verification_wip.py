"""Verification results remember whether the pact was verified as work in progress.

The Pact Broker stores ``verifications.wip`` (set from the ``w`` flag in the metadata of the
pact URL the result is published to) and only counts results that were not WIP when it decides
which pacts are still WIP. Results recorded before this revision were not WIP.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pc_verifications.wip`` (false for every existing result)."""
    op.add_column("pc_verifications", sa.Column("wip", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("pc_verifications") as batch:
        batch.drop_column("wip")

"""Build URLs and repository URLs: where a version was built, where a verification ran, where a pacticipant lives.

The Pact Broker stores a consumer version's ``buildUrl`` (``pact broker publish --build-url``,
``create-or-update-version``), a verification result's ``buildUrl`` (``pact verifier --build-url``) and a
pacticipant's ``repositoryUrl`` (``create-or-update-pacticipant --repository-url``) and shows them back.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add nullable ``build_url`` (versions, verifications) and ``repository_url`` (pacticipants) columns."""
    op.add_column("pc_versions", sa.Column("build_url", sa.Text(), nullable=True))
    op.add_column("pc_verifications", sa.Column("build_url", sa.Text(), nullable=True))
    op.add_column("pc_pacticipants", sa.Column("repository_url", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("pc_pacticipants") as batch:
        batch.drop_column("repository_url")
    with op.batch_alter_table("pc_verifications") as batch:
        batch.drop_column("build_url")
    with op.batch_alter_table("pc_versions") as batch:
        batch.drop_column("build_url")

"""sheet access mode and who read it

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing sheets read as before: anonymously, then through the service account
    # only when Google asks for a sign-in and a key is configured.
    op.add_column(
        "sheets",
        sa.Column(
            "access_mode", sa.String(length=20), nullable=False, server_default="auto"
        ),
    )
    op.add_column("sync_states", sa.Column("read_as", sa.String(length=20)))


def downgrade() -> None:
    with op.batch_alter_table("sync_states") as batch:
        batch.drop_column("read_as")
    with op.batch_alter_table("sheets") as batch:
        batch.drop_column("access_mode")

"""fleet-wide fetch pauses, run durations, shared secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:05:00

``fetch_pauses``: when Google throttles with a Retry-After longer than a run may wait,
every worker holds back from that host until then. ``sync_runs.duration_ms``: for the
run-duration histogram on /metrics. ``app_secrets``: the UI's session-signing secret,
shared by every process of a PostgreSQL installation that has no LEADSYNC_SECRET_KEY.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadsync.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_pauses",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column(
            "until", leadsync.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("host"),
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("duration_ms")
    op.drop_table("app_secrets")
    op.drop_table("fetch_pauses")

"""leads.row_digest and row_warnings: the one row a lead was read from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:30:00

A sync recognizes a stored lead's unchanged row by its digest and does not read it
again; the row's warnings are kept beside it, so the run still counts and shows
them (store/known.py). Leads stored before have none: their sheet's next sync
reads every row once and stores the digests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch_op:
        batch_op.add_column(sa.Column("row_digest", sa.LargeBinary(16), nullable=True))
        batch_op.add_column(sa.Column("row_warnings", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_column("row_warnings")
        batch_op.drop_column("row_digest")

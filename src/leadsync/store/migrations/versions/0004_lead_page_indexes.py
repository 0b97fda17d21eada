"""indexes for GET /api/leads pages and text search

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 12:00:00

Pages are newest first by id, filtered by customer and often by sheet
(store/leads.py ``page``), so (customer_id, id) and (sheet_id, id) let a page read
its rows straight off an index, backwards from the cursor, however many leads the
customer has. They replace (customer_id, created_at, id) and (sheet_id,
created_at, id), which no query orders by: a page had to sort all of a customer's
leads, and every sync paid for two more indexes. A since/until filter now walks
the same index newest first.

On PostgreSQL, with LEADSYNC_TRIGRAM_INDEXES=true at upgrade time, trigram GIN
indexes serve ``q`` (ILIKE '%text%' on name, email and phone) when the pg_trgm
extension can be had. They are off by default because every sync rewrites each
present lead's last_seen_at, and the three GIN indexes triple what that costs
(bench/README.md); without them a search scans the rows the other filters leave:
one customer's leads are few, all customers' are not.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TRIGRAM_COLUMNS = ("name", "email", "phone")


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_customer_recent", ["customer_id", "id"])
        batch_op.create_index("ix_leads_sheet_recent", ["sheet_id", "id"])
        batch_op.drop_index("ix_leads_customer_order")
        batch_op.drop_index("ix_leads_sheet_order")
    wanted = os.environ.get("LEADSYNC_TRIGRAM_INDEXES", "").lower() == "true"
    if wanted and op.get_bind().dialect.name == "postgresql" and _trigrams_available():
        for column in TRIGRAM_COLUMNS:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_leads_{column}_trgm "
                f"ON leads USING gin ({column} gin_trgm_ops)"
            )


def _trigrams_available() -> bool:
    """Create pg_trgm if it is installed and we may; a refusal is not an error."""
    bind = op.get_bind()
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not installed:
        return False
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not end the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_leads_{column}_trgm")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leads_customer_order", ["customer_id", "created_at", "id"]
        )
        batch_op.create_index("ix_leads_sheet_order", ["sheet_id", "created_at", "id"])
        batch_op.drop_index("ix_leads_sheet_recent")
        batch_op.drop_index("ix_leads_customer_recent")

"""one foreign key from a lead to its sheet and that sheet's customer (PostgreSQL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 01:05:00

A lead referenced its customer and its sheet through two foreign keys, so the
server ran two checks for every new lead: a third of its work taking in a big
first sync (0.7 s of CPU per 100k leads). On PostgreSQL one foreign key on
(sheet_id, customer_id) to the sheet's (id, customer_id) replaces both: one check,
and the database now also refuses a lead whose customer is not its sheet's.
Deleting a customer still deletes its sheets and, through them, their leads.

SQLite checks foreign keys in-process for almost nothing (0.02 s per 100k) and
can only change a table's constraints by copying the table, so it keeps the two.
The models describe SQLite's form; tests/store/test_migrations.py allows exactly
this difference on PostgreSQL.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

log = logging.getLogger(__name__)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SHEET_KEY = "uq_sheet_customer"
LEAD_SHEET = "fk_lead_sheet"


def upgrade() -> None:
    op.create_index(SHEET_KEY, "sheets", ["id", "customer_id"], unique=True)
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _single_keys():
        op.drop_constraint(name, "leads", type_="foreignkey")
    # NOT VALID first, so that stored rows cannot fail the upgrade; validated
    # when every stored lead belongs to its sheet's customer (the app writes no
    # other), else left to check only the rows written from now on.
    op.create_foreign_key(
        LEAD_SHEET,
        "leads",
        "sheets",
        ["sheet_id", "customer_id"],
        ["id", "customer_id"],
        ondelete="CASCADE",
        postgresql_not_valid=True,
    )
    strays = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM leads l JOIN sheets s ON s.id = l.sheet_id "
            "WHERE l.customer_id <> s.customer_id"
        )
    )
    if strays:
        log.warning(
            "%s leads belong to another customer than their sheet's; "
            "fk_lead_sheet checks new rows only",
            strays,
        )
    else:
        op.execute(f"ALTER TABLE leads VALIDATE CONSTRAINT {LEAD_SHEET}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(LEAD_SHEET, "leads", type_="foreignkey")
        op.create_foreign_key(
            None, "leads", "customers", ["customer_id"], ["id"], ondelete="CASCADE"
        )
        op.create_foreign_key(
            None, "leads", "sheets", ["sheet_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_index(SHEET_KEY, "sheets")


def _single_keys() -> list[str]:
    """The names PostgreSQL gave the two one-column foreign keys of leads."""
    found = op.get_bind().execute(
        sa.text(
            "SELECT c.conname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.conrelid = 'leads'::regclass AND c.contype = 'f' "
            "AND cardinality(c.conkey) = 1 "
            "AND a.attname IN ('customer_id', 'sheet_id')"
        )
    )
    return sorted(row[0] for row in found)

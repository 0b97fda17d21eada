"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-04 17:05:33.968315
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import leadsync.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("leads_reporting_url", sa.Text(), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "revoked_at", leadsync.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("spreadsheet_id", sa.String(length=128), nullable=False),
        sa.Column("gid", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("locale", sa.String(length=20), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("header_row", sa.Integer(), nullable=True),
        sa.Column(
            "column_map",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "fill_down",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_legacy", sa.Boolean(), nullable=False),
        sa.Column(
            "deleted_at", leadsync.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "customer_id", "spreadsheet_id", "gid", name="uq_sheet_tab"
        ),
    )
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheets_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("lead_key", sa.String(length=320), nullable=False),
        sa.Column("key_kind", sa.String(length=16), nullable=False),
        sa.Column("person_key", sa.String(length=320), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", leadsync.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at_text", sa.String(length=40), nullable=True),
        sa.Column("created_at_offset", sa.Integer(), nullable=True),
        sa.Column("created_at_date_only", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("campaign", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column(
            "secondary_emails",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "warnings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column(
            "first_seen_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "missing_since",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "sheet_id", "lead_key", name="uq_lead_key"),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leads_customer_order", ["customer_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_leads_customer_person", ["customer_id", "person_key"], unique=False
        )
        batch_op.create_index(
            "ix_leads_sheet_order", ["sheet_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "started_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "finished_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "samples",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index("ix_sync_runs_sheet", ["sheet_id", "id"], unique=False)

    op.create_table(
        "sync_states",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "last_sync_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_success_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column(
            "next_run_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("settings_fingerprint", sa.Text(), nullable=True),
        sa.Column("had_leads", sa.Boolean(), nullable=False),
        sa.Column(
            "provided_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "snapshot_modified_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column(
            "lease_expires_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("current_run_id", sa.Integer(), nullable=True),
        sa.Column(
            "requested_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sheet_id"),
    )
    with op.batch_alter_table("sync_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_states_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sync_states_next_run_at"), ["next_run_at"], unique=False
        )

    op.create_table(
        "lead_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column(
            "changed_at",
            leadsync.store.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lead_changes_lead_id"), ["lead_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("lead_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_changes_lead_id"))

    op.drop_table("lead_changes")
    with op.batch_alter_table("sync_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_states_next_run_at"))
        batch_op.drop_index(batch_op.f("ix_sync_states_customer_id"))

    op.drop_table("sync_states")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_sheet")

    op.drop_table("sync_runs")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_sheet_order")
        batch_op.drop_index("ix_leads_customer_person")
        batch_op.drop_index("ix_leads_customer_order")

    op.drop_table("leads")
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheets_customer_id"))

    op.drop_table("sheets")
    op.drop_table("api_keys")
    op.drop_table("customers")

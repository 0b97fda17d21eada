"""The data model of DESIGN.md. Every record belongs to exactly one customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from leadsync.store.types import JsonType, UTCDateTime, utcnow

LEAD_STATUSES = ("new", "contacted", "qualified", "won", "lost", "spam")
COUNT_KEYS = (
    "rows_read",
    "leads",
    "inserted",
    "updated",
    "unchanged",
    "missing",
    "skipped",
    "warnings",
)


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (read by SQLAlchemy at class creation)
        datetime: UTCDateTime,
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
    }


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Legacy single sheet: setting it creates or updates the "Leads reporting" sheet.
    leads_reporting_url: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(2), default="US")
    locale: Mapped[str] = mapped_column(String(20), default="en_US")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SheetSourceConfig(Base):
    __tablename__ = "sheets"
    __table_args__ = (
        UniqueConstraint("customer_id", "spreadsheet_id", "gid", name="uq_sheet_tab"),
        # What a lead's one foreign key refers to on PostgreSQL (migration 0007).
        Index("uq_sheet_customer", "id", "customer_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)  # as the person typed it
    spreadsheet_id: Mapped[str] = mapped_column(String(128))
    gid: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Per-sheet reading settings; None falls back to the customer's defaults.
    region: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(String(64))
    header_row: Mapped[int | None] = mapped_column(Integer)
    column_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fill_down: Mapped[list[Any]] = mapped_column(default=list)
    # Who reads the sheet: auto (the link, else the service account), link or
    # service_account (leadsync.sheets.access).
    access_mode: Mapped[str] = mapped_column(
        String(20), default="auto", server_default="auto"
    )
    is_legacy: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LeadRecord(Base):
    """A lead. On PostgreSQL one foreign key, (sheet_id, customer_id) to the
    sheet's (id, customer_id), replaces the two below (migration 0007)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("customer_id", "sheet_id", "lead_key", name="uq_lead_key"),
        Index("ix_leads_customer_person", "customer_id", "person_key"),
        # GET /api/leads pages newest first by id within a customer or a sheet
        # (migration 0004, which can also add trigram indexes for q on PostgreSQL).
        Index("ix_leads_customer_recent", "customer_id", "id"),
        Index("ix_leads_sheet_recent", "sheet_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sheets.id", ondelete="CASCADE"))
    lead_key: Mapped[str] = mapped_column(String(320))
    key_kind: Mapped[str] = mapped_column(String(16))
    person_key: Mapped[str | None] = mapped_column(String(320))
    # Sheet-owned fields.
    name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime | None] = mapped_column()  # UTC instant
    created_at_text: Mapped[str | None] = mapped_column(String(40))  # as read (ISO)
    created_at_offset: Mapped[int | None] = mapped_column(Integer)  # minutes
    created_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(128))
    secondary_emails: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    row_hash: Mapped[str] = mapped_column(String(64))  # of the sheet-owned values
    # The digest of the one row the lead was read from: the next sync recognizes
    # the row by it (store/known.py).
    row_digest: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    # That row's warnings, [[column, code, field], ...] as JSON, for the run record
    # of a sync that recognizes the row instead of reading it.
    row_warnings: Mapped[str | None] = mapped_column(Text)
    # Bookkeeping.
    row_number: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    missing_since: Mapped[datetime | None] = mapped_column()
    # App-owned fields: never written by a sync.
    status: Mapped[str] = mapped_column(String(16), default="new")
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadChange(Base):
    """One value a sync or a person replaced: nothing anyone saw is ever lost."""

    __tablename__ = "lead_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))  # "sync" or "key:<id>"
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadSyncState(Base):
    __tablename__ = "sync_states"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("sheets.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="never")
    last_sync_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(default=empty_counts)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    # What the last applied snapshot was, so an unchanged one writes nothing.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    settings_fingerprint: Mapped[str | None] = mapped_column(Text)
    had_leads: Mapped[bool] = mapped_column(Boolean, default=False)
    provided_fields: Mapped[list[Any]] = mapped_column(default=list)
    snapshot_modified_at: Mapped[datetime | None] = mapped_column()
    read_as: Mapped[str | None] = mapped_column(String(20))  # link, service_account
    # Lease: which worker holds the sheet, until when, for which run.
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    current_run_id: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime | None] = mapped_column()  # manual "Sync now"


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_sheet", "sheet_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sheets.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled / manual
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(default=empty_counts)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    samples: Mapped[dict[str, Any]] = mapped_column(default=dict)
    worker: Mapped[str | None] = mapped_column(String(128))
    duration_ms: Mapped[int | None] = mapped_column(Integer)


class FetchPause(Base):
    """Google said "slow down" (429 with a long Retry-After): every worker of the
    fleet holds back its downloads from that host until ``until``."""

    __tablename__ = "fetch_pauses"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    until: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(String(64))


class AppSecret(Base):
    """Secrets the processes of one installation share (the UI's session key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown to people, not secret
    role: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

"""Counts for the /metrics page: runs by outcome, sheets by status, the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from leadsync.store.models import LeadSyncState, SheetSourceConfig, SyncRun


def ping(session: Session) -> None:
    """Raise if the database does not answer."""
    session.execute(text("SELECT 1"))


def runs_by_outcome(session: Session) -> list[tuple[str, str, int]]:
    query = (
        select(SyncRun.status, SyncRun.error_code, func.count())
        .group_by(SyncRun.status, SyncRun.error_code)
        .order_by(SyncRun.status, SyncRun.error_code)
    )
    return [(status, code or "", n) for status, code, n in session.execute(query)]


def sheets_by_status(session: Session) -> list[tuple[str, int]]:
    query = (
        select(LeadSyncState.status, func.count())
        .join(SheetSourceConfig, SheetSourceConfig.id == LeadSyncState.sheet_id)
        .where(SheetSourceConfig.deleted_at.is_(None))
        .group_by(LeadSyncState.status)
        .order_by(LeadSyncState.status)
    )
    return [(status, n) for status, n in session.execute(query)]


def queue_depth(session: Session, now: datetime) -> int:
    """Sheets due now: enabled and scheduled, or asked for by "Sync now"."""
    query = (
        select(func.count())
        .select_from(LeadSyncState)
        .join(SheetSourceConfig, SheetSourceConfig.id == LeadSyncState.sheet_id)
        .where(
            SheetSourceConfig.deleted_at.is_(None),
            or_(
                LeadSyncState.requested_at.is_not(None),
                (SheetSourceConfig.enabled.is_(True))
                & (LeadSyncState.next_run_at <= now),
            ),
        )
    )
    return int(session.scalar(query) or 0)

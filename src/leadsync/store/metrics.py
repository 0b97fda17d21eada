"""Counts for the /metrics page: runs by outcome, sheets by status, the queue."""

from __future__ import annotations

from sqlalchemy import case, func, select, text
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


# Upper bounds (seconds) of the run-duration histogram's buckets.
DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
ROW_COUNTS = ("rows_read", "inserted", "updated")


def run_durations(session: Session) -> tuple[list[int], int, float]:
    """Cumulative bucket counts, the number of finished runs and their total seconds."""
    ms = SyncRun.duration_ms
    buckets = [
        func.coalesce(func.sum(case((ms <= int(bound * 1000), 1), else_=0)), 0)
        for bound in DURATION_BUCKETS
    ]
    row = session.execute(
        select(*buckets, func.count(ms), func.coalesce(func.sum(ms), 0))
    ).one()
    *counts, total, total_ms = row
    return [int(c) for c in counts], int(total), float(total_ms) / 1000


def row_totals(session: Session) -> dict[str, int]:
    """Rows read, leads inserted and updated, summed over every run."""
    sums = [
        func.coalesce(func.sum(SyncRun.counts[name].as_integer()), 0)
        for name in ROW_COUNTS
    ]
    row = session.execute(select(*sums)).one()
    return {name: int(value) for name, value in zip(ROW_COUNTS, row, strict=True)}

"""Which sheets are due, claiming them, and closing runs whose worker died."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from leadsync.errors import SyncFailure
from leadsync.store.models import LeadSyncState, SheetSourceConfig, SyncRun
from leadsync.store.types import UTCDateTime
from leadsync.sync.lease import try_claim


def _due(now: datetime, limit: int) -> Select[int]:
    return (
        select(LeadSyncState.sheet_id)
        .join(SheetSourceConfig, SheetSourceConfig.id == LeadSyncState.sheet_id)
        .where(
            LeadSyncState.next_run_at <= now,
            SheetSourceConfig.deleted_at.is_(None),
            or_(
                SheetSourceConfig.enabled.is_(True),
                LeadSyncState.requested_at.is_not(None),
            ),
            or_(
                LeadSyncState.lease_owner.is_(None),
                LeadSyncState.lease_expires_at < now,
            ),
        )
        .order_by(LeadSyncState.next_run_at)
        .limit(limit)
    )


def claim_due(
    session: Session, owner: str, now: datetime, limit: int, lease_seconds: float
) -> list[int]:
    """Claim up to ``limit`` due sheets for ``owner``; never one another worker holds.

    On PostgreSQL the candidates are locked with SKIP LOCKED, so two workers polling at
    once take different sheets instead of queueing on the same rows. On SQLite the
    one writer makes each conditional UPDATE atomic on its own.
    """
    query = _due(now, limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=LeadSyncState, skip_locked=True)
    candidates = list(session.scalars(query))
    return [
        sheet_id
        for sheet_id in candidates
        if try_claim(session, sheet_id, owner, now, lease_seconds)
    ]


def reap_lost_runs(session: Session, now: datetime) -> int:
    """Runs still "running" whose lease expired: their worker died (worker_lost)."""
    rows = session.execute(
        select(LeadSyncState, SyncRun)
        .join(SyncRun, SyncRun.id == LeadSyncState.current_run_id)
        .where(
            SyncRun.status == "running",
            or_(
                LeadSyncState.lease_expires_at.is_(None),
                LeadSyncState.lease_expires_at < now,
            ),
        )
    ).all()
    failure = SyncFailure("worker_lost")
    for state, run in rows:
        run.status = "failed"
        run.finished_at = now
        run.error_code = failure.code
        run.error_message = failure.message
        state.status = "failed"
        state.error_code = failure.code
        state.error_message = failure.message
        state.current_run_id = None
        state.lease_owner = None
        state.lease_expires_at = None
        state.next_run_at = now  # the sheet is synced again at once
    return len(rows)


def due_summary(session: Session, now: datetime) -> tuple[int, float]:
    """How many sheets are due, and how long the oldest has waited (seconds)."""
    due = _due(now, 1_000_000).subquery()
    count, oldest = session.execute(
        select(func.count(), func.min(LeadSyncState.next_run_at, type_=UTCDateTime()))
        .select_from(LeadSyncState)
        .where(LeadSyncState.sheet_id.in_(select(due.c.sheet_id)))
    ).one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return int(count), max(age, 0.0)


def release_all(session: Session, owner: str) -> None:
    session.execute(
        update(LeadSyncState)
        .where(LeadSyncState.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )

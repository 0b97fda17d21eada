"""Locking a sheet's sync state while "Sync now" decides whether to start a run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from leadsync.store.models import LeadSyncState

BUSY_STATUSES = ("queued", "running")
STRANDED_AFTER = timedelta(seconds=60)


def lock_state(session: Session, sheet_id: int) -> LeadSyncState | None:
    """The state row, locked on PostgreSQL so two clicks cannot both start a run.
    (SQLite has one writer; its transactions serialise at the first write.)"""
    return session.get(LeadSyncState, sheet_id, with_for_update=True)


def is_busy(state: LeadSyncState | None) -> bool:
    return state is not None and state.status in BUSY_STATUSES


def is_stranded(state: LeadSyncState, now: datetime) -> bool:
    """Queued long ago and nobody holds it: the process that was to run it is gone
    (say, the API restarted with the background worker off). Handing it over again
    is safe: the lease still lets only one run happen at a time."""
    if state.status != "queued" or state.requested_at is None:
        return False
    leased = state.lease_expires_at is not None and state.lease_expires_at > now
    return not leased and now - state.requested_at > STRANDED_AFTER

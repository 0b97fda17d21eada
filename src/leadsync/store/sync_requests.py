"""Locking a sheet's sync state while "Sync now" decides whether to start a run."""

from __future__ import annotations

from sqlalchemy.orm import Session

from leadsync.store.models import LeadSyncState

BUSY_STATUSES = ("queued", "running")


def lock_state(session: Session, sheet_id: int) -> LeadSyncState | None:
    """The state row, locked on PostgreSQL so two clicks cannot both start a run.
    (SQLite has one writer; its transactions serialise at the first write.)"""
    return session.get(LeadSyncState, sheet_id, with_for_update=True)


def is_busy(state: LeadSyncState | None) -> bool:
    return state is not None and state.status in BUSY_STATUSES

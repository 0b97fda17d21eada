"""Manual "Sync now": queue a run through the same table the worker reads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from leadsync.store.models import LeadSyncState, SyncRun
from leadsync.store.types import utcnow


def request_sync(session: Session, sheet_id: int, customer_id: int) -> LeadSyncState:
    """Mark the sheet due now. A request while one is queued or running is the same
    request: the caller gets the existing state, and no second run starts."""
    state = session.get(LeadSyncState, sheet_id)
    if state is None:
        state = LeadSyncState(sheet_id=sheet_id, customer_id=customer_id)
        session.add(state)
    if state.status in ("queued", "running"):
        return state
    now = utcnow()
    state.requested_at = now
    state.next_run_at = now
    state.status = "queued"
    session.flush()
    return state


def current_run(session: Session, state: LeadSyncState) -> SyncRun | None:
    if state.current_run_id is None:
        return None
    return session.get(SyncRun, state.current_run_id)

"""Sync state and run history: recording runs and reading them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.store.models import (
    COUNT_KEYS,
    LeadSyncState,
    SheetSourceConfig,
    SyncRun,
)
from leadsync.store.types import iso


def state_item(state: LeadSyncState) -> dict[str, Any]:
    counts = {key: int((state.counts or {}).get(key, 0)) for key in COUNT_KEYS}
    return {
        "sheet_id": state.sheet_id,
        "customer_id": state.customer_id,
        "status": state.status,
        "last_sync_at": iso(state.last_sync_at),
        "last_success_at": iso(state.last_success_at),
        "error_code": state.error_code,
        "error_message": state.error_message,
        "next_run_at": iso(state.next_run_at),
        "consecutive_failures": state.consecutive_failures,
        "read_as": state.read_as,  # link, service_account, or None before a read
        "counts": counts,
    }


def run_item(run: SyncRun) -> dict[str, Any]:
    counts = {key: int((run.counts or {}).get(key, 0)) for key in COUNT_KEYS}
    return {
        "id": run.id,
        "sheet_id": run.sheet_id,
        "customer_id": run.customer_id,
        "trigger": run.trigger,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "status": run.status,
        "error_code": run.error_code,
        "error_message": run.error_message,
        "counts": counts,
        "samples": run.samples or {},
    }


def list_states(
    session: Session,
    *,
    customer_id: int | None = None,
    sheet_id: int | None = None,
) -> list[LeadSyncState]:
    query = (
        select(LeadSyncState)
        .join(SheetSourceConfig, SheetSourceConfig.id == LeadSyncState.sheet_id)
        .where(SheetSourceConfig.deleted_at.is_(None))
        .order_by(LeadSyncState.sheet_id)
    )
    if customer_id is not None:
        query = query.where(LeadSyncState.customer_id == customer_id)
    if sheet_id is not None:
        query = query.where(LeadSyncState.sheet_id == sheet_id)
    return list(session.scalars(query))


def list_runs(session: Session, sheet_id: int, *, limit: int = 50) -> list[SyncRun]:
    query = (
        select(SyncRun)
        .where(SyncRun.sheet_id == sheet_id)
        .order_by(SyncRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))

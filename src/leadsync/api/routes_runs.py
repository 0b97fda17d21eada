"""/api/sync-runs: the history of one sheet's runs, newest first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from leadsync.api.auth import Caller
from leadsync.api.context import Ctx
from leadsync.api.items import run_view
from leadsync.api.schemas import MAX_ID
from leadsync.store.scope import visible_sheet
from leadsync.store.state import list_runs

router = APIRouter(prefix="/api/sync-runs", tags=["sync runs"])


@router.get("")
def sync_runs_list(
    ctx: Ctx,
    caller: Caller,
    sheet_id: int = Query(ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """Runs of a sheet (deleted sheets too) with counts, errors and samples."""
    with ctx.sessions() as session:
        sheet = visible_sheet(session, sheet_id, caller.customer_id)
        runs = list_runs(session, sheet.id, limit=limit)
        return {"items": [run_view(r, caller) for r in runs]}

"""/api/leads: list with filters and keyset pages, edit status/notes, history, CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from leadsync.api.auth import Caller, read_scope, require_writer
from leadsync.api.context import Ctx
from leadsync.api.export import csv_lines
from leadsync.api.items import state_view
from leadsync.api.lead_query import LeadQuery, lead_query, to_filter
from leadsync.api.schemas import MAX_ID, LeadPatch
from leadsync.errors import InvalidInput
from leadsync.store.lead_edits import change_item, edit_lead, lead_history
from leadsync.store.leads import decode_cursor, lead_items, page
from leadsync.store.scope import visible_lead
from leadsync.store.state import list_states

router = APIRouter(prefix="/api/leads", tags=["leads"])
Filters = Annotated[LeadQuery, Depends(lead_query)]
LeadId = Path(ge=1, le=MAX_ID)
MAX_CURSOR = 2**63 - 1


@router.get("")
def leads_list(
    ctx: Ctx,
    caller: Caller,
    filters: Filters,
    cursor: str | None = Query(None, max_length=200, description="next_cursor."),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """Newest first; follow ``next_cursor`` until it is null. With the sync state
    of the sheets in scope."""
    with ctx.sessions() as session:
        f = to_filter(session, caller, filters)
        _check_cursor(cursor)
        leads, next_cursor = page(session, f, limit=limit, cursor=cursor)
        states = list_states(session, customer_id=f.customer_id, sheet_id=f.sheet_id)
        return {
            "items": lead_items(session, leads),
            "next_cursor": next_cursor,
            "sync_state": [state_view(s, caller) for s in states],
        }


def _check_cursor(cursor: str | None) -> None:
    if cursor and not 0 <= decode_cursor(cursor) <= MAX_CURSOR:
        raise InvalidInput("cursor is not one this API gave out")


@router.get("/export.csv", response_class=StreamingResponse)
def leads_export(
    ctx: Ctx,
    caller: Caller,
    filters: Filters,
    raw: bool = Query(False, description="Plain cells for machines, not spreadsheets."),
) -> StreamingResponse:
    """The same selection as CSV. Cells a spreadsheet would evaluate are prefixed
    with an apostrophe unless ``raw=true``."""
    with ctx.sessions() as session:
        f = to_filter(session, caller, filters)
    return StreamingResponse(
        csv_lines(ctx, f, raw),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
    )


@router.get("/sync-state")
def leads_sync_state(
    ctx: Ctx,
    caller: Caller,
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> dict[str, Any]:
    """Each sheet's last sync: status, counts, error and the next run."""
    with ctx.sessions() as session:
        scope = read_scope(session, caller, customer_id)
        states = list_states(session, customer_id=scope)
        return {"items": [state_view(s, caller) for s in states]}


@router.get("/{lead_id:int}")
def leads_get(ctx: Ctx, caller: Caller, lead_id: int = LeadId) -> dict[str, Any]:
    """One lead."""
    with ctx.sessions() as session:
        (item,) = lead_items(
            session, [visible_lead(session, lead_id, caller.customer_id)]
        )
        return item


@router.patch("/{lead_id:int}")
def leads_update(
    body: LeadPatch, ctx: Ctx, caller: Caller, lead_id: int = LeadId
) -> dict[str, Any]:
    """Set status and notes (app-owned); each change is kept in the history."""
    with ctx.sessions.begin() as session:
        lead = visible_lead(session, lead_id, caller.customer_id)
        require_writer(caller)
        edit_lead(session, lead, body.model_dump(exclude_unset=True), caller.actor)
        (item,) = lead_items(session, [lead])
        return item


@router.get("/{lead_id:int}/history")
def leads_history(ctx: Ctx, caller: Caller, lead_id: int = LeadId) -> dict[str, Any]:
    """Every value a sync or a person replaced: field, old, new, when, by whom."""
    with ctx.sessions() as session:
        lead = visible_lead(session, lead_id, caller.customer_id)
        return {"items": [change_item(c) for c in lead_history(session, lead.id)]}

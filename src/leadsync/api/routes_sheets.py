"""/api/sheets: register, edit, delete (leads stay), sync now, preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Response

from leadsync.api.auth import Caller, read_scope, require_writer, write_scope
from leadsync.api.context import Ctx
from leadsync.api.errors import ApiError
from leadsync.api.items import run_view, sheet_item, state_view
from leadsync.api.preview import run_preview
from leadsync.api.schemas import MAX_ID, PreviewRequest, SheetCreate, SheetUpdate
from leadsync.store import sheets as sheet_store
from leadsync.store.models import SheetSourceConfig
from leadsync.store.state import list_states
from leadsync.store.sync_requests import is_busy, is_stranded, lock_state
from leadsync.store.types import utcnow
from leadsync.sync.queue import current_run, request_sync

router = APIRouter(prefix="/api/sheets", tags=["sheets"])
SheetId = Path(ge=1, le=MAX_ID)


def _item(session: Any, sheet: SheetSourceConfig, caller: Caller) -> dict[str, Any]:
    states = list_states(session, sheet_id=sheet.id)
    return sheet_item(sheet, states[0] if states else None, caller)


@router.get("")
def sheets_list(
    ctx: Ctx,
    caller: Caller,
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> dict[str, Any]:
    """Registered sheets with their sync state."""
    with ctx.sessions() as session:
        scope = read_scope(session, caller, customer_id)
        states = {s.sheet_id: s for s in list_states(session, customer_id=scope)}
        sheets = sheet_store.list_sheets(session, scope)
        return {"items": [sheet_item(s, states.get(s.id), caller) for s in sheets]}


@router.post("", status_code=201)
def sheets_create(body: SheetCreate, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Register a sheet (due at once). The same tab again is 409, unless it was
    deleted: then it is restored with its leads."""
    with ctx.sessions.begin() as session:
        customer_id = write_scope(session, caller, body.customer_id)
        sheet = sheet_store.add_sheet(session, customer_id, **body.changes())
        return _item(session, sheet, caller)


@router.post("/preview")
def sheets_preview(body: PreviewRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Read a sheet the way a sync would and show the result; stores nothing."""
    require_writer(caller)
    return run_preview(ctx, caller, body)


@router.put("/{sheet_id:int}")
def sheets_update(
    body: SheetUpdate, ctx: Ctx, caller: Caller, sheet_id: int = SheetId
) -> dict[str, Any]:
    """Change the fields given; omitted ones stay. A saved sheet is due at once."""
    with ctx.sessions.begin() as session:
        sheet = sheet_store.get_sheet(session, sheet_id, customer_id=caller.customer_id)
        if "customer_id" in body.model_fields_set:
            _refuse_move(session, caller, body.customer_id)
        require_writer(caller)
        sheet = sheet_store.update_sheet(session, sheet, body.changes())
        return _item(session, sheet, caller)


def _refuse_move(session: Any, caller: Caller, customer_id: int | None) -> None:
    read_scope(session, caller, customer_id)  # not the caller's customer: 404
    message = "A sheet cannot move to another customer: customer_id is read-only."
    raise ApiError(422, message, fields={"customer_id": message})


@router.delete("/{sheet_id:int}", status_code=204)
def sheets_delete(ctx: Ctx, caller: Caller, sheet_id: int = SheetId) -> Response:
    """Stop syncing the sheet. Its leads stay; adding it again restores it."""
    with ctx.sessions.begin() as session:
        sheet = sheet_store.get_sheet(session, sheet_id, customer_id=caller.customer_id)
        require_writer(caller)
        sheet_store.delete_sheet(session, sheet)
    return Response(status_code=204)


@router.post("/{sheet_id:int}/sync", status_code=202)
def sheets_sync(ctx: Ctx, caller: Caller, sheet_id: int = SheetId) -> dict[str, Any]:
    """Queue a run now. While one is queued or running, answer with it instead."""
    with ctx.sessions.begin() as session:
        sheet = sheet_store.get_sheet(session, sheet_id, customer_id=caller.customer_id)
        require_writer(caller)
        locked = lock_state(session, sheet.id)
        busy = is_busy(locked)
        stranded = locked is not None and is_stranded(locked, utcnow())
        state = request_sync(session, sheet.id, sheet.customer_id)
        run = current_run(session, state)
        answer = {
            "sheet_id": sheet.id,
            "queued": not busy,
            "sync_state": state_view(state, caller),
            "run": run_view(run, caller) if run is not None else None,
        }
    if not busy or stranded:
        ctx.runner.kick(sheet_id)
    return answer

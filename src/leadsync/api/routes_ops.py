"""/healthz and /metrics: for load balancers and Prometheus, no token needed.

/metrics shows only counts across all customers, never a customer's data.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError

from leadsync.api.context import Ctx
from leadsync.store.metrics import ping, queue_depth, runs_by_outcome, sheets_by_status
from leadsync.store.types import utcnow

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(ctx: Ctx) -> JSONResponse:
    """200 when the database answers, else 503."""
    try:
        with ctx.sessions() as session:
            ping(session)
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "down"}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(ctx: Ctx) -> PlainTextResponse:
    """Prometheus text format."""
    with ctx.sessions() as session:
        runs = runs_by_outcome(session)
        sheets = sheets_by_status(session)
        depth = queue_depth(session, utcnow())
    lines = [
        "# HELP leadsync_sync_runs_total Sync runs recorded, by status and error code.",
        "# TYPE leadsync_sync_runs_total counter",
        *(
            f"leadsync_sync_runs_total{_labels(status=s, error_code=c)} {n}"
            for s, c, n in runs
        ),
        "# HELP leadsync_sheets Registered sheets by sync state status.",
        "# TYPE leadsync_sheets gauge",
        *(f"leadsync_sheets{_labels(status=s)} {n}" for s, n in sheets),
        "# HELP leadsync_sync_queue_depth Sheets due for a sync now.",
        "# TYPE leadsync_sync_queue_depth gauge",
        f"leadsync_sync_queue_depth {depth}",
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4"
    )


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

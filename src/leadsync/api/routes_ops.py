"""/healthz and /metrics: for load balancers and Prometheus, no token needed.

/metrics shows only counts across all customers, never a customer's data.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError

from leadsync.api.context import Ctx
from leadsync.store.metrics import (
    DURATION_BUCKETS,
    ping,
    row_totals,
    run_durations,
    runs_by_outcome,
    sheets_by_status,
)
from leadsync.store.types import utcnow
from leadsync.sync.claims import due_summary

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
    """Prometheus text format, fleet-wide: read from the database every worker
    writes to, so any API process shows every worker's runs."""
    with ctx.sessions() as session:
        runs = runs_by_outcome(session)
        sheets = sheets_by_status(session)
        depth, oldest = due_summary(session, utcnow())
        durations = run_durations(session)
        rows = row_totals(session)
    lines = [
        *_family("sync_runs_total", "counter", "Sync runs by status and error code."),
        *(
            f"leadsync_sync_runs_total{_labels(status=s, error_code=c)} {n}"
            for s, c, n in runs
        ),
        *_family("sheets", "gauge", "Registered sheets by sync state status."),
        *(f"leadsync_sheets{_labels(status=s)} {n}" for s, n in sheets),
        *_family("sync_queue_depth", "gauge", "Sheets due and not yet claimed."),
        f"leadsync_sync_queue_depth {depth}",
        *_family(
            "sync_oldest_due_seconds", "gauge", "How long the oldest due sheet waits."
        ),
        f"leadsync_sync_oldest_due_seconds {oldest:.1f}",
        *_histogram(*durations),
        *_family("sync_rows_total", "counter", "Rows read and leads written by runs."),
        *(f"leadsync_sync_rows_total{_labels(kind=k)} {n}" for k, n in rows.items()),
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4"
    )


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP leadsync_{name} {help_text}", f"# TYPE leadsync_{name} {kind}"]


def _histogram(counts: list[int], total: int, seconds: float) -> list[str]:
    name = "leadsync_sync_run_duration_seconds"
    lines = _family("sync_run_duration_seconds", "histogram", "Sync run durations.")
    for bound, count in zip(DURATION_BUCKETS, counts, strict=True):
        lines.append(f'{name}_bucket{{le="{bound:g}"}} {count}')
    lines += [
        f'{name}_bucket{{le="+Inf"}} {total}',
        f"{name}_sum {seconds:.3f}",
        f"{name}_count {total}",
    ]
    return lines


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

"""``leadsync serve``: migrate, make sure someone can log in, serve the API (and
the background worker when ENABLE_LEADS_SYNC=true) in one process."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer
import uvicorn

from leadsync.api import create_app
from leadsync.api.middleware import RequestIdFilter
from leadsync.cli.context import App, app, one_line_errors, say
from leadsync.store.keys import create_key, has_active_admin
from leadsync.sync.worker import Worker

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API and UI (migrations run first)."""
    serve_app(app(), host=host, port=port)


def serve_app(ctx: App, *, host: str, port: int) -> None:
    _log_request_ids()
    ensure_admin_login(ctx, host, port)
    worker = _start_worker(ctx)
    api = create_app(ctx.settings, sessions=ctx.sessions, runner=worker)
    try:
        uvicorn.run(api, host=host, port=port, log_config=None, access_log=False)
    finally:
        if worker is not None:
            worker.stop()


def ensure_admin_login(ctx: App, host: str, port: int) -> None:
    """On a database without a live admin key, make one and show it once, so
    nobody needs a second document to log in."""
    with ctx.sessions.begin() as session:
        if has_active_admin(session):
            return
        _key, token = create_key(session, "admin")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    say(f"Admin token: {token} (shown once)")
    say(f"Log in at http://{shown_host}:{port}/login with that token")


def _start_worker(ctx: App) -> Worker | None:
    """The background worker runs beside the API only when the flag says so; without
    it, "Sync now" still runs in the API's own threads."""
    if not ctx.settings.enable_leads_sync:
        say("background sync is off (ENABLE_LEADS_SYNC); manual syncs still work")
        return None
    worker = Worker(ctx.sessions, ctx.settings)
    thread = threading.Thread(target=worker.run_forever, name="worker", daemon=True)
    thread.start()
    return worker


def _log_request_ids() -> None:
    """Every log line names the request it was written for ("-" outside one)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter(LOG_FORMAT))

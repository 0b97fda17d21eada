"""``leadsync worker``: the background sync worker alone, with graceful shutdown."""

from __future__ import annotations

import signal
from types import FrameType

import typer

from leadsync.cli.context import app, one_line_errors, say
from leadsync.sync.worker import Worker


@one_line_errors
def worker() -> None:
    """Sync due sheets every LEADS_SYNC_INTERVAL_SECONDS until stopped."""
    ctx = app()
    if not ctx.settings.enable_leads_sync:
        say(
            "the background sync is off: set ENABLE_LEADS_SYNC=true to run the "
            "worker (manual syncs still work through the API and `leadsync sync`)"
        )
        raise typer.Exit(2)
    runner = Worker(ctx.sessions, ctx.settings)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        say(f"received signal {signum}: finishing current syncs, claiming no more")
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.run_forever()

"""Runs queued manual syncs inside the API process, for when no worker is running.

The background worker (``ENABLE_LEADS_SYNC=true``) picks queued sheets up by itself;
without it, "Sync now" must still work, so the API hands the sheet to this runner.
The lease still applies: if a worker elsewhere holds the sheet, nothing runs twice.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sync.run import RunOutcome, sync_sheet

log = logging.getLogger(__name__)


class InProcessRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        max_workers: int = 4,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="sync-now")

    def kick(self, sheet_id: int) -> Future[RunOutcome]:
        return self._pool.submit(self._run, sheet_id)

    def _run(self, sheet_id: int) -> RunOutcome:
        return sync_sheet(self._sessions, sheet_id, self._settings, trigger="manual")

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

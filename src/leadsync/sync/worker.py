"""The background worker: every few seconds, claim due sheets and sync them.

Scheduling lives in the database (``LeadSyncState.next_run_at``), so any number of
workers on any number of machines share one queue, and a restarted worker carries on
where the fleet left off. A manual "Sync now" makes a sheet due and wakes the worker.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.store.pauses import paused_until
from leadsync.store.types import utcnow
from leadsync.sync import claims, lease
from leadsync.sync.run import RunOutcome, sync_sheet

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        concurrency: int | None = None,
        poll_seconds: float | None = None,
        owner: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.owner = owner or lease.worker_name()
        self.concurrency = concurrency or settings.sync_concurrency
        interval = settings.leads_sync_interval_seconds
        self.poll_seconds = poll_seconds or max(0.5, min(5.0, interval / 2))
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sync")
        self._busy: set[int] = set()
        # Every sheet is downloaded from this one host; Google's "slow down" to any
        # worker pauses them all (store/pauses.py).
        self._host = httpx.URL(settings.google_sheets_base_url).host
        self._lock = threading.Lock()
        # One connection pool toward Google for every run of this process.
        self._client = httpx.Client(
            follow_redirects=False,
            limits=httpx.Limits(max_connections=self.concurrency),
        )

    def kick(self, sheet_id: int | None = None) -> None:
        """A sheet was queued: look for due work now instead of at the next poll."""
        self._wake.set()

    def run_forever(self) -> None:
        log.info(
            "worker started owner=%s concurrency=%d poll=%.1fs interval=%ds",
            self.owner,
            self.concurrency,
            self.poll_seconds,
            self.settings.leads_sync_interval_seconds,
        )
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # the loop must outlive one bad poll (a DB restart)
                log.exception("worker poll failed owner=%s", self.owner)
            self._wake.wait(self.poll_seconds * random.uniform(0.9, 1.1))
            self._wake.clear()
        self._drain()

    def tick(self) -> list[Future[RunOutcome]]:
        """Reap dead runs, claim what is due and fits, start it."""
        now = utcnow()
        free = self.concurrency - len(self._busy)
        with self.sessions.begin() as session:
            claims.reap_lost_runs(session, now)
            paused = paused_until(session, self._host, now)
            if paused is not None or free <= 0 or self.stopping.is_set():
                return []
            claimed = claims.claim_due(
                session, self.owner, now, free, self.settings.lease_seconds
            )
        return [self._start(sheet_id) for sheet_id in claimed]

    def _start(self, sheet_id: int) -> Future[RunOutcome]:
        with self._lock:
            self._busy.add(sheet_id)
        future = self._pool.submit(self._run, sheet_id)
        return future

    def _run(self, sheet_id: int) -> RunOutcome:
        try:
            return sync_sheet(
                self.sessions,
                sheet_id,
                self.settings,
                trigger="scheduled",
                owner=self.owner,
                client=self._client,
            )
        finally:
            with self._lock:
                self._busy.discard(sheet_id)
            self._wake.set()  # a slot is free: look for more due work

    def stop(self) -> None:
        """Stop claiming; runs in progress finish (each is bounded by its timeouts)."""
        self.stopping.set()
        self._wake.set()

    def _drain(self) -> None:
        started = time.monotonic()
        self._pool.shutdown(wait=True)
        with self.sessions.begin() as session:
            claims.release_all(session, self.owner)
        self._client.close()
        log.info(
            "worker stopped owner=%s drained in %.1fs",
            self.owner,
            time.monotonic() - started,
        )

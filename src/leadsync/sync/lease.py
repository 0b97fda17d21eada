"""Leases: a sheet is synced by one worker at a time, and a dead worker's claim expires.

A claim is one atomic UPDATE that succeeds only when nobody holds a live lease, so it is
safe on SQLite (one writer) and PostgreSQL alike. A live worker renews its lease from a
background thread while it fetches and reads, so a slow sheet is not taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from leadsync.store.models import LeadSyncState
from leadsync.store.types import utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 90.0  # default; LEADSYNC_LEASE_SECONDS overrides


def worker_name() -> str:
    """Unique per process: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def try_claim(
    session: Session, sheet_id: int, owner: str, now: datetime, seconds: float
) -> bool:
    result = session.execute(
        update(LeadSyncState)
        .where(
            LeadSyncState.sheet_id == sheet_id,
            or_(
                LeadSyncState.lease_owner.is_(None),
                LeadSyncState.lease_owner == owner,
                LeadSyncState.lease_expires_at < now,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release(session: Session, sheet_id: int, owner: str) -> None:
    session.execute(
        update(LeadSyncState)
        .where(LeadSyncState.sheet_id == sheet_id, LeadSyncState.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


class LeaseKeeper:
    """Renews a held lease every third of its length until the run ends."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sheet_id: int,
        owner: str,
        seconds: float = LEASE_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._sheet_id = sheet_id
        self._owner = owner
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"lease-{sheet_id}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            try:
                with self._sessions.begin() as session:
                    renewed = try_claim(
                        session, self._sheet_id, self._owner, utcnow(), self._seconds
                    )
                if not renewed:
                    log.warning(
                        "lease lost sheet_id=%s owner=%s", self._sheet_id, self._owner
                    )
            except Exception:  # a renewal failure must not kill the run itself
                log.exception("lease renewal failed sheet_id=%s", self._sheet_id)

"""Fleet-wide pauses toward a host that told us to slow down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from leadsync.store.models import FetchPause


def pause_host(session: Session, host: str, until: datetime, reason: str) -> None:
    """Hold every worker back from ``host`` until ``until`` (never shortens a pause)."""
    pause = session.get(FetchPause, host, with_for_update=True)
    if pause is None:
        session.add(FetchPause(host=host, until=until, reason=reason))
    elif pause.until < until:
        pause.until, pause.reason = until, reason


def paused_until(session: Session, host: str, now: datetime) -> datetime | None:
    pause = session.get(FetchPause, host)
    return pause.until if pause is not None and pause.until > now else None

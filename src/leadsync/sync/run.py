"""One sync run of one sheet: fetch -> read -> upsert -> record.

The snapshot is downloaded and read before any write lock is taken, then applied in
one short transaction, or not at all. Every run ends in a recorded state: ok,
unchanged, ignored (stale) or failed with an error code and a message.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.errors import NotFound, SyncFailure
from leadsync.leads.digest import reading_fingerprint
from leadsync.leads.model import LEAD_FIELDS, SheetSettings, Warning, provided_fields
from leadsync.leads.reader import gc_paused
from leadsync.leads.stream import scan_sheet
from leadsync.sheets.access import fetch_sheet
from leadsync.sheets.fetch import Download
from leadsync.sheets.urls import SheetRef
from leadsync.store.known import KnownRows, RowsConflict, known_rows
from leadsync.store.models import (
    Customer,
    LeadSyncState,
    SheetSourceConfig,
    SyncRun,
    empty_counts,
)
from leadsync.store.pauses import pause_host
from leadsync.store.sheets import reading_settings
from leadsync.store.snapshot import Snapshot
from leadsync.store.stage import Stage
from leadsync.store.types import utcnow
from leadsync.store.upsert import ApplyResult, apply_snapshot
from leadsync.sync import lease
from leadsync.sync.readout import SnapshotRead, run_counts, run_samples
from leadsync.sync.schedule import next_after_failure, next_after_success
from leadsync.sync.split import split_for

log = logging.getLogger(__name__)

# Runs in a row that find formulas still calculating before the sheet is read as
# it is (with backoff: about half an hour at the default interval).
STILL_LOADING_TRIES = 5


@dataclass
class RunOutcome:
    run_id: int | None
    sheet_id: int
    customer_id: int
    status: str  # ok, unchanged, ignored, failed, busy
    counts: dict[str, int] = field(default_factory=empty_counts)
    error_code: str | None = None
    error_message: str | None = None
    applied: ApplyResult | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class _Context:
    run_id: int
    sheet_id: int
    customer_id: int
    ref: SheetRef
    started: float
    now: datetime
    state: LeadSyncState


def sync_sheet(
    sessions: sessionmaker[Session],
    sheet_id: int,
    settings: Settings,
    *,
    trigger: str = "manual",
    owner: str | None = None,
    client: httpx.Client | None = None,
) -> RunOutcome:
    """Run one sync of one sheet and record how it went. Never raises for the sheet."""
    owner = owner or lease.worker_name()
    ctx = _start(sessions, sheet_id, trigger, owner, settings.lease_seconds)
    if isinstance(ctx, RunOutcome):
        return ctx
    try:
        with lease.LeaseKeeper(sessions, sheet_id, owner, settings.lease_seconds):
            outcome = _execute(sessions, ctx, settings, client)
    except SyncFailure as failure:
        outcome = _fail(sessions, ctx, settings, failure)
    except Exception:
        log.exception("sync run crashed run_id=%s sheet_id=%s", ctx.run_id, sheet_id)
        outcome = _fail(sessions, ctx, settings, SyncFailure("internal_error"))
    finally:
        with sessions.begin() as session:
            lease.release(session, sheet_id, owner)
    _log(ctx, outcome)
    return outcome


def _start(
    sessions: sessionmaker[Session],
    sheet_id: int,
    trigger: str,
    owner: str,
    lease_seconds: float,
) -> _Context | RunOutcome:
    now = utcnow()
    with sessions.begin() as session:
        sheet = session.get(SheetSourceConfig, sheet_id)
        if sheet is None:
            raise NotFound(f"sheet {sheet_id} not found")
        state = session.get(LeadSyncState, sheet_id)
        if state is None:
            state = LeadSyncState(sheet_id=sheet_id, customer_id=sheet.customer_id)
            session.add(state)
            session.flush()
        if not lease.try_claim(session, sheet_id, owner, now, lease_seconds):
            return RunOutcome(None, sheet_id, sheet.customer_id, "busy")
        session.refresh(state)
        _close_lost_run(session, state, now)
        if state.requested_at is not None:
            trigger = "manual"  # a person asked, whoever runs it
        run = SyncRun(
            customer_id=sheet.customer_id,
            sheet_id=sheet_id,
            trigger=trigger,
            started_at=now,
            worker=owner,
        )
        session.add(run)
        session.flush()
        state.status = "running"
        state.current_run_id = run.id
        state.requested_at = None
        ref = SheetRef(sheet.spreadsheet_id, sheet.gid)
        session.flush()
        session.expunge(state)
        return _Context(
            run.id, sheet_id, sheet.customer_id, ref, time.monotonic(), now, state
        )


def _close_lost_run(session: Session, state: LeadSyncState, now: datetime) -> None:
    """A run still "running" under an expired lease belonged to a dead worker."""
    if state.current_run_id is None:
        return
    run = session.get(SyncRun, state.current_run_id)
    if run is not None and run.status == "running":
        failure = SyncFailure("worker_lost")
        run.status = "failed"
        run.finished_at = now
        run.error_code = failure.code
        run.error_message = failure.message


def _execute(
    sessions: sessionmaker[Session],
    ctx: _Context,
    settings: Settings,
    client: httpx.Client | None,
) -> RunOutcome:
    with sessions() as session:
        sheet = session.get_one(SheetSourceConfig, ctx.sheet_id)
        customer = session.get_one(Customer, ctx.customer_id)
        read_settings = reading_settings(sheet, customer)
        mode = sheet.access_mode

    # ctx.state.read_as: who read the sheet last time, then who read it now.
    download, ctx.state.read_as = fetch_sheet(
        ctx.ref, settings, mode, client=client, prefer=ctx.state.read_as
    )
    with download:
        return _judge(sessions, ctx, settings, download, read_settings)


def _judge(
    sessions: sessionmaker[Session],
    ctx: _Context,
    settings: Settings,
    download: Download,
    read_settings: SheetSettings,
) -> RunOutcome:
    """Stale, unchanged, rejected, empty, or applied."""
    state = ctx.state
    stale = (
        download.modified_at is not None
        and state.snapshot_modified_at is not None
        and download.modified_at < state.snapshot_modified_at
    )
    if stale:
        return _finish_ignored(sessions, ctx, settings)
    fingerprint = reading_fingerprint(read_settings)
    if (
        download.content_hash == state.content_hash
        and fingerprint == state.settings_fingerprint
    ):
        return _finish_unchanged(sessions, ctx, settings)

    try:
        known = known_rows(sessions, ctx.customer_id, ctx.sheet_id)
        return _read_and_apply(sessions, ctx, settings, download, read_settings, known)
    except RowsConflict:
        # A recognized row shares its key with a row that was read, and rows that
        # share a key fold: read the whole sheet, recognizing nothing.
        download.body.seek(0)
        return _read_and_apply(
            sessions, ctx, settings, download, read_settings, KnownRows()
        )


def _read_and_apply(
    sessions: sessionmaker[Session],
    ctx: _Context,
    settings: Settings,
    download: Download,
    read_settings: SheetSettings,
    known: KnownRows,
) -> RunOutcome:
    # Read the whole snapshot (spooled to disk) before the write transaction; a
    # big one in two processes when nothing in it can be recognized.
    with (
        Snapshot() as snapshot,
        split_for(
            download.body, download.size, snapshot, known, settings.read_workers
        ) as split,
    ):
        if split is not None and _on_sqlite(sessions):
            # The parts also stage their leads as they read, so that a first sync
            # binds fewer values under SQLite's write lock (store/stage.py).
            snapshot.stage = Stage(os.path.join(split.folder, "stage-main.db"))
            split.stage = True
        with gc_paused():
            summary = scan_sheet(
                download.body, read_settings, snapshot, known=known, split=split
            )
        known.read_done()
        read = SnapshotRead(summary, snapshot, known)
        if read.still_loading and not _waited_for_formulas(ctx.state):
            raise SyncFailure("sheet_still_loading")
        if not read.lead_rows and ctx.state.had_leads:
            raise SyncFailure("empty_snapshot_refused")
        return _apply(sessions, ctx, settings, read, download, read_settings)


def _on_sqlite(sessions: sessionmaker[Session]) -> bool:
    bind = sessions.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def _waited_for_formulas(state: LeadSyncState) -> bool:
    """A sheet whose formulas never finish ("Loading..." run after run) is read as
    it is after a while, its pending cells empty and warned, rather than never."""
    return (
        state.error_code == "sheet_still_loading"
        and state.consecutive_failures >= STILL_LOADING_TRIES
    )


def _apply(
    sessions: sessionmaker[Session],
    ctx: _Context,
    settings: Settings,
    read: SnapshotRead,
    download: Download,
    read_settings: SheetSettings,
) -> RunOutcome:
    provided = sorted(provided_fields(read.summary.columns))
    gone = sorted(set(ctx.state.provided_fields or []) - set(provided))
    sync_warnings = [
        Warning(None, None, "mapped_field_missing", field=name) for name in gone
    ]
    now = utcnow()
    with sessions.begin() as session:
        with gc_paused():
            applied = apply_snapshot(
                session,
                customer_id=ctx.customer_id,
                sheet_id=ctx.sheet_id,
                leads=read.snapshot,
                run_id=ctx.run_id,
                now=now,
                seen_at=ctx.state.last_success_at,
                known=read.known,
            )
        late = [*sync_warnings, *applied.warnings]
        counts = run_counts(read, applied, len(late))
        samples = run_samples(read, late)
        state = session.get_one(LeadSyncState, ctx.sheet_id)
        state.content_hash = download.content_hash
        state.settings_fingerprint = reading_fingerprint(read_settings)
        state.had_leads = read.lead_rows > 0
        state.provided_fields = _still_known(provided, gone)
        state.snapshot_modified_at = download.modified_at
        _record_success(session, ctx, settings, state, "ok", counts, samples, now)
    return RunOutcome(
        ctx.run_id, ctx.sheet_id, ctx.customer_id, "ok", counts, applied=applied
    )


def _still_known(provided: list[str], gone: list[str]) -> list[str]:
    # Remember fields that went missing, so the warning repeats until the column
    # returns or the sheet's settings change.
    return sorted({*provided, *gone} & set(LEAD_FIELDS))


def _finish_unchanged(
    sessions: sessionmaker[Session], ctx: _Context, settings: Settings
) -> RunOutcome:
    """Same bytes, same settings, same reader: nothing to write but the record."""
    before = dict(ctx.state.counts or empty_counts())
    counts = {
        **before,
        "inserted": 0,
        "updated": 0,
        "missing": 0,
        "unchanged": before.get("leads", 0),
    }
    now = utcnow()
    with sessions.begin() as session:
        state = session.get_one(LeadSyncState, ctx.sheet_id)
        _record_success(session, ctx, settings, state, "unchanged", counts, {}, now)
    return RunOutcome(ctx.run_id, ctx.sheet_id, ctx.customer_id, "unchanged", counts)


def _finish_ignored(
    sessions: sessionmaker[Session], ctx: _Context, settings: Settings
) -> RunOutcome:
    """An older snapshot than the one applied: no value may go backwards."""
    counts = empty_counts()
    counts["warnings"] = 1
    samples = {
        "skipped": [],
        "warnings": [{"row": None, "column": None, "code": "stale_snapshot_ignored"}],
    }
    now = utcnow()
    with sessions.begin() as session:
        state = session.get_one(LeadSyncState, ctx.sheet_id)
        _record_success(session, ctx, settings, state, "ignored", counts, samples, now)
    return RunOutcome(ctx.run_id, ctx.sheet_id, ctx.customer_id, "ignored", counts)


def _record_success(
    session: Session,
    ctx: _Context,
    settings: Settings,
    state: LeadSyncState,
    run_status: str,
    counts: dict[str, int],
    samples: dict[str, Any],
    now: datetime,
) -> None:
    state.status = "ok"
    state.read_as = ctx.state.read_as
    state.last_sync_at = now
    state.last_success_at = now
    state.error_code = None
    state.error_message = None
    state.consecutive_failures = 0
    state.current_run_id = None
    if run_status != "ignored":
        state.counts = counts
    if state.requested_at is None:
        state.next_run_at = next_after_success(
            now, settings.leads_sync_interval_seconds
        )
    run = session.get_one(SyncRun, ctx.run_id)
    run.status = run_status
    run.finished_at = now
    run.duration_ms = _duration_ms(run, now)
    run.counts = counts
    run.samples = samples


def _fail(
    sessions: sessionmaker[Session],
    ctx: _Context,
    settings: Settings,
    failure: SyncFailure,
) -> RunOutcome:
    now = utcnow()
    with sessions.begin() as session:
        state = session.get_one(LeadSyncState, ctx.sheet_id)
        state.status = "failed"
        state.last_sync_at = now
        state.error_code = failure.code
        state.error_message = failure.message
        state.consecutive_failures += 1
        state.current_run_id = None
        if state.requested_at is None:
            state.next_run_at = next_after_failure(
                now,
                settings.leads_sync_interval_seconds,
                state.consecutive_failures,
                failure.code,
                failure.retry_after,
            )
        if failure.code == "rate_limited":
            _pause_fleet(session, settings, failure)
        run = session.get_one(SyncRun, ctx.run_id)
        run.status = "failed"
        run.finished_at = now
        run.duration_ms = _duration_ms(run, now)
        run.error_code = failure.code
        run.error_message = failure.message
    return RunOutcome(
        ctx.run_id,
        ctx.sheet_id,
        ctx.customer_id,
        "failed",
        error_code=failure.code,
        error_message=failure.message,
    )


def _duration_ms(run: SyncRun, now: datetime) -> int:
    return max(0, int((now - run.started_at).total_seconds() * 1000))


def _pause_fleet(session: Session, settings: Settings, failure: SyncFailure) -> None:
    """Google throttled us past what a run may wait: every worker holds back."""
    seconds = failure.retry_after or settings.max_retry_after_seconds
    host = httpx.URL(settings.google_sheets_base_url).host
    pause_host(session, host, utcnow() + timedelta(seconds=seconds), failure.code)


def _log(ctx: _Context, outcome: RunOutcome) -> None:
    c = outcome.counts
    recognized = len(outcome.applied.recognized) if outcome.applied else 0
    log.info(
        "sync run run_id=%s customer_id=%s sheet_id=%s status=%s error=%s "
        "rows=%d leads=%d inserted=%d updated=%d unchanged=%d missing=%d "
        "skipped=%d warnings=%d recognized=%d duration=%.2fs",
        ctx.run_id,
        ctx.customer_id,
        ctx.sheet_id,
        outcome.status,
        outcome.error_code or "-",
        c.get("rows_read", 0),
        c.get("leads", 0),
        c.get("inserted", 0),
        c.get("updated", 0),
        c.get("unchanged", 0),
        c.get("missing", 0),
        c.get("skipped", 0),
        c.get("warnings", 0),
        recognized,
        time.monotonic() - ctx.started,
    )

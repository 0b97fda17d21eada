"""The background worker: schedule, manual queue, leases and shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadSyncState, SyncRun
from leadsync.sync.queue import request_sync
from leadsync.sync.worker import Worker
from tests.helpers import make_customer, register, serve, stored

ROW = "Person {n},p{n}@example.com,+44770090{n:04d}\r\n"
HEADER = "Name,Email,Phone\r\n"


def _sheet(rows: int, start: int = 0) -> bytes:
    return (HEADER + "".join(ROW.format(n=n) for n in range(start, rows))).encode()


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def running_worker(
    sessions: sessionmaker[Session], settings: Settings
) -> Iterator[Worker]:
    worker = Worker(
        sessions, replace(settings, leads_sync_interval_seconds=2), poll_seconds=0.2
    )
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_worker_syncs_new_sheets_and_later_rows_by_itself(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    running_worker: Worker,
) -> None:
    customer = make_customer(sessions, region="GB")
    register(sessions, fake_google, customer, "auto", _sheet(3))

    wait_for(lambda: len(stored(sessions)) == 3)
    serve(fake_google, "auto", _sheet(4))

    wait_for(lambda: len(stored(sessions)) == 4)
    with sessions() as session:
        runs = list(session.scalars(select(SyncRun)))
    assert {r.trigger for r in runs} == {"scheduled"}
    assert all(r.status in ("ok", "unchanged") for r in runs)


def test_manual_request_runs_at_once_and_is_marked_manual(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions, region="GB")
    sheet = register(sessions, fake_google, customer, "manual", _sheet(2))
    worker = Worker(sessions, settings, poll_seconds=0.2)
    with sessions.begin() as session:
        state = session.get_one(LeadSyncState, sheet)
        state.next_run_at = None  # not due by schedule
    with sessions.begin() as session:
        assert request_sync(session, sheet, customer).status == "queued"
    with sessions.begin() as session:  # a second request is the same request
        assert request_sync(session, sheet, customer).status == "queued"

    futures = worker.tick()
    outcomes = [f.result(timeout=20) for f in futures]
    worker.stop()
    worker._drain()

    assert [o.status for o in outcomes] == ["ok"]
    with sessions() as session:
        runs = list(session.scalars(select(SyncRun)))
        state = session.get_one(LeadSyncState, sheet)
    assert [r.trigger for r in runs] == ["manual"]
    assert state.requested_at is None and state.status == "ok"


def test_disabled_and_deleted_sheets_are_not_synced_by_schedule(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    from leadsync.store.sheets import delete_sheet, get_sheet, update_sheet

    customer = make_customer(sessions)
    off = register(sessions, fake_google, customer, "off", _sheet(1))
    gone = register(sessions, fake_google, customer, "gone", _sheet(1))
    with sessions.begin() as session:
        update_sheet(session, get_sheet(session, off), {"enabled": False})
        delete_sheet(session, get_sheet(session, gone))
    worker = Worker(sessions, settings)

    assert worker.tick() == []
    worker.stop()
    worker._drain()
    assert fake_google.hits(_sid("off")) == fake_google.hits(_sid("gone")) == 0


def _sid(name: str) -> str:
    from tests.conftest import spreadsheet_id

    return spreadsheet_id(name)


def test_worker_command_refuses_when_the_flag_is_off(tmp_path: object) -> None:
    env = {**os.environ, "ENABLE_LEADS_SYNC": "false"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/w.db"
    done = subprocess.run(
        [sys.executable, "-m", "leadsync", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "ENABLE_LEADS_SYNC=true" in done.stderr


def _worker_process(db_url: str, fake: FakeGoogle, **env: str) -> subprocess.Popen[str]:
    full = {
        **os.environ,
        "ENABLE_LEADS_SYNC": "true",
        "DATABASE_URL": db_url,
        "GOOGLE_SHEETS_BASE_URL": fake.base_url,
        "LEADS_SYNC_INTERVAL_SECONDS": "600",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "leadsync", "worker"],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _runs(sessions: sessionmaker[Session]) -> list[SyncRun]:
    with sessions() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


@pytest.mark.slow
def test_sigterm_finishes_the_current_run_and_exits_cleanly(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, db_url: str
) -> None:
    customer = make_customer(sessions, region="GB")
    register(sessions, fake_google, customer, "slow", _sheet(2), mode="slow")
    proc = _worker_process(db_url, fake_google)
    wait_for(lambda: any(r.status == "running" for r in _runs(sessions)))

    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 0, err
    runs = _runs(sessions)
    assert runs and all(r.status != "running" for r in runs)
    with sessions() as session:
        states = list(session.scalars(select(LeadSyncState)))
    assert all(s.lease_owner is None for s in states)


@pytest.mark.slow
def test_killed_worker_loses_its_lease_and_another_completes_the_sheet(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, db_url: str
) -> None:
    customer = make_customer(sessions, region="GB")
    register(sessions, fake_google, customer, "killed", _sheet(2), mode="slow")
    first = _worker_process(db_url, fake_google, LEADSYNC_LEASE_SECONDS="3")
    wait_for(lambda: any(r.status == "running" for r in _runs(sessions)))
    first.kill()
    first.communicate(timeout=30)
    serve(fake_google, "killed", _sheet(2))  # answers at once from now on

    second = _worker_process(db_url, fake_google, LEADSYNC_LEASE_SECONDS="3")
    try:
        wait_for(lambda: len(stored(sessions)) == 2, timeout=40)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=60)
    runs = _runs(sessions)
    assert [(r.status, r.error_code) for r in runs] == [
        ("failed", "worker_lost"),
        ("ok", None),
    ]


@pytest.mark.slow
def test_two_workers_on_postgres_sync_each_sheet_exactly_once(
    pg_sessions: sessionmaker[Session], pg_database: str
) -> None:
    # Scale-out is a PostgreSQL feature: SQLite has one writer on one machine.
    sessions, db_url = pg_sessions, pg_database
    customer = make_customer(sessions, region="GB")
    with FakeGoogle(latency=0.2) as fake:
        for n in range(40):
            register(sessions, fake, customer, f"fleet{n}", _sheet(n + 1, n), mode="ok")
        workers = [
            _worker_process(db_url, fake, LEADSYNC_SYNC_CONCURRENCY="4")
            for _ in range(2)
        ]
        try:
            wait_for(lambda: len(stored(sessions)) == 40, timeout=60)
            time.sleep(1.0)  # a doubled fetch would show up now
        finally:
            for proc in workers:
                proc.send_signal(signal.SIGTERM)
            for proc in workers:
                proc.communicate(timeout=60)
        hits = [fake.hits(_sid(f"fleet{n}")) for n in range(40)]
    assert hits == [1] * 40
    owners = {r.worker.rsplit(":", 1)[0] for r in _runs(sessions) if r.worker}
    assert len(owners) == 2  # both processes took a share


def test_a_long_retry_after_pauses_the_whole_fleet_for_that_host(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    from leadsync.store.models import FetchPause

    customer = make_customer(sessions, region="GB")
    throttled = register(sessions, fake_google, customer, "hot", _sheet(1))
    serve(fake_google, "hot", _sheet(1), mode="throttled", retry_after="120")
    register(sessions, fake_google, customer, "calm", _sheet(2, 1))
    worker = Worker(sessions, replace(settings, sync_concurrency=1))

    first = [f.result(timeout=20) for f in worker.tick()]
    later = worker.tick()
    worker.stop()
    worker._drain()

    assert [(o.sheet_id, o.error_code) for o in first] == [(throttled, "rate_limited")]
    assert later == []  # the other sheet is due but the host is paused
    assert fake_google.hits(_sid("calm")) == 0
    with sessions() as session:
        (pause,) = session.query(FetchPause).all()
        state = session.get_one(LeadSyncState, throttled)
    assert pause.host == "127.0.0.1" and pause.reason == "rate_limited"
    assert state.next_run_at is not None
    waited = (pause.until - state.last_sync_at).total_seconds()  # type: ignore[operator]
    assert 110 < waited < 130
    assert (state.next_run_at - state.last_sync_at).total_seconds() >= 119  # type: ignore[operator]


def test_every_finished_run_records_its_duration(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    from leadsync.sync.run import sync_sheet

    customer = make_customer(sessions, region="GB")
    sheet = register(sessions, fake_google, customer, "timed", _sheet(2))
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "timed", _sheet(2), mode="deleted")
    sync_sheet(sessions, sheet, settings)

    runs = _runs(sessions)
    assert [r.status for r in runs] == ["ok", "failed"]
    for run in runs:
        assert run.finished_at is not None and run.duration_ms is not None
        elapsed = (run.finished_at - run.started_at).total_seconds() * 1000
        assert abs(run.duration_ms - elapsed) <= 1

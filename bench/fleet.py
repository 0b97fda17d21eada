"""Many small sheets behind 200 ms of latency: sheets synced per minute.

    .venv/bin/python bench/fleet.py --sheets 600

Each case gets a fresh PostgreSQL database with one customer and N small sheets,
all due at once, served by the local fake Google with ``latency`` seconds added to
every answer (an export is two answers: the redirect and the CSV). Cases:
- one process: ``leadsync.sync.worker.Worker`` in this process;
- one and two ``leadsync worker`` processes (the command, as deployed).
A case ends when every sheet has a successful run (or after --timeout seconds).
Two rates per case: from the start (the processes' start included) and while
running (from the end of the first tenth of the runs to the last one).
Everything stays on 127.0.0.1; databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace

import psycopg
from sqlalchemy import func, select

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.customers import create_customer
from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.models import LeadSyncState, SyncRun
from leadsync.store.sheets import add_sheet
from leadsync.sync.worker import Worker

PG_ADMIN = os.environ.get(
    "LEADSYNC_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"
)
BODY = (
    "full_name,email,phone_number,created_time,platform\r\n"
    + "".join(
        f"Lead {i},lead{i}@example.com,+1415555{i:04d},2024-01-0{1 + i % 9},fb\r\n"
        for i in range(10)
    )
).encode()


def main() -> None:
    args = _parse()
    with FakeGoogle(latency=args.latency) as fake:
        for n in range(args.sheets):
            fake.put(_spreadsheet(n), "0", BODY)
        rates = {
            "Worker in this process": _case(args, fake, _in_process),
            "1 x leadsync worker": _case(args, fake, _processes(1)),
            "2 x leadsync worker": _case(args, fake, _processes(2)),
        }
    print(f"\n{args.sheets} sheets, {args.latency * 1000:.0f} ms latency per answer")
    print("| workers | sheets/min, from the start | sheets/min, running |")
    print("|---|---:|---:|")
    for name, (overall, running) in rates.items():
        print(f"| {name} | {overall:,.0f} | {running:,.0f} |")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=600)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=300)
    return parser.parse_args()


def _spreadsheet(n: int) -> str:
    return f"fleet{n:05d}".ljust(44, "x")


def _case(
    args: argparse.Namespace, fake: FakeGoogle, run: object
) -> tuple[float, float]:
    """Sheets per minute from the start (a process's start included), and while
    running: between the first tenth of the runs to finish and the last one."""
    name = f"leadsync_fleet_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        _register(sessions, args.sheets)
        settings = replace(
            Settings.from_env({}),
            database_url=url,
            google_sheets_base_url=fake.base_url,
            enable_leads_sync=True,
        )
        started = time.monotonic()
        stop = run(settings)  # type: ignore[operator]
        done = _wait(sessions, args.sheets, started + args.timeout)
        elapsed = time.monotonic() - started
        stop()
        running = _running_rate(sessions)
        engine.dispose()
        print(f"{done}/{args.sheets} sheets in {elapsed:.1f} s", file=sys.stderr)
        return done / elapsed * 60, running
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _register(sessions: object, count: int) -> None:
    with sessions.begin() as session:  # type: ignore[attr-defined]
        customer = create_customer(session, "Fleet")
        for n in range(count):
            link = (
                f"https://docs.google.com/spreadsheets/d/{_spreadsheet(n)}/edit#gid=0"
            )
            add_sheet(session, customer.id, url=link, label=f"sheet {n}")


def _wait(sessions: object, count: int, deadline: float) -> int:
    query = select(func.count()).where(LeadSyncState.last_success_at.is_not(None))
    done = 0
    while time.monotonic() < deadline:
        with sessions() as session:  # type: ignore[operator]
            done = session.scalar(query) or 0
        if done >= count:
            break
        time.sleep(0.2)
    return done


def _running_rate(sessions: object) -> float:
    """Runs per minute once started: a worker's start (an interpreter, imports,
    the first connections) happens once, not every 10 minutes."""
    query = select(SyncRun.finished_at).where(SyncRun.status == "ok")
    with sessions() as session:  # type: ignore[operator]
        ends = sorted(session.scalars(query))
    first = len(ends) // 10
    if len(ends) - first < 2:
        return 0.0
    seconds = (ends[-1] - ends[first]).total_seconds()
    return (len(ends) - 1 - first) / seconds * 60 if seconds else 0.0


def _in_process(settings: Settings) -> object:
    worker = Worker(make_sessionmaker(make_engine(settings.database_url)), settings)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop()
        thread.join(timeout=60)

    return stop


def _processes(count: int) -> object:
    def start(settings: Settings) -> object:
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "ENABLE_LEADS_SYNC": "true",
            "GOOGLE_SHEETS_BASE_URL": settings.google_sheets_base_url,
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "leadsync", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]

        def stop() -> None:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)

        return stop

    return start


if __name__ == "__main__":
    main()

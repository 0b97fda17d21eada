"""One measured child of bench/sync_big.py: leadsync's syncs, or the reference.

    _sync_child.py leadsync|reference DATABASE_URL FAKE_BASE_URL SPREADSHEET_ID

Prints one JSON object of seconds and the peak RSS (MB) of this process.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace

import httpx
import phonenumbers
from sqlalchemy import text

from leadsync.config import Settings
from leadsync.store.customers import create_customer
from leadsync.store.db import checkpointer, make_engine, make_sessionmaker, upgrade
from leadsync.store.sheets import add_sheet
from leadsync.sync.run import sync_sheet

BATCH = 5000
E164 = phonenumbers.PhoneNumberFormat.E164


def leadsync_syncs(url: str, base_url: str, spreadsheet_id: str) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    settings = replace(
        Settings.from_env({}), database_url=url, google_sheets_base_url=base_url
    )
    link = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit#gid=0"
    with sessions.begin() as session:
        customer = create_customer(session, "Bench", timezone="America/New_York")
        sheet = add_sheet(session, customer.id, url=link, label="big").id
    times: dict[str, float] = {}
    # gid 1: 100 rows appended; gid 2: those, and a trailing space in every row.
    steps = (("first", "0"), ("same_bytes", "0"), ("appended", "1"), ("same_rows", "2"))
    for name, gid in steps:
        with sessions.begin() as session:
            session.execute(text("UPDATE sheets SET gid = :gid"), {"gid": gid})
        _reset_peak_rss()
        started = time.perf_counter()
        outcome = sync_sheet(sessions, sheet, settings)
        times[name] = time.perf_counter() - started
        times[f"{name}_rss_mb"] = peak_rss_mb()
        # SQLite leaves a big commit's WAL checkpoint to a thread (store/db.py):
        # how long it ran on after the sync returned, before the next step.
        returned = time.perf_counter()
        background = checkpointer(engine)
        if background is not None:
            background.wait()
        times[f"{name}_checkpoint_after"] = time.perf_counter() - returned
        assert outcome.status in ("ok", "unchanged"), outcome.error_code
        new = 100 if name == "appended" else 0
        assert name == "first" or outcome.counts["inserted"] == new
    return times


def _reset_peak_rss() -> None:
    """Start this process's VmHWM again from its current RSS (Linux 4.0+)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def reference(url: str, base_url: str, spreadsheet_id: str) -> dict[str, float]:
    """Download, csv.reader, phonenumbers.parse, executemany into a plain table."""
    export = f"{base_url}/spreadsheets/d/{spreadsheet_id}/export?format=csv&gid=0"
    started = time.perf_counter()
    with tempfile.TemporaryFile() as body:
        with httpx.stream("GET", export, follow_redirects=True, timeout=120) as answer:
            for chunk in answer.iter_bytes():
                body.write(chunk)
        body.seek(0)
        rows = csv.reader(io.TextIOWrapper(body, encoding="utf-8", newline=""))
        _insert_all(url, _parsed(rows))
    return {"total": time.perf_counter() - started}


def _parsed(rows: csv._reader) -> object:
    header = next(rows)
    phone_at = header.index("phone_number")
    for row in rows:
        if len(row) <= phone_at:
            continue
        phone = row[phone_at].removeprefix("p:")
        try:
            number = phonenumbers.parse(phone, "US")
            e164 = phonenumbers.format_number(number, E164)
        except phonenumbers.NumberParseException:
            e164 = None
        yield row[0], row[14], row[15], e164, row[1], json.dumps(row)


def _insert_all(url: str, rows: object) -> None:
    engine = make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE plain (id SERIAL PRIMARY KEY, lead_key TEXT UNIQUE, "
            "name TEXT, email TEXT, phone TEXT, created TEXT, data TEXT)"
            if postgres
            else "CREATE TABLE plain (id INTEGER PRIMARY KEY, lead_key TEXT UNIQUE, "
            "name TEXT, email TEXT, phone TEXT, created TEXT, data TEXT)"
        )
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        sql = (
            "INSERT INTO plain (lead_key, name, email, phone, created, data) "
            f"VALUES ({', '.join([mark] * 6)}) ON CONFLICT (lead_key) DO NOTHING"
        )
        batch: list[object] = []
        for row in rows:  # type: ignore[attr-defined]
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        cursor.executemany(sql, batch)
    engine.dispose()


def peak_rss_mb(pid: int | None = None, field: str = "VmHWM") -> float:
    """A program's peak RSS (this one's by default), or with ``field`` "VmRSS"
    its RSS now. Linux keeps getrusage's ru_maxrss across exec, so a child forked
    from a big parent would report the parent's peak; VmHWM belongs to the
    program's own memory."""
    try:
        with open(f"/proc/{pid or 'self'}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid is not None:
        return 0.0  # gone already
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    kind, url, base_url, spreadsheet_id = sys.argv[1:5]
    run = leadsync_syncs if kind == "leadsync" else reference
    result = run(url, base_url, spreadsheet_id)
    # The peak of the whole program (each sync's own is <sync>_rss_mb).
    syncs = [
        v for k, v in result.items() if k.endswith("_rss_mb") and "helper" not in k
    ]
    result["rss_mb"] = max([peak_rss_mb(), *syncs])
    print(json.dumps(result))

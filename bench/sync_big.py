"""First sync and re-syncs of a big Meta-format sheet, beside a plain reference.

    .venv/bin/python bench/sync_big.py --rows 100000 500000 --db sqlite postgres

Per case (rows x database), in child processes so that each peak RSS is its own:
- leadsync: first sync; re-sync of the same bytes (skipped by content hash); re-sync
  after 100 new rows were appended (the old rows recognized by their digest, not
  read); re-sync of the same rows in other bytes (a trailing space in every row:
  no digest matches, every row read and compared, nothing but digests written);
  a big SQLite sync leaves its WAL checkpoint to a background thread (store/db.py):
  "checkpoint after" is how long that ran on once the first sync had returned (not
  in the first sync's time; the next step waits for it);
- reference: httpx download, csv.reader, phonenumbers.parse of every phone,
  executemany into a plain table; the least a sync has to do.
The sheet is served by the local fake Google (loopback only) from this process.
PostgreSQL cases use a database of their own, dropped at the end. Times are wall
clock; on a shared machine run with --repeat 3 (the best of each is reported).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from _sync_child import peak_rss_mb  # bench/ is the script's folder

from leadsync.sheets.fake import FakeGoogle

ROOT = Path(__file__).resolve().parents[1]
MAKE_SHEET = ROOT / "tests" / "data" / "fixtures" / "make_big_sheet.py"
PG_ADMIN = os.environ.get(
    "LEADSYNC_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"
)
SHEET_ID = "bench" + "x" * 39
CHILD = Path(__file__).with_name("_sync_child.py")


def main() -> None:
    args = _parse()
    results = []
    with FakeGoogle() as fake, tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            body = _sheet(rows)
            fake.put(SHEET_ID, "0", body)
            fake.put(SHEET_ID, "1", body + _new_rows(body, 100))
            # The same rows in other bytes: a trailing space the reader trims.
            spaced = body.replace(b",CREATED\r", b",CREATED \r")
            fake.put(SHEET_ID, "2", spaced + _new_rows(body, 100))
            del body, spaced
            for db in args.db:
                results.append(_case(rows, db, fake.base_url, tmp, args.repeat))
                print(_line(results[-1]), file=sys.stderr)
    print(_table(results))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 500_000])
    databases = ["sqlite", "postgres"]
    parser.add_argument("--db", nargs="+", choices=databases, default=databases)
    parser.add_argument("--repeat", type=int, default=1)
    return parser.parse_args()


def _new_rows(body: bytes, count: int) -> bytes:
    """``count`` leads that are not in the sheet yet: other ids and emails."""
    lines = body.split(b"\r\n")[1 : count + 1]
    return b"".join(
        line.replace(b"l:11", b"l:99").replace(b"@example", b"@new.example") + b"\r\n"
        for line in lines
    )


def _sheet(rows: int) -> bytes:
    made = subprocess.run(
        [sys.executable, str(MAKE_SHEET), "--rows", str(rows), "--seed", "1"],
        capture_output=True,
        check=True,
    )
    return made.stdout


def _case(rows: int, db: str, base_url: str, tmp: str, repeat: int) -> dict[str, Any]:
    best: dict[str, Any] = {}
    for _ in range(repeat):
        for kind in ("leadsync", "reference"):
            with _database(db, tmp) as url:
                got = _child(kind, url, base_url)
            for name, value in got.items():
                key = f"{kind}_{name}"
                best[key] = min(best.get(key, value), value)
    return {"rows": rows, "db": db, **best}


class _database:
    """A fresh database for one child: a SQLite file, or a PostgreSQL database."""

    def __init__(self, db: str, tmp: str) -> None:
        self.db, self.tmp = db, tmp
        self.name = f"leadsync_bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.db == "sqlite":
            return f"sqlite:///{self.tmp}/{self.name}.db"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def __exit__(self, *exc: object) -> None:
        if self.db == "sqlite":
            for path in Path(self.tmp).glob(f"{self.name}.db*"):
                path.unlink()
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _child(kind: str, url: str, base_url: str) -> dict[str, float]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), kind, url, base_url, SHEET_ID],
        stdout=subprocess.PIPE,
    )
    # Watched from here, not from inside the child: a thread there walking /proc
    # took the measured process's GIL (about 0.5 s of a 100k-row first sync).
    # Both kinds are watched, so both share the machine with the same watcher.
    watcher = _HelperMemory(child.pid)
    out, _ = child.communicate(timeout=1800)
    helper_peak = watcher.stop()
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    result: dict[str, float] = json.loads(out)
    if kind == "leadsync":
        result["helper_rss_mb"] = helper_peak
        result["together_rss_mb"] = watcher.together
    return result


class _HelperMemory(threading.Thread):
    """The largest peak RSS (VmHWM) of the descendants of ``pid`` while it runs,
    and the largest RSS of ``pid`` and its descendants together (``together``,
    sampled every 20 ms: what the machine must hold at once).

    A read helper is the syncing process's child and lives as long as its read;
    getrusage(RUSAGE_CHILDREN) would not do: Linux carries a vfork parent's peak
    into the child. VmHWM only grows, so the last reading before a helper ends
    is its peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.together = pid, 0.0, 0.0
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        known: set[int] = set()
        tick = 0
        while not self.done.wait(0.02):
            tick += 1
            if tick % 5 == 0:  # a walk of /proc costs about 2 ms
                known = _descendants(self.pid)
            now = peak_rss_mb(self.pid, "VmRSS")
            for pid in known:
                self.peak = max(self.peak, peak_rss_mb(pid))
                now += peak_rss_mb(pid, "VmRSS")
            self.together = max(self.together, now)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    mine = {root}
    while grown := {p for p, parent in parents.items() if parent in mine} - mine:
        mine |= grown
    return mine - {root}


def _line(r: dict[str, Any]) -> str:
    return f"{r['rows']:>7} {r['db']:<8} " + " ".join(
        f"{k}={v:.2f}" for k, v in r.items() if isinstance(v, float)
    )


def _checkpoint(r: dict[str, Any]) -> str:
    """The first sync's WAL checkpoint, which ran on after it had returned."""
    if r["db"] != "sqlite":
        return "–"
    return f"{r['leadsync_first_checkpoint_after']:.2f} s"


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| rows | database | reference | first sync | ratio "
        "| checkpoint after (SQLite) | same bytes "
        "| 100 rows appended | same rows, new bytes "
        "| peak RSS (sync + helper, both at once / reference) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        first = r["leadsync_first"]
        lines.append(
            f"| {r['rows']:,} | {r['db']} | {r['reference_total']:.1f} s "
            f"| {first:.1f} s | {first / r['reference_total']:.2f}x "
            f"| {_checkpoint(r)} "
            f"| {r['leadsync_same_bytes']:.2f} s "
            f"({r['leadsync_same_bytes'] / first:.0%}) "
            f"| {r['leadsync_appended']:.2f} s ({r['leadsync_appended'] / first:.0%}) "
            f"| {r['leadsync_same_rows']:.1f} s "
            f"| {r['leadsync_rss_mb']:.0f} + {r['leadsync_helper_rss_mb']:.0f}, "
            f"{r['leadsync_together_rss_mb']:.0f} / {r['reference_rss_mb']:.0f} MB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n(bench ran {time.monotonic() - started:.0f} s)", file=sys.stderr)

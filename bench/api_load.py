"""GET /api/leads latency at 1,000,000 leads across 1,000 customers (PostgreSQL).

    .venv/bin/python bench/api_load.py --leads 1000000 --requests 2000

Fills a fresh PostgreSQL database in bulk (INSERT ... SELECT generate_series, so
the rows never pass through Python), starts ``leadsync serve`` on 127.0.0.1 with
the worker off, and sends a bounded number of requests from a small load
generator of its own (threads of httpx clients): pages of one sheet followed by
cursor, then text searches. Prints p50/p95 per kind. The database is dropped at
the end.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg

from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.keys import create_key

PG_ADMIN = os.environ.get(
    "LEADSYNC_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"
)
CUSTOMERS = 1000
SHEETS_PER_CUSTOMER = 2


def main() -> None:
    args = _parse()
    name = f"leadsync_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    if args.trigram:
        os.environ["LEADSYNC_TRIGRAM_INDEXES"] = "true"  # read by migration 0004
    try:
        token = _fill(url, args.leads)
        _plans(url)
        with _server(url) as base:
            _report(base, token, args)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--trigram", action="store_true", help="LEADSYNC_TRIGRAM_INDEXES=true"
    )
    return parser.parse_args()


def _fill(url: str, leads: int) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        _, token = create_key(session, "admin")
    engine.dispose()
    started = time.monotonic()
    sheets = CUSTOMERS * SHEETS_PER_CUSTOMER
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (name, region, locale, timezone, created_at,"
            " updated_at) SELECT 'Customer ' || c, 'US', 'en_US', 'UTC', now(), now()"
            " FROM generate_series(1, %s) c",
            [CUSTOMERS],
        )
        conn.execute(
            "INSERT INTO sheets (customer_id, label, url, spreadsheet_id, gid, enabled,"
            " column_map, fill_down, is_legacy, created_at, updated_at)"
            " SELECT 1 + (s - 1) / %s, 'Sheet ' || s, 'https://docs.google.com/x',"
            " 'sheet' || s, '0', true, '{}', '[]', false, now(), now()"
            " FROM generate_series(1, %s) s",
            [SHEETS_PER_CUSTOMER, sheets],
        )
        params = {"sheets": sheets, "per": SHEETS_PER_CUSTOMER, "leads": leads}
        conn.execute(_LEADS_SQL, params)
        conn.execute("VACUUM ANALYZE leads")
    print(
        f"{leads:,} leads inserted in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return token


# Lead i belongs to sheet 1 + i % sheets; names and emails vary enough to search.
_LEADS_SQL = """
INSERT INTO leads (customer_id, sheet_id, lead_key, key_kind, person_key, name,
  email, phone, created_at, created_at_text, created_at_date_only, channel, campaign,
  secondary_emails, extra, raw, warnings, row_hash, row_number, first_seen_at,
  last_seen_at, status, updated_at)
SELECT 1 + (i %% %(sheets)s) / %(per)s, 1 + i %% %(sheets)s, 'lead' || i || '@x.com',
  'email', 'lead' || i || '@x.com', 'Person ' || md5(i::text), 'lead' || i || '@x.com',
  '+1415' || lpad((i %% 10000000)::text, 7, '0'), now() - i * interval '1 minute',
  to_char(now() - i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS'), false, 'fb',
  'Spring', '[]', '{"plan": "gold", "zip": "02134"}', '{}', '[]', md5(i::text), i,
  now(), now(), 'new', now()
FROM generate_series(1, %(leads)s) i
"""


# The statements store/leads.py ``page`` sends, timed inside PostgreSQL (no HTTP,
# no queueing): what the indexes make of them, whatever else the machine does.
_PLANS = {
    "sheet filter + cursor": "customer_id = 7 AND sheet_id = 13 AND id < 500000",
    "customer filter + q": "customer_id = 7 AND (name ILIKE '%ab%' OR "
    "email ILIKE '%ab%' OR phone ILIKE '%ab%')",
    "all customers + q": "(name ILIKE '%lead4242@%' OR email ILIKE '%lead4242@%' "
    "OR phone ILIKE '%lead4242@%')",
}


def _plans(url: str) -> None:
    print("| statement (EXPLAIN ANALYZE) | execution |\n|---|---:|")
    with psycopg.connect(url) as conn:
        for label, where in _PLANS.items():
            sql = f"SELECT * FROM leads WHERE {where} ORDER BY id DESC LIMIT 51"
            plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()
            assert plan is not None
            print(f"| {label} | {plan[0][0]['Execution Time']:.2f} ms |")
    print()


class _server:
    """``leadsync serve`` on a free loopback port, worker off."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": self.url, "ENABLE_LEADS_SYNC": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "leadsync", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                return base
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("leadsync serve did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _report(base: str, token: str, args: argparse.Namespace) -> None:
    kinds: dict[str, Callable[[httpx.Client, random.Random], list[float]]] = {
        "sheet filter, pages by cursor": _sheet_pages,
        "customer filter + q (name)": _customer_search,
        "all customers + q (email), admin": _global_search,
    }
    print("| request | concurrent | n | p50 | p95 |")
    print("|---|---:|---:|---:|---:|")
    for label, kind in kinds.items():
        for concurrency in args.concurrency:
            count = args.requests if kind is _sheet_pages else args.requests // 10
            times = _load(base, token, kind, count, concurrency)
            p50, p95 = statistics.median(times), _p95(times)
            print(
                f"| {label} | {concurrency} | {len(times)} "
                f"| {p50:.1f} ms | {p95:.1f} ms |"
            )


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[94]


def _load(
    base: str,
    token: str,
    kind: Callable[[httpx.Client, random.Random], list[float]],
    count: int,
    concurrency: int,
) -> list[float]:
    def one(seed: int) -> list[float]:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            return kind(client, random.Random(seed))

    with ThreadPoolExecutor(concurrency) as pool:
        rounds = list(pool.map(one, range(max(1, count // 3))))
    return [t for r in rounds for t in r]


def _timed(client: httpx.Client, params: dict[str, object]) -> tuple[float, dict]:  # type: ignore[type-arg]
    started = time.perf_counter()
    answer = client.get("/api/leads", params=params)
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return elapsed, answer.json()


def _sheet_pages(client: httpx.Client, rng: random.Random) -> list[float]:
    sheet = rng.randint(1, CUSTOMERS * SHEETS_PER_CUSTOMER)
    customer = 1 + (sheet - 1) // SHEETS_PER_CUSTOMER
    params: dict[str, object] = {"customer_id": customer, "sheet_id": sheet}
    times = []
    for _ in range(3):
        elapsed, page = _timed(client, params)
        times.append(elapsed)
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    return times


def _customer_search(client: httpx.Client, rng: random.Random) -> list[float]:
    params = {
        "customer_id": rng.randint(1, CUSTOMERS),
        "q": f"{rng.randint(0, 99):02x}",
    }
    return [_timed(client, params)[0] for _ in range(3)]


def _global_search(client: httpx.Client, rng: random.Random) -> list[float]:
    params = {"q": f"lead{rng.randint(1, 999_999)}@"}  # one lead in the whole table
    return [_timed(client, params)[0] for _ in range(3)]


if __name__ == "__main__":
    main()

"""Engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: every process that migrates one PostgreSQL takes the same lock.
MIGRATION_LOCK_ID = 7_402_113

# A pooled SQLite connection's info: the stage files attached to it
# (store/bulk.py insert_staged), detached when it goes back to the pool.
ATTACHED = "leadsync_attached"


def normalize_url(url: str) -> str:
    """Accept the URLs people write; use psycopg 3 for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # The API and the worker share one writer: wait for the lock, don't fail.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # We emit BEGIN ourselves (below) instead of letting sqlite3 do it lazily.
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "reset")
    def _detach_stages(dbapi_conn: Any, record: Any, _state: Any) -> None:
        # Stage files a sync attached (store/bulk.py insert_staged) leave with
        # the transaction; DETACH is refused inside one.
        names = record.info.pop(ATTACHED, None)
        if names:
            if dbapi_conn.in_transaction:
                dbapi_conn.execute("ROLLBACK")
            for name in names:
                dbapi_conn.execute(f"DETACH DATABASE {name}")

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY when another connection wrote in between (the busy timeout
        # does not apply to that upgrade). Taking the write lock at BEGIN makes
        # writers queue on the busy timeout instead; WAL readers are not blocked.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Migrate to the newest schema; safe when many processes start at once."""
    with _migration_lock(engine):
        command.upgrade(_alembic_config(engine), "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_ID})
            try:
                yield
            finally:
                conn.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_ID}
                )
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

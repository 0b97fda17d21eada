"""Engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: every process that migrates one PostgreSQL takes the same lock.
MIGRATION_LOCK_ID = 7_402_113

# A pooled SQLite connection's info: the stage files attached to it
# (store/bulk.py insert_staged), detached when it goes back to the pool.
ATTACHED = "leadsync_attached"
# ... and, while its autocheckpoint is off until it goes back (the WAL checkpoint of
# its commits left to the background, ``Checkpointer``), its sqlite3
# ``total_changes`` then, or -1: it wrote.
CHECKPOINT_LATER = "leadsync_checkpoint_later"
# SQLite's own default: a commit checkpoints once the WAL holds this many pages.
_AUTOCHECKPOINT_PAGES = 1000


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
    engine = create_engine(url, **kwargs)
    checkpointer = None
    if (path := _file_path(engine)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        checkpointer = _CHECKPOINTERS.setdefault(str(path), Checkpointer(str(path)))

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
    def _after_transaction(dbapi_conn: Any, record: Any, _state: Any) -> None:
        # Stage files a sync attached (store/bulk.py insert_staged) leave with
        # the transaction; DETACH is refused inside one.
        names = record.info.pop(ATTACHED, None)
        if names:
            if dbapi_conn.in_transaction:
                dbapi_conn.execute("ROLLBACK")
            for name in names:
                dbapi_conn.execute(f"DETACH DATABASE {name}")
        changes = record.info.pop(CHECKPOINT_LATER, None)
        if changes is not None:
            dbapi_conn.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT_PAGES}")
            # A held connection's writes need the thread's copy as much: a WAL
            # not wholly copied cannot start again from its beginning, and would
            # grow by every big sync that follows.
            wrote = changes != dbapi_conn.total_changes
            if checkpointer is not None and wrote:
                checkpointer.request()

    @event.listens_for(engine, "checkout")
    def _hold_checkpoint(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # Until the background checkpoint has run, this process's next commits
        # (the sync's own lease release first) must not copy the WAL themselves.
        if checkpointer is not None and checkpointer.busy:
            dbapi_conn.execute("PRAGMA wal_autocheckpoint = 0")
            record.info[CHECKPOINT_LATER] = dbapi_conn.total_changes

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY when another connection wrote in between (the busy timeout
        # does not apply to that upgrade). Taking the write lock at BEGIN makes
        # writers queue on the busy timeout instead; WAL readers are not blocked.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Checkpointer:
    """SQLite's WAL checkpoint of one database, in a thread of its own.

    A commit normally copies the WAL's pages into the database file itself once
    the WAL has grown past 1,000 pages. After a big write (a first sync of 100k
    leads leaves about 100 MB of WAL) that copy takes 0.2-0.8 s, and the syncing
    worker would wait for it although the leads are committed and readable from
    the WAL. Such a transaction turns its connection's autocheckpoint off
    (store/bulk.py ``LeadWriter.wrote_many``), and this thread checkpoints after
    it: PASSIVE, so it waits for no reader and no writer, and what it cannot copy
    yet the next commit's own autocheckpoint copies. Connections this process
    takes from its pool meanwhile have their autocheckpoint off too, or the sync's
    next small commit would do the copy before this thread could.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = 0  # checkpoints run, for tests and logs
        self._lock = threading.Lock()
        self._wanted = False
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Checkpoint soon; requests made while one runs lead to one more.

        Not a daemon thread: a process that ends (``leadsync sync``) finishes the
        copy first, so that closing its last connection removes the WAL."""
        with self._lock:
            self._wanted = True
            if self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name="sqlite-checkpoint")
            try:
                thread.start()
            except RuntimeError as exc:  # no thread to be had: commits copy it
                log.warning("no background checkpoint of %s: %s", self.path, exc)
                return
            self._thread = thread

    @property
    def busy(self) -> bool:
        """Whether a checkpoint is wanted or running."""
        with self._lock:
            return self._thread is not None

    def wait(self, timeout: float | None = None) -> None:
        """Until no checkpoint is running or wanted."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._wanted:
                        return
                    self._wanted = False
                self._checkpoint()
        finally:
            with self._lock:
                self._thread = None

    def _checkpoint(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                _busy, pages, copied = db.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
            finally:
                db.close()
        except Exception as exc:  # the next commit checkpoints instead
            log.warning("background checkpoint of %s failed: %s", self.path, exc)
            return
        self.done += 1
        log.debug("checkpoint of %s: %s of %s WAL pages", self.path, copied, pages)


# One per database file, whichever engines of this process write to it.
_CHECKPOINTERS: dict[str, Checkpointer] = {}


def checkpointer(engine: Engine) -> Checkpointer | None:
    """The background checkpoint of a SQLite file engine, else None."""
    path = _file_path(engine)
    return _CHECKPOINTERS.get(str(path)) if path is not None else None


def _file_path(engine: Engine) -> Path | None:
    """A SQLite engine's database file; None in memory, and for URI filenames
    (``?uri=true``), whose file only SQLite itself resolves."""
    url = engine.url
    database = url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if url.query.get("uri") or database.startswith("file:"):
        return None
    return Path(database).resolve()


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

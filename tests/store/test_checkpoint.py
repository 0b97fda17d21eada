"""SQLite's background WAL checkpoint (store/db.py ``Checkpointer``) where things
go wrong: no thread to be had, a process that ends at once, URI filenames.
The sync-level behaviour is in tests/sync/test_run.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from leadsync.store import db as db_module
from leadsync.store.db import (
    CHECKPOINT_LATER,
    checkpointer,
    make_engine,
    make_sessionmaker,
    upgrade,
)


def _big_write(url: str) -> None:
    """A transaction of about 8 MB that leaves its checkpoint to the thread, as
    ``LeadWriter.wrote_many`` does."""
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
        session.execute(
            text(
                "INSERT INTO filler SELECT hex(randomblob(4000)) FROM "
                "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 1000) SELECT i FROM n)"
            )
        )
        session.execute(text("PRAGMA wal_autocheckpoint = 0"))
        session.connection().connection.info[CHECKPOINT_LATER] = -1


def test_no_thread_to_be_had_leaves_no_connection_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the thread cannot start, commits copy the WAL themselves as before:
    no connection keeps its autocheckpoint off."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    upgrade(engine)
    background = checkpointer(engine)
    assert background is not None

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    with monkeypatch.context() as patched:
        patched.setattr(threading.Thread, "start", refused)
        _big_write(url)
    assert not background.busy
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    background.wait(5)  # returns at once: nothing runs


def test_a_checkpoint_that_raises_frees_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    upgrade(engine)
    background = checkpointer(engine)
    assert background is not None

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(db_module.sqlite3, "connect", broken)
    _big_write(url)
    background.wait(30)
    assert not background.busy
    assert background.done == 0


def test_a_process_that_ends_at_once_finishes_the_copy_first(tmp_path: Path) -> None:
    """``leadsync sync`` ends right after its sync: the copy is finished, the
    last connection closes, and SQLite removes the WAL."""
    path = tmp_path / "x.db"
    script = textwrap.dedent(
        f"""
        import time
        from leadsync.store import db
        from tests.store.test_checkpoint import _big_write

        engine = db.make_engine("sqlite:///{path}")
        db.upgrade(engine)
        slow = db.Checkpointer._checkpoint

        def later(self):
            time.sleep(0.5)
            slow(self)

        db.Checkpointer._checkpoint = later
        _big_write("sqlite:///{path}")
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert not Path(f"{path}-wal").exists()
    assert path.stat().st_size > 8_000_000


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:{dir}/x.db?uri=true",
    ],
)
def test_no_checkpointer_where_there_is_no_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """SQLite alone resolves URI filenames: no checkpoint of a wrong file, and no
    folder named after the URI."""
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url.format(dir=tmp_path))
    assert checkpointer(engine) is None
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    assert not list(tmp_path.glob("file:*"))
    engine.dispose()

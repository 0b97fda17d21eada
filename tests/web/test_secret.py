"""Where the session secret comes from, and how long a session lasts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadsync.errors import InvalidInput
from leadsync.web.session import (
    SESSION_MAX_AGE,
    SessionSigner,
    load_secret,
    secret_path,
)


def test_the_environment_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    given = "s" * 40
    assert load_secret(url, {"LEADSYNC_SECRET_KEY": given}) == given.encode()
    assert not (tmp_path / "a.db.secret").exists()
    with pytest.raises(InvalidInput, match="at least 32"):
        load_secret(url, {"LEADSYNC_SECRET_KEY": "short"})


def test_sqlite_keeps_a_secret_file_next_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = load_secret(url, {})
    path = tmp_path / "a.db.secret"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(url, {}) == first
    assert len(first) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["a.db.secret"]


def test_other_databases_have_no_secret_file() -> None:
    assert secret_path("postgresql://u@127.0.0.1:5432/db") is None
    assert secret_path("sqlite:///:memory:") is None
    assert len(load_secret("postgresql://u@127.0.0.1:5432/db", {})) == 32


def test_a_session_is_bound_to_its_key_and_expires() -> None:
    signer = SessionSigner(b"k" * 32)
    value = signer.issue(7, "hash-of-key-7", now=1_000_000)
    assert signer.verify(value, "hash-of-key-7", now=1_000_100) is not None
    assert signer.verify(value, "hash-of-key-8", now=1_000_100) is None
    late = 1_000_000 + SESSION_MAX_AGE + 1
    assert signer.verify(value, "hash-of-key-7", now=late) is None
    assert (
        SessionSigner(b"o" * 32).verify(value, "hash-of-key-7", now=1_000_100) is None
    )
    assert signer.csrf_token(value, "hash-of-key-7") != signer.csrf_token(
        value, "hash-of-key-8"
    )


def test_without_a_file_every_process_shares_the_databases_secret(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    if secret_path(db_url) is not None:
        url = "postgresql://u@127.0.0.1:5432/db"  # a database without a file
    else:
        url = db_url
    first = load_secret(url, {}, sessions=sessions)
    again = load_secret(url, {}, sessions=sessions)  # another process, same database

    assert first == again and len(first) == 64
    assert load_secret(url, {"LEADSYNC_SECRET_KEY": "x" * 40}, sessions) == b"x" * 40

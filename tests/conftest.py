"""Shared fixtures: a real database (SQLite and PostgreSQL) and a fake Google."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from leadsync import native
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.models import Base

DATA = Path(__file__).parent / "data"
CASES = DATA / "cases"
FIXTURES = DATA / "fixtures"
PG_ADMIN_URL = os.environ.get(
    "LEADSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI") == "true"


def pytest_sessionstart(session: pytest.Session) -> None:
    # A compiled module is imported instead of its source (setup.py): after an
    # edit the tests would run the old code.
    stale = native.stale()
    if stale:
        pytest.exit(
            f"compiled before their last edit: {', '.join(stale)}; run make native "
            "(make test rebuilds them too)",
            returncode=2,
        )


def sheet_url(spreadsheet_id: str, gid: str = "0") -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit#gid={gid}"


def spreadsheet_id(name: str) -> str:
    """A realistic 44-character spreadsheet id derived from a short name."""
    return (name.replace(".", "_").replace("-", "_") + "x" * 44)[:44]


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of this test run's own on the machine's PostgreSQL."""
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem})")
    name = f"leadsync_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test gets an empty, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'leadsync.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("pg_database")
    yield url
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def pg_sessions(pg_database: str) -> Iterator[sessionmaker[Session]]:
    """PostgreSQL alone, for what only PostgreSQL does (scale-out)."""
    engine = make_engine(pg_database)
    yield make_sessionmaker(engine)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def settings(fake_google: FakeGoogle, db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        google_sheets_base_url=fake_google.base_url,
        fetch_timeout_seconds=10.0,
        fetch_retries=2,
        max_retry_after_seconds=2.0,
    )

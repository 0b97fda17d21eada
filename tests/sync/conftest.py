"""Fixtures of the sync tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.db import make_engine, make_sessionmaker, upgrade


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], FakeGoogle, Any]]:
    """One SQLite database and fake Google for all examples of a property."""
    url = f"sqlite:///{tmp_path / 'props.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with FakeGoogle() as fake:
        config = Settings(
            database_url=url,
            google_sheets_base_url=fake.base_url,
            fetch_timeout_seconds=10.0,
            fetch_retries=0,
        )
        yield make_sessionmaker(engine), fake, config
    engine.dispose()

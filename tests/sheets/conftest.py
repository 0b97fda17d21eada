from collections.abc import Iterator
from dataclasses import replace

import pytest

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle

# Every test talks to loopback or to a MockTransport, never to Google.
LOOPBACK_BASE = "http://127.0.0.1:9"


class Sleeps(list[float]):
    """Stands in for time.sleep and remembers every wait it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


@pytest.fixture
def settings(fake: FakeGoogle) -> Settings:
    return replace(
        Settings(),
        google_sheets_base_url=fake.base_url,
        fetch_retries=2,
        fetch_timeout_seconds=10.0,
    )

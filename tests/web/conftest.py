"""A real leadsync server in a thread over a SQLite test database and a fake Google,
and one Chromium for the whole session (Playwright driving /usr/bin/chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api import create_app
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.keys import create_key
from leadsync.web.liveserver import CHROMIUM_ARGS, CHROMIUM_PATH, LiveServer
from tests.conftest import IN_CI
from tests.helpers import make_customer

# The API tests cover both databases; the browser tests look at the UI, so one
# database (SQLite) is enough and keeps them fast.


@dataclass
class Site:
    url: str
    sessions: sessionmaker[Session]
    fake: FakeGoogle
    settings: Settings
    customer_id: int
    tokens: dict[str, str] = field(default_factory=dict)


def _make_site(tmp_path: Path, fake: FakeGoogle) -> tuple[Any, Settings, Site]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(
        database_url=url,
        google_sheets_base_url=fake.base_url,
        fetch_timeout_seconds=10.0,
        fetch_retries=0,
    )
    customer = make_customer(
        sessions, "Acme Dental", region="GB", locale="en_GB", timezone="Europe/London"
    )
    site = Site("", sessions, fake, settings, customer)
    with sessions.begin() as session:
        site.tokens["admin"] = create_key(session, "admin")[1]
        for role in ("editor", "viewer"):
            site.tokens[role] = create_key(session, role, customer)[1]
    return engine, settings, site


@pytest.fixture
def site(
    request: pytest.FixtureRequest, tmp_path: Path, fake_google: FakeGoogle
) -> Iterator[Site]:
    engine, settings, site = _make_site(tmp_path, fake_google)
    if request.node.get_closest_marker("service_account"):
        from tests.service_account import make_key_file

        settings = make_key_file(tmp_path, fake_google).settings(settings)
        site.settings = settings
    app = create_app(settings, sessions=site.sessions)
    with LiveServer(app) as server:
        site.url = server.url
        yield site
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM_PATH).exists():
        message = f"Chromium is not installed at {CHROMIUM_PATH}"
        if IN_CI:
            pytest.fail(f"{message}; .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{message} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    # The pages' Content-Security-Policy forbids eval, which Playwright's
    # wait_for_function needs. Bypassing it also shows the pages are safe without
    # it: data is set as text, not merely kept from running by the policy.
    context = browser.new_context(base_url=site.url, bypass_csp=True)
    context.set_default_timeout(8000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"

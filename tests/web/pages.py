"""Steps the browser tests share: log in, open a tab, read the database."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from leadsync.store.models import LeadRecord, SheetSourceConfig
from tests.web.conftest import Site

LEADS_CSV = (
    b"Name,Email,Phone,Created,Source,Campaign\n"
    b"Ana Lima,ana@example.com,+44 7700 900101,2024-03-01,Facebook,Spring\n"
    b"Bruno Costa,bruno@example.com,+44 7700 900102,2024-03-02,Google Ads,Spring\n"
    b"Chloe Martin,chloe@example.org,+44 7700 900103,2024-03-03,ig,Summer\n"
)


def log_in(page: Page, token: str) -> None:
    page.goto("/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/leads"))
    page.wait_for_function("window.leadsyncReady === true")


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_function("window.leadsyncReady === true")


def sheet_row(page: Page, label: str) -> object:
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=label, exact=True)
    )


def sheet_count(site: Site) -> int:
    with site.sessions() as session:
        return int(session.scalar(select(func.count(SheetSourceConfig.id))) or 0)


def lead_count(site: Site) -> int:
    with site.sessions() as session:
        return int(session.scalar(select(func.count(LeadRecord.id))) or 0)


def csrf_token(page: Page) -> str:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return token

"""Screenshots of both tabs for the README: docs/screenshots/leads.png and sources.png.

Builds the demo (bundled sample sheets served by the local fake Google, one sync),
serves the UI on a free loopback port and photographs it with the same Chromium
set-up as the browser tests. Run from the repository root:

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from leadsync.api import create_app
from leadsync.cli.context import say
from leadsync.cli.demo import build_demo, sync_all
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.keys import create_key
from leadsync.web.liveserver import CHROMIUM_ARGS, CHROMIUM_PATH, LiveServer

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WIDTH = 1280


def log_in(page: Page, token: str) -> None:
    page.goto("/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("window.leadsyncReady === true")


def shoot(page: Page, tab: str, name: str, height: int) -> None:
    """One screen of a tab (the top of it when it is longer)."""
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.get_by_role("navigation", name="Main").get_by_role("link", name=tab).click()
    page.wait_for_function("window.leadsyncReady === true")
    page.wait_for_timeout(300)  # let the chart settle
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    say(f"wrote {path}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, FakeGoogle() as fake:
        demo, customer = build_demo(fake, Path(tmp) / "demo.db")
        sync_all(demo, customer)
        with demo.sessions.begin() as session:
            token = create_key(session, "editor", customer)[1]
        app = create_app(demo.settings, sessions=demo.sessions)
        with LiveServer(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS
            )
            # The pages forbid eval; Playwright's waiting needs it (as in the tests).
            context = browser.new_context(base_url=server.url, bypass_csp=True)
            page = context.new_page()
            log_in(page, token)
            shoot(page, "Lead sources", "sources", 1100)
            shoot(page, "Leads", "leads", 1600)
            browser.close()
        demo.engine.dispose()


if __name__ == "__main__":
    main()

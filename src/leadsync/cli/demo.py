"""``leadsync demo``: the whole flow offline, against a local stand-in for Google.

A fresh SQLite file, a demo customer whose sheets point at bundled sample sheets, served
by the same fake Google export the tests use (loopback only, clearly a demo), one sync,
then the states and leads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from leadsync.cli.context import App, one_line_errors, say
from leadsync.cli.run import summary_line
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.sheets.urls import SheetRef, canonical_url
from leadsync.store.customers import create_customer
from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.leads import LeadFilter, iter_leads
from leadsync.store.sheets import add_sheet, get_sheet
from leadsync.sync.run import sync_sheet

DEMO_DB = Path("leadsync-demo.db")


def _demo_sheets() -> dict[str, dict[str, Any]]:
    text = resources.files("leadsync.demo").joinpath("sheets.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _sample(name: str) -> bytes:
    return resources.files("leadsync.demo").joinpath(f"{name}.csv").read_bytes()


def _demo_id(name: str) -> str:
    """A spreadsheet id shaped like Google's, so the demo links parse like real ones."""
    return ("demo_" + name + "_" + "x" * 44)[:44]


def build_demo(fake: FakeGoogle, database: Path) -> tuple[App, int]:
    """Create the demo database, serve its sheets on ``fake``, sync them once."""
    for suffix in ("", "-wal", "-shm", ".migrate-lock"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    settings = replace(
        Settings.from_env(),
        database_url=f"sqlite:///{database}",
        google_sheets_base_url=fake.base_url,
        fetch_retries=0,
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    demo = App(settings, engine, make_sessionmaker(engine))
    with demo.sessions.begin() as session:
        customer = create_customer(session, "Demo Dental Clinic (demo)").id
        for name, spec in _demo_sheets().items():
            spreadsheet_id = _demo_id(name)
            body = _sample(spec.pop("file", name))
            fake.put(spreadsheet_id, "0", body, mode=spec.pop("mode", "ok"))
            url = canonical_url(SheetRef(spreadsheet_id, "0"))
            add_sheet(session, customer, url=url, **spec)
    return demo, customer


def sync_all(demo: App, customer: int) -> None:
    from leadsync.store.sheets import list_sheets

    with demo.sessions() as session:
        sheets = list_sheets(session, customer)
    for sheet in sheets:
        outcome = sync_sheet(demo.sessions, sheet.id, demo.settings)
        with demo.sessions() as session:
            say(summary_line(get_sheet(session, sheet.id), outcome))


def print_leads(demo: App, customer: int, limit: int = 15) -> None:
    with demo.sessions() as session:
        leads = list(iter_leads(session, LeadFilter(customer)))
    say(f"\n{len(leads)} leads stored; the first {min(limit, len(leads))}:")
    for lead in leads[:limit]:
        say(
            f"  {lead.name or '-':<28} {lead.email or '-':<32} "
            f"{lead.phone or '-':<14} {lead.channel or '-'}"
        )


@one_line_errors
def demo(
    serve: Annotated[
        bool, typer.Option(help="Serve the API and UI on the demo data afterwards.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for the demo server.")] = 8000,
) -> None:
    """Run the whole flow offline on bundled sample sheets."""
    with FakeGoogle() as fake:
        say(f"demo: a local stand-in for Google's CSV export runs at {fake.base_url}")
        demo_app, customer = build_demo(fake, DEMO_DB)
        sync_all(demo_app, customer)
        print_leads(demo_app, customer)
        if serve:
            from leadsync.cli.serve import serve_app

            serve_app(demo_app, host="127.0.0.1", port=port)

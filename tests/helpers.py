"""Small builders shared by the store, sync and CLI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.sheets.fake import FakeGoogle
from leadsync.store.customers import create_customer
from leadsync.store.leads import lead_item
from leadsync.store.models import LeadRecord
from leadsync.store.sheets import add_sheet
from tests.conftest import sheet_url, spreadsheet_id


def load_expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def make_customer(
    sessions: sessionmaker[Session], name: str = "Acme", **defaults: str
) -> int:
    with sessions.begin() as session:
        return create_customer(session, name, **defaults).id


def register(
    sessions: sessionmaker[Session],
    fake: FakeGoogle,
    customer_id: int,
    name: str,
    body: bytes,
    *,
    gid: str = "0",
    mode: str = "ok",
    **fields: Any,
) -> int:
    """Serve ``body`` on the fake and register it as a sheet of the customer."""
    sid = spreadsheet_id(name)
    fake.put(sid, gid, body, mode=mode)
    with sessions.begin() as session:
        sheet = add_sheet(
            session,
            customer_id,
            url=sheet_url(sid, gid),
            label=fields.pop("label", name),
            **fields,
        )
        return sheet.id


def serve(fake: FakeGoogle, name: str, body: bytes, gid: str = "0", **kw: Any) -> None:
    fake.put(spreadsheet_id(name), gid, body, **kw)


def stored(sessions: sessionmaker[Session], **where: Any) -> dict[str, dict[str, Any]]:
    """Stored leads by lead_key, as API items."""
    with sessions() as session:
        query = select(LeadRecord).order_by(LeadRecord.id)
        for key, value in where.items():
            query = query.where(getattr(LeadRecord, key) == value)
        return {lead.lead_key: lead_item(lead) for lead in session.scalars(query)}


def settings_fields(settings: dict[str, Any]) -> dict[str, Any]:
    """A case's settings block as sheet fields."""
    keys = ("region", "locale", "timezone", "column_map", "header_row", "fill_down")
    return {k: settings[k] for k in keys if k in settings}

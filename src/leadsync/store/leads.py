"""Reading stored leads: filters, keyset pages, and the item shape of DESIGN.md."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from leadsync.errors import InvalidInput
from leadsync.store.models import LeadRecord, LeadSyncState
from leadsync.store.types import iso


def seen_times(session: Session, sheet_ids: Iterable[int]) -> dict[int, datetime]:
    """When each sheet's rows were last read in full: its last successful sync.

    An unchanged snapshot writes no lead, so a present lead's stored last_seen_at
    only says when a changed snapshot last touched it; the sheet's last success is
    the truer "last seen" for every lead still in it.
    """
    ids = set(sheet_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LeadSyncState.sheet_id, LeadSyncState.last_success_at).where(
            LeadSyncState.sheet_id.in_(ids)
        )
    )
    return {sheet_id: when for sheet_id, when in rows if when is not None}


def lead_items(session: Session, leads: Sequence[LeadRecord]) -> list[dict[str, Any]]:
    seen = seen_times(session, {lead.sheet_id for lead in leads})
    return [lead_item(lead, seen) for lead in leads]


def lead_item(
    lead: LeadRecord, seen: Mapping[int, datetime] | None = None
) -> dict[str, Any]:
    last_seen = lead.last_seen_at
    sheet_seen = (seen or {}).get(lead.sheet_id)
    if lead.missing_since is None and sheet_seen and sheet_seen > last_seen:
        last_seen = sheet_seen
    return {
        "id": lead.id,
        "customer_id": lead.customer_id,
        "sheet_id": lead.sheet_id,
        "lead_key": lead.lead_key,
        "person_key": lead.person_key,
        "row": lead.row_number,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "created_at": lead.created_at_text,
        "channel": lead.channel,
        "campaign": lead.campaign,
        "external_id": lead.external_id,
        "secondary_emails": list(lead.secondary_emails or []),
        "extra": dict(lead.extra or {}),
        "raw": dict(lead.raw or {}),
        "warnings": list(lead.warnings or []),
        "status": lead.status,
        "notes": lead.notes,
        "missing_since": iso(lead.missing_since),
        "first_seen_at": iso(lead.first_seen_at),
        "last_seen_at": iso(last_seen),
    }


@dataclass(frozen=True)
class LeadFilter:
    customer_id: int | None = None  # None: every customer (admins only)
    sheet_id: int | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    missing: bool | None = None


def filtered(f: LeadFilter) -> Select[LeadRecord]:
    query = select(LeadRecord)
    if f.customer_id is not None:
        query = query.where(LeadRecord.customer_id == f.customer_id)
    if f.sheet_id is not None:
        query = query.where(LeadRecord.sheet_id == f.sheet_id)
    if f.q:
        pattern = f"%{_escape_like(f.q.strip().lower())}%"
        query = query.where(
            or_(
                LeadRecord.name.ilike(pattern, escape="\\"),
                LeadRecord.email.ilike(pattern, escape="\\"),
                LeadRecord.phone.ilike(pattern, escape="\\"),
            )
        )
    if f.since is not None:
        query = query.where(LeadRecord.created_at >= f.since)
    if f.until is not None:
        query = query.where(LeadRecord.created_at < f.until)
    if f.missing is not None:
        column = LeadRecord.missing_since
        query = query.where(column.is_not(None) if f.missing else column.is_(None))
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Newest first by id: ids only grow, so keyset paging is stable while syncs insert.
def page(
    session: Session, f: LeadFilter, *, limit: int, cursor: str | None = None
) -> tuple[list[LeadRecord], str | None]:
    query = filtered(f).order_by(LeadRecord.id.desc()).limit(limit + 1)
    if cursor:
        query = query.where(LeadRecord.id < decode_cursor(cursor))
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        last_id = value["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("cursor is not one this API gave out") from exc
    if not isinstance(last_id, int):
        raise InvalidInput("cursor is not one this API gave out")
    return last_id


def iter_leads(session: Session, f: LeadFilter) -> Iterator[LeadRecord]:
    """Every matching lead in a stable order, fetched in pages."""
    last_id = 0
    while True:
        query = (
            filtered(f)
            .where(LeadRecord.id > last_id)
            .order_by(LeadRecord.id)
            .limit(1000)
        )
        rows = list(session.scalars(query))
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()

"""What people change on a lead (status, notes) and the history of every change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.errors import InvalidInput
from leadsync.store.models import LEAD_STATUSES, LeadChange, LeadRecord
from leadsync.store.types import utcnow

# The only lead fields a person may set; everything else belongs to the sheet.
APP_FIELDS = ("status", "notes")
MAX_NOTES = 10_000


def clean_lead_fields(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(APP_FIELDS))
    if unknown:
        raise InvalidInput(
            f"sheet-owned or unknown field(s): {', '.join(unknown)}; "
            "only status and notes can be changed"
        )
    cleaned: dict[str, Any] = {}
    if "status" in changes:
        if changes["status"] not in LEAD_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(LEAD_STATUSES)}")
        cleaned["status"] = changes["status"]
    if "notes" in changes:
        notes = changes["notes"]
        if notes is not None and not isinstance(notes, str):
            raise InvalidInput("notes must be text")
        if notes is not None and len(notes) > MAX_NOTES:
            raise InvalidInput(f"notes have at most {MAX_NOTES} characters")
        cleaned["notes"] = notes or None
    return cleaned


def edit_lead(
    session: Session, lead: LeadRecord, changes: Mapping[str, Any], actor: str
) -> list[LeadChange]:
    """Set app-owned fields, keeping each replaced value in the lead's history."""
    cleaned = clean_lead_fields(changes)
    now = utcnow()
    recorded = []
    for field, value in cleaned.items():
        old = getattr(lead, field)
        if old == value:
            continue
        recorded.append(_change(lead, field, old, value, actor, now))
        setattr(lead, field, value)
    if recorded:
        lead.updated_at = now
        session.add_all(recorded)
        session.flush()
    return recorded


def _change(
    lead: LeadRecord, field: str, old: Any, new: Any, actor: str, now: datetime
) -> LeadChange:
    return LeadChange(
        customer_id=lead.customer_id,
        lead_id=lead.id,
        field=field,
        old_value=old,
        new_value=new,
        run_id=None,
        actor=actor,
        changed_at=now,
    )


def lead_history(session: Session, lead_id: int) -> list[LeadChange]:
    query = (
        select(LeadChange)
        .where(LeadChange.lead_id == lead_id)
        .order_by(LeadChange.changed_at, LeadChange.id)
    )
    return list(session.scalars(query))


def change_item(change: LeadChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "field": change.field,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "run_id": change.run_id,
        "actor": change.actor,
        "changed_at": change.changed_at.isoformat(timespec="seconds"),
    }

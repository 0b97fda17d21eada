"""What an export of leads needs besides the leads: sheet labels and extra columns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.store.leads import LeadFilter, filtered
from leadsync.store.models import LeadRecord, SheetSourceConfig

BATCH = 2000


def sheet_labels(session: Session, customer_id: int | None) -> dict[int, str]:
    """Labels of every sheet in scope, deleted ones too: their leads are kept."""
    query = select(SheetSourceConfig.id, SheetSourceConfig.label)
    if customer_id is not None:
        query = query.where(SheetSourceConfig.customer_id == customer_id)
    return {sheet_id: label for sheet_id, label in session.execute(query)}


def extra_columns(session: Session, f: LeadFilter) -> list[str]:
    """Every extra column header of the selection, in the order first met."""
    seen: dict[str, None] = {}
    last_id = 0
    while True:
        ids = filtered(f).with_only_columns(LeadRecord.id, LeadRecord.extra)
        query = ids.where(LeadRecord.id > last_id).order_by(LeadRecord.id).limit(BATCH)
        rows = session.execute(query).all()
        if not rows:
            return list(seen)
        for _lead_id, extra in rows:
            seen.update(dict.fromkeys(extra or {}))
        last_id = rows[-1][0]

"""Records by id as one customer sees them: another customer's record does not exist."""

from __future__ import annotations

from sqlalchemy.orm import Session

from leadsync.errors import NotFound
from leadsync.store.models import Customer, LeadRecord, SheetSourceConfig


def visible_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def visible_sheet(
    session: Session, sheet_id: int, customer_id: int | None
) -> SheetSourceConfig:
    """A sheet, deleted ones included: their leads and runs stay readable."""
    sheet = session.get(SheetSourceConfig, sheet_id)
    if sheet is None or (customer_id is not None and sheet.customer_id != customer_id):
        raise NotFound(f"sheet {sheet_id} not found")
    return sheet


def visible_lead(session: Session, lead_id: int, customer_id: int | None) -> LeadRecord:
    lead = session.get(LeadRecord, lead_id)
    if lead is None or (customer_id is not None and lead.customer_id != customer_id):
        raise NotFound(f"lead {lead_id} not found")
    return lead

"""Changing a customer after creation: name, reading defaults, the legacy sheet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.errors import InvalidInput
from leadsync.store.customers import (
    check_locale,
    check_name_free,
    check_region,
    check_timezone,
    set_leads_reporting_url,
)
from leadsync.store.models import Customer, SheetSourceConfig
from leadsync.store.sheets import make_due
from leadsync.store.types import utcnow

CUSTOMER_FIELDS = ("name", "region", "locale", "timezone", "leads_reporting_url")
MAX_NAME = 200


def clean_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a customer needs a name")
    if len(value.strip()) > MAX_NAME:
        raise InvalidInput(f"a customer name has at most {MAX_NAME} characters")
    return value.strip()


_CHECKS: dict[str, Any] = {
    "name": clean_name,
    "region": check_region,
    "locale": check_locale,
    "timezone": check_timezone,
}


def update_customer(
    session: Session, customer: Customer, changes: Mapping[str, Any]
) -> Customer:
    """Change whitelisted fields; sheets that read with the defaults are due again."""
    unknown = sorted(set(changes) - set(CUSTOMER_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown or read-only field(s): {', '.join(unknown)}")
    for field, check in _CHECKS.items():
        if field in changes:
            setattr(customer, field, check(changes[field]))
    if "name" in changes:
        check_name_free(session, customer.name, keep=customer.id)
    if "leads_reporting_url" in changes:
        set_leads_reporting_url(session, customer, changes["leads_reporting_url"])
    customer.updated_at = utcnow()
    if {"region", "locale", "timezone"} & set(changes):
        _make_sheets_due(session, customer.id)
    session.flush()
    return customer


def _make_sheets_due(session: Session, customer_id: int) -> None:
    # A changed default changes how every sheet without its own setting reads.
    query = select(SheetSourceConfig.id).where(
        SheetSourceConfig.customer_id == customer_id,
        SheetSourceConfig.deleted_at.is_(None),
    )
    for sheet_id in session.scalars(query):
        make_due(session, sheet_id)

"""The filters shared by GET /api/leads and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fastapi import Query
from sqlalchemy.orm import Session

from leadsync.api.auth import read_scope
from leadsync.api.errors import ApiError
from leadsync.api.principal import Principal
from leadsync.api.schemas import MAX_ID
from leadsync.store.leads import LeadFilter
from leadsync.store.scope import visible_customer, visible_sheet

MAX_QUERY_TEXT = 200


@dataclass(frozen=True)
class LeadQuery:
    customer_id: int | None
    sheet_id: int | None
    q: str | None
    since: str | None
    until: str | None
    missing: bool | None


def lead_query(
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
    sheet_id: int | None = Query(None, ge=1, le=MAX_ID),
    q: str | None = Query(
        None, max_length=MAX_QUERY_TEXT, description="Text in name, email or phone."
    ),
    since: str | None = Query(
        None, description="Created at or after: an ISO date or date-time."
    ),
    until: str | None = Query(
        None, description="Created before: ISO date or date-time."
    ),
    missing: bool | None = Query(
        None, description="true: only leads whose row is gone; false: only present."
    ),
) -> LeadQuery:
    return LeadQuery(customer_id, sheet_id, q, since, until, missing)


def to_filter(session: Session, caller: Principal, query: LeadQuery) -> LeadFilter:
    """Check the filters against what the caller may see, and parse the dates."""
    scope = read_scope(session, caller, query.customer_id)
    if query.sheet_id is not None:
        visible_sheet(session, query.sheet_id, scope)
    zone = visible_customer(session, scope).timezone if scope is not None else "UTC"
    if query.q is not None and "\x00" in query.q:
        raise _invalid("q", "text may not contain NUL characters")
    return LeadFilter(
        customer_id=scope,
        sheet_id=query.sheet_id,
        q=query.q,
        since=parse_instant("since", query.since, zone),
        until=parse_instant("until", query.until, zone),
        missing=query.missing,
    )


def parse_instant(name: str, text: str | None, zone: str) -> datetime | None:
    """An ISO date (the start of that day in the customer's zone) or date-time
    (UTC when it has no offset)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(name, "use an ISO date (2024-03-05) or date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(422, f"{name}: {message}", fields={name: message})

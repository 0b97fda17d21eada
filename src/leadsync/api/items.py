"""How customers and sheets look in API answers (leads and states: see store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadsync.store.models import Customer, LeadSyncState, SheetSourceConfig
from leadsync.store.state import state_item


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def customer_item(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "region": customer.region,
        "locale": customer.locale,
        "timezone": customer.timezone,
        "leads_reporting_url": customer.leads_reporting_url,
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
    }


def sheet_item(
    sheet: SheetSourceConfig, state: LeadSyncState | None = None
) -> dict[str, Any]:
    return {
        "id": sheet.id,
        "customer_id": sheet.customer_id,
        "label": sheet.label,
        "url": sheet.url,
        "spreadsheet_id": sheet.spreadsheet_id,
        "gid": sheet.gid,
        "enabled": sheet.enabled,
        "region": sheet.region,
        "locale": sheet.locale,
        "timezone": sheet.timezone,
        "header_row": sheet.header_row,
        "column_map": dict(sheet.column_map or {}),
        "fill_down": list(sheet.fill_down or []),
        "is_legacy": sheet.is_legacy,
        "created_at": _iso(sheet.created_at),
        "updated_at": _iso(sheet.updated_at),
        "sync_state": state_item(state) if state is not None else None,
    }

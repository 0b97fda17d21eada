"""How customers and sheets look in API answers (leads and states: see store)."""

from __future__ import annotations

from typing import Any

from leadsync.api.principal import Principal
from leadsync.store.models import Customer, LeadSyncState, SheetSourceConfig, SyncRun
from leadsync.store.state import run_item, state_item
from leadsync.store.types import iso

# auth_failed is the agency's problem (its service-account key): a customer's user
# learns that it is being handled, not which file or key is wrong.
OPERATOR_PROBLEM = (
    "The agency's Google connection needs attention; your administrator has been told."
)


def customer_item(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "region": customer.region,
        "locale": customer.locale,
        "timezone": customer.timezone,
        "leads_reporting_url": customer.leads_reporting_url,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def for_caller(item: dict[str, Any], caller: Principal) -> dict[str, Any]:
    """A state or run item as this caller may see it."""
    if caller.customer_id is None or item.get("error_code") != "auth_failed":
        return item
    return {**item, "error_message": OPERATOR_PROBLEM}


def state_view(state: LeadSyncState, caller: Principal) -> dict[str, Any]:
    return for_caller(state_item(state), caller)


def run_view(run: SyncRun, caller: Principal) -> dict[str, Any]:
    return for_caller(run_item(run), caller)


def sheet_item(
    sheet: SheetSourceConfig, state: LeadSyncState | None, caller: Principal
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
        "access_mode": sheet.access_mode,
        "is_legacy": sheet.is_legacy,
        "created_at": iso(sheet.created_at),
        "updated_at": iso(sheet.updated_at),
        "sync_state": state_view(state, caller) if state is not None else None,
    }

"""Every /api route, with a request that would succeed for a caller who may make it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.api.conftest import Tenant
from tests.conftest import sheet_url, spreadsheet_id

_fresh = itertools.count(1)


def _new_sheet(t: Tenant) -> dict[str, Any]:
    sid = spreadsheet_id(f"new-{t.customer_id}-{next(_fresh)}")
    return {"customer_id": t.customer_id, "url": sheet_url(sid), "label": "New"}


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[Tenant], str]
    kind: str  # read, write, admin (admin-only on a customer), create_customer, preview
    ok: int = 200
    body: Callable[[Tenant], Any] | None = None

    def name(self) -> str:
        return f"{self.method} {self.path(Tenant(1, 2, lead_ids=[3]))}"


ROUTES = [
    Route("GET", lambda t: "/api/customers", "list_customers"),
    Route(
        "POST",
        lambda t: "/api/customers",
        "create_customer",
        201,
        lambda t: {"name": "Charlie"},
    ),
    Route(
        "PATCH",
        lambda t: f"/api/customers/{t.customer_id}",
        "admin",
        body=lambda t: {"timezone": "Europe/Paris"},
    ),
    Route("GET", lambda t: f"/api/sheets?customer_id={t.customer_id}", "read"),
    Route("POST", lambda t: "/api/sheets", "write", 201, _new_sheet),
    Route(
        "PUT",
        lambda t: f"/api/sheets/{t.sheet_id}",
        "write",
        body=lambda t: {"label": "Renamed"},
    ),
    Route("DELETE", lambda t: f"/api/sheets/{t.sheet_id}", "write", 204),
    Route("POST", lambda t: f"/api/sheets/{t.sheet_id}/sync", "write", 202),
    Route(
        "POST",
        lambda t: "/api/sheets/preview",
        "preview",
        body=lambda t: {"url": sheet_url(spreadsheet_id("sheet-alpha"))},
    ),
    Route("GET", lambda t: f"/api/leads?customer_id={t.customer_id}", "read"),
    Route("GET", lambda t: f"/api/leads?sheet_id={t.sheet_id}", "read"),
    Route(
        "PATCH",
        lambda t: f"/api/leads/{t.lead_ids[0]}",
        "write",
        body=lambda t: {"status": "contacted", "notes": "called"},
    ),
    Route("GET", lambda t: f"/api/leads/{t.lead_ids[0]}", "read"),
    Route("GET", lambda t: f"/api/leads/{t.lead_ids[0]}/history", "read"),
    Route(
        "GET", lambda t: f"/api/leads/export.csv?customer_id={t.customer_id}", "read"
    ),
    Route(
        "GET", lambda t: f"/api/leads/sync-state?customer_id={t.customer_id}", "read"
    ),
    Route("GET", lambda t: f"/api/sync-runs?sheet_id={t.sheet_id}", "read"),
]

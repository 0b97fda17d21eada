"""The matrix: every route x every role x own/other customer.

A record of another customer answers 404 with no data (viewers too); a viewer
writing to its own customer gets 403; editors and admins succeed.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, World, bearer
from tests.api.routes import ROUTES, Route


def _call(
    client: TestClient, route: Route, token: str, tenant: Tenant
) -> tuple[int, Any]:
    body = route.body(tenant) if route.body else None
    response = client.request(
        route.method, route.path(tenant), json=body, headers=bearer(token)
    )
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code, response.json()
    return response.status_code, response.text


def _expected(route: Route, role: str, own: bool) -> int:
    """What the caller should get. Admins see every customer, so "other" is theirs."""
    if route.kind == "list_customers":  # lists what it may see; tested below
        return route.ok
    if route.kind == "create_customer":
        return route.ok if role == "admin" else 403
    if route.kind == "preview":
        return 403 if role == "viewer" else route.ok
    if not own and role != "admin":
        return 404
    if route.kind == "read" or role == "admin":
        return route.ok
    if route.kind == "admin" or role == "viewer":
        return 403
    return route.ok


# Failures first, then the successes (on different customers, so a DELETE by one
# caller does not hide the record from the next).
CALLERS = [
    ("viewer", True),
    ("viewer", False),
    ("editor", False),
    ("editor", True),
    ("admin", False),
]


@pytest.mark.parametrize("route", ROUTES, ids=Route.name)
def test_route_matrix(quiet_client: TestClient, world: World, route: Route) -> None:
    for role, own in CALLERS:
        tenant = world.a if own else world.b
        status, body = _call(quiet_client, route, world.token(role, "a"), tenant)
        expected = _expected(route, role, own)
        assert status == expected, (role, own, body)
        if status == 404:
            assert set(body) == {"error"}, body  # no data of the other customer
            assert body["error"]["code"] == "not_found"
        if status == 403:
            assert body["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_reads_return_only_the_callers_customer(
    quiet_client: TestClient, world: World, role: str
) -> None:
    headers = bearer(world.token(role))
    own = world.a.customer_id

    customers = quiet_client.get("/api/customers", headers=headers).json()["items"]
    sheets = quiet_client.get("/api/sheets", headers=headers).json()["items"]
    leads = quiet_client.get("/api/leads", headers=headers).json()
    states = quiet_client.get("/api/leads/sync-state", headers=headers).json()
    export = quiet_client.get("/api/leads/export.csv", headers=headers).text

    assert [c["id"] for c in customers] == [own]
    assert {s["customer_id"] for s in sheets} == {own}
    assert {lead["customer_id"] for lead in leads["items"]} == {own}
    assert len(leads["items"]) == 3
    assert {s["customer_id"] for s in leads["sync_state"]} == {own}
    assert {s["customer_id"] for s in states["items"]} == {own}
    assert export.count("\r\n") == 4  # header + own three leads


def test_admin_sees_every_customer(quiet_client: TestClient, world: World) -> None:
    headers = bearer(world.admin)
    customers = quiet_client.get("/api/customers", headers=headers).json()["items"]
    leads = quiet_client.get("/api/leads", headers=headers).json()["items"]
    assert {c["id"] for c in customers} == {world.a.customer_id, world.b.customer_id}
    assert len(leads) == 6
    one = quiet_client.get(
        f"/api/leads?customer_id={world.b.customer_id}", headers=headers
    )
    assert {lead["customer_id"] for lead in one.json()["items"]} == {
        world.b.customer_id
    }


def test_a_customer_that_does_not_exist_is_404_for_admins(
    quiet_client: TestClient, world: World
) -> None:
    response = quiet_client.get(
        "/api/sheets?customer_id=999", headers=bearer(world.admin)
    )
    assert response.status_code == 404


def test_editor_cannot_create_or_move_a_sheet_into_another_customer(
    quiet_client: TestClient, world: World
) -> None:
    headers = bearer(world.token("editor"))
    other = world.b.customer_id
    url = "https://docs.google.com/spreadsheets/d/" + "m" * 44 + "/edit#gid=0"

    created = quiet_client.post(
        "/api/sheets",
        json={"customer_id": other, "url": url, "label": "Sneaky"},
        headers=headers,
    )
    moved = quiet_client.put(
        f"/api/sheets/{world.a.sheet_id}", json={"customer_id": other}, headers=headers
    )
    same = quiet_client.put(
        f"/api/sheets/{world.a.sheet_id}",
        json={"customer_id": world.a.customer_id},
        headers=headers,
    )

    assert created.status_code == 404
    assert moved.status_code == 404
    assert same.status_code == 422  # no sheet ever changes customer
    assert "customer_id" in same.json()["error"]["fields"]
    admin_sheets = quiet_client.get(
        f"/api/sheets?customer_id={other}", headers=bearer(world.admin)
    ).json()["items"]
    assert [s["id"] for s in admin_sheets] == [world.b.sheet_id]

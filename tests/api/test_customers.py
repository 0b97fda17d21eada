"""Customers: admins create and edit them; the legacy sheet link becomes a sheet."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, bearer
from tests.conftest import sheet_url, spreadsheet_id

LEGACY = sheet_url(spreadsheet_id("legacy"), "5")


def test_create_with_defaults_and_a_legacy_sheet(
    quiet_client: TestClient, world: World
) -> None:
    body = {"name": "Delta", "region": "gb", "timezone": "Europe/London"}
    response = quiet_client.post(
        "/api/customers",
        json={**body, "leads_reporting_url": LEGACY},
        headers=bearer(world.admin),
    )

    assert response.status_code == 201, response.text
    customer = response.json()
    assert (customer["region"], customer["timezone"]) == ("GB", "Europe/London")
    sheets = quiet_client.get(
        f"/api/sheets?customer_id={customer['id']}", headers=bearer(world.admin)
    ).json()["items"]
    assert [(s["label"], s["gid"], s["is_legacy"]) for s in sheets] == [
        ("Leads reporting", "5", True)
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "E", "region": "ZZ"}, "region"),
        ({"name": "E", "locale": "english"}, "locale"),
        (
            {"name": "E", "leads_reporting_url": "file:///etc/passwd"},
            "leads_reporting_url",
        ),
        ({"name": "E", "id": 7}, "id"),
    ],
)
def test_bad_customers_are_422(
    quiet_client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    response = quiet_client.post(
        "/api/customers", json=body, headers=bearer(world.admin)
    )
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_patch_changes_defaults_and_the_legacy_sheet(
    quiet_client: TestClient, world: World
) -> None:
    path = f"/api/customers/{world.a.customer_id}"
    headers = bearer(world.admin)

    renamed = quiet_client.patch(path, json={"name": "Alpha Ltd"}, headers=headers)
    legacy = quiet_client.patch(
        path, json={"leads_reporting_url": LEGACY}, headers=headers
    )
    cleared = quiet_client.patch(path, json={"region": None}, headers=headers)

    assert renamed.json()["name"] == "Alpha Ltd"
    assert legacy.json()["leads_reporting_url"] == LEGACY
    assert cleared.status_code == 422
    labels = [
        s["label"]
        for s in quiet_client.get(
            "/api/sheets", headers=bearer(world.token("viewer"))
        ).json()["items"]
    ]
    assert labels == ["sheet-alpha", "Leads reporting"]


def test_a_second_customer_of_the_same_name_is_409(
    quiet_client: TestClient, world: World
) -> None:
    headers = bearer(world.admin)
    first = quiet_client.post("/api/customers", json={"name": "Acme"}, headers=headers)
    again = quiet_client.post(
        "/api/customers", json={"name": " acme "}, headers=headers
    )
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"a customer named 'Acme' exists already (id {first.json()['id']})"
    )
    # As people read names: non-ASCII case, Unicode forms, invisible characters.
    created = quiet_client.post(
        "/api/customers", json={"name": "Ärzte  Café"}, headers=headers
    )
    assert created.status_code == 201
    for same in ("ärzte café", "A\u0308rzte Cafe\u0301", "Ärzte\u200b Café"):
        answer = quiet_client.post(
            "/api/customers", json={"name": same}, headers=headers
        )
        assert answer.status_code == 409, same
    # Renaming into a taken name is refused too; keeping one's own name is not.
    path = f"/api/customers/{world.a.customer_id}"
    assert (
        quiet_client.patch(path, json={"name": "ACME"}, headers=headers).status_code
        == 409
    )
    (own,) = [
        c["name"]
        for c in quiet_client.get("/api/customers", headers=headers).json()["items"]
        if c["id"] == world.a.customer_id
    ]
    same = quiet_client.patch(path, json={"name": own.upper()}, headers=headers)
    assert same.status_code == 200
    assert same.json()["name"] == own.upper()

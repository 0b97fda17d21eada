from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World, bearer


def test_smoke(client: TestClient, world: World) -> None:
    r = client.get("/api/leads", headers=bearer(world.admin))
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 6
    r = client.get("/api/sheets", headers=bearer(world.token("viewer")))
    assert r.status_code == 200, r.text
    print(r.json())

"""/healthz, /metrics and /docs need no token and show no customer data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World, bearer


def test_healthz(quiet_client: TestClient) -> None:
    response = quiet_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_metrics_count_runs_sheets_and_the_queue(
    quiet_client: TestClient, world: World
) -> None:
    quiet_client.post(
        f"/api/sheets/{world.a.sheet_id}/sync", headers=bearer(world.admin)
    )

    text = quiet_client.get("/metrics").text

    assert 'leadsync_sync_runs_total{status="ok",error_code=""} 2' in text
    assert 'leadsync_sheets{status="ok"} 1' in text
    assert 'leadsync_sheets{status="queued"} 1' in text
    assert "leadsync_sync_queue_depth 1" in text
    assert "alpha" not in text and "example.com" not in text


def test_openapi_and_docs(quiet_client: TestClient) -> None:
    docs = quiet_client.get("/docs")
    assert docs.status_code == 200
    # Swagger UI from this installation's files, not a CDN (works offline).
    assert "/docs/static/swagger-ui-bundle.js" in docs.text
    assert "https://" not in docs.text and "http://" not in docs.text
    script = quiet_client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text[:200_000]
    assert quiet_client.get("/docs/static/swagger-ui.css").status_code == 200
    assert quiet_client.get("/docs/static/__init__.py").status_code == 404
    assert quiet_client.get("/redoc").status_code == 404
    # "Authorize" in the reference sends the token with every /api operation.
    schema = quiet_client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/api/leads"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]
    paths = quiet_client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/customers",
        "/api/sheets",
        "/api/sheets/{sheet_id}",
        "/api/sheets/{sheet_id}/sync",
        "/api/sheets/preview",
        "/api/leads",
        "/api/leads/{lead_id}",
        "/api/leads/{lead_id}/history",
        "/api/leads/export.csv",
        "/api/leads/sync-state",
        "/api/sync-runs",
        "/healthz",
        "/metrics",
    ):
        assert path in paths, path

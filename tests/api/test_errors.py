"""One error shape everywhere, request ids, size limits, no tracebacks."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api import create_app
from leadsync.config import Settings
from tests.api.conftest import World, bearer


def _assert_error_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["request_id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/nothing-here", 404, "not_found"),
        ("GET", "/api/leads/abc", 404, "not_found"),
        ("GET", "/api/leads/99999", 404, "not_found"),
        ("GET", "/api/leads/99999999999999999999", 422, "invalid_input"),
        ("DELETE", "/api/leads", 405, "method_not_allowed"),
        ("GET", "/api/sync-runs", 422, "invalid_input"),
        ("GET", "/api/sheets?customer_id=-1", 422, "invalid_input"),
        ("GET", "/api/sheets?customer_id=9999999999", 422, "invalid_input"),
    ],
)
def test_errors_have_one_shape(
    quiet_client: TestClient,
    world: World,
    method: str,
    path: str,
    status: int,
    code: str,
) -> None:
    response = quiet_client.request(method, path, headers=bearer(world.admin))
    assert response.status_code == status, response.text
    _assert_error_shape(response.json(), code)
    assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


def test_invalid_json_is_422_naming_the_body(
    quiet_client: TestClient, world: World
) -> None:
    response = quiet_client.post(
        "/api/customers",
        content=b'{"name": ',
        headers={**bearer(world.admin), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["body"]


def test_request_ids_are_kept_or_made(quiet_client: TestClient, world: World) -> None:
    given = quiet_client.get(
        "/api/sheets", headers={**bearer(world.admin), "X-Request-ID": "abc-123"}
    )
    forged = quiet_client.get(
        "/api/sheets", headers={**bearer(world.admin), "X-Request-ID": "a b\tc"}
    )
    made = quiet_client.get("/healthz")
    assert given.headers["X-Request-ID"] == "abc-123"
    assert forged.headers["X-Request-ID"] != "a b\tc"
    assert len(made.headers["X-Request-ID"]) == 32


def test_one_log_line_per_request(
    quiet_client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="leadsync.api.middleware"):
        response = quiet_client.get(
            "/api/leads", headers={**bearer(world.admin), "X-Request-ID": "req-42"}
        )
    lines = [
        r.getMessage() for r in caplog.records if "request_id=req-42" in r.getMessage()
    ]
    assert response.status_code == 200
    assert len(lines) == 1
    assert "method=GET path=/api/leads status=200" in lines[0]


def test_large_bodies_are_413(quiet_client: TestClient, world: World) -> None:
    big = {"url": "x", "label": "y" * (1024 * 1024)}
    response = quiet_client.post("/api/sheets", json=big, headers=bearer(world.admin))
    assert response.status_code == 413
    _assert_error_shape(response.json(), "payload_too_large")


def test_large_chunked_bodies_are_413(quiet_client: TestClient, world: World) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    response = quiet_client.post(
        "/api/customers",
        content=chunks(),
        headers={**bearer(world.admin), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


class _BrokenRunner:
    def kick(self, sheet_id: int) -> None:
        raise RuntimeError("secret internal detail")


def test_a_crash_is_a_500_without_a_traceback(
    settings: Settings,
    sessions: sessionmaker[Session],
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(settings, sessions=sessions, runner=_BrokenRunner())
    with TestClient(app) as client:
        response = client.post(
            f"/api/sheets/{world.a.sheet_id}/sync", headers=bearer(world.admin)
        )
    assert response.status_code == 500
    _assert_error_shape(response.json(), "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any("request failed" in r.getMessage() for r in caplog.records)

"""Sync now: 202 at once, leads arrive with the worker off, no second run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadSyncState, SyncRun
from leadsync.store.types import utcnow
from tests.api.conftest import LEADS_CSV, RecordingRunner, World, bearer
from tests.conftest import sheet_url, spreadsheet_id


def _state(client: TestClient, token: str, sheet_id: int) -> dict[str, Any]:
    items = client.get("/api/leads/sync-state", headers=bearer(token)).json()["items"]
    return next(item for item in items if item["sheet_id"] == sheet_id)


def _wait_until_done(client: TestClient, token: str, sheet_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = _state(client, token, sheet_id)
        if state["status"] in ("ok", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"sheet {sheet_id} still {state['status']}")


def _runs(sessions: sessionmaker[Session], sheet_id: int) -> int:
    with sessions() as session:
        query = select(func.count()).where(SyncRun.sheet_id == sheet_id)
        return int(session.scalar(query) or 0)


def test_sync_now_answers_202_and_the_leads_arrive(
    client: TestClient, world: World, fake_google: FakeGoogle
) -> None:
    token = world.token("editor")
    sid = spreadsheet_id("arrives")
    fake_google.put(sid, "0", LEADS_CSV.replace(b"example", b"arrives"))
    created = client.post(
        "/api/sheets",
        json={"url": sheet_url(sid), "label": "New"},
        headers=bearer(token),
    ).json()

    response = client.post(f"/api/sheets/{created['id']}/sync", headers=bearer(token))

    assert response.status_code == 202
    assert response.json()["queued"] is True
    assert response.json()["sync_state"]["status"] == "queued"
    state = _wait_until_done(client, token, created["id"])
    assert state["status"] == "ok", state
    assert state["counts"]["inserted"] == 3
    leads = client.get(
        f"/api/leads?sheet_id={created['id']}", headers=bearer(token)
    ).json()["items"]
    assert {lead["email"] for lead in leads} == {
        "ana@arrives.com",
        "bruno@arrives.com",
        "chloe@arrives.org",
    }
    runs = client.get(f"/api/sync-runs?sheet_id={created['id']}", headers=bearer(token))
    assert [(r["trigger"], r["status"]) for r in runs.json()["items"]] == [
        ("manual", "ok")
    ]


def test_a_second_request_while_running_starts_no_second_run(
    client: TestClient,
    world: World,
    fake_google: FakeGoogle,
    sessions: sessionmaker[Session],
) -> None:
    token = world.token("editor")
    sheet_id = world.a.sheet_id
    fake_google.put(
        spreadsheet_id("sheet-alpha"), "0", LEADS_CSV, mode="slow", delay=1.0
    )
    before = _runs(sessions, sheet_id)

    first = client.post(f"/api/sheets/{sheet_id}/sync", headers=bearer(token))
    again = [
        client.post(f"/api/sheets/{sheet_id}/sync", headers=bearer(token))
        for _ in range(3)
    ]
    _wait_until_done(client, token, sheet_id)

    assert first.status_code == 202 and first.json()["queued"] is True
    for response in again:
        assert response.status_code == 202
        assert response.json()["queued"] is False
        assert response.json()["sync_state"]["status"] in ("queued", "running")
    assert _runs(sessions, sheet_id) == before + 1


def test_queued_sheet_is_not_handed_over_twice(
    quiet_client: TestClient, world: World, runner: RecordingRunner
) -> None:
    headers = bearer(world.token("editor"))
    path = f"/api/sheets/{world.a.sheet_id}/sync"
    answers = [quiet_client.post(path, headers=headers).json() for _ in range(3)]
    assert runner.kicked == [world.a.sheet_id]
    assert [a["queued"] for a in answers] == [True, False, False]


def test_a_stranded_queued_sheet_is_handed_over_again(
    quiet_client: TestClient,
    world: World,
    runner: RecordingRunner,
    sessions: sessionmaker[Session],
) -> None:
    headers = bearer(world.token("editor"))
    path = f"/api/sheets/{world.a.sheet_id}/sync"
    quiet_client.post(path, headers=headers)
    with sessions.begin() as session:  # as if the API restarted long ago
        state = session.get_one(LeadSyncState, world.a.sheet_id)
        state.requested_at = utcnow() - timedelta(minutes=5)

    answer = quiet_client.post(path, headers=headers).json()

    assert answer["queued"] is False
    assert runner.kicked == [world.a.sheet_id, world.a.sheet_id]

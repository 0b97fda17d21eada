"""Registering sheets: whitelisted fields, strict links, 409 and restore."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadRecord, SheetSourceConfig
from tests.api.conftest import World, bearer
from tests.conftest import sheet_url, spreadsheet_id

SID = spreadsheet_id("fresh")
URL = sheet_url(SID, "7")
HOSTILE_URLS = [
    "https://169.254.169.254/latest/meta-data#docs.google.com",
    "http://169.254.169.254/latest/meta-data/?x=docs.google.com/spreadsheets/d/abc",
    f"https://docs.google.com.evil.example/spreadsheets/d/{SID}/edit",
    f"https://docs-google.com/spreadsheets/d/{SID}/edit",
    f"https://docs.goog1e.com/spreadsheets/d/{SID}/edit",
    f"https://evil.example@docs.google.com/spreadsheets/d/{SID}/edit",
    f"https://docs.google.com:8443/spreadsheets/d/{SID}/edit",
    f"https://www.google.com/url?q=https://docs.google.com/spreadsheets/d/{SID}",
    "file:///etc/passwd",
    f"http://127.0.0.1/spreadsheets/d/{SID}/export?format=csv",
    f"http://localhost:8000/spreadsheets/d/{SID}/edit",
    "https://docs.google.com/spreadsheets/d/e/2PACX-1vQabcdefghijklmnop/pubhtml",
    "javascript:alert(1)",
    "data:text/csv,name,email",
    "",
]


def _create(client: TestClient, token: str, **body: object) -> object:
    return client.post("/api/sheets", json=body, headers=bearer(token))


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_are_refused_by_create_and_preview_without_a_request(
    quiet_client: TestClient, world: World, fake_google: FakeGoogle, url: str
) -> None:
    before = len(fake_google.requests)
    headers = bearer(world.token("editor"))

    created = quiet_client.post(
        "/api/sheets", json={"url": url, "label": "x"}, headers=headers
    )
    previewed = quiet_client.post(
        "/api/sheets/preview", json={"url": url}, headers=headers
    )

    for response in (created, previewed):
        assert response.status_code == 422, response.text
        assert "url" in response.json()["error"]["fields"]
    assert len(fake_google.requests) == before


def test_create_answers_the_sheet_with_an_explicit_gid_and_a_due_state(
    quiet_client: TestClient, world: World
) -> None:
    response = quiet_client.post(
        "/api/sheets",
        json={"url": URL, "label": " Fresh ", "region": "gb", "fill_down": ["channel"]},
        headers=bearer(world.token("editor")),
    )
    assert response.status_code == 201, response.text
    sheet = response.json()
    assert (sheet["spreadsheet_id"], sheet["gid"]) == (SID, "7")
    assert sheet["customer_id"] == world.a.customer_id  # its own, unsaid
    assert (sheet["label"], sheet["region"], sheet["fill_down"]) == (
        "Fresh",
        "GB",
        ["channel"],
    )
    assert sheet["sync_state"]["status"] == "never"
    assert sheet["sync_state"]["next_run_at"] is not None


@pytest.mark.parametrize(
    "field", ["id", "created_at", "spreadsheet_id", "gid", "deleted_at", "is_legacy"]
)
def test_unknown_or_read_only_fields_are_422_naming_the_field(
    quiet_client: TestClient, world: World, field: str
) -> None:
    headers = bearer(world.token("editor"))
    created = quiet_client.post(
        "/api/sheets", json={"url": URL, "label": "x", field: "1"}, headers=headers
    )
    updated = quiet_client.put(
        f"/api/sheets/{world.a.sheet_id}", json={field: "1"}, headers=headers
    )
    for response in (created, updated):
        assert response.status_code == 422
        error = response.json()["error"]
        assert list(error["fields"]) == [field]
        assert field in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL}, "label"),
        ({"url": URL, "label": "  "}, "label"),
        ({"url": URL, "label": None}, "label"),
        ({"label": "x"}, "url"),
        ({"url": URL, "label": "x", "region": "XX"}, "region"),
        ({"url": URL, "label": "x", "timezone": "Mars/Olympus"}, "timezone"),
        ({"url": URL, "label": "x", "header_row": 0}, "header_row"),
        ({"url": URL, "label": "x", "header_row": "2"}, "header_row"),
        ({"url": URL, "label": "x", "enabled": "yes"}, "enabled"),
        ({"url": URL, "label": "x", "column_map": {"shoe": "A"}}, "column_map"),
        ({"url": URL, "label": "x", "fill_down": ["shoe"]}, "fill_down"),
        ({"url": URL, "label": "a\x00b"}, "label"),
    ],
)
def test_bad_values_are_422_naming_the_field(
    quiet_client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    response = quiet_client.post(
        "/api/sheets", json=body, headers=bearer(world.token("editor"))
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


def test_put_changes_only_the_fields_given(
    quiet_client: TestClient, world: World
) -> None:
    headers = bearer(world.token("editor"))
    path = f"/api/sheets/{world.a.sheet_id}"
    before = quiet_client.get("/api/sheets", headers=headers).json()["items"][0]

    response = quiet_client.put(path, json={"enabled": False}, headers=headers)
    moved = quiet_client.put(path, json={"url": URL}, headers=headers)
    blank = quiet_client.put(path, json={"url": URL, "label": ""}, headers=headers)

    assert response.status_code == 200
    after = response.json()
    assert after["enabled"] is False
    changing = ("enabled", "updated_at", "sync_state")  # a saved sheet is due
    assert {k: v for k, v in after.items() if k not in changing} == {
        k: v for k, v in before.items() if k not in changing
    }
    assert moved.status_code == 200 and moved.json()["gid"] == "7"
    assert moved.json()["label"] == before["label"]  # a label is still set
    assert blank.status_code == 422


def test_same_tab_twice_is_409_and_a_deleted_one_comes_back_with_its_leads(
    quiet_client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    headers = bearer(world.token("editor"))
    url = sheet_url(spreadsheet_id("sheet-alpha"))  # world.a's sheet, tab 0

    duplicate = quiet_client.post(
        "/api/sheets", json={"url": url, "label": "Again"}, headers=headers
    )
    deleted = quiet_client.delete(f"/api/sheets/{world.a.sheet_id}", headers=headers)
    listed = quiet_client.get("/api/sheets", headers=headers).json()["items"]
    leads_kept = quiet_client.get("/api/leads", headers=headers).json()["items"]
    restored = quiet_client.post(
        "/api/sheets", json={"url": url, "label": "Back"}, headers=headers
    )

    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict"
    assert deleted.status_code == 204
    assert listed == []
    assert len(leads_kept) == 3
    assert restored.status_code == 201
    assert restored.json()["id"] == world.a.sheet_id
    assert restored.json()["label"] == "Back"
    with sessions() as session:
        count = session.scalar(
            select(func.count()).where(LeadRecord.sheet_id == world.a.sheet_id)
        )
        sheet = session.get_one(SheetSourceConfig, world.a.sheet_id)
    assert count == 3 and sheet.deleted_at is None and sheet.enabled


def test_deleted_sheet_is_404_for_edits(quiet_client: TestClient, world: World) -> None:
    headers = bearer(world.token("editor"))
    path = f"/api/sheets/{world.a.sheet_id}"
    assert quiet_client.delete(path, headers=headers).status_code == 204
    assert quiet_client.delete(path, headers=headers).status_code == 404
    assert (
        quiet_client.put(path, json={"label": "x"}, headers=headers).status_code == 404
    )
    assert quiet_client.post(f"{path}/sync", headers=headers).status_code == 404


def test_preview_reads_the_sheet_and_stores_nothing(
    quiet_client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        sheets_before = session.scalar(select(func.count(SheetSourceConfig.id)))
        leads_before = session.scalar(select(func.count(LeadRecord.id)))

    response = quiet_client.post(
        "/api/sheets/preview",
        json={"url": sheet_url(spreadsheet_id("sheet-alpha")), "region": "US"},
        headers=bearer(world.token("editor")),
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "ok"
    assert [lead["email"] for lead in report["leads"]] == [
        "ana@example.com",
        "bruno@example.com",
        "chloe@example.org",
    ]
    assert report["leads"][0]["phone"] == "+14155550101"
    with sessions() as session:
        assert session.scalar(select(func.count(SheetSourceConfig.id))) == sheets_before
        assert session.scalar(select(func.count(LeadRecord.id))) == leads_before


def test_preview_of_a_private_sheet_says_how_to_share_it(
    quiet_client: TestClient, world: World, fake_google: FakeGoogle
) -> None:
    sid = spreadsheet_id("private")
    fake_google.put(sid, "0", b"", mode="private")
    response = quiet_client.post(
        "/api/sheets/preview",
        json={"url": sheet_url(sid)},
        headers=bearer(world.token("editor")),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "sheet_not_public"

"""Reading and editing leads: filters, keyset pages, status/notes, history."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadChange
from leadsync.sync.run import sync_sheet
from tests.api.conftest import LEADS_CSV, World, bearer
from tests.helpers import register, serve

EVERYONE = {"ana@example.com", "bruno@example.com", "chloe@example.org"}


def _leads(client: TestClient, token: str, query: str = "") -> list[dict[str, object]]:
    response = client.get(f"/api/leads?{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_lead_items_have_the_fields_of_design_and_the_sync_state(
    quiet_client: TestClient, world: World
) -> None:
    response = quiet_client.get("/api/leads", headers=bearer(world.token("viewer")))
    body = response.json()
    required = {
        *("id", "sheet_id", "lead_key", "person_key", "row", "name", "email"),
        *("phone", "created_at", "channel", "campaign", "external_id"),
        *("secondary_emails", "extra", "raw", "warnings", "status", "notes"),
        *("missing_since", "first_seen_at", "last_seen_at"),
    }
    assert set(body) == {"items", "next_cursor", "sync_state"}
    assert body["next_cursor"] is None
    assert all(required <= set(item) for item in body["items"])
    assert body["items"][0]["extra"] == {"Budget": "300"}
    assert [s["status"] for s in body["sync_state"]] == ["ok"]


@pytest.mark.parametrize(
    ("query", "emails"),
    [
        ("q=BRUNO", {"bruno@example.com"}),
        ("q=example.org", {"chloe@example.org"}),
        ("q=555%200102", set()),  # the phone is stored as E.164
        ("q=4155550102", {"bruno@example.com"}),
        ("q=%25", set()),  # LIKE wildcards are text
        ("since=2024-03-02", {"bruno@example.com", "chloe@example.org"}),
        ("until=2024-03-02", {"ana@example.com"}),
        ("since=2024-03-02T00:00:00Z&until=2024-03-03", {"bruno@example.com"}),
        ("missing=true", set()),
        (
            "missing=false",
            {"ana@example.com", "bruno@example.com", "chloe@example.org"},
        ),
    ],
)
def test_filters(
    quiet_client: TestClient, world: World, query: str, emails: set[str]
) -> None:
    items = _leads(quiet_client, world.token("viewer"), query)
    assert {item["email"] for item in items} == emails


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2024-13-01", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=nonsense", None),
        ("missing=maybe", "missing"),
        ("q=a%00b", "q"),
    ],
)
def test_bad_filters_are_422(
    quiet_client: TestClient, world: World, query: str, field: str | None
) -> None:
    response = quiet_client.get(f"/api/leads?{query}", headers=bearer(world.admin))
    assert response.status_code == 422, response.text
    if field:
        assert field in response.json()["error"]["fields"]


def test_keyset_pages_return_every_lead_exactly_once(
    quiet_client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
) -> None:
    rows = "".join(
        f"Lead {n},lead{n}@example.com,2024-01-{n % 28 + 1:02d}\n" for n in range(57)
    )
    body = ("Name,Email,Created\n" + rows).encode()
    sheet = register(sessions, fake_google, world.a.customer_id, "many", body)
    assert sync_sheet(sessions, sheet, settings).status == "ok"

    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        response = quiet_client.get(
            f"/api/leads?limit=10{cursor}", headers=bearer(world.token("editor"))
        )
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"

    assert len(seen) == len(set(seen)) == 60
    assert seen == sorted(seen, reverse=True)  # stable order, newest first
    assert pages == 6


def test_patch_sets_status_and_notes_and_keeps_a_history(
    quiet_client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    lead_id = world.a.lead_ids[0]
    headers = bearer(world.token("editor"))

    first = quiet_client.patch(
        f"/api/leads/{lead_id}", json={"status": "contacted"}, headers=headers
    )
    second = quiet_client.patch(
        f"/api/leads/{lead_id}",
        json={"status": "won", "notes": "Signed"},
        headers=headers,
    )
    history = quiet_client.get(f"/api/leads/{lead_id}/history", headers=headers)

    assert first.status_code == second.status_code == 200
    assert (second.json()["status"], second.json()["notes"]) == ("won", "Signed")
    changes = history.json()["items"]
    assert [(c["field"], c["old_value"], c["new_value"]) for c in changes] == [
        ("status", "new", "contacted"),
        ("status", "contacted", "won"),
        ("notes", None, "Signed"),
    ]
    with sessions() as session:
        key_id = session.scalars(select(LeadChange.actor)).first()
    assert key_id is not None and key_id.startswith("key:")
    assert {c["actor"] for c in changes} == {key_id}


@pytest.mark.parametrize(
    "field",
    ["name", "email", "phone", "created_at", "channel", "extra", "id", "sheet_id"],
)
def test_a_sheet_owned_or_read_only_lead_field_is_422(
    quiet_client: TestClient, world: World, field: str
) -> None:
    response = quiet_client.patch(
        f"/api/leads/{world.a.lead_ids[0]}",
        json={"status": "won", field: "x"},
        headers=bearer(world.token("editor")),
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
    lead = _leads(quiet_client, world.token("editor"), f"q={field}")
    assert all(item["status"] == "new" for item in lead)  # nothing was written


@pytest.mark.parametrize(
    "body",
    [{"status": "done"}, {"status": None}, {"notes": "x" * 10_001}, {"notes": 5}],
)
def test_bad_status_or_notes_are_422(
    quiet_client: TestClient, world: World, body: dict[str, object]
) -> None:
    response = quiet_client.patch(
        f"/api/leads/{world.a.lead_ids[0]}", json=body, headers=bearer(world.admin)
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == set(body)


def test_a_sync_change_shows_in_the_history_with_its_run(
    quiet_client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
) -> None:
    serve(fake_google, "sheet-alpha", LEADS_CSV.replace(b"Ana Lima", b"Ana Souza"))
    outcome = sync_sheet(sessions, world.a.sheet_id, settings)
    (ana,) = _leads(quiet_client, world.token("viewer"), "q=ana@")

    history = quiet_client.get(
        f"/api/leads/{ana['id']}/history", headers=bearer(world.token("viewer"))
    ).json()["items"]

    assert [(c["field"], c["old_value"], c["new_value"]) for c in history] == [
        ("name", "Ana Lima", "Ana Souza")
    ]
    assert history[0]["run_id"] == outcome.run_id
    assert history[0]["actor"] == "sync"

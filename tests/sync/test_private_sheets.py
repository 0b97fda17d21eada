"""Private sheets synced through the agency's service account, end to end: a real
database, the fake Google with its token endpoint, the API and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from leadsync.api import create_app
from leadsync.api.items import OPERATOR_PROBLEM
from leadsync.cli import cli
from leadsync.cli.context import reset
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.keys import create_key
from leadsync.store.models import Base, LeadSyncState
from leadsync.sync.run import sync_sheet
from tests.conftest import spreadsheet_id
from tests.helpers import make_customer, register, stored
from tests.service_account import EMAIL, KeyFile, make_key_file

CSV = (
    b"Name,Email,Phone\n"
    b"Ana Lima,ana@example.com,+1 415 555 0101\n"
    b"Bruno Costa,bruno@example.com,+1 415 555 0102\n"
)


@pytest.fixture
def key(tmp_path: Path, fake_google: FakeGoogle) -> KeyFile:
    return make_key_file(tmp_path, fake_google)


def _private(
    sessions: sessionmaker[Session],
    fake: FakeGoogle,
    customer: int,
    name: str,
    shared_with: tuple[str, ...] = (EMAIL,),
    **fields: Any,
) -> int:
    sheet = register(sessions, fake, customer, name, CSV, **fields)
    fake.put(
        spreadsheet_id(name), "0", CSV, mode="shared_with_sa", shared_with=shared_with
    )
    return sheet


def _state(sessions: sessionmaker[Session], sheet_id: int) -> LeadSyncState:
    with sessions() as session:
        return session.get_one(LeadSyncState, sheet_id)


def test_a_private_sheet_without_a_key_fails_as_not_public(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    sheet = _private(sessions, fake_google, make_customer(sessions), "private")

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.error_code == "sheet_not_public"
    assert stored(sessions) == {}
    assert _state(sessions, sheet).read_as is None


def test_a_shared_private_sheet_syncs_as_the_service_account(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> None:
    sheet = _private(sessions, fake_google, make_customer(sessions), "private")

    outcome = sync_sheet(sessions, sheet, key.settings(settings))

    assert outcome.status == "ok", outcome.error_message
    assert set(stored(sessions)) == {"ana@example.com", "bruno@example.com"}
    assert _state(sessions, sheet).read_as == "service_account"

    # The next run asks with the token straight away.
    before = fake_google.hits(spreadsheet_id("private"))
    assert sync_sheet(sessions, sheet, key.settings(settings)).status == "unchanged"
    assert fake_google.hits(spreadsheet_id("private")) == before + 1


def test_a_sheet_not_shared_with_the_service_account_names_its_email(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> None:
    customer = make_customer(sessions)
    sheet = _private(sessions, fake_google, customer, "private", shared_with=())

    outcome = sync_sheet(sessions, sheet, key.settings(settings))

    assert outcome.error_code == "sheet_not_public"
    message = _state(sessions, sheet).error_message or ""
    assert f"Share the sheet with {EMAIL} as Viewer" in message


def test_one_token_request_serves_many_sheets(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> None:
    customer = make_customer(sessions)
    sheets = [
        _private(sessions, fake_google, customer, f"private-{n}") for n in range(6)
    ]

    outcomes = [sync_sheet(sessions, s, key.settings(settings)) for s in sheets]

    assert [o.status for o in outcomes] == ["ok"] * 6
    assert fake_google.oauth.token_requests == 1


def test_link_shared_sheets_work_as_before(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "public", CSV)

    outcome = sync_sheet(sessions, sheet, key.settings(settings))

    assert outcome.status == "ok"
    assert _state(sessions, sheet).read_as == "link"
    assert fake_google.oauth.token_requests == 0
    exports = [h for m, p, h in fake_google.requests if "/export" in p]
    assert all("Authorization" not in headers for headers in exports)


def test_access_mode_link_keeps_the_service_account_out(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> None:
    customer = make_customer(sessions)
    sheet = _private(sessions, fake_google, customer, "private", access_mode="link")

    outcome = sync_sheet(sessions, sheet, key.settings(settings))

    assert outcome.error_code == "sheet_not_public"
    assert fake_google.oauth.token_requests == 0


# A refused key, as the API shows it to customers and admins.


@pytest.fixture
def refused(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
) -> int:
    fake_google.oauth.refuse(EMAIL)
    sheet = _private(sessions, fake_google, make_customer(sessions), "private")
    outcome = sync_sheet(sessions, sheet, key.settings(settings))
    assert outcome.error_code == "auth_failed"
    return sheet


@pytest.fixture
def api(
    sessions: sessionmaker[Session], settings: Settings, key: KeyFile
) -> Iterator[TestClient]:
    with TestClient(create_app(key.settings(settings), sessions=sessions)) as client:
        yield client


def _token(sessions: sessionmaker[Session], role: str, customer: int | None) -> str:
    with sessions.begin() as session:
        return create_key(session, role, customer)[1]


def _views(client: TestClient, token: str, sheet: int) -> list[dict[str, Any]]:
    """Every API answer that carries the sheet's sync state or runs."""
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str) -> Any:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    return [
        *get("/api/leads/sync-state")["items"],
        *get("/api/leads")["sync_state"],
        *[item["sync_state"] for item in get("/api/sheets")["items"]],
        *get(f"/api/sync-runs?sheet_id={sheet}")["items"],
    ]


def test_a_refused_key_is_hidden_from_customers_and_shown_to_admins(
    sessions: sessionmaker[Session], refused: int, api: TestClient
) -> None:
    customer = _state(sessions, refused).customer_id
    real = _state(sessions, refused).error_message or ""
    assert "invalid_grant" in real and EMAIL in real

    for role in ("editor", "viewer"):
        views = _views(api, _token(sessions, role, customer), refused)
        assert {v["error_code"] for v in views} == {"auth_failed"}
        assert {v["error_message"] for v in views} == {OPERATOR_PROBLEM}

    admin_views = _views(api, _token(sessions, "admin", None), refused)
    assert {v["error_message"] for v in admin_views} == {real}


def test_the_service_account_route_shows_the_email(
    sessions: sessionmaker[Session], api: TestClient
) -> None:
    customer = make_customer(sessions)
    token = _token(sessions, "viewer", customer)

    answer = api.get(
        "/api/service-account", headers={"Authorization": f"Bearer {token}"}
    ).json()

    assert answer["email"] == EMAIL
    assert answer["instructions"].startswith(f"Share the sheet with {EMAIL} as Viewer")
    assert api.get("/api/service-account").status_code == 401


def test_the_service_account_route_without_a_key(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with TestClient(create_app(settings, sessions=sessions)) as client:
        token = _token(sessions, "admin", None)
        answer = client.get(
            "/api/service-account", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert answer == {"email": None, "instructions": None, "problem": None}


def test_access_mode_is_set_and_shown_through_the_api(
    sessions: sessionmaker[Session], api: TestClient
) -> None:
    customer = make_customer(sessions)
    headers = {"Authorization": f"Bearer {_token(sessions, 'editor', customer)}"}
    url = "https://docs.google.com/spreadsheets/d/" + spreadsheet_id("x") + "/edit"

    created = api.post(
        "/api/sheets",
        json={"url": url, "label": "Private", "access_mode": "service_account"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["access_mode"] == "service_account"
    sheet = created.json()["id"]

    changed = api.put(
        f"/api/sheets/{sheet}", json={"access_mode": "link"}, headers=headers
    )
    assert changed.json()["access_mode"] == "link"
    wrong = api.put(
        f"/api/sheets/{sheet}", json={"access_mode": "oauth"}, headers=headers
    )
    assert wrong.status_code == 422


# No key material anywhere.


def test_no_key_material_in_logs_answers_or_the_database(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    key: KeyFile,
    api: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    customer = make_customer(sessions)
    ok = _private(sessions, fake_google, customer, "shared")
    unshared = _private(sessions, fake_google, customer, "unshared", shared_with=())
    for sheet in (ok, unshared):
        sync_sheet(sessions, sheet, key.settings(settings))
    fake_google.oauth.refuse(EMAIL)
    fake_google.oauth.revoke_tokens()
    sync_sheet(sessions, ok, key.settings(settings))  # 401, then invalid_grant

    seen = [caplog.text, *_answers(api, sessions, customer, ok), _dump(sessions)]

    text = "\n".join(seen)
    assert "invalid_grant" in text  # the failure was recorded...
    for secret in key.secrets():  # ...but nothing of the key
        assert secret not in text


def _answers(
    api: TestClient, sessions: sessionmaker[Session], customer: int, sheet: int
) -> list[str]:
    answers = []
    for token in (
        _token(sessions, "admin", None),
        _token(sessions, "viewer", customer),
    ):
        headers = {"Authorization": f"Bearer {token}"}
        for path in (
            "/api/leads/sync-state",
            "/api/leads",
            "/api/sheets",
            f"/api/sync-runs?sheet_id={sheet}",
            "/api/service-account",
            "/openapi.json",
        ):
            response = api.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text)
            answers.append(response.text)
    return answers


def _dump(sessions: sessionmaker[Session]) -> str:
    rows = []
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in session.execute(select(table))]
    return "\n".join(rows)


# The command line.


def test_status_and_sheets_add_know_the_service_account(
    db_url: str, fake_google: FakeGoogle, key: KeyFile
) -> None:
    env = {
        "DATABASE_URL": db_url,
        "GOOGLE_SHEETS_BASE_URL": fake_google.base_url,
        "GOOGLE_SERVICE_ACCOUNT_FILE": str(key.path),
    }
    runner = CliRunner()

    def leadsync(*args: str) -> Any:
        reset()
        result = runner.invoke(cli, list(args), env=env)
        reset()
        assert result.exit_code == 0, (args, result.stderr, result.exception)
        return result

    customer = leadsync("customers", "create", "Acme").stdout.strip()
    name = "private"
    fake_google.put(
        spreadsheet_id(name), "0", CSV, mode="shared_with_sa", shared_with=[EMAIL]
    )
    url = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id(name)}/edit#gid=0"
    leadsync(
        "sheets", "add", "--customer", customer, "--url", url, "--label", "P",
        "--access-mode", "service_account",
    )  # fmt: skip
    leadsync("sync")

    status = leadsync("status").stdout
    assert status.splitlines()[0] == (
        f"Service account: {EMAIL} — share private sheets with it as Viewer"
    )
    assert "read_as=service_account" in status

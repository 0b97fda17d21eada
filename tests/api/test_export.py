"""CSV export: spreadsheet-safe by default (case 39), plain with raw=true."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.sync.run import sync_sheet
from tests.api.conftest import World, bearer
from tests.conftest import CASES
from tests.helpers import load_expected, register, settings_fields

CASE = "39-csv-formula-injection"
HEAD = [
    "name",
    "email",
    "phone",
    "created_at",
    "channel",
    "campaign",
    "sheet",
    "status",
    "notes",
    "first_seen_at",
]


def _case_sheet(
    sessions: sessionmaker[Session],
    fake: FakeGoogle,
    settings: Settings,
    customer_id: int,
) -> dict[str, object]:
    expected = load_expected(CASES / f"{CASE}.expected.json")
    body = (CASES / f"{CASE}.csv").read_bytes()
    fields = settings_fields(expected["settings"])
    sheet = register(sessions, fake, customer_id, "case39", body, **fields)
    assert sync_sheet(sessions, sheet, settings).status == "ok"
    return {"sheet_id": sheet, **expected["export_check"]}


def _rows(client: TestClient, token: str, query: str) -> list[list[str]]:
    response = client.get(f"/api/leads/export.csv?{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def test_export_neutralises_formula_cells(
    quiet_client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
) -> None:
    check = _case_sheet(sessions, fake_google, settings, world.a.customer_id)
    rows = _rows(quiet_client, world.token("viewer"), f"sheet_id={check['sheet_id']}")

    header, body = rows[0], rows[1:]
    assert header == HEAD  # this case has no extra columns
    columns = [header.index(name) for name in check["columns"]]  # type: ignore[attr-defined]
    assert [[row[i] for i in columns] for row in body] == check["rows"]
    assert {row[header.index("sheet")] for row in body} == {"case39"}


def test_raw_export_gives_plain_cells(
    quiet_client: TestClient,
    world: World,
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
) -> None:
    check = _case_sheet(sessions, fake_google, settings, world.a.customer_id)
    query = f"sheet_id={check['sheet_id']}&raw=true"
    rows = _rows(quiet_client, world.token("viewer"), query)

    names = [row[0] for row in rows[1:]]
    phones = [row[2] for row in rows[1:]]
    assert names[0].startswith("=HYPERLINK(")
    assert phones == [
        "+447700900123",
        "+447700900124",
        "+447700900125",
        "+447700900126",
    ]


def test_export_has_extra_columns_and_the_same_filters(
    quiet_client: TestClient, world: World
) -> None:
    rows = _rows(quiet_client, world.token("editor"), "q=bruno")
    assert rows[0] == [*HEAD, "Budget"]
    assert len(rows) == 2
    assert rows[1][:3] == ["Bruno Costa", "bruno@example.com", "'+14155550102"]
    assert rows[1][-1] == "200"
    assert rows[1][HEAD.index("status")] == "new"

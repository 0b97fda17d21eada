"""PostgreSQL's binary COPY of new leads stores what the text forms say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from leadsync.store.bulk import INSERT_COLUMNS
from leadsync.store.bulk_pg import PgLeadWriter
from leadsync.store.db import make_engine, make_sessionmaker, upgrade
from leadsync.store.sheets import add_sheet
from tests.conftest import PG_ADMIN_URL, sheet_url, spreadsheet_id
from tests.helpers import make_customer

INSTANTS = [
    "0001-01-01 00:00:00.000000",
    "1969-07-20 20:17:40.000000",
    "1999-12-31 23:59:59.999999",
    "2000-01-01 00:00:00.000000",
    "2000-01-01 00:00:00.000001",
    "2024-02-29 12:34:56.789012",
    "9999-12-31 23:59:59.999999",
]
DOCUMENTS = [
    "[]",
    "{}",
    '{"note": "caf\\u00e9 \\"quoted\\" \\\\ back\\nslash", "emoji": "\\ud83d\\ude42"}',
    '["a@example.com", "b@example.com"]',
    '{"k\\u00e9y": ""}',
    '{"nested": "{not json inside}"}',
    '{"tab": "a\\tb", "html": "<b>&amp;</b>"}',
]


def test_new_leads_store_the_instants_and_json_their_texts_say(
    pg_sessions: sessionmaker[Session],
) -> None:
    customer = make_customer(pg_sessions, "Binary")
    with pg_sessions.begin() as session:
        sid = spreadsheet_id("binary")
        sheet = add_sheet(session, customer, url=sheet_url(sid), label="b").id
    now = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC)
    rows = []
    for n, (instant, document) in enumerate(zip(INSTANTS, DOCUMENTS, strict=True)):
        values: dict[str, Any] = dict.fromkeys(INSERT_COLUMNS)
        values.update(
            customer_id=customer,
            sheet_id=sheet,
            lead_key=f"key{n}",
            key_kind="email",
            name="Zoë «Test» \\ \t tab",
            created_at=instant + "+00",
            created_at_text=instant,
            created_at_offset=-330 if n % 2 else None,
            created_at_date_only=n % 3 == 0,
            secondary_emails="[]",
            extra=document,
            raw=document,
            warnings='["phone_invalid"]',
            row_hash="h" * 32,
            row_digest=bytes(range(n, n + 16)),
            row_number=n + 2,
            status="new",
        )
        rows.append(values)
    with pg_sessions.begin() as session:
        writer = PgLeadWriter(session, customer, sheet, now)
        with writer:
            for values in rows:
                values.update(
                    first_seen_at=writer.now,
                    last_seen_at=writer.now,
                    updated_at=writer.now,
                )
            writer.insert([tuple(v[name] for name in INSERT_COLUMNS) for v in rows])
    with pg_sessions() as session:
        for values in rows:
            stored = session.execute(
                text(
                    "SELECT created_at = CAST(:at AS timestamptz), "
                    "first_seen_at = CAST(:now AS timestamptz), "
                    "updated_at = first_seen_at, missing_since IS NULL, "
                    "extra = CAST(:doc AS jsonb), raw = extra, warnings, "
                    "created_at_offset, created_at_date_only, row_digest, "
                    "row_number, name "
                    "FROM leads WHERE sheet_id = :sheet AND lead_key = :key"
                ),
                {
                    "at": values["created_at"],
                    "now": values["first_seen_at"],
                    "doc": values["extra"],
                    "sheet": sheet,
                    "key": values["lead_key"],
                },
            ).one()
            assert tuple(stored) == (
                True,
                True,
                True,
                True,
                True,
                True,
                ["phone_invalid"],
                values["created_at_offset"],
                values["created_at_date_only"],
                values["row_digest"],
                values["row_number"],
                values["name"],
            )


def test_columns_an_operator_changed_take_the_text_copy(
    pg_sessions: sessionmaker[Session], pg_database: str
) -> None:
    """An id widened to bigint does not fit the binary COPY's int4: new leads
    then go in by the text form, which the server converts."""
    name = f"leadsync_types_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            assert PgLeadWriter(session, 1, 1, datetime.now(UTC))._binary_fits()
            session.execute(
                text(
                    "ALTER TABLE leads ALTER customer_id TYPE bigint, "
                    "ALTER sheet_id TYPE bigint"
                )
            )
        customer = make_customer(sessions, "Wide")
        with sessions.begin() as session:
            link = sheet_url(spreadsheet_id("wide"))
            sheet = add_sheet(session, customer, url=link, label="w").id
        with sessions.begin() as session:
            writer = PgLeadWriter(session, customer, sheet, datetime.now(UTC))
            assert not writer._binary_fits()
            row: dict[str, Any] = dict.fromkeys(INSERT_COLUMNS)
            row.update(
                customer_id=customer,
                sheet_id=sheet,
                lead_key="k",
                key_kind="email",
                created_at="2024-02-29 12:34:56.789012+00",
                created_at_date_only=False,
                secondary_emails="[]",
                extra='{"a": "b"}',
                raw="{}",
                warnings="[]",
                row_hash="h",
                first_seen_at=writer.now,
                last_seen_at=writer.now,
                updated_at=writer.now,
                status="new",
            )
            with writer:
                writer.insert([tuple(row[c] for c in INSERT_COLUMNS)])
        with sessions() as session:
            stored = session.execute(
                text("SELECT customer_id, extra, created_at FROM leads")
            ).one()
        assert stored[:2] == (customer, {"a": "b"})
        assert stored[2] == datetime(2024, 2, 29, 12, 34, 56, 789012, tzinfo=UTC)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

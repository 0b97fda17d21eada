"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError

from leadsync.store.customers import create_customer
from leadsync.store.db import _alembic_config, make_engine, make_sessionmaker
from leadsync.store.models import Base, Customer, LeadChange, LeadRecord
from leadsync.store.sheets import add_sheet
from tests.conftest import PG_ADMIN_URL, sheet_url, spreadsheet_id


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    # Trigram indexes exist only in the migration (PostgreSQL with pg_trgm).
    differences = [
        d for d in differences if not (d[0] == "remove_index" and "trgm" in d[1].name)
    ]
    if db_url.startswith("postgresql"):
        differences = _without_lead_sheet_key(differences)
    assert differences == []


def _without_lead_sheet_key(differences: list[Any]) -> list[Any]:
    """On PostgreSQL a lead's two one-column foreign keys are one on (sheet_id,
    customer_id) (migration 0007): exactly that difference, and no other."""
    expected = {
        ("add_fk", ("customer_id",), "customers", ("id",)),
        ("add_fk", ("sheet_id",), "sheets", ("id",)),
        ("remove_fk", ("sheet_id", "customer_id"), "sheets", ("id", "customer_id")),
    }
    found, rest = set(), []
    for difference in differences:
        kind, key = difference[0], difference[1]
        if kind in ("add_fk", "remove_fk") and key.table.name == "leads":
            found.add(
                (
                    kind,
                    tuple(key.column_keys),
                    key.referred_table.name,
                    tuple(e.column.name for e in key.elements),
                )
            )
        else:
            rest.append(difference)
    assert found == expected
    return rest


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_lead_sheet_key_keeps_every_lead_and_refuses_a_foreign_customer(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Migration 0007 on a database with leads and history: nothing is lost; on
    PostgreSQL a lead must belong to its sheet's customer; deleting a customer
    still deletes its sheets, their leads and the leads' history."""
    with _fresh_database(kind, tmp_path, request) as url:
        engine = make_engine(url)
        config = _alembic_config(engine)
        command.upgrade(config, "0006")
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            acme = create_customer(session, "Acme").id
            other = create_customer(session, "Other").id
            link = sheet_url(spreadsheet_id("k"))
            sheet = add_sheet(session, acme, url=link, label="k")
            lead = LeadRecord(
                customer_id=acme,
                sheet_id=sheet.id,
                lead_key="a@example.com",
                key_kind="email",
                email="a@example.com",
                row_hash="h",
            )
            session.add(lead)
            session.flush()
            session.add(
                LeadChange(
                    customer_id=acme, lead_id=lead.id, field="name", actor="sync"
                )
            )
            sheet_id = sheet.id
        command.upgrade(config, "head")
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(LeadRecord)) == 1
            if kind == "postgres":  # every stored lead fits: validated
                assert session.scalar(
                    text(
                        "SELECT convalidated FROM pg_constraint "
                        "WHERE conname = 'fk_lead_sheet'"
                    )
                )
            assert session.scalar(select(func.count()).select_from(LeadChange)) == 1
        stray = LeadRecord(
            customer_id=other,
            sheet_id=sheet_id,
            lead_key="b@example.com",
            key_kind="email",
            row_hash="h",
        )
        if kind == "postgres":
            refused = pytest.raises(IntegrityError, match="fk_lead_sheet")
            with refused, sessions.begin() as session:
                session.add(stray)
        with sessions.begin() as session:
            session.execute(delete(Customer).where(Customer.id == acme))
        with sessions() as session:
            left = session.scalars(select(LeadRecord.customer_id)).all()
            assert acme not in left
            assert session.scalar(select(func.count()).select_from(LeadChange)) == 0
        engine.dispose()


@contextmanager
def _fresh_database(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("pg_database")  # PostgreSQL is here (or skip/fail)
    name = f"leadsync_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""An app over a real database (SQLite and PostgreSQL) with two customers, keys of
every role, a synced sheet each, and a fake Google."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api import create_app
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.keys import create_key
from leadsync.sync.run import sync_sheet
from tests.helpers import make_customer, register, stored

LEADS_CSV = (
    b"Name,Email,Phone,Created,Source,Campaign,Budget\n"
    b"Ana Lima,ana@example.com,+1 415 555 0101,2024-03-01,Facebook,Spring,100\n"
    b"Bruno Costa,bruno@example.com,+1 415 555 0102,2024-03-02,Google Ads,Spring,200\n"
    b"Chloe Martin,chloe@example.org,+1 415 555 0103,2024-03-03,ig,Summer,300\n"
)


@dataclass
class Tenant:
    customer_id: int
    sheet_id: int
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token
    lead_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    admin: str
    a: Tenant
    b: Tenant

    def token(self, role: str, tenant: str = "a") -> str:
        if role == "admin":
            return self.admin
        return getattr(self, tenant).tokens[role]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_key(
    sessions: sessionmaker[Session], role: str, customer_id: int | None = None
) -> str:
    with sessions.begin() as session:
        return create_key(session, role, customer_id)[1]


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, sessions=sessions)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


class RecordingRunner:
    """Remembers which sheets were handed over instead of syncing them."""

    def __init__(self) -> None:
        self.kicked: list[int] = []

    def kick(self, sheet_id: int) -> None:
        self.kicked.append(sheet_id)


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def quiet_client(
    settings: Settings, sessions: sessionmaker[Session], runner: RecordingRunner
) -> Iterator[TestClient]:
    """A client whose "Sync now" only records the request."""
    with TestClient(create_app(settings, sessions=sessions, runner=runner)) as c:
        yield c


def _tenant(
    sessions: sessionmaker[Session], fake: FakeGoogle, settings: Settings, name: str
) -> Tenant:
    customer = make_customer(sessions, name)
    sheet = register(sessions, fake, customer, f"sheet-{name}", LEADS_CSV)
    outcome = sync_sheet(sessions, sheet, settings)
    assert outcome.status == "ok", outcome.error_message
    tenant = Tenant(customer, sheet)
    tenant.tokens = {
        role: new_key(sessions, role, customer) for role in ("editor", "viewer")
    }
    tenant.lead_ids = sorted(
        lead["id"] for lead in stored(sessions, sheet_id=sheet).values()
    )
    assert len(tenant.lead_ids) == 3
    return tenant


@pytest.fixture
def world(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> World:
    return World(
        admin=new_key(sessions, "admin"),
        a=_tenant(sessions, fake_google, settings, "alpha"),
        b=_tenant(sessions, fake_google, settings, "bravo"),
    )

"""``leadsync keys``: the token on stdout only, usable at once, revocable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from leadsync.api import create_app
from leadsync.cli import cli
from leadsync.cli.context import reset
from leadsync.config import Settings
from leadsync.store.keys import hash_token
from leadsync.store.models import ApiKey
from tests.helpers import make_customer


class Keys:
    def __init__(self, db_url: str) -> None:
        self.env = {"DATABASE_URL": db_url}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> Any:
        reset()
        result = self.runner.invoke(cli, ["keys", *args], env=self.env)
        reset()
        assert result.exit_code == code, (args, result.stderr, result.exception)
        return result


@pytest.fixture
def keys(db_url: str) -> Keys:
    return Keys(db_url)


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sessions=sessions)) as test_client:
        yield test_client


def _get(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.get("/api/customers", headers=headers).status_code


def test_create_prints_only_the_token_and_it_works(
    keys: Keys, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    customer = make_customer(sessions)

    admin = keys("create", "--role", "admin").stdout
    viewer = keys("create", "--role", "viewer", "--customer", str(customer)).stdout

    for out in (admin, viewer):
        assert out.count("\n") == 1 and out.startswith("lsk_")
    assert _get(client, admin.strip()) == 200
    assert _get(client, viewer.strip()) == 200
    with sessions() as session:
        rows = session.execute(select(ApiKey.role, ApiKey.token_hash)).all()
    assert sorted(rows) == sorted(
        [("admin", hash_token(admin.strip())), ("viewer", hash_token(viewer.strip()))]
    )


def test_revoke_ends_the_token(
    keys: Keys, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    token = keys("create", "--role", "admin").stdout.strip()
    with sessions() as session:
        key_id = session.scalars(select(ApiKey.id)).one()

    result = keys("revoke", str(key_id))

    assert result.stdout == ""
    assert _get(client, token) == 401
    listed = keys("list").stdout
    assert token not in listed and '"revoked_at": null' not in listed


@pytest.mark.parametrize(
    "args",
    [
        ["create", "--role", "owner"],
        ["create", "--role", "editor"],  # a customer key needs its customer
        ["create", "--role", "admin", "--customer", "1"],
        ["create", "--role", "viewer", "--customer", "999"],
        ["revoke", "999"],
    ],
)
def test_bad_requests_fail_with_one_line(keys: Keys, args: list[str]) -> None:
    result = keys(*args, code=1)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1

"""Every /api route needs a valid, unrevoked token; tokens are stored only hashed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.store.keys import hash_token, revoke_key
from leadsync.store.models import ApiKey
from tests.api.conftest import World, bearer, new_key
from tests.api.routes import ROUTES, Route


def _send(
    client: TestClient, route: Route, world: World, headers: dict[str, str]
) -> Any:
    body = route.body(world.a) if route.body else None
    return client.request(route.method, route.path(world.a), json=body, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=Route.name)
def test_every_route_refuses_a_missing_bad_or_revoked_token(
    client: TestClient, world: World, sessions: sessionmaker[Session], route: Route
) -> None:
    revoked = new_key(sessions, "editor", world.a.customer_id)
    with sessions.begin() as session:
        key_id = session.scalars(
            select(ApiKey.id).where(ApiKey.token_hash == hash_token(revoked))
        ).one()
        revoke_key(session, key_id)
    attempts = {
        "none": {},
        "bad": bearer("lsk_" + "x" * 43),
        "not lsk": bearer("hello"),
        "basic": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "empty": {"Authorization": "Bearer "},
        "revoked": bearer(revoked),
    }
    for name, headers in attempts.items():
        response = _send(client, route, world, headers)
        assert response.status_code == 401, (name, response.text)
        error = response.json()["error"]
        assert error["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_no_token_is_401_even_before_the_body_is_read(client: TestClient) -> None:
    response = client.post(
        "/api/sheets",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert client.get("/api/no-such-route").status_code == 401


def test_tokens_are_stored_only_as_hashes(
    sessions: sessionmaker[Session], world: World
) -> None:
    tokens = [world.admin, *world.a.tokens.values(), *world.b.tokens.values()]
    with sessions() as session:
        rows = session.execute(select(ApiKey.token_hash, ApiKey.prefix)).all()
    stored_text = " ".join(f"{h} {p}" for h, p in rows)
    for token in tokens:
        assert token.startswith("lsk_") and len(token) > 40
        assert token not in stored_text
        assert token[8:] not in stored_text  # no more than the prefix is kept
        assert hash_token(token) in {h for h, _ in rows}


def test_a_valid_token_works_and_revoking_it_ends_it(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    token = new_key(sessions, "viewer", world.a.customer_id)
    assert client.get("/api/sheets", headers=bearer(token)).status_code == 200
    with sessions.begin() as session:
        key = session.scalars(
            select(ApiKey).where(ApiKey.token_hash == hash_token(token))
        ).one()
        revoke_key(session, key.id)
    assert client.get("/api/sheets", headers=bearer(token)).status_code == 401

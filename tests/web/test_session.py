"""Login, logout, the session cookie and CSRF, over both databases (no browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api import create_app
from leadsync.config import Settings
from leadsync.store.keys import create_key, revoke_key
from leadsync.web.session import SESSION_COOKIE
from tests.helpers import make_customer

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def keys(sessions: sessionmaker[Session]) -> dict[str, tuple[int, str]]:
    customer = make_customer(sessions, "Acme")
    with sessions.begin() as session:
        admin, admin_token = create_key(session, "admin")
        viewer, viewer_token = create_key(session, "viewer", customer)
        return {"admin": (admin.id, admin_token), "viewer": (viewer.id, viewer_token)}


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, sessions=sessions)) as test_client:
        yield test_client


def log_in(client: TestClient, token: str) -> str:
    """Log in and answer the page's CSRF token."""
    response = client.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/leads"
    page = client.get("/leads")
    match = CSRF_META.search(page.text)
    assert match, page.text
    return match.group(1)


def test_login_sets_an_httponly_samesite_cookie_without_the_token(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    key_id, token = keys["admin"]
    response = client.post("/login", data={"token": token}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=v1.{key_id}.")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert token not in cookie and token[4:20] not in cookie
    assert client.get("/api/customers").status_code == 200


def test_a_wrong_token_shows_the_form_again(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    response = client.post("/login", data={"token": "lsk_" + "x" * 43})
    assert response.status_code == 401
    assert "unknown or has been revoked" in response.text
    assert "set-cookie" not in response.headers
    assert client.get("/leads", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/customers").status_code == 401


def test_cookie_writes_need_the_csrf_token_bearer_writes_do_not(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    csrf = log_in(client, keys["admin"][1])
    refused = client.post("/api/customers", json={"name": "Forged"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post(
        "/api/customers", json={"name": "Forged"}, headers={"X-CSRF-Token": "x" * 43}
    )
    assert wrong.status_code == 403
    made = client.post(
        "/api/customers", json={"name": "Real"}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 201

    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {keys['admin'][1]}"}
    assert (
        client.post("/api/customers", json={"name": "B"}, headers=bearer).status_code
        == 201
    )


def test_a_tampered_or_foreign_cookie_is_not_a_session(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    log_in(client, keys["viewer"][1])
    value = client.cookies[SESSION_COOKIE]
    admin_id = keys["admin"][0]
    forged = re.sub(r"^v1\.\d+\.", f"v1.{admin_id}.", value)
    for junk in (forged, "", "v1", "v1.1.2.3.4", value + "x", "v1.99999.1.a.b"):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, junk)
        assert client.get("/api/customers").status_code == 401, junk
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value)
    assert client.get("/api/customers").status_code == 200


def test_a_revoked_key_ends_its_sessions(
    client: TestClient,
    sessions: sessionmaker[Session],
    keys: dict[str, tuple[int, str]],
) -> None:
    log_in(client, keys["viewer"][1])
    assert client.get("/api/leads").status_code == 200
    with sessions.begin() as session:
        revoke_key(session, keys["viewer"][0])
    assert client.get("/api/leads").status_code == 401
    assert (
        client.get("/sources", follow_redirects=False).headers["location"] == "/login"
    )


def test_logout_needs_the_token_and_clears_the_cookie(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    csrf = log_in(client, keys["admin"][1])
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/api/customers").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert client.get("/api/customers").status_code == 401


def test_a_login_form_posted_from_another_site_is_refused(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    response = client.post(
        "/login",
        data={"token": keys["admin"][1]},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_pages_forbid_inline_scripts_and_framing(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    log_in(client, keys["admin"][1])
    for path in ("/login", "/leads", "/sources"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_the_tabs_name_what_checks_rely_on(
    client: TestClient, keys: dict[str, tuple[int, str]]
) -> None:
    log_in(client, keys["admin"][1])
    leads = client.get("/leads").text
    assert '<label for="customer">Customer</label>' in leads
    assert ">Leads</a>" in leads and ">Lead sources</a>" in leads
    sources = client.get("/sources").text
    assert '<label for="url">Sheet URL</label>' in sources
    assert '<label for="label">Label</label>' in sources
    assert '<button type="submit">Save</button>' in sources

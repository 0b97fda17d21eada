"""Who a UI request comes from: the session cookie, checked against its API key.

A cookie-authenticated write must carry the page's CSRF token in ``X-CSRF-Token``
(another site can make a browser send the cookie, but cannot read the page's token).
Bearer requests need none: no browser adds that header by itself.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from leadsync.api.errors import ApiError
from leadsync.api.principal import Principal, Resolver
from leadsync.store.models import ApiKey
from leadsync.web.session import SESSION_COOKIE, SessionSigner, parse_claim

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_MESSAGE = (
    "This change came without the page's security token (X-CSRF-Token). "
    "Reload the page and try again."
)


@dataclass(frozen=True)
class UiSession:
    principal: Principal
    csrf_token: str


def ui_session(
    conn: HTTPConnection, session: Session, signer: SessionSigner
) -> UiSession | None:
    """The caller of a valid cookie whose key is still live, else None."""
    value = conn.cookies.get(SESSION_COOKIE)
    claim = parse_claim(value) if value else None
    if value is None or claim is None:
        return None
    key = session.get(ApiKey, claim.key_id)
    if key is None or key.revoked_at is not None:
        return None
    if key.role != "admin" and key.customer_id is None:
        return None
    if signer.verify(value, key.token_hash) is None:
        return None
    principal = Principal(key.id, key.role, key.customer_id)
    return UiSession(principal, signer.csrf_token(value, key.token_hash))


def cookie_resolver(signer: SessionSigner) -> Resolver:
    """The resolver the API asks after the bearer one."""

    def resolve(conn: HTTPConnection, session: Session) -> Principal | None:
        found = ui_session(conn, session, signer)
        if found is None:
            return None
        if conn.scope.get("method", "GET") not in SAFE_METHODS:
            check_csrf(conn.headers.get(CSRF_HEADER), found.csrf_token)
        return found.principal

    return resolve


def check_csrf(sent: str | None, expected: str) -> None:
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(403, CSRF_MESSAGE, code="csrf_failed")

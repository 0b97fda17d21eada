"""API keys: create, revoke, authenticate. Only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.errors import InvalidInput, NotFound
from leadsync.store.customers import get_customer
from leadsync.store.models import ApiKey
from leadsync.store.types import utcnow

ROLES = ("admin", "editor", "viewer")
TOKEN_PREFIX = "lsk_"
PREFIX_LENGTH = 8  # shown to people to tell keys apart; not enough to guess one


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(
    session: Session, role: str, customer_id: int | None = None
) -> tuple[ApiKey, str]:
    """A new key and its token; the token is returned once and never stored."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "admin" and customer_id is not None:
        raise InvalidInput("an admin key sees every customer: give no customer")
    if role != "admin":
        if customer_id is None:
            raise InvalidInput(f"{role} keys need a customer")
        get_customer(session, customer_id)

    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
        role=role,
        customer_id=customer_id,
    )
    session.add(key)
    session.flush()
    return key, token


def revoke_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The live key for this token, or None (unknown, malformed or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    key = session.scalars(select(ApiKey).where(ApiKey.token_hash == digest)).first()
    # The lookup is by hash already; compare again in constant time for good measure.
    if key is None or not hmac.compare_digest(key.token_hash, digest):
        return None
    return key if key.revoked_at is None else None


def has_active_admin(session: Session) -> bool:
    query = select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))
    return session.scalars(query.limit(1)).first() is not None


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))

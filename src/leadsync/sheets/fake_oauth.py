"""The fake Google's OAuth side: a token endpoint for service accounts.

``POST /token`` takes the JWT-bearer grant google-auth sends, checks the
assertion's signature with the public key of a service account it was told about
(``add_service_account``) and answers an access token, as
https://oauth2.googleapis.com/token does. Sheets shared with a service account
then answer to that token (``FakeGoogle``, mode ``shared_with_sa``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Collection
from urllib.parse import parse_qs

from google.auth import exceptions as google_errors
from google.auth import jwt

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/token"
# google-auth always names Google's endpoint as the assertion's audience, wherever
# the key file's token_uri sends it; Google checks for that name.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


class FakeOAuth:
    """Service accounts, the tokens issued to them, and how many were asked for."""

    def __init__(self, token_uri: str) -> None:
        self.token_uri = token_uri
        self.token_lifetime = 3600  # seconds, as Google's
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}
        self._refused: set[str] = set()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._token_requests = 0

    def add_service_account(self, email: str, public_key_pem: str | bytes) -> None:
        key = (
            public_key_pem.decode()
            if isinstance(public_key_pem, bytes)
            else public_key_pem
        )
        with self._lock:
            self._keys[email] = key

    def refuse(self, email: str) -> None:
        """Answer ``invalid_grant`` for this account, as for a deleted key."""
        with self._lock:
            self._refused.add(email)

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    @property
    def token_requests(self) -> int:
        with self._lock:
            return self._token_requests

    def identity(self, authorization: str | None) -> str | None:
        """The service account a live ``Bearer`` token was issued to."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            email, expires = self._tokens.get(token.strip(), ("", 0.0))
        return email if email and time.monotonic() < expires else None

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """Status and JSON body for a token request."""
        with self._lock:
            self._token_requests += 1
        form = parse_qs(body.decode("utf-8", "replace"))
        if form.get("grant_type", [""])[-1] != JWT_BEARER:
            return _error(400, "unsupported_grant_type", "Expected a JWT bearer grant.")
        email = self._verified(form.get("assertion", [""])[-1])
        if email is None:
            return _error(400, "invalid_grant", "Invalid JWT Signature.")
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._lock:
            lifetime = self.token_lifetime
            self._tokens[token] = (email, time.monotonic() + lifetime)
        answer = {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}
        return 200, json.dumps(answer).encode()

    def _verified(self, assertion: str) -> str | None:
        try:
            claims = jwt.decode(assertion, verify=False)  # type: ignore[no-untyped-call]
        except (ValueError, google_errors.GoogleAuthError):
            return None
        email = str(claims.get("iss", ""))
        with self._lock:
            key = self._keys.get(email)
            refused = email in self._refused
        if key is None or refused:
            return None
        try:
            jwt.decode(  # type: ignore[no-untyped-call]
                assertion, certs=key, audience=[GOOGLE_TOKEN_AUDIENCE, self.token_uri]
            )
        except (ValueError, google_errors.GoogleAuthError):
            return None
        return email


def sheet_access(
    oauth: FakeOAuth, authorization: str | None, shared_with: Collection[str]
) -> str:
    """How a private sheet answers: ``granted``, ``denied`` (a signed-in account
    it is not shared with), ``invalid`` (a bad token) or ``anonymous``."""
    if not authorization:
        return "anonymous"
    email = oauth.identity(authorization)
    if email is None:
        return "invalid"
    return "granted" if email in shared_with else "denied"


def _error(status: int, code: str, description: str) -> tuple[int, bytes]:
    return status, json.dumps(
        {"error": code, "error_description": description}
    ).encode()

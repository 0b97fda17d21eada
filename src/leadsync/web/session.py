"""UI sessions: a signed cookie bound to one API key, and its CSRF token.

The cookie holds ``v1.<key id>.<issued>.<nonce>.<signature>``, never the token. The
signing key is derived from the server secret *and* the API key's stored hash, so a
session dies with its key (revoked keys are also refused on every request) and a
leaked secret alone forges nothing. The CSRF token is derived from the session the
same way, so the server can check it without storing anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from leadsync.errors import InvalidInput
from leadsync.store.db import normalize_url
from leadsync.store.secrets import shared_secret

log = logging.getLogger(__name__)

SECRET_ENV = "LEADSYNC_SECRET_KEY"
MIN_SECRET_LENGTH = 32
SESSION_SECRET_NAME = "ui_session"
SESSION_COOKIE = "leadsync_session"
SESSION_MAX_AGE = 14 * 24 * 3600  # seconds; people log in again after two weeks
VERSION = "v1"


@dataclass(frozen=True)
class SessionClaim:
    key_id: int
    issued: int
    nonce: str


def load_secret(
    database_url: str,
    env: dict[str, str] | None = None,
    sessions: sessionmaker[Session] | None = None,
) -> bytes:
    """``LEADSYNC_SECRET_KEY``, else a secret kept in a file next to the SQLite
    database (made once), else one kept in the database, which every process of a
    PostgreSQL installation shares, else one for this process only (a warning)."""
    environ = dict(os.environ) if env is None else env
    given = environ.get(SECRET_ENV, "").strip()
    if given:
        if len(given) < MIN_SECRET_LENGTH:
            raise InvalidInput(
                f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters"
            )
        return given.encode("utf-8")
    path = secret_path(database_url)
    if path is not None:
        return _file_secret(path)
    if sessions is not None:
        return shared_secret(sessions, SESSION_SECRET_NAME).encode("ascii")
    log.warning(
        "%s is not set: UI sessions are signed with a secret of this process only, "
        "so they end when it restarts and other processes do not accept them",
        SECRET_ENV,
    )
    return secrets.token_bytes(32)


def secret_path(database_url: str) -> Path | None:
    """``<database file>.secret`` for a SQLite file database, else None."""
    url = make_url(normalize_url(database_url))
    if not url.drivername.startswith("sqlite"):
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + ".secret")


def _file_secret(path: Path) -> bytes:
    """Read the secret, or make it. Created under a temporary name and linked into
    place, so two processes starting at once end up with the same secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: use its secret
        finally:
            temporary.unlink()
    return path.read_text(encoding="ascii").strip().encode("ascii")


class SessionSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _key(self, token_hash: str) -> bytes:
        material = b"leadsync-session\x00" + token_hash.encode("ascii")
        return hmac.new(self._secret, material, hashlib.sha256).digest()

    def _sign(self, token_hash: str, message: str) -> str:
        digest = hmac.new(self._key(token_hash), message.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def issue(self, key_id: int, token_hash: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        payload = f"{VERSION}.{key_id}.{issued}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(token_hash, payload)}"

    def verify(
        self, value: str, token_hash: str, now: float | None = None
    ) -> SessionClaim | None:
        """The claim if the signature is right and the session is not too old."""
        claim = parse_claim(value)
        if claim is None:
            return None
        payload = value.rsplit(".", 1)[0]
        if not hmac.compare_digest(
            value.rsplit(".", 1)[1], self._sign(token_hash, payload)
        ):
            return None
        age = (time.time() if now is None else now) - claim.issued
        return claim if age + 60 >= 0 and age <= SESSION_MAX_AGE else None

    def csrf_token(self, value: str, token_hash: str) -> str:
        """The token the page sends back in ``X-CSRF-Token`` for this session."""
        return self._sign(token_hash, "csrf." + value)


def parse_claim(value: str) -> SessionClaim | None:
    """The unverified parts of a cookie value (to find its key), or None."""
    parts = value.split(".")
    if len(value) > 300 or len(parts) != 5 or parts[0] != VERSION:
        return None
    _version, key_id, issued, nonce, _signature = parts
    if not (key_id.isdigit() and issued.isdigit()) or len(key_id) > 10:
        return None
    return SessionClaim(int(key_id), int(issued), nonce)

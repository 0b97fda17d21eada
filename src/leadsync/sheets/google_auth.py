"""The agency's Google service account: its key, its email and its access tokens.

The key file (``GOOGLE_SERVICE_ACCOUNT_FILE``) is read with ``google-auth``, which
signs a JWT and trades it for an access token at the key file's own ``token_uri``.
Tokens are cached for the whole process and refreshed a few minutes before they
expire, so thousands of sheets cost one token request an hour. Every error leaves
here as a ``SyncFailure`` whose message names the file, never its contents.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from google.auth import _helpers, transport
from google.auth import exceptions as google_errors
from google.oauth2 import service_account

from leadsync.config import Settings
from leadsync.errors import SyncFailure

log = logging.getLogger(__name__)

SCOPES = (
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/spreadsheets.readonly",
)
# A token this close to its expiry is replaced before use: a long download started
# with it must not outlive it.
REFRESH_MARGIN_SECONDS = 300.0
TOKEN_TIMEOUT_SECONDS = 30.0
SHARE_HINT = "share private sheets with it as Viewer"


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):
    """google-auth's transport interface over httpx (no ``requests`` needed)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            response = self._client.request(
                method,
                url,
                content=body,
                headers=dict(headers or {}),
                timeout=timeout or TOKEN_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            raise google_errors.TransportError(  # type: ignore[no-untyped-call]
                type(exc).__name__
            ) from exc
        return _Response(response)


@dataclass
class _Entry:
    credentials: Any  # service_account.Credentials
    email: str
    token: str | None = None
    fresh_until: float = 0.0  # monotonic seconds


class TokenCache:
    """Access tokens per key file, shared by every thread of the process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int, int], _Entry] = {}
        self._refreshing: dict[tuple[str, int, int], threading.Lock] = {}

    def email(self, path: str) -> str:
        return self._entry(path)[1].email

    def token(self, path: str) -> str:
        """A token valid for at least REFRESH_MARGIN_SECONDS more."""
        key, entry = self._entry(path)
        # One refresh per key at a time: sheets synced concurrently wait for it
        # instead of each asking Google for a token of their own.
        with self._refresh_lock(key):
            if entry.token is None or self._clock() >= entry.fresh_until:
                self._refresh(path, entry)
            assert entry.token is not None
            return entry.token

    def forget(self, path: str) -> None:
        """Drop the token (Google refused it); the next ``token()`` asks again."""
        with self._lock:
            for key, entry in self._entries.items():
                if key[0] == path:
                    entry.token = None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._refreshing.clear()

    def _entry(self, path: str) -> tuple[tuple[str, int, int], _Entry]:
        # Keyed by the file's identity too, so a rotated key is picked up at once.
        key = _file_key(path)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None:
            return key, entry
        credentials = load_credentials(path)
        with self._lock:
            entry = self._entries.setdefault(
                key, _Entry(credentials, credentials.service_account_email)
            )
        return key, entry

    def _refresh_lock(self, key: tuple[str, int, int]) -> threading.Lock:
        with self._lock:
            return self._refreshing.setdefault(key, threading.Lock())

    def _refresh(self, path: str, entry: _Entry) -> None:
        started = self._clock()
        with httpx.Client(follow_redirects=False) as client:
            try:
                entry.credentials.refresh(HttpxRequest(client))
            except google_errors.GoogleAuthError as exc:
                entry.token = None
                raise _translate(exc, path, entry.email) from None
        entry.token = entry.credentials.token
        entry.fresh_until = (
            started + _lifetime(entry.credentials) - (REFRESH_MARGIN_SECONDS)
        )
        log.info("service account %s: new access token", entry.email)


def _file_key(path: str) -> tuple[str, int, int]:
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return path, stat.st_mtime_ns, stat.st_size


def _lifetime(credentials: Any) -> float:
    expiry = credentials.expiry  # naive UTC, set by google-auth from expires_in
    if expiry is None:
        return REFRESH_MARGIN_SECONDS * 2
    now = _helpers.utcnow()  # type: ignore[no-untyped-call]
    return float((expiry - now).total_seconds())


def _translate(exc: Exception, path: str, email: str) -> SyncFailure:
    """google-auth's errors as ours. Their text may quote Google's answer, never
    the key; only the error code of that answer is kept."""
    if isinstance(exc, google_errors.TransportError) or getattr(
        exc, "retryable", False
    ):
        return SyncFailure(
            "upstream_error",
            "Could not get an access token for the agency's service account from "
            "Google. Nothing was changed; leadsync will try again automatically.",
        )
    return SyncFailure(
        "auth_failed",
        f"Google refused the service account {email} "
        f"({_error_code(exc)}). Check GOOGLE_SERVICE_ACCOUNT_FILE ({path}): the key "
        "may have been deleted or disabled in the Google Cloud console.",
    )


def _error_code(exc: Exception) -> str:
    details = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(details, Mapping) and isinstance(details.get("error"), str):
        return str(details["error"])[:64]
    return type(exc).__name__


def load_credentials(path: str) -> Any:
    """The key file as google-auth credentials, or an ``auth_failed`` naming it."""
    try:
        return service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            path, scopes=list(SCOPES)
        )
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except json.JSONDecodeError as exc:
        raise _broken(path, f"it is not JSON (line {exc.lineno})") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise _broken(path, _what_is_wrong(exc)) from None


def _what_is_wrong(exc: Exception) -> str:
    # google-auth names missing fields; any other text (a key that does not parse)
    # is not repeated, in case it quotes the file.
    text = str(exc)
    if "missing fields" in text:
        return "missing fields " + text.split("missing fields", 1)[1].strip(" .")
    return f"its private_key cannot be read ({type(exc).__name__})"


def _unreadable(path: str, exc: OSError) -> SyncFailure:
    reason = exc.strerror or type(exc).__name__
    return SyncFailure(
        "auth_failed",
        f"GOOGLE_SERVICE_ACCOUNT_FILE ({path}) cannot be read: {reason}.",
    )


def _broken(path: str, reason: str) -> SyncFailure:
    return SyncFailure(
        "auth_failed",
        f"GOOGLE_SERVICE_ACCOUNT_FILE ({path}) is not a service-account key file: "
        f"{reason}. Download a JSON key for the service account again.",
    )


TOKENS = TokenCache()


def is_configured(settings: Settings) -> bool:
    return bool(settings.google_service_account_file)


def access_token(settings: Settings) -> str:
    """A Bearer token of the agency's service account (``auth_failed`` without one)."""
    path = settings.google_service_account_file
    if not path:
        raise SyncFailure(
            "auth_failed",
            "This sheet is to be read with the agency's service account, but "
            "GOOGLE_SERVICE_ACCOUNT_FILE is not set.",
        )
    return TOKENS.token(path)


def forget_token(settings: Settings) -> None:
    if settings.google_service_account_file:
        TOKENS.forget(settings.google_service_account_file)


def service_account_email(settings: Settings) -> str | None:
    """The email to share private sheets with; None without a key file.

    Raises ``SyncFailure("auth_failed")`` when the key file is set but unusable.
    """
    path = settings.google_service_account_file
    return TOKENS.email(path) if path else None


def share_instructions(email: str) -> str:
    return (
        f"Share the sheet with {email} as Viewer, or set General access to "
        '"Anyone with the link".'
    )
